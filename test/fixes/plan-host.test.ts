import {rm} from 'node:fs/promises';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import type {NodeTreeInfo, ScenarioId} from '../../src/lab/node-tree.js';
import {planFix} from '../../src/fixes/registry.js';
import {renderPlan} from '../../src/fixes/render.js';
import {isNotApplicable, type FixPlan, type NotApplicable, type Step} from '../../src/fixes/types.js';
import {NOW, labTrees, probeTree} from './helpers.js';

const trees = labTrees('kd-plan-h-');
const node = (name: string, scenario: ScenarioId, edit?: (root: string) => Promise<void>): Promise<NodeTreeInfo> =>
  trees.write(name, scenario, edit ? {edit} : {});
const planFor = async (root: string, check: string, extra: {choice?: string; joinCommand?: string} = {}): Promise<FixPlan | NotApplicable> => {
  const p = await probeTree(root);
  return planFix({facts: p.facts, raw: p.raw, finding: p.finding(check), now: NOW, ...extra});
};
const plan = async (root: string, check: string, extra: {choice?: string; joinCommand?: string} = {}): Promise<FixPlan> => {
  const r = await planFor(root, check, extra);
  if (isNotApplicable(r)) throw new Error(r.reason);
  return r;
};
const writes = (p: FixPlan) => p.steps.filter((s): s is Extract<Step, {kind: 'write-file'}> => s.kind === 'write-file');

describe('swap-off', () => {
  it('comments out the fstab swap line (choice off, the default)', async () => {
    const n = await node('s1', 'swap-on');
    const p = await plan(n.root, 'swap');
    expect(writes(p).map((w) => [w.path, w.after.split('\n').find((l) => l.includes('swap.img'))])).toEqual([
      ['/etc/fstab', '#/swap.img\tnone\tswap\tsw\t0\t0'],
    ]);
  });

  it('keeps swap and sets failSwapOn: false with --choice keep', async () => {
    const p = await plan(join(trees.dir, 's1'), 'swap', {choice: 'keep'});
    expect(writes(p)[0]).toMatchObject({path: '/var/lib/kubelet/config.yaml'});
    expect(writes(p)[0]!.after).toContain('\nfailSwapOn: false\n');
  });
});

describe('kernel-prereqs-fix', () => {
  it('creates modules-load.d and sysctl.d files on a node that has neither directory', async () => {
    const n = await node('k1', 'healthy', async (r) => {
      await rm(join(r, 'etc/sysctl.d'), {recursive: true});
      await rm(join(r, 'etc/modules-load.d'), {recursive: true});
    });
    const p = await plan(n.root, 'kernel-prereqs');
    expect(writes(p).map((w) => [w.path, w.before, w.after])).toEqual([
      ['/etc/modules-load.d/k8s.conf', null, 'overlay\nbr_netfilter\n'],
      ['/etc/sysctl.d/k8s.conf', null, 'net.ipv4.ip_forward = 1\n'],
    ]);
  });
});

describe('cert-expiry-fix', () => {
  let expired: NodeTreeInfo;
  beforeAll(async () => {
    expired = await node('c1', 'expired-client-cert');
  });
  const join1 = () => `kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:${expired.caSpkiSha256}`;

  it('is only manual steps when there is neither a bootstrap kubeconfig nor a join command', async () => {
    const p = await plan(expired.root, 'cert-expiry');
    expect(p.steps.map((s) => s.kind)).toEqual(['manual']);
    expect(p.steps[0]).toMatchObject({text: expect.stringContaining('kubeadm token create --print-join-command')});
  });

  it('with a join command, writes bootstrap-kubelet.conf (0600, shown redacted) and moves the expired certificate aside', async () => {
    const p = await plan(expired.root, 'cert-expiry', {joinCommand: join1()});
    const boot = writes(p)[0]!;
    expect(boot).toMatchObject({path: '/etc/kubernetes/bootstrap-kubelet.conf', before: null, mode: 0o600, sensitive: true});
    expect(boot.after).toContain('token: abcdef.0123456789abcdef');
    const moved = p.steps.filter((s) => s.kind === 'remove-file').map((s) => s.kind === 'remove-file' && s.path);
    expect(moved).toEqual([
      '/var/lib/kubelet/pki/kubelet-client-current.pem',
      expect.stringMatching(/^\/var\/lib\/kubelet\/pki\/kubelet-client-\d{4}-.*\.pem$/),
    ]);
    const text = renderPlan(p, {offline: true, target: 'c1'});
    expect(text).not.toContain('0123456789abcdef');
    expect(text).toContain('token: [redacted]');
  });

  it('refuses a join command for another cluster (CA pin mismatch)', async () => {
    const r = await planFor(expired.root, 'cert-expiry', {
      joinCommand: `kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:${'0'.repeat(64)}`,
    });
    expect(isNotApplicable(r) && r.reason).toMatch(/does not match this node's cluster CA/);
  });

  it('says what is wrong with a join command that is not one', async () => {
    const r = await planFor(expired.root, 'cert-expiry', {joinCommand: 'kubeadm join 10.0.0.1:6443'});
    expect(isNotApplicable(r) && r.reason).toBe('--join-command: the join command has no valid --token (abcdef.0123456789abcdef)');
  });
});

describe('planFix', () => {
  it('has nothing to fix on a passing check, and names the cause first for an explained failure', async () => {
    const n = await node('h1', 'healthy');
    const r = await planFor(n.root, 'cgroup-driver-match');
    expect(isNotApplicable(r) && r.reason).toMatch(/^cgroup-driver-match passes on this node: nothing to fix/);
  });

  it('does not restart a kubelet offline (healthz needs a live node)', async () => {
    const p = await probeTree(join(trees.dir, 'h1'));
    const fake = {...p.finding('healthz'), status: 'fail' as const, fix: 'restart-kubelet'};
    expect(planFix({facts: p.facts, raw: p.raw, finding: fake, now: NOW})).toMatchObject({
      notApplicable: true,
      reason: expect.stringContaining('needs a live node'),
    });
  });
});
