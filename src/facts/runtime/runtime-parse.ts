/**
 * Parsing helpers for the container runtime's TOML config files (containerd, CRI-O), with the
 * 1-based line a value or an error sits on. smol-toml gives no positions for values, so a small
 * scanner finds them.
 */
import {parse as parseToml, TomlError, type TomlTableWithoutBigInt} from 'smol-toml';
import type {RawSnapshot} from '../core.js';

/** A parsed TOML table (integers as numbers). */
export type TomlTable = TomlTableWithoutBigInt;

/** How one config file read went; shared by containerd, CRI-O, docker and CNI files. */
export type ConfigFileStatus = 'ok' | 'missing' | 'not-collected' | 'unreadable' | 'binary' | 'truncated' | 'parse-error';

/** A file's text as the probe sent it, or why there is none. */
export type FileText =
  | {ok: true; path: string; text: string}
  | {ok: false; path: string; status: Exclude<ConfigFileStatus, 'ok' | 'parse-error'>; error: string};

/**
 * Look a file up in the snapshot and classify it. Absent from `raw.files` means the probe did not
 * read it, which is not the same as missing on the node.
 */
export function fileText(raw: RawSnapshot, path: string): FileText {
  const rec = raw.files[path];
  if (!rec) return {ok: false, path, status: 'not-collected', error: 'not collected by the probe'};
  if (rec.status === 'missing') return {ok: false, path, status: 'missing', error: 'no such file'};
  if (rec.status !== 'ok') return {ok: false, path, status: 'unreadable', error: `unreadable (${rec.status})`};
  if (rec.binary) return {ok: false, path, status: 'binary', error: 'binary content (NUL bytes): not a text config file'};
  if (rec.truncated) {
    return {ok: false, path, status: 'truncated', error: "cut at the probe's size cap: the values in it are unknown"};
  }
  if (rec.content === undefined) return {ok: false, path, status: 'unreadable', error: 'no content sent by the probe'};
  return {ok: true, path, text: rec.content};
}

/** A TOML file parsed, with an index from key path to line. */
export type ParsedToml = {ok: true; data: TomlTable; index: TomlIndex; lines: string[]} | {ok: false; error: string; line?: number};

/** Parse TOML text; a syntax error becomes data with its line, never an exception. */
export function parseTomlText(text: string): ParsedToml {
  try {
    const data = parseToml(text, {integersAsBigInt: false});
    return {ok: true, data, index: indexToml(text), lines: text.split(/\r?\n/)};
  } catch (err) {
    if (err instanceof TomlError) {
      const first = err.message.split('\n')[0] ?? err.message;
      return {ok: false, error: first.replace(/^Invalid TOML document: /, ''), line: err.line};
    }
    return {ok: false, error: err instanceof Error ? err.message : String(err)};
  }
}

/** Key path (table headers + dotted keys) → 1-based line of its first definition. */
export type TomlIndex = Map<string, number>;

const SEP = '\u0000';
/** The index key for a path. */
const keyOf = (path: readonly string[]): string => path.join(SEP);

/** The line that defines `path` exactly, or undefined. */
export function lineOf(index: TomlIndex, path: readonly string[]): number | undefined {
  return index.get(keyOf(path));
}

/** The line of `path`, else of its deepest defined ancestor (a value inside an inline table, say). */
export function nearestLine(index: TomlIndex, path: readonly string[]): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const line = index.get(keyOf(path.slice(0, n)));
    if (line !== undefined) return line;
  }
  return undefined;
}

/** Walk a parsed TOML table down `path`; undefined when any step is absent or not a table. */
export function valueAt(data: TomlTable, path: readonly string[]): unknown {
  let cur: unknown = data;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/**
 * Scan TOML text for table headers and keys, recording the line each key path is defined on.
 * Handles quoted keys (`"io.containerd.grpc.v1.cri"`, `'io.containerd.cri.v1.runtime'`), dotted
 * keys, inline tables, multi-line arrays and strings. Meant for text that already parsed; on odd
 * input it skips to the next line rather than failing.
 */
export function indexToml(text: string): TomlIndex {
  const index: TomlIndex = new Map();
  const s = text;
  let i = 0;
  let line = 1;
  let table: string[] = [];
  const record = (path: string[], at: number): void => {
    const k = keyOf(path);
    if (!index.has(k)) index.set(k, at);
  };
  const skipWs = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const skipLine = (): void => {
    while (i < s.length && s[i] !== '\n') i++;
  };
  // Whitespace, newlines and comments between array elements.
  const skipBlank = (): void => {
    for (;;) {
      skipWs();
      const c = s[i];
      if (c === '#') {
        skipLine();
        continue;
      }
      if (c !== '\n' && c !== '\r') return;
      if (c === '\n') line++;
      i++;
    }
  };
  const readKeyPart = (): string | null => {
    skipWs();
    const c = s[i];
    if (c === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"' && s[j] !== '\n') j += s[j] === '\\' ? 2 : 1;
      const lit = s.slice(i, j + 1);
      i = j + 1;
      try {
        return JSON.parse(lit) as string;
      } catch {
        return lit.slice(1, -1);
      }
    }
    if (c === "'") {
      const j = s.indexOf("'", i + 1);
      if (j < 0) return null;
      const k = s.slice(i + 1, j);
      i = j + 1;
      return k;
    }
    const m = /^[A-Za-z0-9_-]+/.exec(s.slice(i, i + 256));
    if (!m) return null;
    i += m[0].length;
    return m[0];
  };
  const readKey = (): string[] | null => {
    const parts: string[] = [];
    for (;;) {
      const p = readKeyPart();
      if (p === null) return null;
      parts.push(p);
      skipWs();
      if (s[i] !== '.') return parts;
      i++;
    }
  };
  const readValue = (path: string[], depth: number): void => {
    skipWs();
    if (depth > 64) return skipLine();
    const c = s[i];
    if (s.startsWith('"""', i) || s.startsWith("'''", i)) {
      const q = s.slice(i, i + 3);
      let j = i + 3;
      for (;;) {
        const end = s.indexOf(q, j);
        if (end < 0) return void (i = s.length);
        if (q === '"""' && s[end - 1] === '\\') {
          j = end + 1;
          continue;
        }
        line += (s.slice(i, end).match(/\n/g) ?? []).length;
        i = end + 3;
        while (s[i] === q[0]) i++;
        return;
      }
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < s.length && s[j] !== c && s[j] !== '\n') j += c === '"' && s[j] === '\\' ? 2 : 1;
      i = Math.min(j + 1, s.length);
      return;
    }
    if (c === '{') {
      i++;
      for (;;) {
        skipWs();
        if (s[i] === '}') return void i++;
        if (s[i] === ',') {
          i++;
          continue;
        }
        const k = readKey();
        skipWs();
        if (!k || s[i] !== '=') return skipLine();
        i++;
        record([...path, ...k], line);
        readValue([...path, ...k], depth + 1);
      }
    }
    if (c === '[') {
      i++;
      for (;;) {
        skipBlank();
        if (i >= s.length) return;
        if (s[i] === ']') return void i++;
        if (s[i] === ',') {
          i++;
          continue;
        }
        const before = i;
        readValue(path, depth + 1);
        if (i === before) return skipLine();
      }
    }
    while (i < s.length && !/[,\]}\n#]/.test(s[i] ?? '')) i++;
  };

  while (i < s.length) {
    skipWs();
    const c = s[i];
    if (c === '\r' || c === '\n') {
      if (c === '\n') line++;
      i++;
    } else if (c === '#') skipLine();
    else if (c === '[') {
      const aot = s[i + 1] === '[';
      i += aot ? 2 : 1;
      const k = readKey();
      if (k) {
        table = k;
        record(k, line);
      }
      skipLine();
    } else {
      const k = readKey();
      skipWs();
      if (!k || s[i] !== '=') {
        skipLine();
        continue;
      }
      i++;
      record([...table, ...k], line);
      readValue([...table, ...k], 0);
      skipLine();
    }
  }
  return index;
}
