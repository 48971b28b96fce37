/**
 * Facts snapshots: `kubelet-doctor collect` writes one; `--snapshot FILE` reads it back and
 * runs the same checks offline. The file holds the redacted raw probe output, so a newer
 * kubelet-doctor re-derives facts with its own (better) parsers.
 */
import {MAX_SNAPSHOT_BYTES, readInput} from './limits.js';
import {asRaw, jsonDeeperThan, MAX_SNAPSHOT_DEPTH, rawProblem} from './snapshot-check.js';
import {writeAtomic} from './write-atomic.js';
import {InputError} from '../errors.js';
import {redactRaw, findSecret} from '../facts/secrets/redact.js';
import type {RawSnapshot, TransportKind} from '../facts/types.js';

/** The snapshot file format. */
export interface SnapshotFile {
  kind: 'kubelet-doctor-snapshot';
  schema: 1;
  toolVersion: string;
  createdAt: string;
  target: {name: string; transport: TransportKind};
  raw: RawSnapshot;
}

/** Write a snapshot atomically (temp file + rename), refusing if a secret survived redaction. */
export async function writeSnapshot(path: string, snap: SnapshotFile): Promise<void> {
  const clean: SnapshotFile = {...snap, raw: redactRaw(snap.raw)};
  const text = `${JSON.stringify(clean, null, 2)}\n`;
  const kind = findSecret(text);
  if (kind !== null) {
    // Name the record that still holds it, so the bug report can say which form slipped through.
    const records: [string, string][] = [
      ...Object.entries(clean.raw.files).map(([p, f]): [string, string] => [`file ${p}`, f.content ?? '']),
      ...Object.entries(clean.raw.commands).map(([id, c]): [string, string] => [`command ${id}`, `${c.stdout}\n${c.reason ?? ''}`]),
      ...Object.entries(clean.raw.dirs).map(([p, d]): [string, string] => [`the listing of ${p}`, JSON.stringify(d)]),
      ['its notes', clean.raw.notes.join('\n')],
    ];
    const where = records.find(([, t]) => findSecret(t) !== null || findSecret(JSON.stringify(t)) !== null)?.[0] ?? 'its header';
    throw new InputError(
      `refusing to write the snapshot ${path}: ${where} still holds ${kind} after redaction; nothing was written`,
      'please report this as a bug (without the file): kubelet-doctor check works on the node without a snapshot',
    );
  }
  // An exclusively created temp file (random name, same directory, 0600), then a rename.
  await writeAtomic(path, text, {mode: 0o600});
}

const TRANSPORTS: ReadonlySet<string> = new Set(['ssh', 'local', 'root', 'snapshot', 'pod']);
const plain = (v: unknown, dflt: string): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : dflt);

/**
 * Read and validate a snapshot file; every problem is an InputError naming the file. The file is
 * untrusted: refused past MAX_SNAPSHOT_BYTES before it is read, its nesting bounded before it is
 * parsed, and every raw record checked for the shape the facts code reads (snapshot-check.ts).
 */
export async function readSnapshot(path: string): Promise<SnapshotFile> {
  let text: string;
  try {
    text = await readInput(path, {
      label: '--snapshot',
      noun: 'a snapshot',
      cap: MAX_SNAPSHOT_BYTES,
      hint: 'is it a kubelet-doctor snapshot? collect writes a few hundred KiB per node',
    });
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${path}: cannot read the snapshot (${(e as NodeJS.ErrnoException).code ?? 'error'})`, undefined, {cause: e});
  }
  if (jsonDeeperThan(text, MAX_SNAPSHOT_DEPTH)) {
    throw new InputError(
      `${path}: not a kubelet-doctor snapshot (nested more than ${MAX_SNAPSHOT_DEPTH} levels deep)`,
      'make one with: kubelet-doctor collect TARGET -o FILE',
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError(
      `${path}: not a kubelet-doctor snapshot (not valid JSON: ${(e as Error).message})`,
      'make one with: kubelet-doctor collect TARGET -o FILE',
      {cause: e},
    );
  }
  const s = data as Partial<SnapshotFile> | null;
  if (!s || typeof s !== 'object' || s.kind !== 'kubelet-doctor-snapshot') {
    throw new InputError(
      `${path}: not a kubelet-doctor snapshot (no "kind": "kubelet-doctor-snapshot")`,
      'make one with: kubelet-doctor collect TARGET -o FILE',
    );
  }
  if (s.schema !== 1) throw new InputError(`${path}: snapshot schema ${String(s.schema)} is not supported (this version reads 1)`);
  const problem = rawProblem(s.raw);
  if (problem !== null) throw new InputError(`${path}: snapshot is damaged: ${problem}`, 'make a new one with: kubelet-doctor collect TARGET -o FILE');
  const raw = asRaw(s.raw);
  return {
    kind: 'kubelet-doctor-snapshot',
    schema: 1,
    toolVersion: plain(s.toolVersion, 'unknown'),
    createdAt: plain(s.createdAt, ''),
    target: {
      name: plain(s.target?.name, path),
      transport: typeof s.target?.transport === 'string' && TRANSPORTS.has(s.target.transport) ? s.target.transport : 'snapshot',
    },
    raw: redactRaw({...raw, notes: Array.isArray(raw.notes) ? raw.notes : []}),
  };
}
