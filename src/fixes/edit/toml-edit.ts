/**
 * TOML edits, line by line: set one key in one table and keep every other byte of the file
 * (containerd's and CRI-O's configs carry long comment blocks operators rely on). The result
 * is proven by parsing it with smol-toml: it must mean the old file plus exactly that key.
 */
import {parse as parseToml} from 'smol-toml';
import {canonicalJson} from './canonical.js';
import {bare, insertLines, replaceLine, splitLines} from '../node-text.js';

/** The edited text, or why it could not be done safely. */
export type TomlEditResult = {ok: true; text: string; changed: boolean} | {ok: false; reason: string};

/** Split a dotted TOML key into its parts, unquoting `"a.b"` and `'a.b'`; null when malformed. */
export function splitTomlKey(key: string): string[] | null {
  const out: string[] = [];
  // <1:basic string> <2:literal string> <3:bare key>
  const part = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(\.|$)/y;
  let i = 0;
  while (i < key.length) {
    part.lastIndex = i;
    const m = part.exec(key);
    if (!m) return null;
    out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3] ?? ''));
    i = part.lastIndex;
    if (m[4] === '') break;
  }
  return out;
}

/** A `[table]` header line's path, or null for other lines (and `[[array]]` headers). */
function headerPath(line: string): string[] | null {
  // <1:key inside the brackets>
  const m = /^\s*\[(?!\[)(.*)\]\s*(?:#.*)?$/.exec(line);
  return m?.[1] === undefined ? null : splitTomlKey(m[1]);
}

const samePath = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The value's text span on a `key = value  # comment` line (simple values only: no multi-line strings). */
function valueSpan(line: string, eq: number): [number, number] | null {
  let s = eq + 1;
  while (line.charAt(s) === ' ' || line.charAt(s) === '\t') s++;
  const c = line.charAt(s);
  if (c === '"' || c === "'") {
    if (line.startsWith(c.repeat(3), s)) return null;
    for (let i = s + 1; i < line.length; i++) {
      if (c === '"' && line.charAt(i) === '\\') i++;
      else if (line.charAt(i) === c) return [s, i + 1];
    }
    return null;
  }
  if (c === '[' || c === '{') return null;
  // <0:bare value up to whitespace or a comment>
  const m = /^[^\s#]+/.exec(line.slice(s));
  return m ? [s, s + m[0].length] : null;
}

/** Set a key on a JS object at a path (the expected meaning of the edit). */
function setDeep(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const k of path.slice(0, -1)) {
    const next = cur[k];
    if (next === undefined) cur[k] = {};
    else if (typeof next !== 'object' || next === null || Array.isArray(next)) throw new Error(`${k} is not a table`);
    cur = cur[k] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

/** Parse to plain data, or null when the text is not valid TOML. */
function parseData(text: string): Record<string, unknown> | null {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/**
 * Set `key = literal` in the table at `table` (its header as it should be written when the table
 * has to be added: `header`). Edits the key's line when it is there, else adds the key right after
 * the table's last key, else appends the table at the end of the file.
 */
export function setTomlKey(text: string, table: string[], header: string, key: string, literal: string): TomlEditResult {
  const before = parseData(text);
  if (before === null) return {ok: false, reason: 'the file is not valid TOML'};
  const value: unknown = parseData(`v = ${literal}`)?.['v'];
  const want = structuredClone(before);
  try {
    setDeep(want, [...table, key], value);
  } catch (e) {
    return {ok: false, reason: `cannot set ${[...table, key].join('.')}: ${(e as Error).message}`};
  }
  const lines = splitLines(text).map(bare);
  let next: string | null = null;
  let inTable = false;
  let lastKey = -1;
  let tableAt = -1;
  for (let i = 0; i <= lines.length; i++) {
    const line = lines[i];
    const h = line === undefined ? [] : headerPath(line);
    if (h !== null) {
      if (inTable) break;
      inTable = samePath(h, table);
      if (inTable) tableAt = i;
      continue;
    }
    if (!inTable || line === undefined) continue;
    // <1:indent and key> <2:key>
    const m = /^(\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*)=/.exec(line);
    if (!m) continue;
    lastKey = i;
    if (splitTomlKey(m[2] ?? '')?.join('.') !== key) continue;
    const span = valueSpan(line, m[0].length - 1);
    if (!span) return {ok: false, reason: `${key} on line ${i + 1} is not a simple value`};
    if (line.slice(span[0], span[1]) === literal) return {ok: true, text, changed: false};
    next = replaceLine(text, i + 1, line.slice(0, span[0]) + literal + line.slice(span[1]));
    break;
  }
  if (next === null && tableAt !== -1) {
    const anchor = lastKey === -1 ? tableAt : lastKey;
    const ref = lines[lastKey === -1 ? tableAt + 1 : lastKey] ?? '';
    const headerIndent = /^\s*/.exec(lines[tableAt] ?? '')?.[0] ?? '';
    const indent = lastKey !== -1 ? (/^\s*/.exec(ref)?.[0] ?? '') : `${headerIndent}  `;
    next = insertLines(text, anchor + 2, [`${indent}${key} = ${literal}`]);
  }
  if (next === null && tableAt === -1) {
    const sep = text === '' || text.endsWith('\n\n') ? [] : [''];
    next = insertLines(text, splitLines(text).length + 1, [...sep, `[${header}]`, `  ${key} = ${literal}`]);
  }
  const after = next === null ? null : parseData(next);
  if (next === null || after === null || canonicalJson(after) !== canonicalJson(want)) {
    return {ok: false, reason: `could not set ${key} under [${header}] without changing other settings; edit the file by hand`};
  }
  return {ok: true, text: next, changed: true};
}
