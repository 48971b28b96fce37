/**
 * The secret corpus (secret-corpus.ts) in real lab node trees, through the REAL probe (dash with
 * mawk, and busybox sh with busybox awk) and the real binary: no secret value, and no 20
 * characters of any key's base64, reaches the probe's output, a report in any of the five
 * formats, a `collect` snapshot, `fix --dry-run` diffs, the fix audit log, an error message or the
 * TUI's node view. Redacted files keep their line count and still parse, keys are still
 * fingerprinted, and the kubeconfig check passes on a kubeconfig whose key is a block scalar.
 */
import {describe, it, expect, beforeAll, afterAll, vi} from 'vitest';
import {spawnSync, execFileSync} from 'node:child_process';
import {mkdtemp, mkdir, readFile, readlink, rm, symlink, writeFile, appendFile} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {createElement} from 'react';
import {render} from 'ink-testing-library';
import {parseAllDocuments} from 'yaml';
import {parse as parseToml} from 'smol-toml';
import {writeNodeTree, type NodeTreeInfo, type ScenarioId} from '../../src/lab/node-tree.js';
import {LocalTransport} from '../../src/transport/local.js';
import {buildProbeScript} from '../../src/probe/script.js';
import {parseFrames} from '../../src/probe/frame.js';
import {collectRaw} from '../../src/probe/collect.js';
import {containsSecret, findSecret, redactText} from '../../src/facts/secrets/redact.js';
import {writeSnapshot, type SnapshotFile} from '../../src/transport/snapshot.js';
import {writeOut} from '../../src/cli/commands/common.js';
import {InputError} from '../../src/errors.js';
import type {RawSnapshot} from '../../src/facts/types.js';
import {runTarget} from '../../src/engine/run.js';
import {catalogue} from '../../checks/index.js';
import {App} from '../../src/ui/app.js';
import {makeTheme} from '../../src/ui/theme.js';
import {makeCorpus, leaks, type Corpus} from './secret-corpus.js';
import {KEYS} from '../ui/fixtures.js';
import {frameWith} from '../ui/term.js';

// Each test runs the real binary (a few seconds each on a busy machine).
vi.setConfig({testTimeout: 120_000, hookTimeout: 120_000});

const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');
let dir: string;
let corpus: Corpus;
let healthy: NodeTreeInfo;
let broken: NodeTreeInfo;
let audit: string;
/** The client certificate (public): an EC key's public point shows in it too. */
let publicText = '';
/** Every output the binary produced, by name: checked once more at the end. */
const outputs = new Map<string, string>();

function run(name: string, args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: {...process.env, NO_COLOR: '1', KUBELET_DOCTOR_AUDIT_LOG: audit},
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  outputs.set(`${name} (stdout)`, r.stdout);
  outputs.set(`${name} (stderr)`, r.stderr);
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}

const noLeaks = (what: string, text: string): void => {
  expect(leaks(text, corpus.secrets, publicText), `${what} leaks`).toEqual([]);
  expect(findSecret(text), `${what}: a secret detector matches`).toBeNull();
};

/** A lab node with the corpus written over it. */
async function corpusTree(name: string, scenario: ScenarioId): Promise<NodeTreeInfo> {
  const info = await writeNodeTree(join(dir, name), {layout: 'deb', hostname: name, kubeletVersion: 'v1.30.2', scenario});
  for (const [p, text] of Object.entries(corpus.files)) {
    await mkdir(join(info.root, dirname(p)), {recursive: true});
    await writeFile(join(info.root, p), text, {mode: 0o600});
  }
  for (const [p, text] of Object.entries(corpus.append)) await appendFile(join(info.root, p), text);
  return info;
}

beforeAll(async () => {
  expect(existsSync(BIN), 'build first: npm test runs tsc before vitest').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'kd-secret-corpus-'));
  audit = join(dir, 'audit.log');
  // The lab's own kubelet client key and kubelet.conf are the corpus's starting point.
  const probeInfo = await writeNodeTree(join(dir, 'seed'), {layout: 'deb', hostname: 'seed', kubeletVersion: 'v1.30.2'});
  const current = join(probeInfo.root, 'var/lib/kubelet/pki/kubelet-client-current.pem');
  const pem = await readFile(join(probeInfo.root, await readlink(current)), 'utf8');
  const clientKey = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----\n/.exec(pem)![0];
  const certs = pem.replace(clientKey, '');
  publicText = `${certs}\n${Buffer.from(certs).toString('base64')}`;
  const kubeletConf = await readFile(join(probeInfo.root, 'etc/kubernetes/kubelet.conf'), 'utf8');
  corpus = makeCorpus(clientKey, kubeletConf);
  healthy = probeInfo;
  for (const [p, text] of Object.entries(corpus.files)) {
    await mkdir(join(healthy.root, dirname(p)), {recursive: true});
    await writeFile(join(healthy.root, p), text, {mode: 0o600});
  }
  for (const [p, text] of Object.entries(corpus.append)) await appendFile(join(healthy.root, p), text);
  broken = await corpusTree('corpus-cgroup', 'cgroup-driver-mismatch');
}, 120_000);

afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('the corpus itself', () => {
  it('holds every form, and the detectors see the raw files as secret', () => {
    expect(corpus.secrets.length).toBeGreaterThan(40);
    for (const p of [
      '/var/lib/kubelet/pki/corpus-pgp.key',
      '/var/lib/kubelet/pki/corpus-putty.key',
      '/etc/kubernetes/corpus-secret.conf',
      '/etc/kubernetes/gcp-sa.json',
    ]) {
      expect(findSecret(corpus.files[p]!), p).not.toBeNull();
    }
  });
});

// The node-side pass alone: the probe's own output, before the client-side pass.
const bb = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v busybox']).toString().trim();
  } catch {
    return null;
  }
})();
const shells: [string, () => Promise<LocalTransport>][] = [['dash (mawk)', async () => new LocalTransport('root', healthy.root, false, ['dash'])]];
if (bb) {
  shells.push([
    'busybox sh (busybox awk)',
    async () => {
      const path = join(dir, 'bb');
      if (!existsSync(path)) {
        await mkdir(path);
        execFileSync(bb, ['--install', '-s', path]);
        await symlink(execFileSync('sh', ['-c', 'command -v openssl']).toString().trim(), join(path, 'openssl'));
      }
      return new LocalTransport('root', healthy.root, false, [bb, 'sh'], {PATH: path});
    },
  ]);
}

// gawk, when the machine has it (the node's awk may be any of the three).
const gawk = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v gawk']).toString().trim();
  } catch {
    return null;
  }
})();
if (gawk) {
  shells.push([
    'dash (gawk)',
    async () => {
      const path = join(dir, 'gawk');
      if (!existsSync(path)) {
        await mkdir(path);
        await symlink(gawk, join(path, 'awk'));
      }
      return new LocalTransport('root', healthy.root, false, ['dash'], {PATH: `${path}:${process.env['PATH'] ?? '/usr/bin:/bin'}`});
    },
  ]);
}

describe.each(shells)('the probe on the node, under %s', (_name, transport) => {
  let raw: RawSnapshot;
  let stdout: string;
  beforeAll(async () => {
    const t = await transport();
    const res = await t.run({script: buildProbeScript({hostRoot: t.hostRoot, live: false, joinEndpoint: null}), timeoutMs: 60_000});
    stdout = res.stdout.toString();
    const {complete: _c, ...parsed} = parseFrames(res.stdout, {hostRoot: t.hostRoot, live: false});
    raw = parsed;
  }, 120_000);

  it('reads every corpus file', () => {
    for (const p of [...Object.keys(corpus.files), ...Object.keys(corpus.append)]) expect(raw.files[p]?.status, p).toBe('ok');
  });

  it('sends no secret value and no 20 characters of any key (before the client-side pass)', () => {
    noLeaks('the probe output', stdout);
  });

  it('keeps every line: a redacted file has the line count of the original', async () => {
    for (const p of Object.keys(corpus.files)) {
      const orig = await readFile(join(healthy.root, p), 'utf8');
      expect(raw.files[p]!.content!.replace(/\n$/, '').split('\n').length, p).toBe(orig.replace(/\n$/, '').split('\n').length);
    }
  });

  it('leaves every YAML, JSON and TOML file parseable, values blanked and quoted values still quoted', () => {
    for (const [p, syntax] of Object.entries(corpus.parse)) {
      const text = raw.files[p]!.content!;
      if (syntax === 'json') expect(() => JSON.parse(text), p).not.toThrow();
      if (syntax === 'toml') expect(() => parseToml(text), p).not.toThrow();
      if (syntax === 'yaml')
        expect(
          parseAllDocuments(text)
            .flatMap((d) => ('errors' in d ? d.errors : []))
            .map((e) => e.message),
          p,
        ).toEqual([]);
    }
    expect(raw.files['/etc/kubernetes/corpus-users.conf']!.content).toMatch(/password: "\[redacted\]"/);
    // Only the value named by a secret name is blanked; its neighbours are not.
    expect(raw.files['/etc/kubernetes/corpus-users.conf']!.content).toContain(
      '- name: AWS_PROFILE\n        value: prod-profile\n      - name: VAULT_TOKEN\n        value: [redacted]\n',
    );
    expect(raw.files['/etc/containerd/conf.d/registry.toml']!.content).toContain("identitytoken = '''[redacted]'''");
    expect(raw.files['/etc/kubernetes/kubelet.conf']!.content).toMatch(/client-key-data: \|\n( +)\[redacted\]\n\1\[redacted\]/);
  });

  it('still fingerprints the keys, the client-key-data block scalar from its joined lines', () => {
    for (const [origin, fp] of Object.entries(corpus.fingerprints)) {
      const file = origin.split('#')[0]!;
      expect(raw.files[file]?.keys, origin).toContainEqual({origin, spkiSha256: fp});
    }
  });
});

describe('hostile long lines', () => {
  it('cost the probe linear time (a run of name characters, thousands of keys on a line) and are still redacted', async () => {
    const root = join(dir, 'hostile-lines');
    await mkdir(join(root, 'etc/kubernetes'), {recursive: true});
    const text = `x token ${'a.'.repeat(100_000)}\n${`${'a: '.repeat(4000)}password: hunter2-secret-value\n`.repeat(30)}token ${'a:'.repeat(200_000)}\n`;
    await writeFile(join(root, 'etc/kubernetes/kubelet.conf'), text);
    const t0 = Date.now();
    const raw = await collectRaw(new LocalTransport('root', root, false, ['dash']), {timeoutMs: 60_000});
    // Not a speed figure: linear is well under a second here, the old quadratic scan took minutes.
    expect(Date.now() - t0).toBeLessThan(60_000);
    const out = raw.files['/etc/kubernetes/kubelet.conf']!.content!;
    expect(out.split('\n').length).toBe(text.split('\n').length);
    expect(out).not.toContain('hunter2-secret-value');
    const t1 = Date.now();
    expect(redactText(text)).not.toContain('hunter2-secret-value');
    expect(Date.now() - t1).toBeLessThan(60_000);
  }, 120_000);

  it('end the probe in linear time under every awk: long runs of blanks before another character are not trimmed with /[…]+$/', async () => {
    // Each line ends a trim or a key-name tail that mawk ran in the square of the run's length
    // (six lines of 128 KiB took mawk over 100 s; the probe now reads them in well under a second).
    const root = join(dir, 'hostile-blanks');
    await mkdir(join(root, 'etc/kubernetes'), {recursive: true});
    const run = ' '.repeat(1 << 17);
    const lines = [`${run}x`, `token: a${run}x`, `- name: ${run}x`, `EnvironmentFile=${run}x`, `password= aaaaaaaaaa${run}b`, `"${'A'.repeat(20)}${run}x`];
    await writeFile(join(root, 'etc/kubernetes/kubelet.conf'), `${lines.join('\n')}\n`);
    const awks: [string, string | null][] = [
      ['mawk', '/usr/bin/mawk'],
      ['gawk', gawk],
      ['busybox awk', bb],
    ];
    let ran = 0;
    for (const [name, bin] of awks) {
      if (!bin || !existsSync(bin)) continue;
      const path = join(dir, `awk-${name.replace(' ', '-')}`);
      if (!existsSync(path)) {
        await mkdir(path);
        if (name === 'busybox awk') await writeFile(join(path, 'awk'), `#!/bin/sh\nexec ${bin} awk "$@"\n`, {mode: 0o755});
        else await symlink(bin, join(path, 'awk'));
      }
      const raw = await collectRaw(new LocalTransport('root', root, false, ['dash'], {PATH: `${path}:${process.env['PATH'] ?? '/usr/bin:/bin'}`}), {
        timeoutMs: 60_000,
      });
      expect(raw.incomplete, name).toBeUndefined();
      const out = raw.files['/etc/kubernetes/kubelet.conf']!.content!;
      expect(out.split('\n').length, name).toBe(lines.length + 1);
      expect(out, name).not.toContain('aaaaaaaaaa');
      ran++;
    }
    expect(ran).toBeGreaterThan(0);
  }, 300_000);

  it('cost the client-side pass linear time on long runs of blanks or punctuation before another character', () => {
    // Each of these took the square of its length through a /[…]+$/ trim (1 MiB of blanks: ~11 min).
    const lines = [`${' '.repeat(1 << 20)}x`, `password: a${' '.repeat(1 << 20)}x`, `${'\t'.repeat(1 << 20)}QUJD`, `token: ${'-'.repeat(1 << 20)}x`];
    const t0 = Date.now();
    for (const l of lines) expect(redactText(l).split('\n').length).toBe(1);
    // Not a speed figure: linear is ~0.1 s here; the quadratic trims would take an hour in all.
    expect(Date.now() - t0).toBeLessThan(60_000);
  }, 120_000);
});

describe('the client-side pass', () => {
  it('alone (a snapshot made by an older probe) blanks every form and keeps files parseable', () => {
    for (const [p, text] of Object.entries(corpus.files)) {
      const out = redactText(text);
      noLeaks(p, out);
      expect(out.split('\n').length, p).toBe(text.split('\n').length);
      const syntax = corpus.parse[p];
      if (syntax === 'json') expect(() => JSON.parse(out), p).not.toThrow();
      if (syntax === 'toml') expect(() => parseToml(out), p).not.toThrow();
      if (syntax === 'yaml')
        expect(
          parseAllDocuments(out)
            .flatMap((d) => ('errors' in d ? d.errors : []))
            .map((e) => e.message),
          p,
        ).toEqual([]);
    }
  });

  it('is idempotent over what the probe already redacted', async () => {
    const raw = await collectRaw(new LocalTransport('root', healthy.root, false, ['dash']), {timeoutMs: 60_000});
    for (const [p, f] of Object.entries(raw.files)) if (f.content !== undefined) expect(redactText(f.content), p).toBe(f.content);
  });
});

describe('the real binary on the corpus node', () => {
  it('passes the kubeconfig check with client-key-data as a block scalar', () => {
    const r = run('check kubeconfig', ['check', '--root', healthy.root, '--only', 'kubeconfig', '--output', 'json']);
    const res = (JSON.parse(r.stdout) as {targets: {results: {id: string; status: string; summary: string}[]}[]}).targets[0]!.results[0]!;
    expect(res.status, res.summary).toBe('pass');
  });

  it.each(['text', 'json', 'junit', 'markdown', 'sarif'])('writes a %s report holding no secret', (format) => {
    const r = run(`check ${format}`, ['check', '--root', healthy.root, '--output', format, '--verbose']);
    expect(r.code, r.stderr).not.toBe(2);
    expect(r.stdout.length).toBeGreaterThan(0);
    noLeaks(`the ${format} report`, r.stdout);
    noLeaks(`stderr of the ${format} report`, r.stderr);
  });

  it('writes a collect snapshot holding no secret, and checks it again offline', async () => {
    const out = join(dir, 'corpus-snapshot.json');
    const r = run('collect', ['collect', '--root', healthy.root, '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/secrets redacted/);
    const text = await readFile(out, 'utf8');
    noLeaks('the snapshot', text);
    const again = run('check --snapshot', ['check', '--snapshot', out, '--output', 'json']);
    noLeaks('a report from the snapshot', again.stdout);
  });

  it('redacts a snapshot made by an older probe when it is read back', async () => {
    const raw = await collectRaw(new LocalTransport('root', healthy.root, false, ['dash']), {timeoutMs: 60_000});
    // What an unredacting probe would have sent: the files as they are on disk.
    for (const p of Object.keys(corpus.files)) raw.files[p] = {...raw.files[p]!, content: await readFile(join(healthy.root, p), 'utf8')};
    const snap: SnapshotFile = {kind: 'kubelet-doctor-snapshot', schema: 1, toolVersion: 'old', createdAt: '', target: {name: 'old', transport: 'root'}, raw};
    const path = join(dir, 'old-probe.json');
    await writeFile(path, JSON.stringify(snap));
    for (const format of ['json', 'text']) {
      const r = run(`check --snapshot (old probe) ${format}`, ['check', '--snapshot', path, '--output', format]);
      expect(r.code, r.stderr).not.toBe(2);
      noLeaks(`a ${format} report from an old probe's snapshot`, r.stdout + r.stderr);
    }
  });

  it('shows fix diffs (--dry-run) and writes the audit log without a secret', async () => {
    const dry = run('fix --dry-run', ['fix', '--root', broken.root, '--check', 'cgroup-driver-match', '--dry-run']);
    expect(dry.stdout + dry.stderr).toMatch(/---|Dry run|by hand/);
    noLeaks('fix --dry-run', dry.stdout + dry.stderr);
    const yes = run('fix --yes', ['fix', '--root', broken.root, '--check', 'cgroup-driver-match', '--yes']);
    noLeaks('fix --yes', yes.stdout + yes.stderr);
    if (existsSync(audit)) noLeaks('the audit log', await readFile(audit, 'utf8'));
  });

  it('redacts notes too: a snapshot whose notes carry a key gives a clean report', async () => {
    const raw = await collectRaw(new LocalTransport('root', healthy.root, false, ['dash']), {timeoutMs: 60_000});
    raw.notes.push(`hostile note ${corpus.files['/var/lib/kubelet/pki/corpus-rsa.key']!}`);
    const path = join(dir, 'hostile-notes.json');
    await writeFile(
      path,
      JSON.stringify({kind: 'kubelet-doctor-snapshot', schema: 1, toolVersion: 'x', createdAt: '', target: {name: 'h', transport: 'root'}, raw}),
    );
    const r = run('check --snapshot (hostile notes)', ['check', '--snapshot', path, '--output', 'json']);
    expect(r.code, r.stderr).not.toBe(2);
    expect(r.stdout).toContain('hostile note [private key redacted]');
  });

  it('refuses to write a report that still holds key material: exit 2, the kind named, nothing written', async () => {
    // A snapshot FILE whose name carries base64 key material: the report names the target by it,
    // and the operator's own words are not redacted, so the writer is the gate that stops it.
    const raw = await collectRaw(new LocalTransport('root', healthy.root, false, ['dash']), {timeoutMs: 60_000});
    const name = `node-${Buffer.from(corpus.files['/var/lib/kubelet/pki/corpus-ec.key']!).toString('base64').slice(0, 60).replace(/\//g, '_')}`;
    const path = join(dir, `${name}.json`);
    await writeFile(
      path,
      JSON.stringify({kind: 'kubelet-doctor-snapshot', schema: 1, toolVersion: 'x', createdAt: '', target: {name: 'n', transport: 'root'}, raw}),
    );
    const out = join(dir, 'refused-report.json');
    const r = run('refused report', ['check', '--snapshot', path, '--output', 'json', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to write .*refused-report\.json: it still holds a base64-encoded private key/);
    expect(existsSync(out)).toBe(false);
    const toStdout = run('refused report (stdout)', ['check', '--snapshot', path, '--output', 'markdown']);
    expect(toStdout.code).toBe(2);
    expect(toStdout.stdout).toBe('');
  });

  it('every output above, once more, holds no secret', () => {
    expect(outputs.size).toBeGreaterThan(10);
    for (const [name, text] of outputs) {
      if (name.startsWith('refused report')) continue; // its input was made hostile on purpose
      noLeaks(name, text);
    }
  });
});

describe('the writers refuse when a detector still matches', () => {
  it('writeSnapshot names the record and writes nothing', async () => {
    // A file name is not content: one carrying base64 key material is listed as it is, so the writer refuses.
    const raw = await collectRaw(new LocalTransport('root', healthy.root, false, ['dash']), {timeoutMs: 60_000});
    const name = Buffer.from(corpus.files['/var/lib/kubelet/pki/corpus-ec.key']!).toString('base64').slice(0, 120);
    raw.dirs['/etc/cni/net.d']!.entries.push({name, type: 'file'});
    const path = join(dir, 'refused.json');
    const err = await writeSnapshot(path, {
      kind: 'kubelet-doctor-snapshot',
      schema: 1,
      toolVersion: 'x',
      createdAt: '',
      target: {name: 'n', transport: 'root'},
      raw,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(
      /refusing to write the snapshot .*refused\.json: the listing of \/etc\/cni\/net\.d still holds a base64-encoded private key/,
    );
    expect(existsSync(path)).toBe(false);
  });

  it.each([
    ['a PuTTY key', () => corpus.files['/var/lib/kubelet/pki/corpus-putty.key']!],
    ['a PGP key', () => corpus.files['/var/lib/kubelet/pki/corpus-pgp.key']!],
    ['a base64 key', () => `data: ${Buffer.from(corpus.files['/var/lib/kubelet/pki/corpus-ec.key']!).toString('base64')}`],
    ['a JSON-escaped key', () => JSON.stringify({k: corpus.files['/var/lib/kubelet/pki/corpus-rsa.key']})],
  ])('a report holding %s is not written', async (_what, text) => {
    const path = join(dir, `refused-${Math.random()}.txt`);
    await expect(writeOut(text(), path)).rejects.toThrow(/refusing to write/);
    expect(existsSync(path)).toBe(false);
    expect(containsSecret(text())).toBe(true);
  });
});

describe('the TUI', () => {
  it('renders the corpus node and its checks without a secret', async () => {
    const {result, facts} = await runTarget(
      {kind: 'root', name: 'corpus', dir: healthy.root},
      {
        checks: catalogue,
        kubeletVersion: null,
        timeoutMs: 60_000,
        concurrency: 1,
        now: () => new Date(),
        expiryWarnDays: 30,
      },
    );
    const t = render(
      createElement(App, {
        targets: [{name: 'corpus', transport: 'root'}],
        checks: catalogue,
        theme: makeTheme({color: false}),
        probe: async () => ({result, facts}),
      }),
    );
    const frames: string[] = [];
    frames.push(await frameWith(t.lastFrame, 'KUBECONFIG AND CERTIFICATES'));
    for (let i = 0; i < 25; i++) {
      t.stdin.write(KEYS.enter);
      await new Promise((r) => setTimeout(r, 20));
      frames.push(t.lastFrame() ?? '');
      t.stdin.write(KEYS.escape);
      t.stdin.write(KEYS.down);
      await new Promise((r) => setTimeout(r, 20));
      frames.push(t.lastFrame() ?? '');
    }
    t.unmount();
    noLeaks('the TUI', frames.join('\n'));
    noLeaks('the facts behind the TUI', JSON.stringify(facts));
  }, 60_000);
});
