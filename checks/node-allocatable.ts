/**
 * Node allocatable = capacity - kube-reserved - system-reserved - hard-eviction threshold.
 * Nothing reserved lets pods starve the kubelet and the runtime; reservations beyond capacity
 * or that do not parse stop the kubelet (kubelet.md F21/F22).
 */
import {advice, defineCheck, fail, pass, skip} from '../src/catalogue/define.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';
import type {CapacityFacts} from '../src/facts/host/host.js';
import {computeAllocatable, formatQuantity} from '../src/facts/kubelet/quantity.js';
import type {AllocatableRow, Capacity, Resource} from '../src/facts/kubelet/quantity.js';
import type {ConfigValue, KubeletConfigFacts} from '../src/facts/types.js';

type MapField = 'kubeReserved' | 'systemReserved' | 'evictionHard';

const stringMap = (v: ConfigValue | undefined): Record<string, string> => {
  if (!v || typeof v.value !== 'object' || v.value === null) return {};
  return Object.fromEntries(Object.entries(v.value).filter((e): e is [string, string] => typeof e[1] === 'string'));
};
const ev = (v: {source: Evidence['source']; text: string}): Evidence => ({source: v.source, text: v.text});

/** Evidence for a map field, or (when unset) for the config file that would set it. */
function fieldEv(cfg: KubeletConfigFacts, field: MapField): Evidence {
  const v = cfg.effective[field];
  if (v) return ev(v);
  return cfg.configPath
    ? {source: cfg.configPath.source, text: `${cfg.configPath.text} (${field} not set)`}
    : {source: {command: 'kubelet default'}, text: `${field} not set`};
}

function capacityOf(c: CapacityFacts): {capacity: Capacity; evidence: Partial<Record<Resource, Evidence>>} {
  const capacity: Capacity = {};
  const evidence: Partial<Record<Resource, Evidence>> = {};
  const pairs: [Resource, CapacityFacts['cpu']][] = [
    ['cpu', c.cpu],
    ['memory', c.memory],
    ['ephemeral-storage', c.ephemeralStorage],
  ];
  for (const [r, s] of pairs) {
    if (!s) continue;
    capacity[r] = s.value;
    evidence[r] = ev(s);
  }
  return {capacity, evidence};
}

const fmt = (r: AllocatableRow, n: number): string => formatQuantity(r.resource, n);
const render = (m: Record<string, string>): string =>
  Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join(',') || 'none';

export default defineCheck({
  id: 'node-allocatable',
  title: 'Node allocatable leaves room for the system and is within capacity',
  category: 'kubelet',
  severity: 'medium',
  description:
    'The scheduler fills a node up to its allocatable: capacity minus kube-reserved, system-reserved and the hard-eviction threshold. With nothing reserved, pods compete with the kubelet, the container runtime and sshd for CPU and memory; reservations beyond capacity or that do not parse keep the kubelet from starting.',
  needs: ['kubeletConfig', 'capacity'],
  appliesTo: {},
  explainedBy: ['kubelet-config'],
  remediation:
    'Set kubeReserved and systemReserved in /var/lib/kubelet/config.yaml as quoted quantities, for example `kubeReserved: {cpu: "500m", memory: "1Gi", ephemeral-storage: "1Gi"}` and `systemReserved: {cpu: "500m", memory: "1Gi"}`; only cpu, memory, ephemeral-storage and pid can be reserved. Keep their sum plus evictionHard well below capacity, then `systemctl restart kubelet`.',
  references: [
    'https://kubernetes.io/docs/tasks/administer-cluster/reserve-compute-resources/',
    'https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/',
  ],
  signatures: [
    {
      id: 'kube-reserved-parse-failed',
      text: '--kube-reserved value failed to parse: cannot reserve "storage" resource',
      pattern: /--(?:kube|system)-reserved value failed to parse|cannot reserve \\?"[^"\\]+\\?" resource/,
      reference: 'kubelet.md F22; cmd/kubelet/app/server.go',
    },
    {
      id: 'node-allocatable-reservation-exceeds-capacity',
      text: 'Failed to start ContainerManager" err="Resource \\"memory\\" has a reservation of 5Gi but capacity of 4Gi. Expected capacity >= reservation.',
      pattern: /has a reservation of \S+ but capacity of \S+/,
      reference: 'pkg/kubelet/cm/node_container_manager_linux.go (validateNodeAllocatable) [mem]',
    },
  ],
  evaluate({kubeletConfig, capacity}) {
    if (!kubeletConfig.collected) return skip(kubeletConfig.reason);
    const cfg = kubeletConfig.value;
    const kube = stringMap(cfg.effective['kubeReserved']);
    const system = stringMap(cfg.effective['systemReserved']);
    const eviction = stringMap(cfg.effective['evictionHard']);
    const cap = capacity.collected ? capacityOf(capacity.value) : {capacity: {}, evidence: {}};
    const result = computeAllocatable(cap.capacity, kube, system, eviction);
    const capEv = (rows: AllocatableRow[]): Evidence[] => rows.flatMap((r) => (cap.evidence[r.resource] ? [cap.evidence[r.resource] as Evidence] : []));
    const out: Verdict[] = [];
    for (const e of result.errors) {
      out.push(fail(`${e.field} ${e.key}=${e.value}: ${e.message}; the kubelet refuses to start`, [fieldEv(cfg, e.field)]));
    }
    const reserved = ['cpu', 'memory'].some((r) => r in kube || r in system);
    const reservationEv = [fieldEv(cfg, 'kubeReserved'), fieldEv(cfg, 'systemReserved'), fieldEv(cfg, 'evictionHard')];
    for (const r of result.rows.filter((x) => x.allocatable < 0)) {
      const taken = r.kubeReserved + r.systemReserved + r.evictionHard;
      out.push(
        fail(
          `${r.resource}: kube-reserved ${fmt(r, r.kubeReserved)} + system-reserved ${fmt(r, r.systemReserved)} + eviction ${fmt(r, r.evictionHard)} = ${fmt(r, taken)} exceeds the capacity of ${fmt(r, r.capacity)}`,
          [...capEv([r]), ...reservationEv],
        ),
      );
    }
    if (out.length > 0) return out;
    const figures = result.rows.map((r) => `${r.resource} ${fmt(r, r.allocatable)} of ${fmt(r, r.capacity)}`).join(', ');
    if (!reserved) {
      return advice(
        `nothing is reserved for the system (no kubeReserved or systemReserved cpu/memory): pods may take all of the CPU and all memory above the eviction threshold, starving the kubelet, the container runtime and sshd${figures ? ` (allocatable: ${figures})` : ''}`,
        [fieldEv(cfg, 'kubeReserved'), fieldEv(cfg, 'systemReserved'), ...capEv(result.rows)],
      );
    }
    if (result.rows.length === 0) {
      const why = capacity.collected ? 'no capacity figure was measured' : capacity.reason;
      return pass(`reservations parse (kube-reserved: ${render(kube)}; system-reserved: ${render(system)}); allocatable not computed: ${why}`, reservationEv);
    }
    return pass(`allocatable: ${figures}`, [...capEv(result.rows), ...reservationEv]);
  },
});
