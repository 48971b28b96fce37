/**
 * Parses the probe's framed output into a RawSnapshot. Each record is
 * `\n@@KD2 <kind> <status> <length> <attrs> <name>\n` followed by exactly <length> bytes. The
 * name and every attribute value are escaped by the probe (`%XX` for each byte outside
 * [A-Za-z0-9._/+,:@~-]), and so are the entry names of a directory listing (`<type> <name>\n`
 * lines), so no file name, link target or content can end a header early or forge a record.
 *
 * Strict: the first malformed byte ends the parse (no resynchronising on a later mark), and the
 * output is whole only when it ends with the end record (`Z`) right after a well-formed record and
 * holds every section the probe always sends (sections-check.ts). Otherwise `incomplete` says why;
 * what arrived before is kept, and the engine makes such a node `error`.
 */
import type {CommandRecord, DirRecord, FileRecord, FileStatus, RawSnapshot} from '../facts/types.js';
import {PROBE_VERSION} from './script.js';
import {missingSections} from './sections-check.js';

const MARK_TEXT = '@@KD2 ';
const MARK = Buffer.from(`\n${MARK_TEXT}`);
/** A header longer than this is malformed (a name is at most PATH_MAX, escaped three bytes a byte). */
const MAX_HEADER = 64 * 1024;

/** Thrown when the output is not probe output at all (not a node-side problem we can describe). */
export class FrameError extends Error {
  override name = 'FrameError';
}

// <kind> <status> <length> <attrs> <name>: every field in the escaped alphabet.
const ESC = '[A-Za-z0-9._/+,:@~%-]+';
const HEADER = new RegExp(
  `^([A-Z]) ([a-z0-9-]+) (0|[1-9][0-9]{0,10}) (-|[a-z]+=[A-Za-z0-9._/+,:@~%-]*(?:;[a-z]+=[A-Za-z0-9._/+,:@~%-]*)*;?) (${ESC}(?:#[a-z-]+)?)$`,
);
const LISTING_LINE = new RegExp(`^([fdlso]) (${ESC})$`);

/** Undo the probe's escaping; null when `s` is not a well-formed escaped string. */
export function unescapeName(s: string): string | null {
  if (!s.includes('%')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x25) {
      bytes.push(c);
      continue;
    }
    const h = s.slice(i + 1, i + 3);
    if (!/^[0-9A-F]{2}$/.test(h)) return null;
    bytes.push(parseInt(h, 16));
    i += 2;
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Escape a name as the probe does (tests and the fuzzer frame records with it). */
export function escapeName(name: string | Buffer): string {
  const b = typeof name === 'string' ? Buffer.from(name, 'utf8') : name;
  let out = '';
  for (const c of b) {
    const ch = String.fromCharCode(c);
    out += /^[A-Za-z0-9._/+,:@~-]$/.test(ch) ? ch : `%${c.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

interface Rec {
  kind: string;
  status: string;
  attrs: Record<string, string>;
  /** The name as sent (escaped). */
  rawName: string;
  name: string;
  body: Buffer;
}

type Walk = {complete: boolean; error: string | null};

/** Walk the records of `buf`, which starts with a mark. Stops at the first malformed byte. */
function* records(buf: Buffer): Generator<Rec, Walk> {
  let pos = 0;
  let count = 0;
  for (;;) {
    if (buf.indexOf(MARK, pos) !== pos) {
      return {complete: false, error: `bytes that are not a record at offset ${pos} (after ${count} records)`};
    }
    const start = pos + MARK.length;
    const eol = buf.indexOf(0x0a, start);
    if (eol < 0 || eol - start > MAX_HEADER) {
      return {complete: false, error: eol < 0 ? `the output ends inside a record header (after ${count} records)` : 'a record header is too long'};
    }
    const m = HEADER.exec(buf.subarray(start, eol).toString('latin1'));
    if (!m) return {complete: false, error: `a malformed record header after ${count} records`};
    const len = Number(m[3]);
    const body = buf.subarray(eol + 1, eol + 1 + len);
    if (body.length < len) return {complete: false, error: `the output ends inside a record (${m[1]} ${m[5]}: ${body.length} of ${len} bytes)`};
    const attrs: Record<string, string> = {};
    if (m[4] !== '-') {
      for (const kv of m[4]!.split(';')) {
        if (kv === '') continue;
        const i = kv.indexOf('=');
        const v = unescapeName(kv.slice(i + 1));
        if (v === null) return {complete: false, error: `a malformed record attribute after ${count} records`};
        attrs[kv.slice(0, i)] = v;
      }
    }
    const rawName = m[5]!;
    const name = unescapeName(rawName);
    if (name === null) return {complete: false, error: `a malformed record name after ${count} records`};
    count++;
    yield {kind: m[1]!, status: m[2]!, attrs, rawName, name, body};
    pos = eol + 1 + len;
    if (m[1] === 'Z') {
      return pos === buf.length ? {complete: true, error: null} : {complete: false, error: 'output continues after the end record'};
    }
    if (pos >= buf.length) return {complete: false, error: `the output ends after ${count} records, without the end record`};
  }
}

const FILE_STATUS: Record<string, FileStatus> = {
  ok: 'ok',
  missing: 'missing',
  notfile: 'not-a-file',
  unreadable: 'unreadable',
  loop: 'symlink-loop',
};

/** Why a file that exists was not read (the probe's `why=` attribute). */
const NOT_READ: Record<string, string> = {
  name: 'not read: its name (or its link target) holds a control character',
  cap: "not read: the probe's file cap was reached before it",
};

/** Parse a `D` record's body; null when a line is malformed. */
function listing(body: string): DirRecord['entries'] | null {
  const entries: DirRecord['entries'] = [];
  if (body === '') return entries;
  if (!body.endsWith('\n')) return null;
  for (const line of body.slice(0, -1).split('\n')) {
    const m = LISTING_LINE.exec(line);
    const name = m ? unescapeName(m[2]!) : null;
    if (!m || name === null) return null;
    const t = m[1];
    entries.push({name, type: t === 'f' ? 'file' : t === 'd' ? 'dir' : t === 'l' ? 'link' : t === 's' ? 'socket' : 'other'});
  }
  return entries;
}

/**
 * Decode probe output. `complete` is false when the output was cut (killed, timed out), malformed,
 * or is missing a section the probe always sends: what arrived is still returned, with the reason
 * in `incomplete` and a note.
 */
export function parseFrames(output: Buffer, meta: {hostRoot: string; live: boolean}): RawSnapshot & {complete: boolean} {
  const raw: RawSnapshot = {probeVersion: 0, hostRoot: meta.hostRoot, live: meta.live, files: {}, dirs: {}, commands: {}, notes: []};
  // The first record may start at byte 0 without the leading newline; anything a login shell
  // printed before the probe started is skipped.
  const buf = output.subarray(0, MARK_TEXT.length).toString('latin1') === MARK_TEXT ? Buffer.concat([Buffer.from('\n'), output]) : output;
  const first = buf.indexOf(MARK);
  if (first < 0) throw new FrameError('the node did not return probe output');
  const it = records(buf.subarray(first));
  let step = it.next();
  let problem: string | null = null;
  const pendingKeys: {origin: string; rawName: string; ok: boolean; text: string}[] = [];
  let n = 0;
  while (!step.done) {
    const r = step.value;
    const text = r.body.toString('utf8');
    if (n++ === 0 && r.kind !== 'V') {
      problem = 'the output does not start with the probe version record';
      break;
    }
    switch (r.kind) {
      case 'V':
        raw.probeVersion = Number(text) || 0;
        if (raw.probeVersion !== PROBE_VERSION) problem = `probe version ${text.slice(0, 20)}, this client reads ${PROBE_VERSION}`;
        break;
      case 'N':
        raw.notes.push(text);
        break;
      case 'F': {
        const rec: FileRecord = {path: r.name, status: FILE_STATUS[r.status] ?? 'unreadable'};
        if (r.attrs['real']) rec.realPath = r.attrs['real'];
        if (r.attrs['size']) rec.size = Number(r.attrs['size']);
        if (r.attrs['trunc']) rec.truncated = true;
        if (r.attrs['from']) rec.firstLine = Number(r.attrs['from']);
        const why = r.attrs['why'];
        if (why !== undefined) rec.reason = NOT_READ[why] ?? `not read (${why})`;
        if (r.attrs['bin']) rec.binary = true;
        else if (rec.status === 'ok') rec.content = text;
        raw.files[r.name] = rec;
        break;
      }
      case 'D': {
        const entries = listing(text);
        if (entries === null) {
          problem = `a malformed listing of ${r.name}`;
          break;
        }
        const rec: DirRecord = {path: r.name, status: FILE_STATUS[r.status] ?? 'unreadable', entries};
        if (r.attrs['trunc']) {
          rec.truncated = true;
          const total = Number(r.attrs['n']);
          if (Number.isFinite(total)) rec.total = total;
        }
        raw.dirs[r.name] = rec;
        break;
      }
      case 'C': {
        const code = /^\d+$/.test(r.status) ? Number(r.status) : null;
        const status: CommandRecord['status'] = r.status === 'notfound' ? 'not-found' : r.status === 'timeout' ? 'timeout' : code === 0 ? 'ok' : 'failed';
        raw.commands[r.name] = {command: r.name, status, exitCode: code, stdout: text};
        break;
      }
      case 'E': {
        const c = raw.commands[r.name];
        if (c) c.reason = text.trim().slice(0, 1000);
        break;
      }
      case 'K':
        pendingKeys.push({origin: r.name, rawName: r.rawName, ok: r.status === 'ok', text: text.trim()});
        break;
      default:
        break;
    }
    if (problem !== null) break;
    step = it.next();
  }
  for (const k of pendingKeys) {
    const file = raw.files[unescapeName(k.rawName.replace(/#[a-z-]+$/, '')) ?? ''];
    const rec =
      k.ok && /^[0-9a-f]{64}$/.test(k.text)
        ? {origin: k.origin, spkiSha256: k.text}
        : {origin: k.origin, spkiSha256: null, reason: k.text || 'fingerprint not computed'};
    if (file) (file.keys ??= []).push(rec);
  }
  const walk = step.done ? step.value : {complete: false, error: problem};
  let incomplete = problem ?? walk.error;
  if (incomplete === null) {
    const missing = missingSections(raw);
    if (missing.length > 0) incomplete = describeMissing(missing);
  }
  if (incomplete !== null) {
    raw.incomplete = incomplete;
    raw.notes.push(`probe output ended early or is malformed: ${incomplete}; facts after that point are missing`);
  }
  return {...raw, complete: incomplete === null};
}

/** "the output is missing 3 sections the probe always sends: /etc/fstab, …". */
export function describeMissing(missing: string[]): string {
  const shown = missing.slice(0, 4).join(', ');
  return `the output is missing ${missing.length} section${missing.length === 1 ? '' : 's'} the probe always sends: ${shown}${missing.length > 4 ? ', …' : ''}`;
}
