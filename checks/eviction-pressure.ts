/**
 * Free memory, disk and inodes against the hard-eviction thresholds (`evictionHard`, default
 * memory.available<100Mi, nodefs.available<10%, nodefs.inodesFree<5%, imagefs.available<15%).
 * Below a threshold the kubelet sets Memory/DiskPressure, taints the node and evicts pods; the
 * check warns within 10% of a threshold, before that happens.
 */
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';
import type {Facts} from '../src/facts/types.js';
import {formatQuantity, parseThreshold} from '../src/facts/kubelet/quantity.js';
import {DEFAULT_EVICTION_HARD} from './data/kubelet-config-fields.js';

const ev = (v: {source: Evidence['source']; text: string}): Evidence => ({source: v.source, text: v.text});
/** How close to a threshold counts as "about to evict": within 10% above it. */
const MARGIN = 0.1;

/** One eviction signal as measured on the node. */
interface Observed {
  signal: string;
  /** What is free now, and what it is a share of (capacity, for percentages). */
  available: number;
  capacity: number;
  unit: 'bytes' | 'inodes';
  evidence: Evidence[];
  /** The node condition the kubelet sets below the threshold. */
  condition: 'MemoryPressure' | 'DiskPressure';
}

/** Measure every signal the facts allow: memory from /proc/meminfo, nodefs and imagefs from df. */
function observe(facts: Facts): {observed: Observed[]; notes: string[]} {
  const out: Observed[] = [];
  const notes: string[] = [];
  const cap = facts.capacity.collected ? facts.capacity.value : null;
  if (cap?.memory && cap.memoryAvailable) {
    // The kubelet computes memory.available from the root cgroup's working set; MemAvailable is close.
    out.push({
      signal: 'memory.available',
      available: cap.memoryAvailable.value,
      capacity: cap.memory.value,
      unit: 'bytes',
      evidence: [ev(cap.memoryAvailable), ev(cap.memory)],
      condition: 'MemoryPressure',
    });
  } else {
    notes.push(`memory not measured (${facts.capacity.collected ? 'no MemTotal/MemAvailable in /proc/meminfo' : facts.capacity.reason})`);
  }
  const fs = facts.filesystems.collected ? facts.filesystems.value : null;
  if (!fs) notes.push(`disk not measured (${facts.filesystems.collected ? '' : facts.filesystems.reason})`);
  for (const [prefix, u] of [
    ['nodefs', fs?.nodefs],
    ['imagefs', fs?.imagefs],
  ] as const) {
    if (!u) continue;
    out.push({signal: `${prefix}.available`, available: u.available, capacity: u.capacity, unit: 'bytes', evidence: [ev(u)], condition: 'DiskPressure'});
    if (u.inodes !== null && u.inodesFree !== null && u.inodeSource && u.inodeText) {
      out.push({
        signal: `${prefix}.inodesFree`,
        available: u.inodesFree,
        capacity: u.inodes,
        unit: 'inodes',
        evidence: [{source: u.inodeSource, text: u.inodeText}],
        condition: 'DiskPressure',
      });
    }
  }
  if (fs) notes.push(...fs.notes);
  return {observed: out, notes};
}

const fmt = (o: Observed, n: number): string => (o.unit === 'bytes' ? formatQuantity('memory', n) : `${Math.round(n)} inodes`);
const pct = (o: Observed): string => `${((o.available / o.capacity) * 100).toFixed(1)}%`;

export default defineCheck({
  id: 'eviction-pressure',
  title: 'free memory, disk and inodes are above the hard-eviction thresholds',
  category: 'host',
  severity: 'high',
  description:
    "Below an evictionHard threshold the kubelet reports MemoryPressure or DiskPressure, the node is tainted so nothing new schedules, and the kubelet evicts pods until the signal recovers. nodefs is the filesystem of /var/lib/kubelet, imagefs the container runtime's.",
  needs: ['capacity', 'filesystems', 'kubeletConfig'],
  appliesTo: {},
  explainedBy: ['node-allocatable'],
  live: true,
  remediation:
    'Free the resource: for disk, `crictl rmi --prune` (unused images), clear old logs (`journalctl --vacuum-size=500M`, /var/log/pods of deleted pods), grow the filesystem; for inodes, find directories with millions of small files (`du --inodes -x / | sort -n | tail`); for memory, find the pods or host processes using it. Thresholds themselves live in evictionHard in /var/lib/kubelet/config.yaml.',
  references: [
    'https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/',
    'https://kubernetes.io/docs/tasks/administer-cluster/reserve-compute-resources/#eviction-thresholds',
  ],
  signatures: [
    {
      id: 'eviction-reclaim',
      text: 'I0416 12:04:10.794442    7769 eviction_manager.go:369] "Eviction manager: attempting to reclaim" resourceName="ephemeral-storage"',
      pattern: /[Ee]viction manager: attempting to reclaim/,
      reference: 'pkg/kubelet/eviction/eviction_manager.go',
    },
    {
      id: 'eviction-must-evict',
      text: 'I0416 12:04:10.794442    7769 eviction_manager.go:396] "Eviction manager: must evict pod(s) to reclaim" resourceName="memory"',
      pattern: /[Ee]viction manager: must evict pod\(s\) to reclaim/,
      reference: 'pkg/kubelet/eviction/eviction_manager.go',
    },
    {
      id: 'node-pressure-condition',
      text: 'I0416 12:04:10.794442    7769 kubelet_node_status.go:679] "Recording event message for node" node="node-1" event="NodeHasDiskPressure"',
      pattern: /NodeHas(?:Disk|Memory|PID)Pressure/,
      reference: 'pkg/kubelet/nodestatus/setters.go (node condition events)',
    },
    {
      id: 'image-gc-failed',
      text: 'E0416 12:04:10.794442    7769 kubelet.go:1409] "Image garbage collection failed multiple times in a row" err="failed to garbage collect required amount of images. Attempted to free 4189028761 bytes, but only found 0 bytes eligible to free."',
      pattern: /failed to garbage collect required amount of images/,
      reference: 'pkg/kubelet/images/image_gc_manager.go',
    },
  ],
  evaluate(facts) {
    const {observed, notes} = observe(facts);
    if (observed.length === 0) return skip(`not collected: ${notes.join('; ')}`);
    const cfg = facts.kubeletConfig.collected ? facts.kubeletConfig.value.effective['evictionHard'] : undefined;
    const map: Record<string, unknown> =
      cfg && typeof cfg.value === 'object' && cfg.value !== null ? (cfg.value as Record<string, unknown>) : {...DEFAULT_EVICTION_HARD};
    const cfgEv: Evidence[] = cfg
      ? [ev(cfg)]
      : [{source: {command: 'kubelet default'}, text: 'evictionHard defaults (the kubelet configuration was not collected)'}];
    const out: Verdict[] = [];
    const fine: string[] = [];
    for (const o of observed) {
      const raw = map[o.signal];
      const t = typeof raw === 'string' ? parseThreshold(raw) : null;
      if (t === null) continue;
      const threshold = t.kind === 'percent' ? (o.capacity * t.percent) / 100 : t.value;
      if (threshold <= 0) continue;
      const at = `${fmt(o, o.available)} free (${pct(o)} of ${fmt(o, o.capacity)})`;
      const th = `${o.signal}<${String(raw)}${t.kind === 'percent' ? ` = ${fmt(o, threshold)}` : ''}`;
      if (o.available < threshold) {
        out.push(
          fail(`${o.signal}: ${at} is below the hard-eviction threshold ${th}: the kubelet reports ${o.condition} and evicts pods`, [...o.evidence, ...cfgEv]),
        );
      } else if (o.available < threshold * (1 + MARGIN)) {
        out.push(
          warn(`${o.signal}: ${at} is within 10% of the hard-eviction threshold ${th}: the kubelet starts evicting pods soon`, [...o.evidence, ...cfgEv]),
        );
      } else {
        fine.push(`${o.signal} ${at}`);
      }
    }
    if (out.length > 0) return out;
    if (fine.length === 0) return skip(`no evictionHard threshold applies to what was measured (${observed.map((o) => o.signal).join(', ')})`);
    const left = notes.length > 0 ? `; ${notes.join('; ')}` : '';
    return pass(`above every hard-eviction threshold: ${fine.join(', ')}${left}`, [...observed.flatMap((o) => o.evidence), ...cfgEv]);
  },
});
