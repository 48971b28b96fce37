/**
 * The leaf of the facts layer: provenance, the raw snapshot the probe returns, and the values every
 * domain builder (facts/<domain>/) shares. Imports nothing; everything in src/facts imports down to it.
 */

/** Where a value came from: a file and line on the node, or a command and its output. */
export type Source = {file: string; line?: number} | {command: string};

/** A value with the place that set it and the literal text there. */
export type Sourced<T> = {value: T; source: Source; text: string};

/** A fact that may not have been collected (root transport, permission denied, missing tool). */
export type Collected<T> = {collected: true; value: T} | {collected: false; reason: string};

/** Wrap a collected value. */
export const collected = <T>(value: T): Collected<T> => ({collected: true, value});
/** Mark a fact as not collected, with the reason an operator can act on. */
export const notCollected = <T = never>(reason: string): Collected<T> => ({collected: false, reason});

// ---------------------------------------------------------------------------------------------
// Raw sections: what the probe sent back, decoded from the framed output. Redacted on the node.
// ---------------------------------------------------------------------------------------------

/** Status of one file read by the probe. */
export type FileStatus = 'ok' | 'missing' | 'unreadable' | 'not-a-file' | 'symlink-loop';

/** One file as the probe read it: private-key blocks were removed on the node. */
export interface FileRecord {
  /** The path on the node, as named (without the host root). */
  path: string;
  status: FileStatus;
  /** The path after resolving symlinks inside the host root, when it differs. */
  realPath?: string;
  /** Size on disk in bytes. */
  size?: number;
  /** The content was cut at the section's size cap. */
  truncated?: boolean;
  /** NUL bytes were found: the content is withheld. */
  binary?: boolean;
  /** UTF-8 text, with any private key block replaced by a marker line. */
  content?: string;
  /** Public-key fingerprints of the private keys found in this file (they never leave the node). */
  keys?: KeyRecord[];
  /** When the content is an excerpt (the dpkg database's kubelet paragraph), the line it starts at. */
  firstLine?: number;
  /** Why the file was not read although it exists (a name with control characters, a cap). */
  reason?: string;
}

/** A private key seen by the probe: only the SHA-256 of its public key (SPKI DER) is sent. */
export interface KeyRecord {
  /** Where the key was: the file, or `file#client-key-data` for an embedded kubeconfig key. */
  origin: string;
  /** Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo, or null when it could not be computed. */
  spkiSha256: string | null;
  /** Why the fingerprint is missing (no openssl on the node, encrypted key, ...). */
  reason?: string;
}

/** A directory listing (one level). */
export interface DirRecord {
  path: string;
  status: FileStatus;
  entries: {name: string; type: 'file' | 'dir' | 'link' | 'socket' | 'other'}[];
  /** The directory holds more entries than the probe lists: `total` is how many it holds. */
  truncated?: boolean;
  total?: number;
}

/** A command the probe ran on the node. */
export interface CommandRecord {
  command: string;
  status: 'ok' | 'failed' | 'not-found' | 'timeout' | 'not-run';
  exitCode: number | null;
  stdout: string;
  /** Why it was not run (root transport) or what went wrong. */
  reason?: string;
}

/** Everything one probe run returned, keyed by node path / command id. Serialisable. */
export interface RawSnapshot {
  probeVersion: number;
  /** The directory the node's files were read under ("/" for a live node). */
  hostRoot: string;
  /** False under `--root`: commands and live /proc facts were not collected. */
  live: boolean;
  files: Record<string, FileRecord>;
  dirs: Record<string, DirRecord>;
  commands: Record<string, CommandRecord>;
  /** Probe-level notes: missing tools (openssl, timeout), caps hit. */
  notes: string[];
  /**
   * Why the output cannot be trusted whole: it was cut, malformed, or a section the probe always
   * sends is missing. Absent when the output arrived complete. A node with this is `error`.
   */
  incomplete?: string;
  /** `timeout`: the output is incomplete because the per-node time limit stopped the probe. */
  incompleteKind?: 'timeout';
}

// ---------------------------------------------------------------------------------------------
// Derived facts shared across domains.
// ---------------------------------------------------------------------------------------------

/** One occurrence of a flag in the kubelet's effective argv. */
export interface FlagOccurrence {
  /** Flag name without dashes, e.g. `cgroup-driver`. */
  name: string;
  /** The value; a boolean flag given without `=value` has value `"true"`. */
  value: string;
  /** Where this argument came from (the drop-in line, or the EnvironmentFile line that set the variable). */
  source: Source;
  /** The argument as written, e.g. `--cgroup-driver=cgroupfs`. */
  text: string;
  /** Position in argv. */
  index: number;
}

/** The kubelet's command line after systemd expansion, parsed into flags. */
export interface KubeletArgv {
  /** The executable (ExecStart's first word). */
  executable: Sourced<string>;
  /** Every argument after the executable, in order, each with its origin. */
  args: Sourced<string>[];
  /** Every occurrence of each flag, in argv order: the last one wins (pflag). */
  flags: Record<string, FlagOccurrence[]>;
  /** Non-flag words (the kubelet rejects them with `unknown command`). */
  positional: Sourced<string>[];
}

/** The last (winning) occurrence of a flag, or undefined. */
export function effectiveFlag(argv: KubeletArgv, name: string): FlagOccurrence | undefined {
  const all = argv.flags[name];
  return all && all.length > 0 ? all[all.length - 1] : undefined;
}

/** Where an effective kubelet configuration value came from. */
export type ConfigOrigin = 'default' | 'config-file' | 'config-dir' | 'flag';

/** One effective KubeletConfiguration field, with the value it overrode. */
export interface ConfigValue {
  value: unknown;
  origin: ConfigOrigin;
  /** The file:line (or flag's line) that set it; for defaults, `{command: 'kubelet default (vX.Y)'}`. */
  source: Source;
  /** The literal text that set it (`cgroupDriver: systemd`, `--cgroup-driver=cgroupfs`, `default`). */
  text: string;
  /** Earlier values this one replaced, lowest precedence first. */
  overridden: {value: unknown; origin: ConfigOrigin; source: Source; text: string}[];
}

/** One file that contributes to the kubelet configuration (`--config` or a `--config-dir` drop-in). */
export interface ConfigFileInfo {
  path: string;
  role: 'config' | 'dropin';
  status: 'ok' | 'missing' | 'unreadable' | 'binary' | 'too-large' | 'parse-error' | 'wrong-kind' | 'not-a-mapping';
  apiVersion?: string;
  kind?: string;
  /** Parse or kind error, with the line when known. */
  error?: string;
  line?: number;
}

/** The effective KubeletConfiguration: defaults < --config < --config-dir < flags. */
export interface KubeletConfigFacts {
  /** `--config` as it appears in argv, or null: the kubelet then runs on flag-only legacy defaults. */
  configPath: Sourced<string> | null;
  /** `--config-dir`, when given. */
  configDir: Sourced<string> | null;
  files: ConfigFileInfo[];
  /**
   * Effective values. Leaves inside nested objects use a dotted path
   * (`authentication.x509.clientCAFile`, `memorySwap.swapBehavior`); maps and lists stay whole
   * under their top-level name (`evictionHard`, `kubeReserved`, `featureGates`).
   */
  effective: Record<string, ConfigValue>;
  /** Fields the kubelet's strict decoder rejects and its lenient fallback silently ignores. */
  unknownFields: {field: string; nearest: string | null; source: Source; text: string}[];
  /** Values of the wrong type: fatal to the kubelet at startup. */
  typeErrors: {field: string; expected: string; source: Source; text: string}[];
  /** The kubelet version whose defaults were applied, or null when unknown. */
  defaultsFor: string | null;
}
