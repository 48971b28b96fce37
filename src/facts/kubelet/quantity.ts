/**
 * Kubernetes resource quantities (`500m`, `2Gi`, `1e3`, `10%`) and the node allocatable
 * arithmetic the kubelet does: allocatable = capacity - kube-reserved - system-reserved -
 * hard-eviction threshold (https://kubernetes.io/docs/tasks/administer-cluster/reserve-compute-resources/).
 */

const BINARY: Record<string, number> = {Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60};
const DECIMAL: Record<string, number> = {n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18};

// resource.ParseQuantity's grammar: <1:signed number> <2:suffix: binary, decimal SI or exponent>
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/**
 * Parse a quantity into base units (cores for cpu, bytes for memory and storage), or null when
 * it is not valid Kubernetes quantity syntax (`1.5Gi` yes, `1.5 GB`, `2GB`, `10%` no).
 */
export function parseQuantity(text: string): number | null {
  const m = QUANTITY.exec(text.trim());
  if (!m?.[1]) return null;
  const n = Number(m[1]);
  const suffix = m[2] ?? '';
  if (!Number.isFinite(n)) return null;
  if (suffix in BINARY) return n * (BINARY[suffix] ?? 1);
  if (suffix in DECIMAL) return n * (DECIMAL[suffix] ?? 1);
  return n * 10 ** Number(suffix.slice(1));
}

/** An eviction threshold: an absolute quantity or a percentage of capacity. */
export type Threshold = {kind: 'quantity'; value: number} | {kind: 'percent'; percent: number};

/** Parse an eviction threshold value (`500Mi`, `10%`), or null when invalid. */
export function parseThreshold(text: string): Threshold | null {
  const t = text.trim();
  if (t.endsWith('%')) {
    const p = Number(t.slice(0, -1));
    return t.length > 1 && Number.isFinite(p) && p >= 0 && p <= 100 ? {kind: 'percent', percent: p} : null;
  }
  const q = parseQuantity(t);
  return q === null ? null : {kind: 'quantity', value: q};
}

/** The resources node allocatable is computed for. */
export type Resource = 'cpu' | 'memory' | 'ephemeral-storage';
/** Node capacity in base units (cores, bytes); a resource left out was not measured. */
export type Capacity = Partial<Record<Resource, number>>;

/** One resource's allocatable arithmetic, in base units (cores, bytes). */
export interface AllocatableRow {
  resource: Resource;
  capacity: number;
  kubeReserved: number;
  systemReserved: number;
  /** The hard-eviction threshold reserved (memory.available / nodefs.available). */
  evictionHard: number;
  /** capacity - the three above; negative when the reservations exceed capacity. */
  allocatable: number;
}

/** A reservation or threshold the kubelet refuses (F22: "cannot reserve", parse errors). */
export interface ReservationError {
  field: 'kubeReserved' | 'systemReserved' | 'evictionHard';
  key: string;
  value: string;
  message: string;
}

/** The outcome of {@link computeAllocatable}. */
export interface AllocatableResult {
  rows: AllocatableRow[];
  errors: ReservationError[];
}

// parseResourceList (pkg/kubelet/cm): only these keys may be reserved; "pid" has no capacity here.
const RESERVABLE = new Set(['cpu', 'memory', 'ephemeral-storage', 'pid']);
// Eviction signals known to the kubelet (pkg/kubelet/eviction/api).
const SIGNALS = new Set([
  'memory.available',
  'allocatableMemory.available',
  'nodefs.available',
  'nodefs.inodesFree',
  'imagefs.available',
  'imagefs.inodesFree',
  'containerfs.available',
  'containerfs.inodesFree',
  'pid.available',
]);
// hardEvictionReservation: the signal that reserves each resource.
const EVICTION_SIGNAL: Partial<Record<Resource, string>> = {memory: 'memory.available', 'ephemeral-storage': 'nodefs.available'};

/** Integral base units, as resource.Quantity rounds: millicores for cpu, whole bytes otherwise. */
const units = (r: Resource, v: number): number => (r === 'cpu' ? Math.ceil(Math.round(v * 1e9) / 1e6) : Math.ceil(v));
const fromUnits = (r: Resource, u: number): number => (r === 'cpu' ? u / 1000 : u);

function reservations(field: 'kubeReserved' | 'systemReserved', map: Record<string, string>, errors: ReservationError[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, value] of Object.entries(map)) {
    if (!RESERVABLE.has(key)) {
      errors.push({field, key, value, message: `cannot reserve "${key}" resource (only cpu, memory, ephemeral-storage, pid)`});
      continue;
    }
    const q = parseQuantity(value);
    if (q === null) errors.push({field, key, value, message: `"${value}" is not a valid quantity (e.g. 500m, 2Gi)`});
    else if (q < 0) errors.push({field, key, value, message: `resource quantity for "${key}" cannot be negative: ${value}`});
    else out.set(key, q);
  }
  return out;
}

/**
 * Compute allocatable per resource the way the kubelet does (GetNodeAllocatableReservation):
 * kube-reserved + system-reserved + the hard-eviction threshold (memory.available for memory,
 * nodefs.available for ephemeral-storage, a percentage taken of capacity) come off capacity.
 * Percentages are computed exactly (the kubelet's float32 percentage may differ by < 1 KiB).
 */
export function computeAllocatable(
  capacity: Capacity,
  kubeReserved: Record<string, string>,
  systemReserved: Record<string, string>,
  evictionHard: Record<string, string>,
): AllocatableResult {
  const errors: ReservationError[] = [];
  const kube = reservations('kubeReserved', kubeReserved, errors);
  const system = reservations('systemReserved', systemReserved, errors);
  const thresholds = new Map<string, Threshold>();
  for (const [signal, value] of Object.entries(evictionHard)) {
    const t = parseThreshold(value);
    if (!SIGNALS.has(signal)) errors.push({field: 'evictionHard', key: signal, value, message: `unsupported eviction signal "${signal}"`});
    else if (t === null) errors.push({field: 'evictionHard', key: signal, value, message: `"${value}" is neither a quantity nor a percentage`});
    else thresholds.set(signal, t);
  }
  const rows: AllocatableRow[] = [];
  for (const resource of ['cpu', 'memory', 'ephemeral-storage'] as const) {
    const cap = capacity[resource];
    if (cap === undefined) continue;
    const signal = EVICTION_SIGNAL[resource];
    const t = signal === undefined ? undefined : thresholds.get(signal);
    const capU = units(resource, cap);
    const evictionU = t === undefined ? 0 : t.kind === 'quantity' ? units(resource, t.value) : Math.floor((capU * t.percent) / 100);
    const kubeU = units(resource, kube.get(resource) ?? 0);
    const systemU = units(resource, system.get(resource) ?? 0);
    rows.push({
      resource,
      capacity: fromUnits(resource, capU),
      kubeReserved: fromUnits(resource, kubeU),
      systemReserved: fromUnits(resource, systemU),
      evictionHard: fromUnits(resource, evictionU),
      allocatable: fromUnits(resource, capU - kubeU - systemU - evictionU),
    });
  }
  return {rows, errors};
}

const trim = (n: number, digits: number): string => String(Number(n.toFixed(digits)));

/** Format a base-unit amount for the operator: `14.5` cores, `500m`, `28.5Gi`, `512Mi`. */
export function formatQuantity(resource: Resource, value: number): string {
  if (resource === 'cpu') return Math.abs(value) < 1 && value !== 0 ? `${Math.round(value * 1000)}m` : trim(value, 3);
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  for (const unit of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const size = BINARY[unit] ?? 1;
    if (abs >= size) return `${sign}${trim(abs / size, 2)}${unit}`;
  }
  return `${sign}${abs}`;
}
