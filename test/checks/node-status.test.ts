import {readFileSync} from 'node:fs';
import {beforeAll, describe, expect, it} from 'vitest';
import check from '../../checks/node-status.js';
import {catalogue} from '../../checks/index.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {evaluateAll} from '../../src/engine/evaluate.js';
import {buildCni, buildRuntime} from '../../src/facts/runtime/runtime.js';
import {collected, notCollected} from '../../src/facts/types.js';
import type {Facts} from '../../src/facts/types.js';
import type {ClusterFacts} from '../../src/facts/live/cluster.js';
import {ctx, makeFacts, rawFrom} from '../helpers/facts.js';
import {certAndKey, issue, kubeletConf, makeCA, tlsFacts} from '../helpers/certs.js';
import {HEALTHY, clusterFacts, condition, nodeView, withCluster} from './cluster-fixtures.js';

const NODE = {command: 'GET /api/v1/nodes/node-1'};
const LEASE = {command: 'GET /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1'};
const CNI_MESSAGE =
  'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized';
const NOT_READY_CNI = condition('Ready', 'False', 'KubeletNotReady', CNI_MESSAGE);
const withReady = (ready: ReturnType<typeof condition>) => HEALTHY.map((c) => (c.type === 'Ready' ? ready : c));
const taint = (key: string, effect = 'NoSchedule') => ({key, value: null, effect, timeAdded: '2026-05-31T23:58:00Z'});

function run(c: Partial<ClusterFacts> = {}, over: Partial<Facts> = {}): Verdict[] {
  return [check.evaluate(withCluster(c, over), ctx)].flat();
}

describe('node-status check', () => {
  it('passes a Ready node with a fresh lease', () => {
    const out = run();
    expect(out).toHaveLength(1);
    expect(out[0]?.status).toBe('pass');
    expect(out[0]?.summary).toBe('Node "node-1" is Ready since 2026-05-30T08:00:00Z, no pressure, lease renewed 10 s ago, schedulable');
    expect(out[0]?.evidence).toEqual([
      {source: NODE, text: 'Ready=True reason=KubeletReady message=kubelet is posting ready status'},
      {source: LEASE, text: 'renewTime: 2026-05-31T23:59:50.000000Z'},
    ]);
  });

  it("fails NotReady with the kubelet's reason and message (CNI not initialized), the not-ready taint folded in", () => {
    const out = run({node: collected(nodeView({conditions: withReady(NOT_READY_CNI), taints: [taint('node.kubernetes.io/not-ready')]}))});
    expect(out).toHaveLength(1);
    expect(out[0]?.status).toBe('fail');
    expect(out[0]?.summary).toBe(`Node "node-1" is NotReady: KubeletNotReady: ${CNI_MESSAGE}`);
    expect(out[0]?.evidence).toEqual([
      {source: NODE, text: `Ready=False reason=KubeletNotReady message=${CNI_MESSAGE}`},
      {source: NODE, text: 'taint node.kubernetes.io/not-ready:NoSchedule (since 2026-05-31T23:58:00Z)'},
    ]);
  });

  it('fails a stale lease: the kubelet stopped renewing it', () => {
    const unknown = {...condition('Ready', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'), lastHeartbeatTime: '2026-05-31T23:50:00Z'};
    const out = run({
      node: collected(nodeView({conditions: withReady(unknown), taints: [taint('node.kubernetes.io/unreachable', 'NoExecute')]})),
      lease: collected({holderIdentity: 'node-1', renewTime: '2026-05-31T23:50:00Z', leaseDurationSeconds: 40}),
    });
    expect(out.map((v) => v.status)).toEqual(['fail', 'fail']);
    expect(out[0]?.summary).toBe(
      'Node "node-1" is Ready=Unknown: NodeStatusUnknown: Kubelet stopped posting node status. (last heartbeat 600 s ago, 2026-05-31T23:50:00Z); the kubelet is not running or cannot reach the API server',
    );
    expect(out[0]?.evidence[1]?.text).toBe('taint node.kubernetes.io/unreachable:NoExecute (since 2026-05-31T23:58:00Z)');
    expect(out[1]?.summary).toBe(
      'the kubelet stopped renewing its lease 600 s ago (renewTime 2026-05-31T23:50:00Z, leaseDurationSeconds 40): it is not running, or cannot reach the API server',
    );
    expect(out[1]?.evidence).toEqual([{source: LEASE, text: 'renewTime: 2026-05-31T23:50:00Z leaseDurationSeconds: 40 (fetched 2026-06-01T00:00:00.000Z)'}]);
  });

  it('fails a stale lease on a node still shown Ready (the node controller has not caught up), default duration 40 s', () => {
    const out = run({lease: collected({holderIdentity: 'node-1', renewTime: '2026-05-31T23:59:00Z', leaseDurationSeconds: null})});
    expect(out).toHaveLength(1);
    expect(out[0]?.summary).toMatch(/^the kubelet stopped renewing its lease 60 s ago \(renewTime 2026-05-31T23:59:00Z, leaseDurationSeconds 40\)/);
  });

  it('warns when the node has no lease', () => {
    const out = run({lease: collected(null)});
    expect(out).toEqual([
      {status: 'warn', summary: 'no Lease kube-node-lease/node-1: the kubelet has never sent a heartbeat', evidence: [{source: LEASE, text: '404 NotFound'}]},
    ]);
  });

  it('fails memory and disk pressure, and NetworkUnavailable, with their reasons', () => {
    const conditions = [
      condition('MemoryPressure', 'True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'),
      condition('DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure'),
      condition('NetworkUnavailable', 'True', 'NoRouteCreated', 'Node created without a route'),
      condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ];
    const out = run({node: collected(nodeView({conditions, taints: [taint('node.kubernetes.io/disk-pressure')]}))});
    expect(out.map((v) => v.summary)).toEqual([
      'Node "node-1" has NetworkUnavailable=True: NoRouteCreated: Node created without a route (the CNI or cloud route controller has not set up its network)',
      'Node "node-1" is under memory pressure (MemoryPressure=True): KubeletHasInsufficientMemory: kubelet has insufficient memory available; the kubelet evicts pods and new pods are not scheduled here',
      'Node "node-1" is under disk pressure (DiskPressure=True): KubeletHasDiskPressure: kubelet has disk pressure; the kubelet evicts pods and new pods are not scheduled here',
    ]);
    expect(out.every((v) => v.status === 'fail')).toBe(true);
    expect(out[2]?.evidence.map((e) => e.text)).toContain('taint node.kubernetes.io/disk-pressure:NoSchedule (since 2026-05-31T23:58:00Z)');
  });

  it('warns a cordoned node', () => {
    const out = run({node: collected(nodeView({unschedulable: true, taints: [taint('node.kubernetes.io/unschedulable')]}))});
    expect(out).toHaveLength(1);
    expect(out[0]?.status).toBe('warn');
    expect(out[0]?.summary).toBe(
      'Node "node-1" is cordoned (spec.unschedulable): no new pods are scheduled here; `kubectl uncordon node-1` when maintenance is over',
    );
  });

  it('fails an unreachable taint the conditions do not explain, and warns a lingering pressure taint', () => {
    const out = run({node: collected(nodeView({taints: [taint('node.kubernetes.io/unreachable', 'NoExecute'), taint('node.kubernetes.io/memory-pressure')]}))});
    expect(out.map((v) => v.status)).toEqual(['fail', 'warn']);
    expect(out[0]?.summary).toContain('carries the node.kubernetes.io/unreachable taint');
  });

  describe('a node missing from the cluster', () => {
    let bootstrapped: Pick<Facts, 'argv' | 'kubeconfig' | 'certs'>;
    beforeAll(async () => {
      const ca = await makeCA();
      const c = await issue(ca, {cn: 'system:node:node-1', o: ['system:nodes']});
      const CURRENT = '/var/lib/kubelet/pki/kubelet-client-current.pem';
      const raw = rawFrom(
        {'/etc/kubernetes/kubelet.conf': kubeletConf({caData: ca.pem}), [CURRENT]: certAndKey(c)},
        {records: {[CURRENT]: {keys: [{origin: CURRENT, spkiSha256: c.key.spkiSha256}]}}},
      );
      bootstrapped = tlsFacts(raw);
    });

    it('fails when the node holds a client certificate (it should have registered), pointing at the node-not-found lines', () => {
      const out = run({node: collected(null), lease: collected(null)}, bootstrapped);
      expect(out).toHaveLength(1);
      expect(out[0]?.status).toBe('fail');
      expect(out[0]?.summary).toMatch(/^no Node "node-1" in the cluster although this node has kubelet credentials: the kubelet never registered/);
      expect(out[0]?.summary).toContain('"Error getting node" err="node \\"node-1\\" not found"');
      expect(out[0]?.evidence[0]).toEqual({source: NODE, text: '404 NotFound: nodes "node-1" not found'});
      expect(out[0]?.evidence[1]?.text).toBe('subject=O=system:nodes, CN=system:node:node-1');
    });

    it('warns when the node has not joined', () => {
      const out = run({node: collected(null)});
      expect(out[0]?.status).toBe('warn');
      expect(out[0]?.summary).toBe('no Node "node-1" in the cluster, and this node has no kubelet client certificate: it has not joined (kubeadm join)');
    });
  });

  it('skips without a cluster view, or when the Node could not be fetched', () => {
    expect(check.evaluate(makeFacts({cluster: notCollected('no --kubeconfig given')}), ctx)).toEqual({
      status: 'skip',
      summary: 'no --kubeconfig given',
      evidence: [],
    });
    expect(check.evaluate(makeFacts({cluster: collected(clusterFacts({node: notCollected('nodes is forbidden')}))}), ctx)).toMatchObject({
      status: 'skip',
      summary: 'the Node object was not fetched: nodes is forbidden',
    });
  });

  it('matches the kubelet\'s "node not found" line with its signature', () => {
    const sig = check.signatures.find((s) => s.id === 'node-not-found')!;
    expect(sig.pattern.test('E0416 12:04:10.794442    7769 kubelet.go:2532] "Error getting node" err="node \\"node-1\\" not found"')).toBe(true);
  });
});

describe('first cause first: a NotReady node whose CNI config is missing', () => {
  const CTD = '/etc/containerd/config.toml';
  const V2 = readFileSync(new URL('../fixtures/runtime/containerd-1.6-default.toml', import.meta.url), 'utf8');
  const STANDARD = ['bandwidth', 'bridge', 'host-local', 'loopback', 'portmap', 'ptp', 'tuning', 'vlan'];

  it('folds node-status under cni-config', () => {
    const raw = rawFrom(
      {[CTD]: V2},
      {
        dirs: {
          '/etc/cni/net.d': {path: '/etc/cni/net.d', status: 'ok', entries: []},
          '/opt/cni/bin': {path: '/opt/cni/bin', status: 'ok', entries: STANDARD.map((name) => ({name, type: 'file' as const}))},
        },
      },
    );
    const nc = notCollected('not provided by this test');
    const runtime = buildRuntime(raw, nc, nc);
    const facts = makeFacts({
      runtime,
      cni: buildCni(raw, runtime),
      cluster: collected(clusterFacts({node: collected(nodeView({conditions: withReady(NOT_READY_CNI)}))})),
    });
    const findings = evaluateAll(catalogue, facts, ctx);
    const by = Object.fromEntries(findings.map((f) => [f.id, f]));
    expect(by['cni-config']?.status).toBe('fail');
    expect(by['cni-config']?.causedBy).toBeNull();
    expect(by['node-status']?.status).toBe('fail');
    expect(by['node-status']?.causedBy).toBe('cni-config');
  });
});
