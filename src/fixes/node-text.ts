/**
 * The text of a node's file as the probe read it, and line-wise edits that keep every other byte.
 * Planners edit only files they can reproduce exactly: complete, text, and free of anything the
 * probe redacted (writing a redacted copy back would destroy the secret it hid).
 */
import type {RawSnapshot, Source} from '../facts/types.js';

/** A file a planner may edit: its real path (through symlinks) and its full text. */
export interface EditableFile {
  /** The path to write: the symlink's target when the named path is a symlink. */
  path: string;
  text: string;
}

/** Why a file cannot be edited safely, or the file. */
export type Editable = {ok: true; file: EditableFile} | {ok: false; reason: string};

const REDACTED = /\[redacted\]|\[private key redacted\]/;

/** The named file's full text, when the probe read all of it and nothing in it was redacted. */
export function editableFile(raw: RawSnapshot, path: string): Editable {
  const rec = raw.files[path];
  if (!rec) return {ok: false, reason: `${path} was not read by the probe`};
  if (rec.status === 'missing') return {ok: false, reason: `${path} does not exist`};
  if (rec.status !== 'ok') return {ok: false, reason: `${path} is ${rec.status}`};
  if (rec.binary) return {ok: false, reason: `${path} holds binary data`};
  if (rec.truncated || rec.content === undefined) return {ok: false, reason: `${path} is larger than the probe reads`};
  if (rec.firstLine !== undefined) return {ok: false, reason: `${path} was read as an excerpt`};
  if (REDACTED.test(rec.content)) return {ok: false, reason: `${path} holds secrets the probe redacted; edit it by hand`};
  return {ok: true, file: {path: rec.realPath ?? path, text: rec.content}};
}

/**
 * Whether the probe saw the file as absent (so a plan may create it): read as missing, or not in
 * the listing of a directory the probe listed (or of one that does not exist).
 */
export function isAbsent(raw: RawSnapshot, path: string): boolean {
  const rec = raw.files[path];
  if (rec) return rec.status === 'missing';
  const slash = path.lastIndexOf('/');
  const dir = raw.dirs[path.slice(0, slash) || '/'];
  if (!dir) return false;
  return dir.status === 'missing' || (dir.status === 'ok' && !dir.entries.some((e) => e.name === path.slice(slash + 1)));
}

/** The file and line a source names, or null for command sources. */
export function fileLine(s: Source): {file: string; line: number | null} | null {
  return 'file' in s ? {file: s.file, line: s.line ?? null} : null;
}

/** Lines with their endings kept, so joining them gives back the exact text. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** The line ending a file uses (CRLF files stay CRLF). */
export function eolOf(text: string): string {
  return /\r\n/.test(text) ? '\r\n' : '\n';
}

/** A line's text without its ending. */
export const bare = (line: string): string => line.replace(/\r?\n$/, '');

/** The ending of a line ('' for a last line without one). */
const endingOf = (line: string): string => line.slice(bare(line).length);

/** Replace line `n` (1-based) with `next` (without its ending), keeping the line's ending. */
export function replaceLine(text: string, n: number, next: string): string | null {
  const lines = splitLines(text);
  const cur = lines[n - 1];
  if (cur === undefined) return null;
  lines[n - 1] = next + endingOf(cur);
  return lines.join('');
}

/** Insert whole lines (without endings) before line `n` (1-based; lines+1 appends). */
export function insertLines(text: string, n: number, add: string[]): string | null {
  const lines = splitLines(text);
  if (n < 1 || n > lines.length + 1) return null;
  const eol = eolOf(text);
  const last = lines.length - 1;
  // Appending after a last line without a newline: give that line one first.
  if (n === lines.length + 1 && last >= 0 && endingOf(lines[last]!) === '') lines[last] = lines[last]! + eol;
  lines.splice(n - 1, 0, ...add.map((l) => l + eol));
  return lines.join('');
}

/** The text of line `n` (1-based), without its ending. */
export function lineAt(text: string, n: number): string | null {
  const l = splitLines(text)[n - 1];
  return l === undefined ? null : bare(l);
}

/** Append lines to a file's text (creating it when `text` is null), with a newline before when needed. */
export function appendLines(text: string | null, add: string[]): string {
  if (text === null || text === '') return add.map((l) => `${l}\n`).join('');
  return insertLines(text, splitLines(text).length + 1, add) ?? text;
}
