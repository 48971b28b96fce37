/**
 * Parses the probe's framed output into a RawSnapshot. Each record is
 * `\n@@KD1 <kind> <status> <length> <attrs> <name>\n` followed by exactly <length> bytes, so
 * binary or hostile file content can never be mistaken for a record boundary.
 */
import type {CommandRecord, DirRecord, FileRecord, FileStatus, RawSnapshot} from '../facts/types.js';

const MARK = Buffer.from('\n@@KD1 ');

/** Thrown when the output is not probe output at all (not a node-side problem we can describe). */
export class FrameError extends Error {
  override name = 'FrameError';
}

interface Rec {
  kind: string;
  status: string;
  attrs: Record<string, string>;
  name: string;
  body: Buffer;
}

/** Walk the records of `buf`, which starts with a mark. Stops at the first malformed record. */
function* records(buf: Buffer): Generator<Rec, {complete: boolean}> {
  let pos = 0;
  let complete = false;
  while (pos < buf.length) {
    const start = pos + MARK.length;
    const eol = buf.indexOf(0x0a, start);
    if (eol < 0) break;
    // <1:kind> <2:status> <3:length> <4:attrs> <5:name>
    const m = /^(\S+) (\S+) (\d+) (\S+) (.*)$/.exec(buf.subarray(start, eol).toString('utf8'));
    if (!m) break;
    const len = Number(m[3]);
    const body = buf.subarray(eol + 1, eol + 1 + len);
    if (body.length < len) break;
    const attrs: Record<string, string> = {};
    if (m[4] !== '-') {
      for (const kv of m[4]!.split(';')) {
        const i = kv.indexOf('=');
        if (i > 0) attrs[kv.slice(0, i)] = kv.slice(i + 1);
      }
    }
    const rec = {kind: m[1]!, status: m[2]!, attrs, name: m[5]!, body};
    if (rec.kind === 'Z') complete = true;
    yield rec;
    pos = eol + 1 + len;
    if (pos >= buf.length) break;
    if (buf.indexOf(MARK, pos) !== pos) break;
  }
  return {complete};
}

const FILE_STATUS: Record<string, FileStatus> = {
  ok: 'ok', missing: 'missing', notfile: 'not-a-file', unreadable: 'unreadable', loop: 'symlink-loop',
};

/**
 * Decode probe output. `complete` is false when the probe was cut off (killed, timed out):
 * what arrived is still returned, with a note.
 */
export function parseFrames(output: Buffer, meta: {hostRoot: string; live: boolean}): RawSnapshot & {complete: boolean} {
  const raw: RawSnapshot = {probeVersion: 0, hostRoot: meta.hostRoot, live: meta.live, files: {}, dirs: {}, commands: {}, notes: []};
  // The first record may start at byte 0 without the leading newline.
  const buf = output.subarray(0, 6).toString() === '@@KD1 ' ? Buffer.concat([Buffer.from('\n'), output]) : output;
  if (buf.indexOf(MARK) < 0) {
    throw new FrameError('the node did not return probe output');
  }
  const it = records(buf.subarray(buf.indexOf(MARK)));
  let step = it.next();
  const pendingKeys: {origin: string; ok: boolean; text: string}[] = [];
  while (!step.done) {
    const r = step.value;
    const text = r.body.toString('utf8');
    switch (r.kind) {
      case 'V':
        raw.probeVersion = Number(text) || 0;
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
        if (r.attrs['bin']) rec.binary = true;
        else if (rec.status === 'ok') rec.content = text;
        raw.files[r.name] = rec;
        break;
      }
      case 'D': {
        const rec: DirRecord = {path: r.name, status: FILE_STATUS[r.status] ?? 'unreadable', entries: []};
        for (const line of text.split('\n')) {
          if (line.length < 3) continue;
          const t = line[0];
          const type = t === 'f' ? 'file' : t === 'd' ? 'dir' : t === 'l' ? 'link' : t === 's' ? 'socket' : 'other';
          rec.entries.push({name: line.slice(2), type});
        }
        raw.dirs[r.name] = rec;
        break;
      }
      case 'C': {
        const code = /^\d+$/.test(r.status) ? Number(r.status) : null;
        const status: CommandRecord['status'] =
          r.status === 'notfound' ? 'not-found' : r.status === 'timeout' ? 'timeout' : code === 0 ? 'ok' : 'failed';
        raw.commands[r.name] = {command: r.name, status, exitCode: code, stdout: text};
        break;
      }
      case 'E': {
        const c = raw.commands[r.name];
        if (c) c.reason = text.trim().slice(0, 1000);
        break;
      }
      case 'K':
        pendingKeys.push({origin: r.name, ok: r.status === 'ok', text: text.trim()});
        break;
      default:
        break;
    }
    step = it.next();
  }
  for (const k of pendingKeys) {
    const file = raw.files[k.origin.split('#')[0]!];
    const rec = k.ok && /^[0-9a-f]{64}$/.test(k.text)
      ? {origin: k.origin, spkiSha256: k.text}
      : {origin: k.origin, spkiSha256: null, reason: k.text || 'fingerprint not computed'};
    if (file) (file.keys ??= []).push(rec);
  }
  const complete = step.value.complete;
  if (!complete) raw.notes.push('probe output ended early: the probe was interrupted; facts after that point are missing');
  return {...raw, complete};
}
