/**
 * Builders for `facts.cluster` in the cluster-side check tests (version-skew, node-status,
 * join-prereqs, node-identity): a healthy, Ready node-1 of a v1.30.2 cluster, fetched at NOW,
 * that a test changes only where it is about.
 */
import {collected} from '../../src/facts/types.js';
import type {Facts} from '../../src/facts/types.js';
import type {ClusterFacts, NodeCondition, NodeView} from '../../src/facts/live/cluster.js';
import {makeFacts, NOW} from '../helpers/facts.js';

export const FETCHED = NOW.toISOString();

/** A condition as the API server reports it. */
export function condition(type: string, status: string, reason: string | null = null, message: string | null = null): NodeCondition {
  return {type, status, reason, message, lastHeartbeatTime: '2026-05-31T23:59:50Z', lastTransitionTime: '2026-05-30T08:00:00Z'};
}

/** The conditions of a healthy node. */
export const HEALTHY = [
  condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
  condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
  condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
  condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
];

/** A Ready node-1 running kubelet v1.30.2. */
export function nodeView(over: Partial<NodeView> = {}): NodeView {
  return {
    name: 'node-1',
    creationTimestamp: '2026-01-10T09:00:00Z',
    unschedulable: false,
    conditions: HEALTHY,
    taints: [],
    addresses: [
      {type: 'InternalIP', address: '10.0.0.11'},
      {type: 'Hostname', address: 'node-1'},
    ],
    nodeInfo: {kubeletVersion: 'v1.30.2', containerRuntimeVersion: 'containerd://1.7.13', osImage: 'Ubuntu 22.04.4 LTS', kernelVersion: '5.15.0-105-generic'},
    ...over,
  };
}

/** node-1's slice of a healthy v1.30.2 cluster, lease renewed 10 s before the fetch. */
export function clusterFacts(over: Partial<ClusterFacts> = {}): ClusterFacts {
  return {
    server: 'https://10.0.0.10:6443',
    context: 'kubernetes-admin@kubernetes',
    fetchedAt: FETCHED,
    nodeName: 'node-1',
    apiserverVersion: collected('v1.30.2'),
    node: collected(nodeView()),
    lease: collected({holderIdentity: 'node-1', renewTime: '2026-05-31T23:59:50.000000Z', leaseDurationSeconds: 40}),
    csrs: collected([]),
    bootstrapTokens: collected([]),
    clusterInfo: collected(null),
    kubeletConfigMap: collected({name: 'kubelet-config'}),
    join: null,
    ...over,
  };
}

/** Facts with only the cluster view (and what `over` adds). */
export function withCluster(c: Partial<ClusterFacts> = {}, over: Partial<Facts> = {}): Facts {
  return makeFacts({cluster: collected(clusterFacts(c)), ...over});
}
