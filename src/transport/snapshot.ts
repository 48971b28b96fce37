/**
 * Facts snapshots: `kubelet-doctor collect` writes one; `--snapshot FILE` reads it back and
 * runs the same checks offline. The file holds the redacted raw probe output, so a newer
 * kubelet-doctor re-derives facts with its own (better) parsers.
 */
import {readFile, writeFile, rename, stat} from 'node:fs/promises';
import {InputError} from '../errors.js';
import {redactRaw, findSecret} from '../facts/redact.js';
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

/** Snapshots larger than this are refused (a probe's output is a few hundred KiB). */
const MAX_SNAPSHOT = 128 * 1024 * 1024;

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
    ];
    const where = records.find(([, t]) => findSecret(t) !== null || findSecret(JSON.stringify(t)) !== null)?.[0] ?? 'its notes';
    throw new InputError(`refusing to write the snapshot ${path}: ${where} still holds ${kind} after redaction; nothing was written`,
      'please report this as a bug (without the file): kubelet-doctor check works on the node without a snapshot');
  }
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text, {mode: 0o600});
  await rename(tmp, path);
}

/** Read and validate a snapshot file; every problem is an InputError naming the file. */
export async function readSnapshot(path: string): Promise<SnapshotFile> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    throw new InputError(`${path}: cannot read the snapshot (${(e as NodeJS.ErrnoException).code ?? 'error'})`, undefined, {cause: e});
  }
  if (size > MAX_SNAPSHOT) throw new InputError(`${path}: ${size} bytes is too large for a snapshot`);
  const text = await readFile(path, 'utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not a kubelet-doctor snapshot (not valid JSON: ${(e as Error).message})`,
      'make one with: kubelet-doctor collect TARGET -o FILE', {cause: e});
  }
  const s = data as Partial<SnapshotFile> | null;
  if (!s || typeof s !== 'object' || s.kind !== 'kubelet-doctor-snapshot') {
    throw new InputError(`${path}: not a kubelet-doctor snapshot (no "kind": "kubelet-doctor-snapshot")`,
      'make one with: kubelet-doctor collect TARGET -o FILE');
  }
  if (s.schema !== 1) throw new InputError(`${path}: snapshot schema ${String(s.schema)} is not supported (this version reads 1)`);
  const raw = s.raw;
  if (!raw || typeof raw !== 'object' || typeof raw.files !== 'object' || typeof raw.dirs !== 'object' || typeof raw.commands !== 'object') {
    throw new InputError(`${path}: snapshot is damaged (no raw files/dirs/commands)`);
  }
  return {
    kind: 'kubelet-doctor-snapshot',
    schema: 1,
    toolVersion: String(s.toolVersion ?? 'unknown'),
    createdAt: String(s.createdAt ?? ''),
    target: {name: String(s.target?.name ?? path), transport: s.target?.transport ?? 'snapshot'},
    raw: redactRaw({...raw, notes: Array.isArray(raw.notes) ? raw.notes : []}),
  };
}
