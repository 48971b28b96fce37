/**
 * The cluster's view of a node in words, for every reporter and the TUI node view: one line per
 * topic (the Node's conditions, versions, lease, taints, CSRs), so the operator reads what the
 * API server thinks beside what the node says.
 */
import type {ClusterSummary} from './types.js';

/** `3s`, `4m10s`, `2h05m`: an age as a person reads it. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d`;
}

/** The lines (label, text) that describe the cluster's view; the caller sanitises and styles them. */
export function clusterLines(c: ClusterSummary): [label: string, text: string][] {
  const out: [string, string][] = [];
  const n = c.node;
  if (n === null) out.push(['node', `the Node "${c.nodeName}" could not be read`]);
  else if (!n.registered) out.push(['node', `the cluster has no Node named "${c.nodeName}"`]);
  else {
    const r = n.ready;
    const ready = r === null ? 'no Ready condition' : r.status === 'True' ? 'Ready' : `NotReady (Ready=${r.status}${r.reason ? `, ${r.reason}` : ''})`;
    const extra = n.conditions.map((x) => `${x.type}=${x.status}${x.reason ? ` (${x.reason})` : ''}`);
    out.push(['node', [`${c.nodeName}: ${ready}`, ...extra, ...(n.unschedulable ? ['cordoned'] : [])].join(' · ')]);
    if (r !== null && r.status !== 'True' && r.message) out.push(['reason', r.message]);
    if (n.taints.length > 0) out.push(['taints', n.taints.join(', ')]);
  }
  const versions = [`apiserver ${c.apiserverVersion ?? 'unknown'}`];
  if (n?.registered) {
    if (n.kubeletVersion) versions.push(`kubelet ${n.kubeletVersion} (Node status)`);
    if (n.containerRuntimeVersion) versions.push(n.containerRuntimeVersion);
  }
  out.push(['versions', versions.join(' · ')]);
  if (c.leaseRenewedSecondsAgo !== null) out.push(['lease', `renewed ${formatAge(c.leaseRenewedSecondsAgo)} before the API was read`]);
  for (const r of c.csrs) out.push(['csr', `${r.name} ${r.status} (${r.signerName}, from ${r.username})`]);
  for (const u of c.unavailable) out.push(['unread', u]);
  return out;
}
