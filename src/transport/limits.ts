/**
 * What a node may make us hold in memory. Every transport (ssh, local, pod) counts the probe's
 * output as it streams in and stops reading the moment a node sends more than
 * {@link MAX_PROBE_OUTPUT}: the channel is closed (the process killed) and the target becomes
 * `error` with {@link outputCapError}. The probe caps every record it sends, so a real node's
 * output is a few hundred KiB; only a broken or hostile node reaches the cap. stderr keeps only
 * its last {@link MAX_PROBE_STDERR} bytes (the end says why something failed). So the client
 * holds at most the cap per node in flight: its memory grows with --concurrency, not with what
 * nodes send.
 */
import {TargetError} from '../errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Probe output (stdout) one node may send; beyond it the node is `error` and nothing more is read. */
export const MAX_PROBE_OUTPUT = 8 * MiB;
/** stderr kept per run: the last this many bytes. */
export const MAX_PROBE_STDERR = 64 * KiB;

/** `8 MiB`, `64 KiB`, `512 bytes`. */
export function formatBytes(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= KiB && n % KiB === 0) return `${n / KiB} KiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  return `${n} bytes`;
}

/** The failure of a node that sent more than the cap (status `error`, exit 3). */
export function outputCapError(cap = MAX_PROBE_OUTPUT): TargetError {
  return new TargetError('probe', `the node sent more than ${formatBytes(cap)} of probe output; stopped reading`,
    'the probe caps everything it reads, so this output is not the probe\'s: check the login shell\'s startup files, a ForceCommand or wrapper on the node (or whether the node is compromised)');
}

/**
 * The probe's stdout as it arrives, up to a cap. `push` copies nothing and returns false once
 * the cap is passed (the caller stops reading then); from that point the chunks are released.
 */
export class CappedOutput {
  private chunks: Buffer[] = [];
  private size = 0;
  private over = false;
  constructor(readonly cap = MAX_PROBE_OUTPUT) {}

  /** Add a chunk; false when the total passed the cap (and everything held is dropped). */
  push(b: Buffer): boolean {
    if (this.over) return false;
    this.size += b.length;
    if (this.size > this.cap) {
      this.over = true;
      this.chunks = [];
      return false;
    }
    this.chunks.push(b);
    return true;
  }

  /** Whether the cap was passed. */
  get exceeded(): boolean {
    return this.over;
  }

  /** Everything received (empty once the cap was passed). */
  take(): Buffer {
    const b = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [b];
    return b;
  }
}

/** The last `cap` bytes of a stream (stderr): what failed is told at the end. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(readonly cap = MAX_PROBE_STDERR) {}

  push(b: Buffer | string): void {
    const buf = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
    this.chunks.push(buf);
    this.size += buf.length;
    // Trim when twice the cap is held, so a long stream costs O(n), not O(n²).
    if (this.size > 2 * this.cap) this.trim();
  }

  private trim(): void {
    const all = Buffer.concat(this.chunks);
    const tail = Buffer.from(all.subarray(Math.max(0, all.length - this.cap)));
    this.chunks = [tail];
    this.size = tail.length;
  }

  /** The tail as text (a multi-byte character cut at the start shows as U+FFFD). */
  text(): string {
    if (this.size > this.cap) this.trim();
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
