/**
 * Attacks on `fix` and `fix --rollback` from a hostile node disk (`--root DIR`). The threat
 * model (docs/fixes.md, "Hostile disks"): the operator's machine and options are trusted; every
 * byte, file name, link target and backup manifest under DIR is not. Each test lays out a node
 * tree like `kubelet-doctor lab` does, plants the attack, runs the real built binary (or the
 * executor, where a transport trick is needed), and proves by hashing a sentinel tree OUTSIDE the
 * root that nothing there was written, deleted, copied or re-moded.
 */
import {spawn, spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync} from 'node:fs';
import {chmod, chown, lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile} from 'node:fs/promises';
import {hostname, tmpdir} from 'node:os';
import {join, relative} from 'node:path';
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {catalogue} from '../../checks/index.js';
import {parseCommandLine} from '../../src/cli/args.js';
import {commandTarget} from '../../src/cli/commands/fix.js';
import {applyPlan} from '../../src/fixes/apply.js';
import {targetWords} from '../../src/fixes/render.js';
import type {Target} from '../../src/targets/types.js';
import {planFix} from '../../src/fixes/registry.js';
import {isNotApplicable} from '../../src/fixes/types.js';
import {writeNodeTree, type NodeTreeInfo, type ScenarioId} from '../../src/lab/node-tree.js';
import {createClusterCa, type ClusterCa} from '../../src/lab/pki.js';
import {LocalTransport} from '../../src/transport/local.js';
import type {RunOptions, RunResult, Transport} from '../../src/transport/types.js';
import {NOW, hashTree, probeTree} from '../fixes/helpers.js';

// Each test runs the binary a few times on a busy machine: no timing is asserted, only generous limits.
vi.setConfig({testTimeout: 240_000, hookTimeout: 120_000});

const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');
const SECRET = 'root:$6$host-secret-do-not-leak$abcdefghijklmnop:19000:0:99999:7:::';
let dir: string;
let ca: ClusterCa;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}
function run(args: string[], env: NodeJS.ProcessEnv = {}, o: {uid?: number} = {}): Ran {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {...process.env, NO_COLOR: '1', KUBELET_DOCTOR_AUDIT_LOG: join(dir, 'audit.log'), ...env},
    ...(o.uid !== undefined ? {uid: o.uid, gid: o.uid} : {}),
  });
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}
function runAsync(args: string[], env: NodeJS.ProcessEnv = {}): {pid: number; done: Promise<Ran>} {
  const c = spawn(process.execPath, [BIN, ...args], {
    env: {...process.env, NO_COLOR: '1', KUBELET_DOCTOR_AUDIT_LOG: join(dir, 'audit.log'), ...env},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  c.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  c.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return {pid: c.pid!, done: new Promise((resolve) => c.on('close', (code) => resolve({code, stdout, stderr})))};
}
const untilExists = async (p: string): Promise<void> => {
  for (let i = 0; i < 2400 && !existsSync(p); i++) await new Promise((r) => setTimeout(r, 50));
  expect(existsSync(p), `${p} never appeared`).toBe(true);
};

let n = 0;
async function node(scenario: ScenarioId = 'config-typo'): Promise<NodeTreeInfo> {
  return writeNodeTree(join(dir, `n${++n}`), {layout: 'deb', hostname: `node-${n}`, kubeletVersion: 'v1.30.2', scenario, now: NOW, ca});
}

/** A directory outside every node root: a "host secret", a victim file and a directory to aim links at. */
async function sentinel(): Promise<string> {
  const s = await mkdtemp(join(dir, 'host-'));
  await writeFile(join(s, 'shadow'), `${SECRET}\n`, {mode: 0o600});
  await writeFile(join(s, 'victim'), 'victim: the operator machine\n', {mode: 0o600});
  await mkdir(join(s, 'etc'));
  await writeFile(join(s, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n', {mode: 0o644});
  return s;
}

/** Every regular file under root that holds the host secret (links are not followed). */
async function leaked(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const name of await readdir(d)) {
      const p = join(d, name);
      const st = await lstat(p);
      if (st.isDirectory()) await walk(p);
      else if (st.isFile() && (await readFile(p, 'utf8')).includes('host-secret-do-not-leak')) out.push(p);
    }
  };
  await walk(root);
  return out;
}
/** Files under root with setuid, setgid or sticky bits. */
async function specialModes(root: string): Promise<string[]> {
  const t = await hashTree(root, {withBackups: true});
  return Object.entries(t)
    .filter(([, v]) => /^file [4-7]\d{3} /.test(v))
    .map(([k]) => k);
}

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

/**
 * A backup planted on the disk by hand. `v1` is the manifest format of kubelet-doctor before this
 * hardening (kind, index, meta, path); `v2` the current one, written so that only the path or mode
 * checks can stop it (the copies' hashes match the manifest).
 */
async function plantBackup(
  root: string,
  id: string,
  lines: {kind: string; n: number | '-'; meta: string; path: string; file?: string | {link: string}}[],
  fmt: 'v1' | 'v2',
  under = root,
): Promise<void> {
  const b = join(under, 'var/lib/kubelet-doctor/backups', id);
  await mkdir(join(b, 'files'), {recursive: true});
  const text: string[] = fmt === 'v2' ? [`KD-BACKUP-MANIFEST 2 ${'0'.repeat(32)}`] : [];
  for (const l of lines) {
    let h = '-';
    if (typeof l.file === 'string') {
      await writeFile(join(b, 'files', String(l.n)), l.file);
      h = sha(l.file);
    } else if (l.file) {
      await symlink(l.file.link, join(b, 'files', String(l.n)));
      h = sha(`${l.file.link}\n`);
    }
    text.push(
      fmt === 'v1'
        ? `${l.kind}\t${l.n}\t${l.meta}\t${l.path}`
        : `${l.kind}\t${l.n}\t${l.meta}\t${l.kind === 'A' ? '-' : h}\t${l.kind === 'A' ? sha('x') : 'absent'}\t${l.path}`,
    );
  }
  await writeFile(join(b, 'manifest'), `${text.join('\n')}\n`);
}

beforeAll(async () => {
  expect(existsSync(BIN), 'build first: npx tsc -p tsconfig.json').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'kd-sec-fix-'));
  await chmod(dir, 0o755);
  ca = await createClusterCa(NOW);
});
afterAll(() => (dir ? rm(dir, {recursive: true, force: true}) : undefined));

describe('a hostile backup manifest on the disk (fix --root DIR --rollback ID)', () => {
  for (const fmt of ['v1', 'v2'] as const) {
    for (const force of [false, true]) {
      it(`writes, deletes, copies and re-modes nothing outside the root (${fmt} manifest${force ? ', --force' : ''})`, async () => {
        const {root} = await node();
        const host = await sentinel();
        const up = (p: string) => `/${relative(root, p)}`; // "/../../host-x/victim": climbs out of the root
        await mkdir(join(root, 'etc/evil'), {recursive: true});
        await rm(join(root, 'etc/evil'), {recursive: true});
        await symlink(join(host, 'etc'), join(root, 'etc/evil')); // an ancestor that is a link out of the root
        const id = '20260101T000000Z';
        await plantBackup(
          root,
          id,
          [
            {kind: 'F', n: 1, meta: '4755 0 0', path: up(join(host, 'victim')), file: 'overwritten from the disk\n'},
            {kind: 'A', n: 2, meta: '-', path: up(join(host, 'etc/passwd'))},
            {kind: 'F', n: 3, meta: '644 0 0', path: '/etc/kubernetes/leak.conf', file: {link: join(host, 'shadow')}},
            {kind: 'F', n: 4, meta: '6755 0 0', path: '/usr/local/bin/setuid-tool', file: '#!/bin/sh\nexec /bin/sh\n'},
            {kind: 'F', n: 5, meta: '644 0 0', path: '/etc/evil/passwd', file: 'written through a link\n'},
            {kind: 'A', n: 6, meta: '-', path: '/etc/evil/passwd'},
            {kind: 'F', n: 7, meta: '644 0 0', path: 'etc/relative', file: 'relative\n'},
          ],
          fmt,
        );
        const before = await hashTree(host);
        const r = run(['fix', '--root', root, '--rollback', id, ...(force ? ['--force'] : [])]);
        expect(await hashTree(host)).toEqual(before);
        expect(await leaked(root)).toEqual([]);
        expect(await specialModes(root)).toEqual([]);
        expect(existsSync(join(root, 'usr/local/bin/setuid-tool'))).toBe(false);
        expect(r.code).toBe(2);
        expect(r.stderr).not.toContain('internal error');
        expect(r.stderr).toMatch(/^kubelet-doctor: .*\nhint: /);
      });
    }
  }

  it('restores a mode from its permission bits only: a setuid mode in a manifest restored with --force gives 0755', async () => {
    const {root} = await node();
    const id = '20260101T000002Z';
    await plantBackup(root, id, [{kind: 'F', n: 1, meta: '6755 0 0', path: '/usr/local/bin/tool', file: '#!/bin/sh\necho tool\n'}], 'v2');
    const r = run(['fix', '--root', root, '--rollback', id, '--force']);
    expect(r.stdout).toContain(`Backup ${id} restored`);
    expect(r.code).toBe(0);
    expect((await lstat(join(root, 'usr/local/bin/tool'))).mode & 0o7777).toBe(0o755);
    expect(await specialModes(root)).toEqual([]);
  });

  it('refuses a backup directory reached through a symlinked backups dir, even with --force', async () => {
    const {root} = await node();
    const host = await sentinel();
    const id = '20260101T000001Z';
    await plantBackup(root, id, [{kind: 'F', n: 1, meta: '644 0 0', path: '/etc/kubernetes/from-outside.conf', file: SECRET}], 'v2', host);
    await mkdir(join(root, 'var/lib/kubelet-doctor'), {recursive: true});
    await symlink(join(host, 'var/lib/kubelet-doctor/backups'), join(root, 'var/lib/kubelet-doctor/backups'));
    const before = await hashTree(host);
    const r = run(['fix', '--root', root, '--rollback', id, '--force']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('symlink');
    expect(await leaked(root)).toEqual([]);
    expect(await hashTree(host)).toEqual(before);
  });

  it('takes no backup through a symlinked /var/lib/kubelet-doctor: the fix refuses (exit 2) and writes nothing outside', async () => {
    const {root} = await node();
    const host = await sentinel();
    await symlink(host, join(root, 'var/lib/kubelet-doctor'));
    const before = await hashTree(host);
    const tree = await hashTree(root);
    const r = run(['fix', '--root', root, '--check', 'kubelet-config', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/kubelet-doctor: .*symlink.*\nhint: /);
    expect(await hashTree(host)).toEqual(before);
    expect(await hashTree(root)).toEqual(tree);
  });
});

describe('backup ids the tool did not record', () => {
  it('refuses an unrecorded id without --force (exit 2), never echoes ids read from the disk, and restores it with --force', async () => {
    const {root} = await node();
    const file = join(root, 'var/lib/kubelet/config.yaml');
    const original = await readFile(file, 'utf8');
    const id = '20250505T050505Z';
    await plantBackup(
      root,
      id,
      [{kind: 'F', n: 1, meta: '644 0 0', path: '/var/lib/kubelet/config.yaml', file: `${original}# from the planted backup\n`}],
      'v2',
    );
    // Names on the disk that look like ids, and one that is hostile text.
    await mkdir(join(root, 'var/lib/kubelet-doctor/backups/20991231T235959Z'), {recursive: true});
    await writeFile(join(root, 'var/lib/kubelet-doctor/backups/20991231T235959Z/manifest'), '');
    await mkdir(join(root, 'var/lib/kubelet-doctor/backups/\u001b]0;pwned\u0007'), {recursive: true});
    await writeFile(join(root, 'var/lib/kubelet-doctor/backups/\u001b]0;pwned\u0007/manifest'), '');
    const refused = run(['fix', '--root', root, '--rollback', id]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`backup ${id}`);
    expect(refused.stderr).toContain('--force');
    expect(await readFile(file, 'utf8')).toBe(original);
    const unknown = run(['fix', '--root', root, '--rollback', '20200101T000000Z']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr + unknown.stdout).not.toContain('20991231T235959Z');
    expect(unknown.stderr + unknown.stdout).not.toContain('pwned');
    expect(unknown.stderr + unknown.stdout).not.toContain(id);
    const forced = run(['fix', '--root', root, '--rollback', id, '--force']);
    expect(forced.stdout).toContain(`Backup ${id} restored`);
    expect(forced.code).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(`${original}# from the planted backup\n`);
  });

  it('refuses a recorded id whose manifest was changed on the disk since (exit 2)', async () => {
    const {root} = await node();
    const fixed = run(['fix', '--root', root, '--check', 'kubelet-config', '--yes']);
    expect(fixed.code).toBe(0);
    const id = /--rollback (\S+)/.exec(fixed.stdout)![1]!;
    const m = join(root, 'var/lib/kubelet-doctor/backups', id, 'manifest');
    await writeFile(m, `${await readFile(m, 'utf8')}D\t-\t-\t-\t-\t/etc\n`);
    const tree = await hashTree(root);
    const r = run(['fix', '--root', root, '--rollback', id]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/manifest .*changed/);
    expect(await hashTree(root)).toEqual(tree);
  });
});

/**
 * Runs each script with `dash -c` first planting links at the temp names the old writer used
 * (`.kubelet-doctor.$$.N.tmp`, `.kubelet-doctor.$$.restore.tmp` next to the target): `exec` keeps
 * the pid, so `$$` in the script is the planted one.
 */
class PlantingTransport implements Transport {
  readonly kind = 'root' as const;
  readonly live = false;
  private readonly inner: LocalTransport;
  constructor(
    readonly hostRoot: string,
    dirs: string[],
    target: string,
  ) {
    const plant = dirs.flatMap((d) => ['1', '2', 'restore'].map((k) => `ln -sf '${target}' '${d}/.kubelet-doctor.'$$'.${k}.tmp' 2>/dev/null;`)).join(' ');
    this.inner = new LocalTransport('root', hostRoot, false, ['dash', '-c', `${plant} exec dash -s`, 'dash']);
  }
  run(o: RunOptions): Promise<RunResult> {
    return this.inner.run(o);
  }
  async close(): Promise<void> {}
}

describe('planted temp-file names', () => {
  it('cannot redirect a write, a chmod or a restore through a link at the temp name', async () => {
    const {root} = await node();
    const host = await sentinel();
    const p = await probeTree(root);
    const before = p.finding('kubelet-config');
    const plan = planFix({facts: p.facts, raw: p.raw, finding: before, now: NOW});
    if (isNotApplicable(plan)) throw new Error(plan.reason);
    const tree = await hashTree(root);
    const hostBefore = await hashTree(host);
    const t = new PlantingTransport(root, [join(root, 'var/lib/kubelet')], join(host, 'victim'));
    const opts = {
      transport: t,
      target: 'lab',
      check: catalogue.find((c) => c.id === 'kubelet-config')!,
      before,
      ctx: {now: NOW, expiryWarnDays: 30},
      kubeletVersion: null,
      timeoutMs: 60_000,
    };
    const r = await applyPlan(plan, {...opts, verify: () => false});
    expect(await hashTree(host)).toEqual(hostBefore);
    expect(r.status).toBe('rolled-back');
    const leftovers = (await readdir(join(root, 'var/lib/kubelet'))).filter((f) => f.startsWith('.kubelet-doctor.'));
    for (const f of leftovers) expect((await lstat(join(root, 'var/lib/kubelet', f))).isSymbolicLink()).toBe(true); // only the planted ones
    const withoutPlanted = Object.fromEntries(Object.entries(await hashTree(root)).filter(([k]) => !k.includes('/.kubelet-doctor.')));
    expect(withoutPlanted).toEqual(tree);
    const ok = await applyPlan(plan, opts);
    expect(ok.status).toBe('verified');
    expect((await lstat(join(root, 'var/lib/kubelet/config.yaml'))).isSymbolicLink()).toBe(false);
    expect(await hashTree(host)).toEqual(hostBefore);
  });
});

describe('one fix at a time per node', () => {
  it('a second fix while one runs exits 2 naming the holder; the first finishes, then the lock is free', async () => {
    const {root} = await node('cgroup-driver-mismatch');
    // A `sh` first on PATH that holds the first fix inside its write phase until the test says go.
    const bin = join(dir, `gate-bin-${n}`);
    await mkdir(bin);
    const entered = join(bin, 'entered');
    const go = join(bin, 'go');
    await writeFile(
      join(bin, 'sh'),
      `#!/bin/dash
s=$(cat)
case "$s" in *KD-WRITE-OK*) : > '${entered}'; while [ ! -e '${go}' ]; do sleep 0.05; done;; esac
printf '%s\\n' "$s" | exec /bin/sh "$@"
`,
    );
    await chmod(join(bin, 'sh'), 0o755);
    const first = runAsync(['fix', '--root', root, '--check', 'cgroup-driver-match', '--yes'], {PATH: `${bin}:${process.env['PATH']}`});
    await untilExists(entered);
    // The same fix, planned on the same file the first one is about to write.
    const second = run(['fix', '--root', root, '--check', 'cgroup-driver-match', '--yes']);
    await writeFile(go, '');
    const one = await first.done;
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`pid ${first.pid}`);
    expect(second.stderr).toContain(hostname());
    expect(second.stderr).toMatch(/hint: /);
    expect(one.stdout).toContain('fixed: cgroup-driver-match passes');
    expect(one.code).toBe(0);
    expect(existsSync(join(root, 'var/lib/kubelet-doctor/lock'))).toBe(false);
    const again = run(['fix', '--root', root, '--check', 'cgroup-driver-match', '--yes']);
    expect(again.stdout).toContain('nothing to fix');
    expect(again.code).toBe(0);
  });

  it('releases the lock and changes nothing when the operator presses Ctrl-C during the write', async () => {
    const {root} = await node('cgroup-driver-mismatch');
    const before = await hashTree(root);
    const bin = join(dir, `gate-bin-${n}`);
    await mkdir(bin);
    const entered = join(bin, 'entered');
    await writeFile(
      join(bin, 'sh'),
      `#!/bin/dash
s=$(cat)
case "$s" in *KD-WRITE-OK*) : > '${entered}'; while :; do sleep 0.05; done;; esac
printf '%s\\n' "$s" | exec /bin/sh "$@"
`,
    );
    await chmod(join(bin, 'sh'), 0o755);
    const fix = runAsync(['fix', '--root', root, '--check', 'cgroup-driver-match', '--yes'], {PATH: `${bin}:${process.env['PATH']}`});
    await untilExists(entered);
    process.kill(fix.pid, 'SIGINT');
    const r = await fix.done;
    expect(r.stderr).not.toContain('internal error');
    expect(r.stdout).toContain('nothing was changed');
    expect(r.code).toBe(1);
    expect(existsSync(join(root, 'var/lib/kubelet-doctor/lock'))).toBe(false);
    expect(await hashTree(root)).toEqual(before);
  });

  it('reports a lock whose holder is gone as stale, and --force breaks it', async () => {
    const {root} = await node();
    const lock = join(root, 'var/lib/kubelet-doctor/lock');
    await mkdir(lock, {recursive: true});
    // A pid that cannot be running: above the kernel's pid_max.
    await writeFile(
      join(lock, 'owner'),
      `token=${'a'.repeat(32)}\npid=99999999\nhost=some-other-host\nuser=alice\nstarted=${Math.floor(Date.now() / 1000) - 3 * 86400}\naction=fix kubelet-config\n`,
    );
    const r = run(['fix', '--root', root, '--check', 'kubelet-config', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('alice@some-other-host');
    expect(r.stderr).toContain('stale');
    const forced = run(['fix', '--root', root, '--check', 'kubelet-config', '--yes', '--force']);
    expect(forced.stdout).toContain('fixed: kubelet-config passes');
    expect(forced.code).toBe(0);
    expect(existsSync(lock)).toBe(false);
  });
});

describe('a rollback over a later edit', () => {
  it('refuses (exit 1) showing the diff between what the fix wrote and what is there now; --force restores', async () => {
    const info = await node();
    const before = await hashTree(info.root);
    const fixed = run(['fix', '--root', info.root, '--check', 'kubelet-config', '--yes']);
    expect(fixed.code).toBe(0);
    const id = /--rollback (\S+)/.exec(fixed.stdout)![1]!;
    const file = join(info.root, 'var/lib/kubelet/config.yaml');
    const edited = `${await readFile(file, 'utf8')}# appended by the operator after the fix\n`;
    await writeFile(file, edited);
    const r = run(['fix', '--root', info.root, '--rollback', id]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('/var/lib/kubelet/config.yaml changed since the fix wrote it');
    expect(r.stdout).toContain('+# appended by the operator after the fix');
    expect(r.stdout + r.stderr).toContain('--force');
    expect(await readFile(file, 'utf8')).toBe(edited);
    const forced = run(['fix', '--root', info.root, '--rollback', id, '--force']);
    expect(forced.stdout).toContain(`Backup ${id} restored`);
    expect(forced.code).toBe(0);
    expect(await hashTree(info.root)).toEqual(before);
  });
});

describe('a write that fails', () => {
  it('on a read-only directory says nothing changed (not rollback-failed) and leaves the file intact', async () => {
    const {root} = await node();
    const file = join(root, 'var/lib/kubelet/config.yaml');
    const original = await readFile(file);
    // An unprivileged operator: root's "read-only" is not read-only.
    const chownR = async (d: string): Promise<void> => {
      await chown(d, 65534, 65534);
      for (const e of await readdir(d, {withFileTypes: true})) {
        if (e.isDirectory()) await chownR(join(d, e.name));
        else if (!e.isSymbolicLink()) await chown(join(d, e.name), 65534, 65534);
      }
    };
    await chownR(root);
    await chmod(join(root, '..'), 0o755);
    await chmod(join(root, 'var/lib/kubelet'), 0o555);
    const audit = join(dir, `audit-nobody-${n}`);
    await mkdir(audit);
    await chown(audit, 65534, 65534);
    const r = run(
      ['fix', '--root', root, '--check', 'kubelet-config', '--yes'],
      {KUBELET_DOCTOR_AUDIT_LOG: join(audit, 'audit.log'), HOME: audit},
      {uid: 65534},
    );
    await chmod(join(root, 'var/lib/kubelet'), 0o755);
    expect(r.stderr).not.toContain('internal error');
    expect(r.stdout).toMatch(/nothing (was )?changed/);
    expect(r.stdout).not.toContain('rollback-failed');
    expect(r.code).toBe(1);
    expect(await readFile(file)).toEqual(original);
  });

  it('prints a hand-restore command that carries --root and works as printed', async () => {
    const info = await node();
    const before = await hashTree(info.root);
    // A `sh` first on PATH under which every restore fails: the fix must tell the operator how to finish by hand.
    const bin = join(dir, `norestore-bin-${n}`);
    await mkdir(bin);
    await writeFile(
      join(bin, 'sh'),
      `#!/bin/dash
s=$(cat)
case "$s" in *KD-RESTORE-OK*) echo 'sh: cannot restore: Input/output error' >&2; exit 1;; esac
printf '%s\\n' "$s" | exec /bin/sh "$@"
`,
    );
    await chmod(join(bin, 'sh'), 0o755);
    const r = run(['fix', '--root', info.root, '--check', 'kubelet-config', '--yes'], {
      PATH: `${bin}:${process.env['PATH']}`,
      KUBELET_DOCTOR_TEST_FAIL_VERIFY: '1',
    });
    expect(r.code).toBe(1);
    const cmd = /`(kubelet-doctor fix [^`]*--rollback \S+)`/.exec(r.stdout)?.[1];
    expect(cmd).toContain(`--root ${info.root}`);
    const args = cmd!.split(' ').slice(1);
    const undo = run(args);
    expect(undo.stdout).toContain('restored');
    expect(undo.code).toBe(0);
    expect(await hashTree(info.root)).toEqual(before);
  });
});

describe('the hand-restore command', () => {
  it('names the target with every target and SSH option the operator gave, quoted for a shell', () => {
    const a = parseCommandLine([
      'fix',
      'root@10.0.0.7:2222',
      '-i',
      '/keys/id ed25519',
      '--known-hosts',
      '/kh',
      '--host-root',
      '/host',
      '-J',
      'bastion',
      '--check',
      'swap',
      '--yes',
    ]);
    expect(commandTarget(a, {kind: 'root', name: 'x', dir: '/x'})).toBe(
      "root@10.0.0.7:2222 --host-root /host --identity '/keys/id ed25519' --jump bastion --known-hosts /kh",
    );
    const r = parseCommandLine(['fix', '--root', "/mnt/node's disk", '--check', 'swap']);
    expect(commandTarget(r, {kind: 'root', name: 'x', dir: '/x'})).toBe("--root '/mnt/node'\\''s disk'");
  });

  it('names the target with its host root when the caller has no command line (the TUI)', () => {
    expect(targetWords({kind: 'root', name: 'n', dir: '/mnt/n 1'})).toBe("--root '/mnt/n 1'");
    expect(targetWords({kind: 'local', name: 'n', hostRoot: '/host'})).toBe('--local --host-root /host');
    expect(targetWords({kind: 'ssh', name: 'root@10.0.0.7:2222', hostRoot: '/host'} as Target)).toBe('root@10.0.0.7:2222 --host-root /host');
  });
});
