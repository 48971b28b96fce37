/**
 * The fix scripts under both POSIX shells kubelet-doctor meets on nodes: dash, and busybox sh
 * with nothing but busybox applets on PATH. A fix, a rollback, a rollback refused over a later
 * edit, the lock; and the manifest parser, which is what stands between a hostile disk and the
 * restore script.
 */
import {execFileSync} from 'node:child_process';
import {chmod, mkdtemp, readFile, rm, stat, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {catalogue} from '../../checks/index.js';
import {applyPlan} from '../../src/fixes/apply.js';
import {acquireLock, releaseLock} from '../../src/fixes/lock.js';
import {planFix} from '../../src/fixes/registry.js';
import {parseManifest, runRestore} from '../../src/fixes/restore.js';
import {isNotApplicable} from '../../src/fixes/types.js';
import {LocalTransport} from '../../src/transport/local.js';
import {NOW, hashTree, labTrees, probeTree} from './helpers.js';

vi.setConfig({testTimeout: 180_000, hookTimeout: 120_000});

const have = (s: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${s}`]);
    return true;
  } catch {
    return false;
  }
};
const shells = ['dash', 'busybox'].filter(have);
const trees = labTrees('kd-scripts-');
let bbPath = '';
let busybox = 'busybox';

beforeAll(async () => {
  bbPath = await mkdtemp(join(tmpdir(), 'kd-fix-bb-'));
  if (shells.includes('busybox')) {
    busybox = execFileSync('sh', ['-c', 'command -v busybox']).toString().trim();
    execFileSync(busybox, ['--install', '-s', bbPath]);
    // The verification probe fingerprints keys with openssl, which is not an applet.
    await symlink(execFileSync('sh', ['-c', 'command -v openssl']).toString().trim(), join(bbPath, 'openssl')).catch(() => undefined);
  }
});
afterAll(() => (bbPath ? rm(bbPath, {recursive: true, force: true}) : undefined));

const transport = (shell: string, root: string) =>
  shell === 'busybox' ? new LocalTransport('root', root, false, [busybox, 'sh'], {PATH: bbPath}) : new LocalTransport('root', root, false, [shell]);

let n = 0;
describe.each(shells)('fix scripts under %s', (shell) => {
  async function fixed() {
    const {root} = await trees.write(`${shell}-${++n}`, 'config-typo');
    const file = join(root, 'var/lib/kubelet/config.yaml');
    await chmod(file, 0o640);
    const before = await hashTree(root);
    const p = await probeTree(root);
    const finding = p.finding('kubelet-config');
    const plan = planFix({facts: p.facts, raw: p.raw, finding, now: NOW});
    if (isNotApplicable(plan)) throw new Error(plan.reason);
    const t = transport(shell, root);
    const r = await applyPlan(plan, {
      transport: t,
      target: 'lab',
      check: catalogue.find((c) => c.id === 'kubelet-config')!,
      before: finding,
      ctx: {now: NOW, expiryWarnDays: 30},
      kubeletVersion: null,
      timeoutMs: 60_000,
    });
    return {root, file, before, t, r};
  }

  it("fixes (keeping the file's permission bits) and restores the backup byte for byte", async () => {
    const {root, file, before, t, r} = await fixed();
    expect(r.status).toBe('verified');
    expect((await stat(file)).mode & 0o7777).toBe(0o640);
    const restored = await runRestore(t, r.backup!, {timeoutMs: 60_000, manifests: [r.manifest!], force: false});
    expect(restored).toMatchObject({status: 'restored', restored: ['/var/lib/kubelet/config.yaml']});
    expect(await hashTree(root)).toEqual(before);
    // A second rollback finds every file already as before.
    expect(await runRestore(t, r.backup!, {timeoutMs: 60_000, manifests: [r.manifest!], force: false})).toMatchObject({
      status: 'intact',
      intact: ['/var/lib/kubelet/config.yaml'],
    });
  });

  it('refuses to roll back over a later edit, with the diff, and restores with force', async () => {
    const {root, file, before, t, r} = await fixed();
    await writeFile(file, `${await readFile(file, 'utf8')}# later\n`);
    const refused = await runRestore(t, r.backup!, {timeoutMs: 60_000, manifests: [r.manifest!], force: false});
    expect(refused.status).toBe('edited');
    expect(refused.edited[0]!.path).toBe('/var/lib/kubelet/config.yaml');
    expect(refused.edited[0]!.diff).toContain('\n+# later\n');
    expect(await readFile(file, 'utf8')).toContain('# later');
    expect(await runRestore(t, r.backup!, {timeoutMs: 60_000, manifests: [r.manifest!], force: true})).toMatchObject({status: 'restored'});
    expect(await hashTree(root)).toEqual(before);
  });

  it('refuses a manifest whose hash is not the recorded one, and a backup copy changed on the disk', async () => {
    const {root, t, r} = await fixed();
    expect(await runRestore(t, r.backup!, {timeoutMs: 60_000, manifests: ['0'.repeat(64)], force: false})).toMatchObject({status: 'tampered'});
    await writeFile(join(root, 'var/lib/kubelet-doctor/backups', r.backup!, 'files/1'), 'apiVersion: evil\n');
    const copy = await runRestore(t, r.backup!, {timeoutMs: 60_000, manifests: null, force: true});
    expect(copy.status).toBe('tampered');
    expect(copy.message).toContain('/var/lib/kubelet/config.yaml');
  });

  it('takes the lock once, names its holder to a second taker, and releases it', async () => {
    const {root} = await trees.write(`${shell}-${++n}`, 'healthy');
    const t = transport(shell, root);
    const o = {action: 'fix kubelet-config', force: false, timeoutMs: 60_000, node: 'lab'};
    const first = await acquireLock(t, o);
    expect(first.ok).toBe(true);
    const second = await acquireLock(t, o);
    expect(second).toMatchObject({ok: false, refusal: 'locked', message: expect.stringContaining(`(pid ${process.pid})`)});
    // --force never breaks a lock whose holder is alive.
    expect(await acquireLock(t, {...o, force: true})).toMatchObject({ok: false, refusal: 'locked'});
    if (first.ok) await releaseLock(t, first.token, 60_000);
    const third = await acquireLock(t, o);
    expect(third.ok).toBe(true);
    if (third.ok) await releaseLock(t, third.token, 60_000);
  });
});

describe('parseManifest', () => {
  const head = `KD-BACKUP-MANIFEST 2 ${'ab'.repeat(16)}\n`;
  const sha = 'c'.repeat(64);
  const parse = (body: string) => parseManifest(Buffer.from(head + body));

  it('keeps permission bits only and numeric owners', () => {
    const r = parse(`F\t1\t4755 0 0\t${sha}\tabsent\t/usr/local/bin/x\nU\t-\t-\t-\t-\tkubelet\nR\t-\t-\t-\t-\tdaemon-reload\nD\t-\t-\t-\t-\t/etc/sysctl.d\n`);
    expect(r).toEqual({
      entries: [
        {kind: 'F', n: 1, mode: 0o755, uid: 0, gid: 0, orig: sha, written: 'absent', path: '/usr/local/bin/x'},
        expect.objectContaining({kind: 'U', path: 'kubelet'}),
        expect.objectContaining({kind: 'R'}),
        expect.objectContaining({kind: 'D', path: '/etc/sysctl.d'}),
      ],
    });
  });

  it.each([
    ['a path that climbs out', `F\t1\t644 0 0\t${sha}\tabsent\t/../../etc/shadow\n`],
    ['a relative path', `F\t1\t644 0 0\t${sha}\tabsent\tetc/shadow\n`],
    ['a path with a control character', `A\t1\t-\t-\t${sha}\t/etc/x\u001b[2J\n`],
    ['a path with a newline escape', `A\t1\t-\t-\t${sha}\t/etc/x\r\n`],
    ['a path that is not normalised', `A\t1\t-\t-\t${sha}\t/etc//x\n`],
    ["kubelet-doctor's own directory", `A\t1\t-\t-\t${sha}\t/var/lib/kubelet-doctor/lock/owner\n`],
    ['a path listed twice', `A\t1\t-\t-\t${sha}\t/etc/x\nA\t2\t-\t-\t${sha}\t/etc/x\n`],
    ['a copy number used twice', `A\t1\t-\t-\t${sha}\t/etc/x\nA\t1\t-\t-\t${sha}\t/etc/y\n`],
    ['a copy number that is a path', `F\t../../x\t644 0 0\t${sha}\tabsent\t/etc/x\n`],
    ['a symbolic mode', `F\t1\tu+s 0 0\t${sha}\tabsent\t/etc/x\n`],
    ['an owner by name', `F\t1\t644 root root\t${sha}\tabsent\t/etc/x\n`],
    ['an owner of -1', `F\t1\t644 4294967295 0\t${sha}\tabsent\t/etc/x\n`],
    ['a unit that is an option', `U\t-\t-\t-\t-\t--now\n`],
    ['a unit with a space', `U\t-\t-\t-\t-\tkubelet; reboot\n`],
    ['the old format', `F\t1\t644 0 0\t/etc/x\n`],
    ['an unknown kind', `X\t1\t-\t-\t-\t/etc/x\n`],
  ])('rejects %s', (_, body) => {
    expect(parse(body)).toEqual({error: expect.stringMatching(/^manifest line [23]: /)});
  });

  it('rejects a manifest without its header, without a final newline, or not UTF-8', () => {
    expect(parseManifest(Buffer.from(`F\t1\t644 0 0\t${sha}\tabsent\t/etc/x\n`))).toEqual({error: expect.stringContaining('format 2')});
    expect(parseManifest(Buffer.from(head.trimEnd()))).toEqual({error: expect.stringContaining('newline')});
    expect(parseManifest(Buffer.concat([Buffer.from(head), Buffer.from([0xff, 0x0a])]))).toEqual({error: expect.stringContaining('UTF-8')});
  });
});
