/**
 * Shared helpers for builders that read YAML the probe collected: file status → text, YAML
 * parsing that never throws, and the 1-based line + literal text of a node, so every value a
 * builder emits can point at `file:line`.
 */
import {LineCounter, isCollection, isScalar, parseAllDocuments} from 'yaml';
import type {Document, Node, Pair} from 'yaml';
import type {RawSnapshot} from '../core.js';

/** Why a file's text is not available. */
export type TextProblem = 'missing' | 'unreadable' | 'binary' | 'too-large';

/** A file's text, or why there is none (with a message an operator can read). */
export type FileText = {ok: true; text: string} | {ok: false; status: TextProblem; error: string};

/**
 * The text of a file the probe read, or the reason it is unusable. A path the probe did not read
 * at all counts as missing ("not collected by the probe"); a truncated file is "too-large"
 * because parsing half a file would report errors that are not on the node.
 */
export function fileText(raw: RawSnapshot, path: string): FileText {
  const rec = raw.files[path];
  if (!rec) return {ok: false, status: 'missing', error: `${path} was not collected by the probe`};
  switch (rec.status) {
    case 'ok':
      break;
    case 'missing':
      return {ok: false, status: 'missing', error: `${path}: no such file or directory`};
    case 'not-a-file':
      return {ok: false, status: 'unreadable', error: `${path} is not a regular file`};
    case 'symlink-loop':
      return {ok: false, status: 'unreadable', error: `${path}: too many levels of symbolic links`};
    default:
      return {ok: false, status: 'unreadable', error: rec.reason ? `${path}: ${rec.reason}` : `${path} could not be read (permission denied?)`};
  }
  if (rec.binary) return {ok: false, status: 'binary', error: `${path} is binary (NUL bytes), not YAML text`};
  if (rec.truncated) {
    return {ok: false, status: 'too-large', error: `${path} is larger than the probe's read limit (${rec.size ?? '?'} bytes)`};
  }
  if (rec.content === undefined) return {ok: false, status: 'unreadable', error: `${path}: no content was sent`};
  return {ok: true, text: rec.content};
}

/** A parsed YAML document with what is needed to locate its nodes. */
export interface YamlSource {
  doc: Document.Parsed;
  lines: string[];
  counter: LineCounter;
}

/** The outcome of {@link parseYaml}: the first document, or the first error with its line. */
export type YamlParse = {ok: true; src: YamlSource; documents: number} | {ok: false; error: string; line: number; empty?: boolean};

/**
 * Parse the first YAML document of `text` the way the kubelet's YAML library reads it
 * (YAML 1.1: `yes`/`no`/`on`/`off` are booleans), without throwing. Duplicate keys are kept
 * (the later one wins), as the kubelet's lenient decoder does.
 */
export function parseYaml(text: string): YamlParse {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, {version: '1.1', lineCounter: counter, uniqueKeys: false});
  const list = Array.isArray(docs) ? docs : [];
  const first = list[0];
  const lines = text.split(/\r?\n/);
  if (!first) return {ok: false, error: 'the file is empty', line: 1, empty: true};
  const err = first.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line ?? counter.linePos(err.pos[0]).line;
    // The library appends " at line N, column M:" and a code excerpt; the line is reported separately.
    const message = (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, '');
    return {ok: false, error: message, line};
  }
  return {ok: true, src: {doc: first, lines, counter}, documents: list.length};
}

/** 1-based line where a node starts (1 when the node has no range). */
export function lineOf(src: YamlSource, node: Node | null | undefined): number {
  const start = node?.range?.[0];
  return start === undefined ? 1 : src.counter.linePos(start).line;
}

/** The literal text of a 1-based line, trimmed. */
export function lineText(src: YamlSource, line: number): string {
  return (src.lines[line - 1] ?? '').trim();
}

/**
 * The literal text of a key/value pair: its key line, plus (for a block mapping or list value)
 * the value's lines, capped at `maxLines`. Evidence then shows what the operator wrote.
 */
export function pairText(src: YamlSource, pair: Pair, maxLines = 8): string {
  const key = pair.key as Node | null;
  const first = lineOf(src, key);
  const value = pair.value as Node | null;
  const end = value?.range?.[1];
  if (!isCollection(value) || end === undefined) return lineText(src, first);
  // The value's range ends after its trailing newline: step back one character.
  const last = Math.max(first, src.counter.linePos(Math.max(end - 1, 0)).line);
  const out: string[] = [];
  for (let l = first; l <= Math.min(last, first + maxLines - 1); l++) {
    const t = src.lines[l - 1] ?? '';
    if (t.trim() !== '') out.push(t.trimEnd());
  }
  if (last > first + maxLines - 1) out.push('  ...');
  const indent = Math.min(...out.map((t) => t.length - t.trimStart().length));
  return out.map((t) => t.slice(indent)).join('\n');
}

/** A key node's string form (scalar keys only; complex keys become their source text). */
export function keyName(pair: Pair): string {
  const k = pair.key as unknown;
  if (isScalar(k)) return String(k.value);
  return String(k);
}

/** The source text of a scalar as written (for values the YAML 1.1 schema turned into dates). */
export function scalarSource(node: Node): string | undefined {
  return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
}
