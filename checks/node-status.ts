/**
 * The cluster's view of the node: its Node object (Ready, pressure and network conditions,
 * taints, cordon) and its Lease in kube-node-lease, the heartbeat the kubelet renews every 10 s.
 * The node controller marks a node whose lease is not renewed within leaseDurationSeconds (40 s)
 * Ready=Unknown and taints it unreachable; the kubelet itself reports Ready=False with the reason
 * (a runtime or CNI not ready, PLEG unhealthy).
 */
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';
import {apiSource, type ClusterFacts, type LeaseView, type NodeCondition, type NodeTaint, type NodeView} from '../src/facts/live/cluster.js';
import type {Facts} from '../src/facts/types.js';

/** The kubelet's default nodeLeaseDurationSeconds (KubeletConfiguration). */
export const DEFAULT_LEASE_SECONDS = 40;

const PRESSURE: Record<string, string> = {
  MemoryPressure: 'memory',
  DiskPressure: 'disk',
  PIDPressure: 'PID',
};

/** Taints the node lifecycle controller and the kubelet set, by key: what they mean. */
const TAINTS: Record<string, {condition: string | null; meaning: string}> = {
  'node.kubernetes.io/not-ready': {condition: 'Ready', meaning: 'the node is not ready'},
  'node.kubernetes.io/unreachable': {condition: 'Ready', meaning: 'the node controller has not heard from the kubelet'},
  'node.kubernetes.io/memory-pressure': {condition: 'MemoryPressure', meaning: 'memory pressure'},
  'node.kubernetes.io/disk-pressure': {condition: 'DiskPressure', meaning: 'disk pressure'},
  'node.kubernetes.io/pid-pressure': {condition: 'PIDPressure', meaning: 'PID pressure'},
  'node.kubernetes.io/network-unavailable': {condition: 'NetworkUnavailable', meaning: 'the node network is not configured'},
  'node.kubernetes.io/unschedulable': {condition: null, meaning: 'cordoned'},
};

const conditionText = (c: NodeCondition): string => `${c.type}=${c.status}${c.reason ? ` reason=${c.reason}` : ''}${c.message ? ` message=${c.message}` : ''}`;
const taintText = (t: NodeTaint): string => `taint ${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}${t.timeAdded ? ` (since ${t.timeAdded})` : ''}`;
const because = (c: NodeCondition): string => [c.reason, c.message].filter(Boolean).join(': ');

/** Seconds between two ISO times, or null when either is not a time. */
function secondsBetween(from: string | null, to: string): number | null {
  if (!from) return null;
  const d = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(d) ? Math.round(d) : null;
}

/** Does the node hold kubelet credentials (it bootstrapped, so it should have registered)? */
function credentials(facts: Facts): Evidence | null {
  if (facts.certs.collected) {
    const client = facts.certs.value.entries.find((e) => e.role === 'kubelet-client' && e.certs.length > 0);
    const leaf = client?.certs.find((c) => !c.isCA) ?? client?.certs[0];
    if (leaf) return {source: leaf.source, text: `subject=${leaf.subject}`};
  }
  if (facts.kubeconfig.collected && facts.kubeconfig.value.state === 'bootstrapped') {
    const k = facts.kubeconfig.value.kubeconfig.path;
    return {source: k.source, text: `${k.value} (${facts.kubeconfig.value.stateReason})`};
  }
  return null;
}

/** The Node is missing from the cluster. */
function missing(facts: Facts, c: ClusterFacts, nodeEv: Evidence): Verdict {
  const cred = credentials(facts);
  if (cred) {
    return fail(
      `no Node "${c.nodeName}" in the cluster although this node has kubelet credentials: the kubelet never registered (its log shows "Unable to register node with API server" and "Error getting node" err="node \\"${c.nodeName}\\" not found"; the first error before them is the cause: apiserver unreachable, credentials refused)`,
      [{...nodeEv, text: `404 NotFound: nodes "${c.nodeName}" not found`}, cred],
    );
  }
  return warn(`no Node "${c.nodeName}" in the cluster, and this node has no kubelet client certificate: it has not joined (kubeadm join)`, [
    {...nodeEv, text: `404 NotFound: nodes "${c.nodeName}" not found`},
  ]);
}

/** Ready, NetworkUnavailable and the pressure conditions. */
function conditionVerdicts(node: NodeView, nodeEv: Evidence, at: string): {out: Verdict[]; flagged: Map<string, Verdict>; ready: NodeCondition | undefined} {
  const out: Verdict[] = [];
  const flagged = new Map<string, Verdict>();
  const ev = (cond: NodeCondition): Evidence => ({...nodeEv, text: conditionText(cond)});
  const ready = node.conditions.find((x) => x.type === 'Ready');
  if (!ready) {
    out.push(
      warn(`Node "${node.name}" has no Ready condition yet: the kubelet has not posted its status`, [
        {...nodeEv, text: 'status.conditions: no Ready condition'},
      ]),
    );
  } else if (ready.status === 'False') {
    const v = fail(`Node "${node.name}" is NotReady: ${because(ready) || 'no reason given'}`, [ev(ready)]);
    out.push(v);
    flagged.set('Ready', v);
  } else if (ready.status !== 'True') {
    const since = secondsBetween(ready.lastHeartbeatTime, at);
    const heard = since === null ? '' : ` (last heartbeat ${since} s ago, ${ready.lastHeartbeatTime})`;
    const v = fail(
      `Node "${node.name}" is Ready=${ready.status}: ${because(ready) || 'no reason given'}${heard}; the kubelet is not running or cannot reach the API server`,
      [ev(ready)],
    );
    out.push(v);
    flagged.set('Ready', v);
  }
  const net = node.conditions.find((x) => x.type === 'NetworkUnavailable');
  if (net?.status === 'True') {
    const v = fail(
      `Node "${node.name}" has NetworkUnavailable=True: ${because(net) || 'no reason given'} (the CNI or cloud route controller has not set up its network)`,
      [ev(net)],
    );
    out.push(v);
    flagged.set(net.type, v);
  }
  for (const cond of node.conditions) {
    const kind = PRESSURE[cond.type];
    if (!kind || cond.status !== 'True') continue;
    // Pressure is the kubelet's own eviction signal: it is evicting pods, and the node is tainted NoSchedule.
    const v = fail(
      `Node "${node.name}" is under ${kind} pressure (${cond.type}=True): ${because(cond) || 'no reason given'}; the kubelet evicts pods and new pods are not scheduled here`,
      [ev(cond)],
    );
    out.push(v);
    flagged.set(cond.type, v);
  }
  return {out, flagged, ready};
}

/** Taints: attached as evidence to the condition verdict they follow from, else verdicts of their own. */
function taintVerdicts(node: NodeView, nodeEv: Evidence, flagged: Map<string, Verdict>): Verdict[] {
  const out: Verdict[] = [];
  let cordoned = false;
  for (const t of node.taints) {
    const known = TAINTS[t.key];
    if (!known) continue;
    const ev: Evidence = {...nodeEv, text: taintText(t)};
    if (t.key === 'node.kubernetes.io/unschedulable') {
      cordoned = true;
      out.push(
        warn(
          `Node "${node.name}" is cordoned (spec.unschedulable): no new pods are scheduled here; \`kubectl uncordon ${node.name}\` when maintenance is over`,
          [ev],
        ),
      );
      continue;
    }
    const cause = known.condition ? flagged.get(known.condition) : undefined;
    if (cause) {
      cause.evidence.push(ev);
      continue;
    }
    if (t.key === 'node.kubernetes.io/not-ready' || t.key === 'node.kubernetes.io/unreachable' || t.key === 'node.kubernetes.io/network-unavailable') {
      out.push(
        fail(
          `Node "${node.name}" carries the ${t.key} taint (${known.meaning}) although its conditions do not say so: the node controller has not caught up, or the taint was set by hand`,
          [ev],
        ),
      );
    } else {
      out.push(
        warn(
          `Node "${node.name}" carries the ${t.key} taint (${known.meaning}) although the condition has cleared: the node controller has not removed it yet`,
          [ev],
        ),
      );
    }
  }
  if (node.unschedulable && !cordoned) {
    out.push(
      warn(
        `Node "${node.name}" is cordoned (spec.unschedulable: true): no new pods are scheduled here; \`kubectl uncordon ${node.name}\` when maintenance is over`,
        [{...nodeEv, text: 'spec.unschedulable: true'}],
      ),
    );
  }
  return out;
}

/** The lease: renewed within its duration before the cluster view was fetched. */
function leaseVerdict(c: ClusterFacts): {verdict: Verdict | null; note: string} {
  if (!c.lease.collected) return {verdict: null, note: ''};
  const src = apiSource(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${c.nodeName}`);
  const lease: LeaseView | null = c.lease.value;
  if (!lease) {
    return {verdict: warn(`no Lease kube-node-lease/${c.nodeName}: the kubelet has never sent a heartbeat`, [{source: src, text: '404 NotFound'}]), note: ''};
  }
  const duration = lease.leaseDurationSeconds ?? DEFAULT_LEASE_SECONDS;
  const ev: Evidence = {
    source: src,
    text: `renewTime: ${lease.renewTime ?? '(none)'} leaseDurationSeconds: ${lease.leaseDurationSeconds ?? `(unset, ${DEFAULT_LEASE_SECONDS})`} (fetched ${c.fetchedAt})`,
  };
  const age = secondsBetween(lease.renewTime, c.fetchedAt);
  if (age === null) return {verdict: warn(`the Lease kube-node-lease/${c.nodeName} has no renewTime: the kubelet has not renewed it`, [ev]), note: ''};
  if (age > duration) {
    return {
      verdict: fail(
        `the kubelet stopped renewing its lease ${age} s ago (renewTime ${lease.renewTime}, leaseDurationSeconds ${duration}): it is not running, or cannot reach the API server`,
        [ev],
      ),
      note: '',
    };
  }
  return {verdict: null, note: `lease renewed ${Math.max(age, 0)} s ago`};
}

export default defineCheck({
  id: 'node-status',
  title: 'The cluster sees the node Ready, without pressure, and its lease renewed',
  category: 'cluster',
  severity: 'critical',
  description:
    "The API server's view of the node: the Node object's Ready, pressure and network conditions, its taints and cordon, and the Lease the kubelet renews as its heartbeat. This is what the scheduler and the node controller act on.",
  needs: ['cluster', 'certs', 'kubeconfig'],
  appliesTo: {},
  // First cause first: what makes a kubelet report NotReady (CNI, runtime) before what stops it
  // from running or reporting at all. A symptom itself: it never explains another failure.
  explainedBy: [
    'cni-config',
    'container-runtime',
    'kubelet-flags',
    'kubelet-config',
    'kubeconfig',
    'cert-expiry',
    'node-identity',
    'apiserver-reachable',
    'clock-skew',
    'cgroup-driver-match',
    'cgroup-version',
    'swap',
    'lock-file',
    'eviction-pressure',
  ],
  symptom: true,
  remediation:
    'Read the Ready condition\'s reason: "container runtime network not ready ... cni plugin not initialized" is the CNI (cni-config), "container runtime is down"/"PLEG is not healthy" the runtime, Ready=Unknown with a stale lease a kubelet that is not running or cannot reach the API server (systemctl status kubelet, journalctl -u kubelet). Pressure conditions clear when the kubelet has reclaimed memory or disk. Uncordon a cordoned node with `kubectl uncordon NODE`. A node that never registered: fix the first error in the kubelet log before "node not found".',
  references: [
    'https://kubernetes.io/docs/reference/node/node-status/',
    'https://kubernetes.io/docs/concepts/architecture/nodes/#heartbeats',
    'https://kubernetes.io/docs/reference/labels-annotations-taints/',
  ],
  signatures: [
    {
      id: 'node-not-found',
      text: 'E0416 12:04:10.794442    7769 kubelet_node_status.go:462] "Error getting node" err="node \\"node-1\\" not found"',
      pattern: /Error getting node.*not found/,
      reference: 'kubelet.md R6 (kubelet.go; a secondary symptom of R3-R5: look for the first error before it)',
    },
  ],
  evaluate(facts) {
    const {cluster} = facts;
    if (!cluster.collected) return skip(cluster.reason);
    const c = cluster.value;
    if (!c.node.collected) return skip(`the Node object was not fetched: ${c.node.reason}`);
    const nodeEv: Evidence = {source: apiSource(`/api/v1/nodes/${c.nodeName}`), text: ''};
    const node = c.node.value;
    if (!node) return missing(facts, c, nodeEv);
    const {out, flagged, ready} = conditionVerdicts(node, nodeEv, c.fetchedAt);
    const lease = leaseVerdict(c);
    if (lease.verdict) out.splice(ready?.status === 'True' ? 0 : 1, 0, lease.verdict);
    out.push(...taintVerdicts(node, nodeEv, flagged));
    if (out.length > 0) return out;
    const since = ready?.lastTransitionTime ? ` since ${ready.lastTransitionTime}` : '';
    const parts = [`Node "${node.name}" is Ready${since}`, 'no pressure', ...(lease.note ? [lease.note] : []), 'schedulable'];
    const evidence: Evidence[] = [{...nodeEv, text: ready ? conditionText(ready) : 'Ready'}];
    if (lease.note && c.lease.collected && c.lease.value) {
      evidence.push({
        source: apiSource(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${c.nodeName}`),
        text: `renewTime: ${c.lease.value.renewTime ?? ''}`,
      });
    }
    return pass(parts.join(', '), evidence);
  },
});
