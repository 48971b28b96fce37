import {createHash} from 'node:crypto';
import {mkdtemp, readFile, readdir, rm, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {catalogue} from '../../checks/index.js';
import {TargetError} from '../../src/errors.js';
import {applyPlan, type ApplyOptions} from '../../src/fixes/apply.js';
import {planFix} from '../../src/fixes/registry.js';
import {runRestore} from '../../src/fixes/restore.js';
import {isNotApplicable, type FixPlan} from '../../src/fixes/types.js';
import {writeNodeTree, type ScenarioId} from '../../src/lab/node-tree.js';
import type {Finding} from '../../src/report/types.js';
import {LocalTransport} from '../../src/transport/local.js';
import type {RunOptions, RunResult, Transport} from '../../src/transport/types.js';
import {NOW, hashTree, labTrees, probeTree} from './helpers.js';

const trees = labTrees('kd-apply-');
afterEach(() => {
  delete process.env['KUBELET_DOCTOR_TEST_FAIL_VERIFY'];
});

/** A root transport that dies (rejects like a dropped connection) on the listed call numbers. */
class DyingTransport implements Transport {
  readonly kind = 'root' as const;
  readonly live = false;
  calls = 0;
  private readonly inner: LocalTransport;
  constructor(
    readonly hostRoot: string,
    private readonly dieOn: number[],
  ) {
    this.inner = new LocalTransport('root', hostRoot, false);
  }
  run(o: RunOptions): Promise<RunResult> {
    this.calls++;
    if (this.dieOn.includes(this.calls)) return Promise.reject(new TargetError('unreachable', 'connection reset by peer'));
    return this.inner.run(o);
  }
  async close(): Promise<void> {}
}

let n = 0;
async function setup(scenario: ScenarioId, check: string, extra: {choice?: string; joinCommand?: string} = {}, edit?: (root: string) => Promise<void>) {
  const {root} = await trees.write(`n${++n}`, scenario, edit ? {edit} : {});
  const p = await probeTree(root);
  const before = p.finding(check);
  const plan = planFix({facts: p.facts, raw: p.raw, finding: before, now: NOW, ...extra});
  if (isNotApplicable(plan)) throw new Error(plan.reason);
  return {root, plan, before, hash: await hashTree(root)};
}
const opts = (root: string, before: Finding, over: Partial<ApplyOptions> = {}): ApplyOptions => ({
  transport: new LocalTransport('root', root, false),
  target: 'lab',
  check: catalogue.find((c) => c.id === before.id)!,
  before,
  ctx: {now: NOW, expiryWarnDays: 30},
  kubeletVersion: null,
  timeoutMs: 60_000,
  ...over,
});
const backups = (root: string) => readdir(join(root, 'var/lib/kubelet-doctor/backups')).catch(() => []);

describe('applyPlan on a node tree (--root)', () => {
  it('writes, verifies that the check passes, and keeps a backup that restores the files byte for byte', async () => {
    const {root, plan, before, hash} = await setup('cgroup-driver-mismatch', 'cgroup-driver-match');
    const r = await applyPlan(plan, opts(root, before));
    expect(r).toMatchObject({status: 'verified', changed: ['/var/lib/kubelet/config.yaml'], finding: {status: 'pass'}});
    expect(r.pending).toEqual(['run `systemctl restart kubelet`', 'wait up to 90 s for http://127.0.0.1:10248/healthz to answer ok']);
    expect(await hashTree(root)).not.toEqual(hash);
    const manifest = await readFile(join(root, 'var/lib/kubelet-doctor/backups', r.backup!, 'manifest'), 'utf8');
    expect(manifest).toMatch(
      /^KD-BACKUP-MANIFEST 2 [0-9a-f]{32}\nF\t1\t644 \d+ \d+\t[0-9a-f]{64}\t[0-9a-f]{64}\t\/var\/lib\/kubelet\/config\.yaml\nU\t-\t-\t-\t-\tkubelet\n$/,
    );
    expect(r.manifest).toBe(createHash('sha256').update(manifest).digest('hex'));
    const restored = await runRestore(new LocalTransport('root', root, false), r.backup!, {timeoutMs: 60_000, manifests: [r.manifest!], force: false});
    expect(restored).toMatchObject({ok: true, restored: ['/var/lib/kubelet/config.yaml']});
    expect(await hashTree(root)).toEqual(hash);
  });

  it('rolls back when verification fails, leaving every file byte-identical', async () => {
    const {root, plan, before, hash} = await setup('swap-on', 'swap');
    const r = await applyPlan(plan, opts(root, before, {verify: () => false}));
    expect(r.status).toBe('rolled-back');
    expect(r.message).toMatch(/; restored 1 file\(s\) from backup \d{8}T\d{6}Z, byte for byte$/);
    expect(await hashTree(root)).toEqual(hash);
  });

  it('rolls back when the test hook KUBELET_DOCTOR_TEST_FAIL_VERIFY=1 forces a failed verification', async () => {
    const {root, plan, before, hash} = await setup('expired-client-cert', 'cert-expiry', {
      joinCommand: 'kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef',
    });
    process.env['KUBELET_DOCTOR_TEST_FAIL_VERIFY'] = '1';
    const r = await applyPlan(plan, opts(root, before));
    expect(r.status).toBe('rolled-back');
    expect(r.message).toContain('forced by KUBELET_DOCTOR_TEST_FAIL_VERIFY');
    // The symlink, the dated certificate and the absence of bootstrap-kubelet.conf are all back.
    expect(await hashTree(root)).toEqual(hash);
  });

  it('removes files and directories it created when rolling back', async () => {
    const {root, plan, before, hash} = await setup('healthy', 'kernel-prereqs', {}, async (r) => {
      await rm(join(r, 'etc/sysctl.d'), {recursive: true});
      await rm(join(r, 'etc/modules-load.d'), {recursive: true});
    });
    expect(plan.steps.map((s) => s.kind === 'write-file' && s.path)).toEqual(['/etc/modules-load.d/k8s.conf', '/etc/sysctl.d/k8s.conf']);
    const r = await applyPlan(plan, opts(root, before, {verify: () => false}));
    expect(r.status).toBe('rolled-back');
    expect(await hashTree(root)).toEqual(hash);
  });

  it("refuses to write when a file changed since the probe, and keeps the operator's edit", async () => {
    const {root, plan, before} = await setup('config-typo', 'kubelet-config');
    const file = join(root, 'var/lib/kubelet/config.yaml');
    const theirs = `${await readFile(file, 'utf8')}# edited by someone else meanwhile\n`;
    await writeFile(file, theirs);
    const r = await applyPlan(plan, opts(root, before));
    expect(r.status).toBe('refused');
    expect(r.message).toMatch(/^\/var\/lib\/kubelet\/config\.yaml changed since it was read .*nothing was written/);
    expect(await readFile(file, 'utf8')).toBe(theirs);
    expect(await readdir(join(root, 'var/lib/kubelet-doctor'))).toEqual(['backups']); // the lock is released on a refusal too
  });

  it('changes nothing when the node goes away between the backup and the write', async () => {
    const {root, plan, before, hash} = await setup('dropin-no-reset', 'systemd-dropin');
    // Calls: 1 lock, 2 backup, 3 write, 4 the restore's manifest read, 5 unlock.
    const t = new DyingTransport(root, [3, 4]);
    const r = await applyPlan(plan, opts(root, before, {transport: t}));
    expect(r.status).toBe('lost');
    expect(r.message).toMatch(/lost lab while writing \(connection reset by peer\).*restore it with `kubelet-doctor fix lab --rollback \d{8}T\d{6}Z`/);
    expect(await hashTree(root)).toEqual(hash);
  });

  it('restores the backup when the node stops answering during verification and comes back', async () => {
    const {root, plan, before, hash} = await setup('config-typo', 'kubelet-config');
    // Calls: 1 lock, 2 backup, 3 write, 4 verification probe.
    const t = new DyingTransport(root, [4]);
    const r = await applyPlan(plan, opts(root, before, {transport: t}));
    expect(r.status).toBe('rolled-back');
    expect(r.message).toMatch(/^lost lab while verifying .*unverified; restored 1 file\(s\) from backup/);
    expect(await hashTree(root)).toEqual(hash);
  });

  it('still restores the files when the operator presses Ctrl-C after the write', async () => {
    const {root, plan, before, hash} = await setup('cgroup-driver-mismatch', 'cgroup-driver-match');
    const ctl = new AbortController();
    const r = await applyPlan(plan, opts(root, before, {signal: ctl.signal, onEvent: (e) => e.type === 'phase' && e.phase === 'verify' && ctl.abort()}));
    expect(r.status).toBe('rolled-back');
    expect(r.message).toMatch(/^lost lab while verifying \(interrupted\)/);
    expect(await hashTree(root)).toEqual(hash);
    expect(await readdir(join(root, 'var/lib/kubelet-doctor'))).toEqual(['backups']);
  });

  it('refuses to create a file through a symlinked directory that would lead outside the node tree', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'kd-outside-'));
    const {root, plan, before} = await setup('healthy', 'kernel-prereqs', {}, async (r) => {
      await rm(join(r, 'etc/sysctl.d'), {recursive: true});
      await rm(join(r, 'etc/modules-load.d'), {recursive: true});
    });
    // After planning, /etc/sysctl.d becomes an absolute link: on the node it is fine, here it is the operator's machine.
    await symlink(outside, join(root, 'etc/sysctl.d'));
    const r = await applyPlan(plan, opts(root, before));
    expect(r.status).toBe('refused');
    expect(r.message).toContain("a directory on its path is a symlink, which under the host root would lead outside the node's files");
    expect(await readdir(outside)).toEqual([]);
    await rm(outside, {recursive: true, force: true});
  });

  it('takes a new backup id when one with the same second exists', async () => {
    const {root, plan, before} = await setup('config-typo', 'kubelet-config');
    const fixed = () => new Date('2026-01-02T03:04:05Z');
    const first = await applyPlan(plan, opts(root, before, {now: fixed, verify: () => false}));
    const second = await applyPlan(plan, opts(root, before, {now: fixed}));
    expect([first.backup, second.backup]).toEqual(['20260102T030405Z', '20260102T030405Z-2']);
    expect(second.status).toBe('verified');
    expect((await backups(root)).sort()).toEqual(['20260102T030405Z', '20260102T030405Z-2']);
  });

  it('keeps the comments of a commented config.yaml when it edits it', async () => {
    const root = join(trees.dir, `n${++n}`);
    await writeNodeTree(root, {layout: 'deb', hostname: 'cm', kubeletVersion: 'v1.30.2', scenario: 'config-typo', now: NOW, ca: trees.ca});
    const file = join(root, 'var/lib/kubelet/config.yaml');
    const commented = `# Node-specific settings; ticket OPS-1234\n${(await readFile(file, 'utf8')).replace('maxPod: 200\n', '# we run dense nodes\nmaxPod: 200 # requested by team X\n')}`;
    await writeFile(file, commented);
    const p = await probeTree(root);
    const b = p.finding('kubelet-config');
    const plan = planFix({facts: p.facts, raw: p.raw, finding: b, now: NOW}) as FixPlan;
    const r = await applyPlan(plan, opts(root, b));
    expect(r.status).toBe('verified');
    expect(await readFile(file, 'utf8')).toBe(commented.replace('maxPod: 200 #', 'maxPods: 200 #'));
  });
});
