/**
 * Loading containerd's config: the main file, then its `imports` breadth-first, the way
 * containerd's LoadConfig does (cmd/containerd/server/config/config.go): globs expand in lexical
 * order against the probe's directory listing, relative paths resolve against the importing
 * file's folder, each file is loaded once. A named import that is missing stops containerd.
 */
import type {RawSnapshot, Source} from '../core.js';
import {fileText, parseTomlText, lineOf, valueAt, type TomlIndex, type TomlTable} from './runtime-parse.js';
import type {RuntimeConfigFile, RuntimeNote} from './runtime.js';
import {walk} from './runtime-containerd-keys.js';

/** containerd's default config path. */
export const CONTAINERD_CONFIG = '/etc/containerd/config.toml';

/** One config file that parsed, with its layout version and line index. */
export interface Loaded {
  rec: RuntimeConfigFile;
  data: TomlTable;
  index: TomlIndex;
  lines: string[];
  version: number;
  /** The `version` the file itself writes (0 when it writes none), for containerd 1.x's merge. */
  ownVersion: number;
}

/** Load the main file, then its imports breadth-first, as containerd's LoadConfig does. */
export function loadAll(raw: RawSnapshot): {files: RuntimeConfigFile[]; loaded: Loaded[]; problems: RuntimeNote[]} {
  const files: RuntimeConfigFile[] = [];
  const loaded: Loaded[] = [];
  const problems: RuntimeNote[] = [];
  const seen = new Set<string>();
  const pending: {path: string; from?: Source & {text: string}}[] = [{path: CONTAINERD_CONFIG}];
  while (pending.length > 0) {
    const next = pending.shift();
    if (!next || seen.has(next.path)) continue;
    seen.add(next.path);
    const role = next.path === CONTAINERD_CONFIG && files.length === 0 ? 'main' : 'import';
    const ft = fileText(raw, next.path);
    if (!ft.ok) {
      files.push({path: next.path, role, status: ft.status, error: ft.error});
      if (role === 'import' && next.from && (ft.status === 'missing' || ft.status === 'unreadable')) {
        const {text, ...source} = next.from;
        problems.push({severity: 'fail', message: `imported ${next.path} is ${ft.status}: containerd will not start`, source, text});
      }
      continue;
    }
    const parsed = parseTomlText(ft.text);
    if (!parsed.ok) {
      const rec: RuntimeConfigFile = {path: next.path, role, status: 'parse-error', error: parsed.error};
      if (parsed.line !== undefined) rec.line = parsed.line;
      files.push(rec);
      continue;
    }
    // go-toml v1 spellings of the `version` tag (runtime-containerd-keys.ts).
    const vFound = walk(parsed.data, ['version']);
    const v = vFound?.value;
    if (vFound && !integerAt(parsed, vFound.path)) {
      // Config.Version is an int: go-toml refuses a float or a string ("Can't convert 2(float64) to int").
      const line = lineOf(parsed.index, vFound.path);
      problems.push({
        severity: 'fail',
        message: `${vFound.path[0]} must be an integer: containerd refuses to load ${next.path} ("failed to unmarshal TOML"), so containerd does not start`,
        source: {file: next.path, ...(line === undefined ? {} : {line})},
        text: line === undefined ? '' : (parsed.lines[line - 1] ?? '').trim(),
      });
    }
    const ownVersion = typeof v === 'number' && Number.isInteger(v) ? v : 0;
    const version = ownVersion === 0 ? 1 : ownVersion;
    const rec: RuntimeConfigFile = {path: next.path, role, status: 'ok', version};
    files.push(rec);
    loaded.push({rec, data: parsed.data, index: parsed.index, lines: parsed.lines, version, ownVersion});
    const found = walk(parsed.data, ['imports']);
    const imports = found?.value;
    if (!found || !Array.isArray(imports)) continue;
    const line = lineOf(parsed.index, found.path);
    const from = {file: next.path, ...(line === undefined ? {} : {line}), text: (parsed.lines[(line ?? 1) - 1] ?? '').trim()};
    for (const imp of imports) {
      if (typeof imp !== 'string' || imp === '') continue;
      const v3 = (loaded[0]?.version ?? 1) >= 3;
      for (const path of resolveImport(raw, next.path, imp, files, v3)) pending.push({path, from});
    }
  }
  return {files, loaded, problems};
}

/** Whether the value at `path` is an integer as written (smol-toml reads `2.0` as the number 2). */
function integerAt(parsed: {data: TomlTable; index: TomlIndex; lines: string[]}, path: string[]): boolean {
  const value = valueAt(parsed.data, path);
  if (typeof value !== 'number' || !Number.isInteger(value)) return false;
  const line = lineOf(parsed.index, path);
  const text = line === undefined ? '' : (parsed.lines[line - 1] ?? '');
  const written = text.slice(text.indexOf('=') + 1).trim();
  return !/^[+-]?[\d_]+(\.|[eE])/.test(written) && !/^[+-]?(inf|nan)/.test(written);
}

/** Resolve one `imports` entry to paths: relative to the importer, globs against the dir listing. */
function resolveImport(raw: RawSnapshot, parent: string, imp: string, files: RuntimeConfigFile[], v3: boolean): string[] {
  // containerd v1.6.20 resolveImports: a plain relative path joins the importer's folder, but a
  // glob goes to filepath.Glob as written, so a relative glob is relative to containerd's working
  // directory, which systemd sets to / for containerd.service. containerd 2.x (v2.0.0, same
  // function) joins every relative path, glob or not, to the importer's folder.
  const parentDir = imp.includes('*') && !v3 ? '/' : parent.slice(0, parent.lastIndexOf('/')) || '/';
  const abs = normalise(imp.startsWith('/') ? imp : `${parentDir}/${imp}`);
  // containerd globs only entries holding `*` (resolveImports); others are taken as written.
  if (!imp.includes('*')) return [abs];
  const dir = abs.slice(0, abs.lastIndexOf('/')) || '/';
  const base = abs.slice(abs.lastIndexOf('/') + 1);
  const listing = raw.dirs[dir];
  if (/[*?[]/.test(dir) || !listing) {
    files.push({path: abs, role: 'import', status: 'not-collected', error: 'import glob: directory not listed by the probe'});
    return [];
  }
  // Go filepath.Glob: `*` and `?` never match `/`; matches come back sorted.
  const re = new RegExp(
    `^${base
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );
  return listing.entries
    .filter((e) => e.type !== 'dir' && re.test(e.name))
    .map((e) => e.name)
    .sort()
    .map((n) => `${dir === '/' ? '' : dir}/${n}`);
}

/** filepath.Clean for absolute paths: collapse `//`, `.` and `..`. */
function normalise(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}
