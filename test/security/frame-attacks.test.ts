/**
 * Attacks on the probe's framing and on verdicts from output that never arrived. Every byte,
 * file name and symlink target on the node is hostile: these trees are what an attacker who can
 * write to the node's disk (or answer for its shell) would leave there. Each test is an attack that
 * worked on an earlier probe (a forged record, a cut output reported as a pass, a glob walked
 * through a symlink onto the host's whole disk).
 */
import {describe, it, expect} from 'vitest';
import {execFile, execFileSync} from 'node:child_process';
import {mkdir, readFile, readdir, rm, symlink, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {catalogue} from '../../checks/index.js';
import {evaluateAll} from '../../src/engine/evaluate.js';
import {checkRaw} from '../../src/engine/run.js';
import {buildFacts} from '../../src/facts/build.js';
import type {RawSnapshot} from '../../src/facts/types.js';
import {collectRaw} from '../../src/probe/collect.js';
import {parseFrames} from '../../src/probe/frame.js';
import {LocalTransport} from '../../src/transport/local.js';
import type {Target} from '../../src/targets/types.js';
import {labTrees, NOW} from '../fixes/helpers.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');
const lab = labTrees('kd-sec-');
const ctx = {now: NOW, expiryWarnDays: 30};

const shells = ['dash', 'busybox'].filter((s) => {
  try {
    execFileSync('sh', ['-c', `command -v ${s}`]);
    return true;
  } catch {
    return false;
  }
});

/** The probe over the root transport (as `--root DIR` runs it) under `shell`. */
function probe(root: string, shell = 'dash', timeoutMs = 60_000): Promise<RawSnapshot> {
  const argv = shell === 'busybox' ? ['busybox', 'sh'] : [shell];
  return collectRaw(new LocalTransport('root', root, false, argv), {timeoutMs});
}

function verdicts(raw: RawSnapshot): Record<string, string> {
  const facts = buildFacts(raw, {name: 'n', transport: 'root'});
  return Object.fromEntries(evaluateAll(catalogue, facts, ctx).map((f) => [f.id, f.status]));
}

/** The real binary, as an operator runs it: `check --root DIR --output json`. */
// biome-ignore lint/suspicious/noExplicitAny: the report's JSON, read by each test as it needs
async function cli(args: string[]): Promise<{code: number; json: any}> {
  try {
    const {stdout} = await run(process.execPath, [BIN, 'check', ...args, '--output', 'json'], {maxBuffer: 64 << 20});
    return {code: 0, json: JSON.parse(stdout)};
  } catch (e) {
    const err = e as {code?: number; stdout?: string};
    return {code: err.code ?? -1, json: err.stdout ? JSON.parse(err.stdout) : null};
  }
}

/**
 * A symlink whose target is a missing path holding a newline and a whole forged record: on the
 * earlier probe the `real=` attribute was written into the record header as it is, so the
 * target's second line became a record of its own (here: a config.yaml that agrees with
 * containerd, on a node whose kubelet really uses cgroupfs).
 */
async function plantForgedLink(root: string, mark = '@@KD1'): Promise<void> {
  const name = '/srv/evil.conf';
  const forged = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n#';
  const tail = `; ${name}\n`;
  const body = forged + tail;
  const target = `/nonexistent X\n\n${mark} F ok ${Buffer.byteLength(body)} - /var/lib/kubelet/config.yaml\n${forged}`;
  await mkdir(join(root, 'srv'), {recursive: true});
  await symlink(target, join(root, name));
  // Discovery follows the path named in config.yaml (after the first batch of records).
  const cfg = join(root, 'var/lib/kubelet/config.yaml');
  await writeFile(cfg, `${await readFile(cfg, 'utf8')}# see ${name}\n`);
}

describe.each(shells)('forged records under %s', (shell) => {
  it('a symlink target holding a newline and a record header forges nothing: a real cgroup driver mismatch still fails', async () => {
    const info = await lab.write(`forge-${shell}`, 'cgroup-driver-mismatch', {edit: (r) => plantForgedLink(r)});
    const raw = await probe(info.root, shell);
    expect(raw.files['/var/lib/kubelet/config.yaml']?.content).toBe(await readFile(join(info.root, 'var/lib/kubelet/config.yaml'), 'utf8'));
    // The target holds a newline: the file is recorded, with its target, and never read.
    expect(raw.files['/srv/evil.conf']).toMatchObject({status: 'unreadable'});
    expect(raw.files['/srv/evil.conf']?.realPath).toContain('\n@@KD1 F ok');
    expect(raw.incomplete ?? null).toBeNull();
    expect(verdicts(raw)['cgroup-driver-match']).toBe('fail');
  }, 120_000);

  it('the same forged link on the live script (what SSH, --local and the pod run): no record is forged', async () => {
    const info = await lab.write(`forge-live-${shell}`, 'cgroup-driver-mismatch', {edit: (r) => plantForgedLink(r, '@@KD2')});
    const argv = shell === 'busybox' ? ['busybox', 'sh'] : [shell];
    const raw = await collectRaw(new LocalTransport('local', info.root, true, argv), {timeoutMs: 60_000});
    expect(raw.incomplete ?? null).toBeNull();
    expect(raw.files['/var/lib/kubelet/config.yaml']?.content).toBe(await readFile(join(info.root, 'var/lib/kubelet/config.yaml'), 'utf8'));
    const facts = buildFacts(raw, {name: 'n', transport: 'local'});
    const f = evaluateAll(catalogue, facts, ctx).find((x) => x.id === 'cgroup-driver-match');
    expect(f?.status).not.toBe('pass');
  }, 120_000);

  it('a symlink target with a space keeps its record: kubelet.conf is collected', async () => {
    const info = await lab.write(`space-${shell}`, 'healthy', {
      edit: async (r) => {
        await mkdir(join(r, 'etc/kubernetes/my dir'), {recursive: true});
        await writeFile(join(r, 'etc/kubernetes/my dir/kubelet.conf'), await readFile(join(r, 'etc/kubernetes/kubelet.conf')));
        await rm(join(r, 'etc/kubernetes/kubelet.conf'));
        await symlink('/etc/kubernetes/my dir/kubelet.conf', join(r, 'etc/kubernetes/kubelet.conf'));
      },
    });
    const raw = await probe(info.root, shell);
    expect(raw.files['/etc/kubernetes/kubelet.conf']).toMatchObject({status: 'ok', realPath: '/etc/kubernetes/my dir/kubelet.conf'});
    const facts = buildFacts(raw, {name: 'n', transport: 'root'});
    expect(facts.kubeconfig.collected).toBe(true);
  }, 120_000);

  it('a drop-in with CRLF line ends reads as systemd reads it, and the output is not cut short', async () => {
    const lf = await lab.write(`lf-${shell}`, 'healthy');
    const crlf = await lab.write(`crlf-${shell}`, 'healthy', {
      edit: async (r) => {
        const p = join(r, 'usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf');
        await writeFile(p, (await readFile(p, 'utf8')).replace(/\n/g, '\r\n'));
      },
    });
    const [a, b] = [await probe(lf.root, shell), await probe(crlf.root, shell)];
    expect(b.incomplete ?? null).toBeNull();
    expect(b.notes.join('\n')).not.toMatch(/ended early/);
    expect(Object.keys(b.files).filter((p) => /[\r\n]/.test(p))).toEqual([]);
    expect(Object.keys(b.files).sort()).toEqual(Object.keys(a.files).sort());
    const va = verdicts(a);
    const vb = verdicts(b);
    for (const id of ['systemd-dropin', 'kubelet-config', 'kubeconfig', 'cgroup-driver-match', 'kubelet-flags']) expect([id, vb[id]]).toEqual([id, va[id]]);
  }, 120_000);

  it('file names with every control character are listed exactly and cut nothing short', async () => {
    const ctl = [...Array.from({length: 31}, (_, i) => i + 1), 0x7f].map((c) => String.fromCharCode(c));
    const info = await lab.write(`ctl-${shell}`, 'healthy', {
      edit: async (r) => {
        for (const c of ctl) await writeFile(join(r, 'etc/cni/net.d', `x${c}y.conflist`), '{}\n');
        await writeFile(join(r, 'usr/lib/systemd/system/kubelet.service.d', 'z\rcr.conf'), '[Service]\n');
      },
    });
    const raw = await probe(info.root, shell);
    expect(raw.incomplete ?? null).toBeNull();
    expect(raw.dirs['/etc/cni/net.d']?.entries.map((e) => e.name).sort()).toEqual((await readdir(join(info.root, 'etc/cni/net.d'))).sort());
    expect(raw.dirs['/usr/lib/systemd/system/kubelet.service.d']?.entries.map((e) => e.name)).toContain('z\rcr.conf');
    expect(raw.files['/var/lib/kubelet/config.yaml']?.status).toBe('ok');
  }, 120_000);

  it('a directory entry named with a newline and a listing line forges no entry', async () => {
    const info = await lab.write(`dirforge-${shell}`, 'healthy', {
      edit: async (r) => {
        await writeFile(join(r, 'etc/cni/net.d', 'a\nf forged.conflist'), '');
        await writeFile(join(r, 'etc/cni/net.d', 'b\n\n@@KD1 F ok 4 - x\nxyz\n'), '');
      },
    });
    const raw = await probe(info.root, shell);
    const names = raw.dirs['/etc/cni/net.d']?.entries.map((e) => e.name) ?? [];
    expect(names).not.toContain('forged.conflist');
    expect(names.sort()).toEqual((await readdir(join(info.root, 'etc/cni/net.d'))).sort());
    expect(raw.files['x']).toBeUndefined();
  }, 120_000);
});

/** The awks a node may have: gawk counts characters in a UTF-8 locale unless LC_ALL=C. */
const awks = ['gawk', 'mawk', 'busybox'].filter((a) => {
  try {
    execFileSync('sh', ['-c', `command -v ${a}`]);
    return true;
  } catch {
    return false;
  }
});

describe.each(awks)('byte-exact framing with %s as awk, the operator in a UTF-8 locale', (awk) => {
  it('multi-byte contents, names and link targets read back byte for byte', async () => {
    const bin = join(lab.dir, `awk-${awk}`);
    await mkdir(bin, {recursive: true});
    const path = execFileSync('sh', ['-c', `command -v ${awk}`])
      .toString()
      .trim();
    if (awk === 'busybox') await writeFile(join(bin, 'awk'), `#!/bin/sh\nexec ${path} awk "$@"\n`, {mode: 0o755});
    else await symlink(path, join(bin, 'awk'));
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    a: "grüße — ünïcode — 日本語 — \u{1F600}"\n';
    const info = await lab.write(`awk-${awk}`, 'healthy', {
      edit: async (r) => {
        await writeFile(join(r, 'etc/kubernetes/manifests/grüße-日本.yaml'), text);
        await symlink('/etc/kubernetes/pki/grüße ca.crt', join(r, 'etc/kubernetes/pki/link-ü.crt'));
        await writeFile(join(r, 'etc/kubernetes/pki/grüße ca.crt'), await readFile(join(r, 'etc/kubernetes/pki/ca.crt')));
        await writeFile(join(r, 'etc/cni/net.d', 'x\u0001\u00e9\n.conflist'), '{}\n');
      },
    });
    const env = {PATH: `${bin}:${process.env['PATH'] ?? ''}`, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8'};
    const raw = await collectRaw(new LocalTransport('root', info.root, false, ['dash'], env), {timeoutMs: 60_000});
    expect(raw.incomplete ?? null).toBeNull();
    expect(raw.files['/etc/kubernetes/manifests/grüße-日本.yaml']?.content).toBe(text);
    expect(raw.files['/etc/kubernetes/pki/link-ü.crt']).toMatchObject({status: 'ok', realPath: '/etc/kubernetes/pki/grüße ca.crt'});
    expect(raw.dirs['/etc/cni/net.d']?.entries.map((e) => e.name)).toContain('x\u0001\u00e9\n.conflist');
    expect(raw.files['/var/lib/kubelet/config.yaml']?.content).toBe(await readFile(join(info.root, 'var/lib/kubelet/config.yaml'), 'utf8'));
  }, 120_000);
});

describe('forged records through the real binary (check --root DIR)', () => {
  it('reports the real cgroup driver mismatch (exit 1), not a pass', async () => {
    const info = await lab.write('forge-cli', 'cgroup-driver-mismatch', {edit: (r) => plantForgedLink(r)});
    const {code, json} = await cli(['--root', info.root]);
    expect(json.targets[0].status).toBe('ok');
    expect(json.targets[0].results.find((r: {id: string}) => r.id === 'cgroup-driver-match').status).toBe('fail');
    expect(code).toBe(1);
  }, 120_000);
});

describe('every hostile name at once, through the real binary', () => {
  it('a tree with control characters 0x01-0x1f and 0x7f in names, forged link targets and a CRLF drop-in: the report is whole and true', async () => {
    const ctl = [...Array.from({length: 31}, (_, i) => i + 1), 0x7f].map((c) => String.fromCharCode(c));
    const info = await lab.write('everything', 'cgroup-driver-mismatch', {
      edit: async (r) => {
        await plantForgedLink(r, '@@KD2');
        for (const c of ctl) {
          await writeFile(join(r, 'etc/cni/net.d', `n${c}.conflist`), '{}\n');
          await symlink(`/etc/kubernetes/x${c}\n@@KD2 F ok 0 - /etc/fstab\n`, join(r, 'etc/kubernetes', `l${ctl.indexOf(c)}.conf`));
        }
        const p = join(r, 'usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf');
        await writeFile(p, (await readFile(p, 'utf8')).replace(/\n/g, '\r\n'));
      },
    });
    const {code, json} = await cli(['--root', info.root]);
    const t = json.targets[0];
    expect(t.status).toBe('ok');
    expect(t.partial).toBeUndefined();
    expect(t.results.find((r: {id: string}) => r.id === 'cgroup-driver-match').status).toBe('fail');
    expect(t.results.filter((r: {status: string}) => r.status === 'error')).toEqual([]);
    expect(code).toBe(1);
    // Remote text reaches the report without a raw control character.
    expect(JSON.stringify(json)).not.toMatch(/\\u00(0[0-8bcef]|1[0-9a-f])|\\u007f/);
  }, 120_000);
});

/** A root target for checkRaw. */
const rootTarget = (dir: string): Target => ({kind: 'root', name: dir, dir}) as Target;
const runOpts = {checks: catalogue, kubeletVersion: null, timeoutMs: 60_000, concurrency: 1, now: () => NOW, expiryWarnDays: 30};

describe('output that never arrived gives no verdict', () => {
  it('output cut mid-frame makes the node error, with what arrived listed as partial and no pass', async () => {
    const info = await lab.write('cut', 'healthy');
    const full = await new LocalTransport('root', info.root, false, ['dash']).run({
      script: (await import('../../src/probe/script.js')).buildProbeScript({hostRoot: info.root, live: false}),
      timeoutMs: 60_000,
    });
    const cut = full.stdout.subarray(0, Math.floor(full.stdout.length * 0.6));
    const raw = parseFrames(cut, {hostRoot: info.root, live: false});
    expect(raw.incomplete).toBeTruthy();
    const result = checkRaw(rootTarget(info.root), {raw, transport: 'root', name: 'cut'}, runOpts, Date.now()).result;
    expect(result.status).toBe('error');
    expect(result.partial).toBe(true);
    expect(result.results.length).toBe(catalogue.length);
    expect(result.results.filter((r) => r.status === 'pass')).toEqual([]);
  }, 120_000);

  it('a probe stopped by the time limit mid-way: stopped by the limit (timeout), what arrived listed as partial, no pass', async () => {
    const info = await lab.write('stopped', 'healthy');
    const t = new LocalTransport('root', info.root, false, ['sh', '-c', 'sh -s | { head -c 4000; sleep 30; }', 'probe']);
    const raw = await collectRaw(t, {timeoutMs: 2_000});
    expect(raw.incomplete).toBe('the probe did not answer within 2 s');
    const result = checkRaw(rootTarget(info.root), {raw, transport: 'root', name: 'stopped'}, runOpts, Date.now()).result;
    expect(result).toMatchObject({status: 'unreachable', partial: true, error: {kind: 'timeout', message: 'the probe did not answer within 2 s'}});
    expect(result.results.length).toBe(catalogue.length);
    expect(result.results.filter((r) => r.status === 'pass')).toEqual([]);
  }, 120_000);

  it('output holding only the version and end records is an error, and kernel-prereqs claims nothing', () => {
    const out = Buffer.from('@@KD2 V ok 1 - probe\n2\n@@KD2 Z ok 3 - end\nend');
    const raw = parseFrames(out, {hostRoot: '/', live: true});
    expect(raw.incomplete).toMatch(/missing/);
    const result = checkRaw(rootTarget('/'), {raw, transport: 'local', name: 'x'}, runOpts, Date.now()).result;
    expect(result.status).toBe('error');
    expect(result.results.find((r) => r.id === 'kernel-prereqs')?.status).not.toBe('pass');
    expect(result.results.filter((r) => r.status === 'pass')).toEqual([]);
  });

  it('the old framing (and a bare version and end record of it) is not probe output this client trusts', () => {
    let trusted = false;
    try {
      trusted = !parseFrames(Buffer.from('@@KD1 V ok 1 - probe\n1\n@@KD1 Z ok 3 - end\nend'), {hostRoot: '/', live: true}).incomplete;
    } catch {
      trusted = false;
    }
    expect(trusted).toBe(false);
  });

  it('a snapshot that says live: true and holds no command records passes no live check (exit 3)', async () => {
    const file = join(lab.dir, 'live-empty.json');
    const raw: RawSnapshot = {probeVersion: 2, hostRoot: '/', live: true, files: {}, dirs: {}, commands: {}, notes: []};
    await writeFile(
      file,
      JSON.stringify({kind: 'kubelet-doctor-snapshot', schema: 1, toolVersion: 'x', createdAt: NOW.toISOString(), target: {name: 'n', transport: 'ssh'}, raw}),
    );
    const {code, json} = await cli(['--snapshot', file]);
    expect(code).toBe(3);
    expect(json.targets[0].status).toBe('error');
    expect(json.targets[0].partial).toBe(true);
    expect(json.targets[0].results.filter((r: {status: string}) => r.status === 'pass')).toEqual([]);
    expect(json.targets[0].results.find((r: {id: string}) => r.id === 'kernel-prereqs').status).not.toBe('pass');
  }, 60_000);
});

describe('a partial node in every reporter', () => {
  it('text, json, markdown, junit and sarif mark the node error and its results partial', async () => {
    const {renderReport} = await import('../../src/report/index.js');
    const {makeFinding, makeReport, makeTarget} = await import('../helpers/report.js');
    const t = makeTarget({
      status: 'error',
      partial: true,
      error: {kind: 'probe-output', message: 'the output ends inside a record (F /etc/fstab: 3 of 90 bytes)', hint: null},
      results: [makeFinding({id: 'swap', status: 'skip', summary: "not trusted: the probe's output did not all arrive"})],
    });
    const report = makeReport([t]);
    const out = (f: string) => renderReport(f as never, report, {color: false, width: 100, verbose: true} as never);
    expect(out('text')).toMatch(/error: PARTIAL results/);
    expect(out('text')).toMatch(/the output ends inside a record/);
    expect(JSON.parse(out('json')).targets[0]).toMatchObject({status: 'error', partial: true, results: [{id: 'swap', status: 'skip'}]});
    expect(out('markdown')).toMatch(/\*\*Partial results:\*\*/);
    expect(out('junit')).toMatch(/<property name="partial" value="true"\/>/);
    expect(out('sarif')).toMatch(/partial results/);
  });
});

describe('discovery is bounded', () => {
  it('a glob through a symlink to / is not walked: the probe ends and says it did not expand it', async () => {
    const info = await lab.write('escape', 'healthy', {
      edit: async (r) => {
        await symlink('/', join(r, 'escape'));
        const cfg = join(r, 'var/lib/kubelet/config.yaml');
        await writeFile(cfg, `${await readFile(cfg, 'utf8')}# /escape/*/*/*/*\n# /escape/etc/*.conf\n`);
      },
    });
    const raw = await probe(info.root, 'dash', 30_000);
    expect(raw.incomplete ?? null).toBeNull();
    expect(raw.notes.join('\n')).toMatch(/escape/);
    // Nothing under /escape was read: it is the host's / seen through a link.
    expect(Object.keys(raw.files).filter((p) => p.startsWith('/escape/'))).toEqual([]);
  }, 120_000);

  it("a directory of thousands of files does not starve the files the kubelet's configuration names", async () => {
    const info = await lab.write('sysctl-flood', 'healthy', {
      edit: async (r) => {
        const d = join(r, 'etc/sysctl.d');
        await mkdir(d, {recursive: true});
        await Promise.all(Array.from({length: 2000}, (_, i) => writeFile(join(d, `${String(i).padStart(5, '0')}.conf`), 'vm.swappiness = 1\n')));
        // The kubelet's --config at a path only the drop-in names.
        await mkdir(join(r, 'srv/kubelet'), {recursive: true});
        await writeFile(join(r, 'srv/kubelet/config.yaml'), await readFile(join(r, 'var/lib/kubelet/config.yaml')));
        await rm(join(r, 'var/lib/kubelet/config.yaml'));
        const p = join(r, 'usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf');
        await writeFile(p, (await readFile(p, 'utf8')).replace('--config=/var/lib/kubelet/config.yaml', '--config=/srv/kubelet/config.yaml'));
      },
    });
    const raw = await probe(info.root, 'dash');
    expect(raw.incomplete ?? null).toBeNull();
    expect(raw.files['/srv/kubelet/config.yaml']?.status).toBe('ok');
    expect(raw.notes.join('\n')).toMatch(/file cap reached/);
    // Files past the cap are recorded as not read (never as missing).
    const capped = Object.values(raw.files).filter((f) => f.reason?.includes('cap'));
    expect(capped.length).toBeGreaterThan(0);
    expect(capped.every((f) => f.status === 'unreadable')).toBe(true);
    expect(verdicts(raw)['kubelet-config']).toBe('pass');
  }, 180_000);

  it("a file naming hundreds of paths does not use up the file cap before the paths the kubelet's unit names", async () => {
    const info = await lab.write('path-flood', 'healthy', {
      edit: async (r) => {
        const toml = join(r, 'etc/containerd/config.toml');
        const names = Array.from({length: 400}, (_, i) => `# /srv/flood/f${i}.conf`).join('\n');
        await writeFile(toml, `${await readFile(toml, 'utf8')}\n${names}\n`);
        await mkdir(join(r, 'srv/kubelet'), {recursive: true});
        await writeFile(join(r, 'srv/kubelet/config.yaml'), await readFile(join(r, 'var/lib/kubelet/config.yaml')));
        await rm(join(r, 'var/lib/kubelet/config.yaml'));
        const p = join(r, 'usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf');
        await writeFile(p, (await readFile(p, 'utf8')).replace('--config=/var/lib/kubelet/config.yaml', '--config=/srv/kubelet/config.yaml'));
      },
    });
    const raw = await probe(info.root, 'dash');
    expect(raw.incomplete ?? null).toBeNull();
    expect(raw.notes.join('\n')).toMatch(/file cap reached/);
    expect(raw.files['/srv/kubelet/config.yaml']?.status).toBe('ok');
    expect(verdicts(raw)['kubelet-config']).toBe('pass');
  }, 180_000);

  it("10,000 drop-ins: the kubelet's own files are read first, and the unit is not guessed from part of them", async () => {
    const info = await lab.write('dropins', 'healthy', {
      edit: async (r) => {
        const d = join(r, 'etc/systemd/system/kubelet.service.d');
        await mkdir(d, {recursive: true});
        await Promise.all(Array.from({length: 10_000}, (_, i) => writeFile(join(d, `0${String(i).padStart(5, '0')}.conf`), '[Service]\n')));
      },
    });
    const raw = await probe(info.root, 'dash');
    expect(raw.incomplete ?? null).toBeNull();
    expect(raw.files['/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf']?.status).toBe('ok');
    expect(raw.files['/var/lib/kubelet/config.yaml']?.status).toBe('ok');
    expect(raw.notes.join('\n')).toMatch(/kubelet\.service\.d holds more entries/);
    const facts = buildFacts(raw, {name: 'n', transport: 'root'});
    expect(facts.unit.collected).toBe(false);
    if (!facts.unit.collected) expect(facts.unit.reason).toMatch(/10001 drop-ins|10,001 drop-ins/);
    const v = verdicts(raw);
    expect(v['kubelet-config']).not.toBe('warn');
    expect(v['kubelet-config']).not.toBe('fail');
    expect(v['systemd-dropin']).not.toBe('pass');
  }, 180_000);
});
