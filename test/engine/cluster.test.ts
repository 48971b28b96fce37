import {describe, it, expect} from 'vitest';
import {clusterFactsOf, clusterSummaryByName, summarizeCluster} from '../../src/engine/cluster.js';
import type {ClusterView, NodeView} from '../../src/facts/live/cluster.js';
import {collected, notCollected} from '../../src/facts/types.js';
import {renderReport} from '../../src/report/index.js';
import type {Report} from '../../src/report/types.js';
import {makeFacts} from '../helpers/facts.js';

const node = (name: string, ready: 'True' | 'False', extra: Partial<NodeView> = {}): NodeView => ({
  name,
  creationTimestamp: '2026-01-01T00:00:00Z',
  unschedulable: false,
  conditions: [
    {type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: null, lastHeartbeatTime: null, lastTransitionTime: null},
    {
      type: 'Ready',
      status: ready,
      reason: ready === 'True' ? 'KubeletReady' : 'KubeletNotReady',
      message:
        ready === 'True'
          ? 'kubelet is posting ready status'
          : 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized',
      lastHeartbeatTime: null,
      lastTransitionTime: null,
    },
  ],
  taints: ready === 'True' ? [] : [{key: 'node.kubernetes.io/not-ready', value: null, effect: 'NoSchedule', timeAdded: null}],
  addresses: [{type: 'InternalIP', address: '127.0.0.1'}],
  nodeInfo: {kubeletVersion: 'v1.30.2', containerRuntimeVersion: 'containerd://1.7.13', osImage: null, kernelVersion: null},
  ...extra,
});

const view = (over: Partial<ClusterView> = {}): ClusterView => ({
  server: 'https://127.0.0.1:6443',
  context: 'lab',
  fetchedAt: '2026-06-01T00:00:30Z',
  apiserverVersion: collected('v1.30.4'),
  nodes: collected([node('worker-1', 'True'), node('worker-2', 'False')]),
  leases: collected({'worker-1': {holderIdentity: 'worker-1', renewTime: '2026-06-01T00:00:25Z', leaseDurationSeconds: 40}}),
  csrs: collected([
    {
      name: 'csr-a',
      signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
      username: 'system:bootstrap:abcdef',
      requestedCommonName: 'system:node:worker-2',
      status: 'pending',
      reason: null,
      creationTimestamp: null,
    },
    {
      name: 'csr-b',
      signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
      username: 'system:node:worker-1',
      requestedCommonName: 'system:node:worker-1',
      status: 'issued',
      reason: null,
      creationTimestamp: null,
    },
  ]),
  bootstrapTokens: collected([]),
  clusterInfo: collected(null),
  kubeletConfigMap: collected({name: 'kubelet-config'}),
  join: null,
  ...over,
});

const host = (name: string) => makeFacts({hostname: collected({value: name, source: {file: '/etc/hostname', line: 1}, text: name})});

describe('joining the cluster view with a node', () => {
  it('selects the Node, lease and CSRs by the name the kubelet registers under (lower-cased)', async () => {
    const c = await clusterFactsOf(host('Worker-2'), {view: Promise.resolve(view())});
    expect(c.collected).toBe(true);
    if (!c.collected) return;
    expect(c.value.nodeName).toBe('worker-2');
    expect(c.value.node).toEqual(collected(expect.objectContaining({name: 'worker-2'})));
    expect(c.value.lease).toEqual(collected(null));
    expect(c.value.csrs.collected && c.value.csrs.value.map((r) => r.name)).toEqual(['csr-a']);
  });

  it('says why when the view could not be had, or the node name is unknown', async () => {
    const failed = await clusterFactsOf(host('worker-1'), {view: Promise.reject(new Error('the API server at https://127.0.0.1:1 refused the connection'))});
    expect(failed).toEqual(notCollected(expect.stringMatching(/^no cluster view: the API server .* refused/)));
    const nameless = await clusterFactsOf(makeFacts(), {view: Promise.resolve(view())});
    expect(nameless.collected).toBe(false);
    expect(!nameless.collected && nameless.reason).toMatch(/cannot tell the name/);
  });

  it('summarises a NotReady node with its reason, taints and pending CSR, and the text report shows them', async () => {
    const c = await clusterFactsOf(host('worker-2'), {view: Promise.resolve(view())});
    const s = summarizeCluster(c)!;
    expect(s.node).toMatchObject({registered: true, ready: {status: 'False', reason: 'KubeletNotReady'}, taints: ['node.kubernetes.io/not-ready:NoSchedule']});
    expect(s.csrs).toEqual([
      {name: 'csr-a', status: 'pending', signerName: 'kubernetes.io/kube-apiserver-client-kubelet', username: 'system:bootstrap:abcdef'},
    ]);
    const report: Report = {
      schema: 1,
      tool: 'kubelet-doctor',
      version: '0',
      startedAt: '2026-06-01T00:00:00Z',
      targets: [
        {
          target: 'worker-2',
          node: 'worker-2',
          transport: 'ssh',
          status: 'ok',
          error: null,
          kubeletVersion: 'v1.30.2',
          durationMs: 5,
          notes: [],
          cluster: s,
          results: [],
        },
      ],
      summary: {pass: 0, warn: 0, fail: 0, skip: 0, error: 0, note: 0, advice: 0},
    };
    const text = renderReport('text', report, {color: false, verbose: false});
    expect(text).toMatch(/cluster node: +worker-2: NotReady \(Ready=False, KubeletNotReady\)/);
    expect(text).toMatch(/cni plugin not initialized/);
    expect(text).toMatch(/csr-a pending/);
    expect(text).toMatch(/apiserver v1\.30\.4 · kubelet v1\.30\.2 \(Node status\)/);
    const json = JSON.parse(renderReport('json', report, {color: false, verbose: false})) as {targets: {cluster: unknown}[]};
    expect(json.targets[0]!.cluster).toMatchObject({nodeName: 'worker-2', apiserverVersion: 'v1.30.4'});
    expect(renderReport('markdown', report, {color: false, verbose: false})).toMatch(/\*\*Cluster view\*\*\n\n- node: worker-2: NotReady/);
  });

  it('measures the lease age against the time the view was fetched', async () => {
    const s = summarizeCluster(await clusterFactsOf(host('worker-1'), {view: Promise.resolve(view())}))!;
    expect(s.leaseRenewedSecondsAgo).toBe(5);
    expect(s.node).toMatchObject({registered: true, ready: {status: 'True'}, conditions: []});
  });

  it('gives an unreachable node its Node object by target name, and nothing for an unknown name', async () => {
    const src = {view: Promise.resolve(view())};
    expect(await clusterSummaryByName('worker-2', src)).toMatchObject({nodeName: 'worker-2', node: {registered: true}});
    expect(await clusterSummaryByName('10.0.0.9', src)).toBeNull();
  });

  it('keeps escape sequences from the API server off the screen', () => {
    const evil = view({
      nodes: collected([node('worker-1', 'False', {taints: [{key: 'x\u001b]0;pwned\u0007', value: null, effect: 'NoSchedule', timeAdded: null}]})]),
    });
    return clusterFactsOf(host('worker-1'), {view: Promise.resolve(evil)}).then((c) => {
      const report: Report = {
        schema: 1,
        tool: 'kubelet-doctor',
        version: '0',
        startedAt: 'x',
        targets: [
          {
            target: 'w',
            node: 'w',
            transport: 'ssh',
            status: 'ok',
            error: null,
            kubeletVersion: null,
            durationMs: 1,
            notes: [],
            cluster: summarizeCluster(c),
            results: [],
          },
        ],
        summary: {pass: 0, warn: 0, fail: 0, skip: 0, error: 0, note: 0, advice: 0},
      };
      for (const f of ['text', 'json', 'markdown'] as const) expect(renderReport(f, report, {color: false, verbose: false})).not.toMatch(/\u001b|\u0007/);
    });
  });
});
