/**
 * How bytes reach a node. A transport knows nothing about kubelets: it runs a script and
 * returns what came back. A non-zero exit is data; connection-level failures reject with
 * TargetError.
 */
import type {TransportKind} from '../facts/types.js';

/** Options for one run. */
export interface RunOptions {
  /** The script, fed to `sh -s` on stdin. */
  script: string;
  /** Kill the run after this long. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Stop reading (and fail the run) past this much stdout; default MAX_PROBE_OUTPUT (limits.ts). */
  maxOutputBytes?: number;
}

/** What one run returned. */
export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
}

/** A way to run the probe on one node. */
export interface Transport {
  readonly kind: TransportKind;
  /** The node's files live under this directory ("/" on a live node). */
  readonly hostRoot: string;
  /** Whether commands and /proc are available. */
  readonly live: boolean;
  run(opts: RunOptions): Promise<RunResult>;
  close(): Promise<void>;
}
