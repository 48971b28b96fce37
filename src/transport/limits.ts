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
import {closeSync, fstatSync, openSync, readSync} from 'node:fs';
import {open} from 'node:fs/promises';
import {InputError, TargetError} from '../errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Probe output (stdout) one node may send; beyond it the node is `error` and nothing more is read.
 * A real node sends a few hundred KiB (every record is capped by the probe). The figure is set
 * by the memory promise: 16 nodes (the default --concurrency) at the cap, plus Node itself
 * (~80 MiB), stay under 200 MiB (measured: `BENCH_ONLY=hostile npm run bench`).
 */
export const MAX_PROBE_OUTPUT = 4 * MiB;
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
  return new TargetError(
    'probe',
    `the node sent more than ${formatBytes(cap)} of probe output; stopped reading`,
    "the probe caps everything it reads, so this output is not the probe's: check the login shell's startup files, a ForceCommand or wrapper on the node (or whether the node is compromised)",
  );
}

/** Output is copied into slabs of this size (see CappedOutput). */
const SLAB = 256 * KiB;

/**
 * The probe's stdout as it arrives, up to a cap. The chunks a transport hands over are often
 * views into larger buffers (ssh2's decrypted packets: measured 1.5x the bytes they show), so
 * they are copied into slabs of our own and released at once: what a node costs is its output,
 * not its output plus the transport's buffers. `push` returns false once the cap is passed (the
 * caller stops reading then); from that point everything held is dropped.
 */
export class CappedOutput {
  private slabs: Buffer[] = [];
  /** Bytes used in the last slab. */
  private used = 0;
  private size = 0;
  private over = false;
  constructor(readonly cap = MAX_PROBE_OUTPUT) {}

  /** Add a chunk; false when the total passed the cap (and everything held is dropped). */
  push(b: Buffer): boolean {
    if (this.over) return false;
    if (this.size + b.length > this.cap) {
      this.over = true;
      this.slabs = [];
      return false;
    }
    this.size += b.length;
    let off = 0;
    while (off < b.length) {
      let last = this.slabs[this.slabs.length - 1];
      if (!last || this.used === last.length) {
        // Slabs grow with the output (4 KiB, then as much as is held, up to SLAB), never past the cap.
        const stored = this.size - (b.length - off);
        last = Buffer.allocUnsafeSlow(Math.min(SLAB, Math.max(4 * KiB, stored), this.cap - stored));
        this.slabs.push(last);
        this.used = 0;
      }
      const n = b.copy(last, this.used, off);
      this.used += n;
      off += n;
    }
    return true;
  }

  /** Whether the cap was passed. */
  get exceeded(): boolean {
    return this.over;
  }

  /** Everything received (empty once the cap was passed). */
  take(): Buffer {
    const b = Buffer.concat(this.slabs, this.size);
    this.slabs = [b];
    this.used = b.length;
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

// ---------------------------------------------------------------------------------------------
// Input files: read with a cap BEFORE anything parses them.
// ---------------------------------------------------------------------------------------------

/** `--inventory FILE`: ~20,000 hosts; a YAML parse costs ~100x its size in memory. */
export const MAX_INVENTORY_BYTES = 1 * MiB;
/** A runbook, and a `--waivers` file. */
export const MAX_RUNBOOK_BYTES = 1 * MiB;
export const MAX_WAIVERS_BYTES = 1 * MiB;
/**
 * `--snapshot FILE`: collect writes a few hundred KiB, and the per-node output cap (4 MiB) keeps a
 * real one under ~6 MiB even JSON-escaped. Reading one costs ~10x its size (measured: 62 MiB ->
 * 619 MiB peak), and snapshots are read --concurrency at a time.
 */
export const MAX_SNAPSHOT_BYTES = 16 * MiB;

/** What a capped read names in its message. */
export interface InputKind {
  /** How the operator named it: `--inventory`, `runbook`, `--snapshot`. */
  label: string;
  /** `an inventory`, `a runbook`, `a snapshot`. */
  noun: string;
  cap: number;
  hint?: string;
}

function tooBig(file: string, k: InputKind, size: number | null): InputError {
  const seen = size === null ? `more than ${formatBytes(k.cap)} read` : formatBytes(size);
  return new InputError(`${k.label} ${file}: larger than the ${formatBytes(k.cap)} ${k.noun} may be (${seen}); not read`, k.hint);
}

const CHUNK = 64 * KiB;

/**
 * Read a whole input file as UTF-8, refusing (InputError) one larger than `k.cap` before reading
 * it: by its size when it is a regular file, else (a device, a pipe, a file still growing) by
 * stopping one byte past the cap. File-system errors (ENOENT, EACCES…) are thrown as they are.
 */
export function readInputSync(file: string, k: InputKind): string {
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd);
    if (st.isFile() && st.size > k.cap) throw tooBig(file, k, st.size);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const want = st.isFile() ? Math.max(CHUNK, Math.min(k.cap + 1, st.size + 1) - total) : CHUNK;
      const buf = Buffer.allocUnsafe(Math.min(want, k.cap + 1 - total));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > k.cap) throw tooBig(file, k, st.isFile() ? total : null);
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** {@link readInputSync}, without blocking the event loop. */
export async function readInput(file: string, k: InputKind): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const st = await fh.stat();
    if (st.isFile() && st.size > k.cap) throw tooBig(file, k, st.size);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const want = st.isFile() ? Math.max(CHUNK, Math.min(k.cap + 1, st.size + 1) - total) : CHUNK;
      const buf = Buffer.allocUnsafe(Math.min(want, k.cap + 1 - total));
      const {bytesRead: n} = await fh.read(buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > k.cap) throw tooBig(file, k, st.isFile() ? total : null);
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    await fh.close();
  }
}
