/**
 * The layering of the effective KubeletConfiguration: values from the `--config` file, then
 * `--config-dir` drop-ins (JSON merge patch), then flags, and finally v1beta1 defaults for
 * whatever is still unset (knowledge/kubelet.md §2.1, §2.3). Each value keeps the values it
 * replaced, lowest precedence first, so the operator sees the whole story of a setting.
 */
import {CONFIG_FIELDS, DEFAULT_EVICTION_HARD, LEGACY_FLAG_DEFAULTS} from '../../../checks/data/kubelet-config-fields.js';
import type {DefaultRow, FieldSpec} from '../../../checks/data/kubelet-config-fields.js';
import type {ConfigOrigin, ConfigValue, Source} from '../core.js';
import type {ConfigLeaf} from './kubelet-config-parse.js';

/** A past value, as recorded in {@link ConfigValue.overridden}. */
type Past = ConfigValue['overridden'][number];

/** The effective values being built, plus history of keys a drop-in deleted with `null`. */
export interface Effective {
  values: Map<string, ConfigValue>;
  removed: Map<string, Past[]>;
}

/** An empty {@link Effective}. */
export const newEffective = (): Effective => ({values: new Map(), removed: new Map()});

/** The minor version of `v1.30.2` (30), or null when the version is unknown or unparsable. */
export function kubeletMinor(version: string | null): number | null {
  const m = /^v?1\.(\d+)(?:\.|$|-|\+)/.exec(version?.trim() ?? '');
  return m?.[1] === undefined ? null : Number(m[1]);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const past = (v: ConfigValue): Past => ({value: v.value, origin: v.origin, source: v.source, text: v.text});

/** How a new value combines with the one already set for the same key. */
export type Combine = 'replace' | 'merge-maps';

/**
 * Apply one value on top of the current ones. With `merge-maps`, a map value merges key by key
 * with the current map (merge patch / feature gates); anything else replaces. A `null` value
 * deletes the key (RFC 7386), so the default applies again.
 */
export function applyLeaf(eff: Effective, leaf: ConfigLeaf, origin: ConfigOrigin, combine: Combine): void {
  const prev = eff.values.get(leaf.key);
  const history = prev ? [...prev.overridden, past(prev)] : (eff.removed.get(leaf.key) ?? []);
  if (leaf.value === null) {
    eff.values.delete(leaf.key);
    eff.removed.set(leaf.key, [...history, {value: null, origin, source: leaf.source, text: leaf.text}]);
    return;
  }
  const value = combine === 'merge-maps' && prev && isRecord(prev.value) && isRecord(leaf.value) ? {...prev.value, ...leaf.value} : leaf.value;
  eff.values.set(leaf.key, {value, origin, source: leaf.source, text: leaf.text, overridden: history});
  eff.removed.delete(leaf.key);
}

/** Every leaf field path with its spec (objects with children are descended into). */
function leafSpecs(specs: Readonly<Record<string, FieldSpec>>, prefix = ''): [string, FieldSpec][] {
  const out: [string, FieldSpec][] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    if (spec.children) out.push(...leafSpecs(spec.children, path));
    else out.push([path, spec]);
  }
  return out;
}
const LEAVES = leafSpecs(CONFIG_FIELDS);

function pickDefault(rows: readonly DefaultRow[] | undefined, minor: number | null): DefaultRow | undefined {
  return rows?.find((r) => {
    if (r.from === undefined && r.to === undefined) return true;
    if (minor === null) return false; // a version-dependent default needs the version
    return (r.from === undefined || minor >= r.from) && (r.to === undefined || minor <= r.to);
  });
}

/** Render a value as the operator would write it in YAML (`110`, `systemd`, `{cpu: 1}`). */
export function renderValue(v: unknown): string {
  if (typeof v === 'string') return v === '' ? '""' : v;
  if (Array.isArray(v)) return `[${v.map(renderValue).join(', ')}]`;
  if (isRecord(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}: ${renderValue(x)}`)
      .join(', ')}}`;
  return String(v);
}

function isZero(v: unknown): boolean {
  if (v === 0 || v === '') return true;
  // metav1.Duration: "0s", "0m", "0" all equal the zero duration.
  return typeof v === 'string' && /^[-+]?(?:0+(?:\.0*)?(?:ns|us|µs|μs|ms|s|m|h)?)+$/.test(v);
}

/** Options for {@link applyDefaults}. */
export interface DefaultsFor {
  minor: number | null;
  version: string | null;
  /** No `--config`: the flag-only legacy defaults apply (anonymous auth, AlwaysAllow, 10255). */
  legacy: boolean;
}

/**
 * Fill every unset field with its default for this kubelet version, and replace zero values of
 * non-pointer fields (`maxPods: 0`, `"0s"`) by the default, as the v1beta1 defaulter does.
 * A value that was set gets its default recorded as the first entry of `overridden`.
 */
export function applyDefaults(eff: Effective, opts: DefaultsFor): void {
  const tag = opts.version ?? 'version unknown';
  const plain: Source = {command: `kubelet default (${tag})`};
  const legacySource: Source = {command: `kubelet flag default without --config (${tag})`};
  for (const [key, spec] of LEAVES) {
    const legacy = opts.legacy && key in LEGACY_FLAG_DEFAULTS;
    const row = legacy ? {value: LEGACY_FLAG_DEFAULTS[key]} : pickDefault(spec.defaults, opts.minor);
    if (!row) continue;
    const name = key.slice(key.lastIndexOf('.') + 1);
    const def: Past = {
      value: row.value,
      origin: 'default',
      source: legacy ? legacySource : plain,
      text: `${name}: ${renderValue(row.value)} (${legacy ? 'default without --config' : 'default'})`,
    };
    const cur = eff.values.get(key);
    if (!cur) {
      eff.values.set(key, {...def, overridden: eff.removed.get(key) ?? []});
    } else if (spec.zeroIsUnset && isZero(cur.value)) {
      const text = `${name}: ${renderValue(row.value)} (default; ${renderValue(cur.value)} means unset)`;
      eff.values.set(key, {...def, text, overridden: [...cur.overridden, past(cur)]});
    } else {
      eff.values.set(key, {...cur, overridden: [def, ...cur.overridden]});
    }
  }
  applyEvictionDefault(eff, plain);
}

function applyEvictionDefault(eff: Effective, source: Source): void {
  const cur = eff.values.get('evictionHard');
  const defaults = {...DEFAULT_EVICTION_HARD};
  const def: Past = {value: defaults, origin: 'default', source, text: `evictionHard: ${renderValue(defaults)} (default)`};
  if (!cur) {
    // eviction.DefaultEvictionHard applies only when evictionHard is unset everywhere.
    eff.values.set('evictionHard', {...def, overridden: eff.removed.get('evictionHard') ?? []});
    return;
  }
  const merge = eff.values.get('mergeDefaultEvictionSettings')?.value === true;
  if (merge && isRecord(cur.value)) {
    // mergeDefaultEvictionSettings: true: signals not set inherit their defaults.
    eff.values.set('evictionHard', {...cur, value: {...defaults, ...cur.value}, overridden: [def, ...cur.overridden]});
  } else {
    eff.values.set('evictionHard', {...cur, overridden: [def, ...cur.overridden]});
  }
}
