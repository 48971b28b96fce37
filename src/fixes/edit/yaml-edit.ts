/**
 * YAML edits that keep the operator's file: comments, key order, quoting, indentation and
 * unknown fields all survive, and nothing outside the edited key changes by a single byte.
 *
 * Why not `doc.toString()`: the yaml package's Document API keeps comments and order, but it
 * re-prints the whole file in its own style (kubeadm's `- 10.96.0.10` sequences come back
 * indented, spacing before comments collapses), so every edit would show up as a rewrite of the
 * file. We use the Document API to find the exact source range of each key and value, splice
 * only those bytes, and then prove the edit: the result must parse cleanly and mean exactly
 * what `setIn`/`deleteIn` on the Document would give.
 */
import {isMap, isScalar, parseDocument, stringify, type Document, type Node, type Pair, type YAMLMap} from 'yaml';
import {canonicalJson} from './canonical.js';

/** One edit, addressed by the key path from the document root. */
export type YamlEdit =
  | {op: 'set'; path: string[]; value: string | number | boolean}
  | {op: 'rename'; path: string[]; to: string}
  | {op: 'delete'; path: string[]}
  /** Delete at `from` and set the same scalar at `to` (a field at the wrong indentation). */
  | {op: 'move'; from: string[]; to: string[]};

/** The edited text, or why the edit could not be made safely. */
export type YamlEditResult = {ok: true; text: string} | {ok: false; reason: string};

type AnyPair = Pair<Node | null, Node | null>;
type Range = [number, number, number];

const fail = (reason: string): YamlEditResult => ({ok: false, reason});
const keyOf = (p: AnyPair): string | null => (isScalar(p.key) ? String(p.key.value) : null);
const rangeOf = (n: Node | null | undefined): Range | null => (n?.range ? (n.range as Range) : null);

/** Parse, refusing what we cannot edit in place: errors, several documents, a non-mapping root. */
function load(text: string): {doc: Document.Parsed; root: YAMLMap} | string {
  if (/\n---(\s|$)/.test(text.replace(/^---\s*\n/, ''))) return 'the file holds several YAML documents';
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return `not valid YAML (${doc.errors[0]?.message.split('\n')[0] ?? 'parse error'})`;
  if (!isMap(doc.contents) || doc.contents.flow) return 'the document is not a block mapping';
  return {doc, root: doc.contents};
}

/** The pair at `path` (and the map holding it), or the deepest map reached and the keys left over. */
function locate(root: YAMLMap, path: string[]): {map: YAMLMap; pair: AnyPair | null; depth: number; parentPair: AnyPair | null} {
  let map = root;
  let parentPair: AnyPair | null = null;
  for (let i = 0; i < path.length; i++) {
    const pair = (map.items as AnyPair[]).find((p) => keyOf(p) === path[i]) ?? null;
    if (!pair) return {map, pair: null, depth: i, parentPair};
    if (i === path.length - 1) return {map, pair, depth: i, parentPair};
    if (!isMap(pair.value)) return {map, pair: null, depth: -1, parentPair};
    parentPair = pair;
    map = pair.value;
  }
  return {map, pair: null, depth: -1, parentPair};
}

/** Offset of the start of the line holding `pos`. */
const lineStart = (text: string, pos: number): number => text.lastIndexOf('\n', pos - 1) + 1;

/** Offset just past the line holding the last character before `end`. */
function lineEnd(text: string, end: number): number {
  if (end > 0 && text.charAt(end - 1) === '\n') return end;
  const nl = text.indexOf('\n', end);
  return nl === -1 ? text.length : nl + 1;
}

/**
 * A scalar as YAML writes it plainly, quoted only when it must be. Quoting follows YAML 1.1
 * because the kubelet reads its config with go-yaml (sigs.k8s.io/yaml), where `yes`, `on` and
 * `no` are booleans: a string value must not turn into one.
 */
function render(value: string | number | boolean): string | null {
  if (typeof value === 'string' && /[\r\n]/.test(value)) return null;
  return stringify(value, {version: '1.1'}).trimEnd();
}

/** `a:\n  b: v` lines for keys `a`, `b` and value `v`, at `indent`. */
function nested(keys: string[], value: string, indent: number): string[] {
  return keys.map((k, i) => `${' '.repeat(indent + 2 * i)}${render(k) ?? k}:${i === keys.length - 1 ? ` ${value}` : ''}`);
}

/** Column of a block map's keys. */
function indentOf(text: string, map: YAMLMap): number {
  const first = (map.items as AnyPair[])[0];
  const r = rangeOf(first?.key ?? null);
  return r ? r[0] - lineStart(text, r[0]) : 0;
}

/** Where a new key goes in a block map: in sorted position when the keys are sorted, else at the end. */
function insertAt(text: string, map: YAMLMap, key: string): number {
  const items = map.items as AnyPair[];
  const keys = items.map(keyOf);
  const sorted = keys.every((k, i) => i === 0 || (k !== null && (keys[i - 1] ?? '') <= k));
  const next = sorted ? items.findIndex((p) => (keyOf(p) ?? '') > key) : -1;
  const prev = next === -1 ? items[items.length - 1] : items[next - 1];
  if (!prev) {
    const r = rangeOf(items[0]?.key ?? null);
    return r ? lineStart(text, r[0]) : text.length;
  }
  const r = rangeOf(prev.value) ?? rangeOf(prev.key);
  return r ? lineEnd(text, r[2]) : text.length;
}

/** Splice new lines in at `at`, adding a newline first when the text does not end with one. */
function spliceLines(text: string, at: number, lines: string[]): string {
  const head = text.slice(0, at);
  const sep = head !== '' && !head.endsWith('\n') ? '\n' : '';
  return `${head}${sep}${lines.map((l) => `${l}\n`).join('')}${text.slice(at)}`;
}

function applySet(text: string, root: YAMLMap, path: string[], value: string | number | boolean): YamlEditResult {
  const shown = render(value);
  if (shown === null) return fail('multi-line values are not supported');
  const at = locate(root, path);
  if (at.depth === -1) return fail(`${path.join('.')}: a parent is not a mapping`);
  if (at.pair) {
    const v = at.pair.value;
    if (v === null || (isScalar(v) && v.range && v.range[0] === v.range[1])) {
      const k = rangeOf(at.pair.key);
      const colon = k ? text.indexOf(':', k[1]) : -1;
      if (colon === -1) return fail(`${path.join('.')}: cannot find its ":"`);
      return {ok: true, text: `${text.slice(0, colon + 1)} ${shown}${text.slice(colon + 1)}`};
    }
    const r = rangeOf(v);
    if (!isScalar(v) || !r) return fail(`${path.join('.')} is not a single value`);
    return {ok: true, text: text.slice(0, r[0]) + shown + text.slice(r[1])};
  }
  const rest = path.slice(at.depth);
  const map = at.map;
  if (map.flow) {
    const r = rangeOf(map);
    const owner = at.parentPair;
    const k = rangeOf(owner?.key ?? null);
    if (!r || !owner || !k) return fail(`${path.join('.')}: cannot edit a flow mapping at the root`);
    if (map.items.length === 0) {
      // `memorySwap: {}` becomes a block mapping holding the new key.
      const indent = k[0] - lineStart(text, k[0]) + 2;
      const body = nested(rest, shown, indent).join('\n');
      const colon = text.indexOf(':', k[1]);
      return {ok: true, text: `${text.slice(0, colon + 1)}\n${body}${text.slice(r[1])}`};
    }
    const close = text.lastIndexOf('}', r[1]);
    if (rest.length !== 1 || close === -1) return fail(`${path.join('.')}: cannot extend this flow mapping safely`);
    const before = text.slice(0, close).replace(/\s*$/, '');
    return {ok: true, text: `${before}, ${render(rest[0]!) ?? rest[0]}: ${shown}${text.slice(before.length)}`};
  }
  const lines = nested(rest, shown, indentOf(text, map));
  return {ok: true, text: spliceLines(text, insertAt(text, map, rest[0]!), lines)};
}

function applyRename(text: string, root: YAMLMap, path: string[], to: string): YamlEditResult {
  const at = locate(root, path);
  if (!at.pair) return fail(`${path.join('.')} is not in the file`);
  if ((at.map.items as AnyPair[]).some((p) => keyOf(p) === to)) return fail(`${to} is already set next to ${path.join('.')}`);
  const r = rangeOf(at.pair.key);
  if (!r) return fail(`${path.join('.')}: no source position`);
  return {ok: true, text: text.slice(0, r[0]) + (render(to) ?? to) + text.slice(r[1])};
}

function applyDelete(text: string, root: YAMLMap, path: string[]): YamlEditResult {
  const at = locate(root, path);
  if (!at.pair) return fail(`${path.join('.')} is not in the file`);
  if (at.map.flow) return fail(`${path.join('.')} is inside a flow mapping`);
  if (at.map !== root && at.map.items.length === 1) return fail(`${path.join('.')} is the only key of its mapping`);
  const k = rangeOf(at.pair.key);
  const v = rangeOf(at.pair.value) ?? k;
  if (!k || !v) return fail(`${path.join('.')}: no source position`);
  return {ok: true, text: text.slice(0, lineStart(text, k[0])) + text.slice(lineEnd(text, v[2]))};
}

/** What the Document API says the edit means: the expected data after it. */
function expected(text: string, e: YamlEdit): unknown {
  const doc = parseDocument(text);
  if (e.op === 'set') doc.setIn(e.path, e.value);
  else if (e.op === 'delete') doc.deleteIn(e.path);
  else {
    const from = e.op === 'rename' ? e.path : e.from;
    const to = e.op === 'rename' ? [...e.path.slice(0, -1), e.to] : e.to;
    const value: unknown = doc.getIn(from);
    doc.deleteIn(from);
    doc.setIn(to, value);
  }
  return doc.toJS();
}

function applyOne(text: string, e: YamlEdit): YamlEditResult {
  const loaded = load(text);
  if (typeof loaded === 'string') return fail(loaded);
  const {root} = loaded;
  switch (e.op) {
    case 'set':
      return applySet(text, root, e.path, e.value);
    case 'rename':
      return applyRename(text, root, e.path, e.to);
    case 'delete':
      return applyDelete(text, root, e.path);
    case 'move': {
      const value: unknown = loaded.doc.getIn(e.from);
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return fail(`${e.from.join('.')} is not a single value`);
      const del = applyDelete(text, root, e.from);
      if (!del.ok) return del;
      const next = load(del.text);
      return typeof next === 'string' ? fail(next) : applySet(del.text, next.root, e.to, value);
    }
  }
}

/**
 * Apply the edits in order. Each result is proven against the Document API's own `setIn` /
 * `deleteIn`; a mismatch refuses the whole edit rather than write something unintended.
 */
export function editYaml(text: string, edits: readonly YamlEdit[]): YamlEditResult {
  let cur = text;
  for (const e of edits) {
    let want: string;
    try {
      want = canonicalJson(expected(cur, e));
    } catch (err) {
      // The Document API refuses it too (setIn below a scalar): say which key, as applyOne would.
      const r = applyOne(cur, e);
      return r.ok ? fail(`the edit is not possible: ${(err as Error).message}`) : r;
    }
    const r = applyOne(cur, e);
    if (!r.ok) return r;
    const doc = parseDocument(r.text);
    if (doc.errors.length > 0 || doc.warnings.length > 0 || canonicalJson(doc.toJS()) !== want) {
      return fail('the edit could not be made without changing other values; edit the file by hand');
    }
    cur = r.text;
  }
  return {ok: true, text: cur};
}
