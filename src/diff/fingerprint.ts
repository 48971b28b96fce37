/**
 * What the kubelet on one node actually runs with, flattened to comparable values, each with the
 * file:line that set it: the effective KubeletConfiguration, the final argv, the unit and
 * drop-in chain, the runtime's cgroup driver and sandbox image, the kernel settings the kubelet
 * needs, swap, certificate issuers and validity windows, and versions. `diff` compares these.
 *
 * Values that name the node itself (its hostname, its IP flags) are normalised or left out, so
 * two healthy nodes of one pool compare equal. Secrets never enter: the facts are redacted, and
 * only settings, paths, issuers and dates are read here.
 */
import {formatSource} from '../report/order.js';
import type {Collected, Facts, Source} from '../facts/types.js';

/** Where a value sits, for grouping and for ordering (kubelet settings first). */
export type DiffGroup = 'kubelet config' | 'kubelet flags' | 'unit' | 'runtime' | 'kernel' | 'host' | 'certificates' | 'versions';

/** Most consequential first when nothing failing names a difference. */
export const GROUP_ORDER: readonly DiffGroup[] = ['kubelet config', 'kubelet flags', 'runtime', 'unit', 'kernel', 'host', 'certificates', 'versions'];

/** One comparable value on one node. */
export interface Datum {
  key: string;
  group: DiffGroup;
  /** The value as text, the node's own name replaced by `{node}`. */
  value: string;
  /** `file:line`, the file, or the command it came from. */
  source: string;
  /** The literal text there (the line), for the report. */
  text: string;
}

/** Flags whose value is the node's own identity: expected to differ on every node. */
const PER_NODE_FLAGS = new Set(['hostname-override', 'node-ip', 'provider-id', 'address']);
/** KubeletConfiguration fields that name the node itself. */
const PER_NODE_FIELDS = new Set(['providerID', 'address']);

/** Render a value for comparison: scalars as text, lists and maps as stable JSON. */
function show(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return String(v);
  if (typeof v !== 'object') return String(v);
  const sort = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(sort)
      : x !== null && typeof x === 'object'
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, sort((x as Record<string, unknown>)[k])]),
          )
        : x;
  return JSON.stringify(sort(v));
}

/** One node's comparable values, and the groups that could not be read there (with why). */
export interface Fingerprint {
  values: Map<string, Datum>;
  unread: Map<DiffGroup, string>;
}

/** The facts of one node as comparable values, keyed by what they are. */
export function fingerprint(facts: Facts): Fingerprint {
  const out = new Map<string, Datum>();
  const unread = new Map<DiffGroup, string>();
  const missing = (group: DiffGroup, c: Collected<unknown>): void => {
    if (!c.collected) unread.set(group, c.reason);
  };
  const host = facts.hostname.collected ? facts.hostname.value.value : null;
  // The node's own name inside a value (a cert path, a hostname flag) is not drift.
  const norm = (s: string): string => (host && host.length > 1 ? s.split(host).join('{node}') : s);
  const put = (group: DiffGroup, key: string, value: unknown, source: Source | string, text: string): void => {
    out.set(key, {key, group, value: norm(show(value)), source: typeof source === 'string' ? source : formatSource(source), text: norm(text)});
  };

  if (facts.kubeletConfig.collected) {
    for (const f of facts.kubeletConfig.value.files) put('kubelet config', `config file ${f.path}`, f.status, {file: f.path}, f.status);
    for (const [field, v] of Object.entries(facts.kubeletConfig.value.effective)) {
      if (PER_NODE_FIELDS.has(field)) continue;
      put('kubelet config', `config ${field}`, v.value, v.source, v.text);
    }
    // Fields the kubelet ignores (a typo like maxPod) are drift in the file, if not in effect.
    for (const u of facts.kubeletConfig.value.unknownFields)
      put('kubelet config', `config file field ${u.field} (ignored by the kubelet)`, 'present', u.source, u.text);
  }
  missing('kubelet config', facts.kubeletConfig);
  missing('kubelet flags', facts.argv);
  missing('unit', facts.unit);
  missing('runtime', facts.runtime);
  missing('kernel', facts.kernel);
  if (facts.argv.collected) {
    const argv = facts.argv.value;
    put('kubelet flags', 'kubelet executable', argv.executable.value, argv.executable.source, argv.executable.text);
    for (const [name, occs] of Object.entries(argv.flags)) {
      const last = occs[occs.length - 1];
      if (!last || PER_NODE_FLAGS.has(name)) continue;
      put('kubelet flags', `flag --${name}`, last.value, last.source, argv.args[last.index]?.text ?? last.text);
    }
  }
  if (facts.unit.collected) {
    const u = facts.unit.value;
    if (u.unitFile) put('unit', 'unit file', u.unitFile.path, {file: u.unitFile.path}, u.unitFile.masked ? 'masked' : u.unitFile.path);
    const applied = u.dropIns.filter((d) => d.shadowedBy === null && !d.masked).map((d) => d.path);
    put('unit', 'unit drop-ins', applied.join(', ') || '(none)', {command: 'systemd unit search path'}, applied.join(' ') || 'no drop-in');
    for (const e of u.environmentFiles)
      put('unit', `environment file ${e.path}`, e.exists ? 'present' : 'missing', {file: e.path}, e.exists ? 'present' : 'missing');
  }
  if (facts.runtime.collected) {
    const r = facts.runtime.value;
    put('runtime', 'runtime', `${r.name}${r.via ? ` via ${r.via}` : ''}`, r.detection[0]?.source ?? r.endpoint.source, r.detection[0]?.text ?? r.endpoint.text);
    put('runtime', 'runtime endpoint', r.endpoint.value, r.endpoint.source, r.endpoint.text);
    if (r.cgroupDriver) put('runtime', 'runtime cgroup driver', r.cgroupDriver.value, r.cgroupDriver.source, r.cgroupDriver.text);
    if (r.sandboxImage) put('runtime', 'runtime sandbox image', r.sandboxImage.value, r.sandboxImage.source, r.sandboxImage.text);
    if (r.criDisabled) put('runtime', 'runtime CRI plugin disabled', r.criDisabled.value, r.criDisabled.source, r.criDisabled.text);
  }
  if (facts.kernel.collected) {
    const k = facts.kernel.value;
    for (const [name, v] of Object.entries(k.sysctl)) put('kernel', `sysctl ${name}`, v.value ?? '(absent)', v.source, v.text);
    for (const [name, v] of Object.entries(k.persisted)) put('kernel', `sysctl ${name} at boot`, v.value, v.source, v.text);
    for (const [name, v] of Object.entries(k.bootModules)) put('kernel', `module ${name} at boot`, 'loaded', v.source, v.text);
  }
  if (facts.swap.collected) {
    const s = facts.swap.value;
    const on = s.entries.map((e) => e.device);
    put('host', `swap (${s.basis})`, on.length > 0 ? `on: ${on.join(', ')}` : 'off', s.entries[0]?.source ?? s.checked, s.entries[0]?.text ?? 'no swap');
  }
  if (facts.cgroup.collected)
    put('host', 'cgroup version', `v${facts.cgroup.value.version.value}`, facts.cgroup.value.version.source, facts.cgroup.value.version.text);
  if (facts.certs.collected) {
    for (const e of facts.certs.value.entries) {
      const leaf = e.certs[0];
      if (!leaf) continue;
      const days = Math.round((Date.parse(leaf.notAfter) - Date.parse(leaf.notBefore)) / 86_400_000);
      const where = e.path ? {file: e.path} : e.ref.source;
      // A self-signed serving certificate's issuer carries its creation time (`CN=node-ca@1712345678`).
      const issuer = leaf.issuer.replace(/-ca@\d+\b/, '-ca@{time}');
      put('certificates', `${e.role} certificate issuer`, issuer, where, `issuer ${issuer}`);
      put('certificates', `${e.role} certificate validity`, `${days} days`, where, `${leaf.notBefore} to ${leaf.notAfter}`);
    }
  }
  if (facts.kubeletVersion.collected) {
    const v = facts.kubeletVersion.value;
    put('versions', 'kubelet version', v.value, v.source, v.text);
  }
  if (facts.profile.collected)
    put('versions', 'installer', facts.profile.value.title, facts.profile.value.evidence[0]?.source ?? {command: 'installer profile'}, facts.profile.value.id);
  return {values: out, unread};
}
