/**
 * Joining the cluster's view with a node's facts. The view is fetched once per run (in the
 * background, while the nodes are probed); each node takes its slice by the name its kubelet
 * registers under. A node whose name cannot be told, or a view that could not be fetched, gets
 * `facts.cluster` not collected with the reason, and the cluster checks skip with it.
 */
import {clusterFactsFor, registrationName, type ClusterFacts, type ClusterView} from '../facts/live/cluster.js';
import {collected, notCollected, type Collected, type Facts} from '../facts/types.js';
import type {ClusterSummary} from '../report/types.js';

/** Where a run's cluster view comes from: one shared promise, started before the first node. */
export interface ClusterSource {
  /** Resolves to the view; rejects only when the view cannot be had at all (the reason is the message). */
  view: Promise<ClusterView>;
}

/** The view, or why there is none. */
async function viewOf(source: ClusterSource): Promise<ClusterView | string> {
  try {
    return await source.view;
  } catch (e) {
    return `no cluster view: ${(e as Error).message}`;
  }
}

/** The cluster facts for one node, selected by the name its kubelet registers under. */
export async function clusterFactsOf(facts: Facts, source: ClusterSource): Promise<Collected<ClusterFacts>> {
  const view = await viewOf(source);
  if (typeof view === 'string') return notCollected(view);
  const reg = registrationName(facts);
  if (reg === null) return notCollected('cannot tell the name this node registers under (no --hostname-override and no hostname collected)');
  return collected(clusterFactsFor(view, reg.name));
}

/**
 * The cluster's view of a node that could not be checked, looked up by the target's name (a
 * node listed from the cluster, or named as it is registered): an unreachable node's Node
 * object often says why (NotReady since …, lease stale). Null when the name matches no Node.
 */
export async function clusterSummaryByName(name: string, source: ClusterSource): Promise<ClusterSummary | null> {
  const view = await viewOf(source);
  if (typeof view === 'string') return null;
  const summary = summarizeCluster(collected(clusterFactsFor(view, name)));
  return summary?.node?.registered ? summary : null;
}

const ageSeconds = (from: string | null, to: string): number | null => {
  if (!from) return null;
  const d = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(d) ? Math.round(d) : null;
};

/** The cluster's view of a node as the reports show it beside the node's own (JSON `cluster`). */
export function summarizeCluster(c: Collected<ClusterFacts>): ClusterSummary | null {
  // No API server was read (only a --join-command was given): nothing of the cluster to show.
  if (!c.collected || c.value.server === '') return null;
  const v = c.value;
  const node = v.node.collected ? v.node.value : undefined;
  const ready = node?.conditions.find((x) => x.type === 'Ready');
  return {
    server: v.server,
    context: v.context,
    nodeName: v.nodeName,
    apiserverVersion: v.apiserverVersion.collected ? v.apiserverVersion.value : null,
    node:
      node === undefined
        ? null
        : node === null
          ? {registered: false}
          : {
              registered: true,
              ready: ready ? {status: ready.status, reason: ready.reason, message: ready.message} : null,
              conditions: node.conditions
                .filter((x) => x.type !== 'Ready' && x.status !== 'False')
                .map((x) => ({type: x.type, status: x.status, reason: x.reason})),
              taints: node.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
              unschedulable: node.unschedulable,
              kubeletVersion: node.nodeInfo.kubeletVersion,
              containerRuntimeVersion: node.nodeInfo.containerRuntimeVersion,
            },
    leaseRenewedSecondsAgo: v.lease.collected && v.lease.value ? ageSeconds(v.lease.value.renewTime, v.fetchedAt) : null,
    csrs: v.csrs.collected ? v.csrs.value.map((r) => ({name: r.name, status: r.status, signerName: r.signerName, username: r.username})) : [],
    unavailable: [
      ...(v.apiserverVersion.collected ? [] : [`version: ${v.apiserverVersion.reason}`]),
      ...(v.node.collected ? [] : [`node: ${v.node.reason}`]),
      ...(v.lease.collected ? [] : [`lease: ${v.lease.reason}`]),
      ...(v.csrs.collected ? [] : [`csrs: ${v.csrs.reason}`]),
    ],
  };
}
