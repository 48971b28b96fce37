/**
 * Typing of KubeletConfiguration values: a YAML node or a flag string becomes the Go type the
 * kubelet decodes into, or a "type error" (fatal to the kubelet: both its strict and lenient
 * decoders reject a wrong JSON type). Also finds the known field nearest to an unknown one.
 */
import {closest, distance} from 'fastest-levenshtein';
import {isMap, isScalar, isSeq} from 'yaml';
import type {Node, YAMLMap} from 'yaml';
import {CONFIG_FIELDS} from '../../../checks/data/kubelet-config-fields.js';
import type {FieldSpec, FieldType} from '../../../checks/data/kubelet-config-fields.js';
import type {FlagKind} from '../../../checks/data/kubelet-config-flags.js';
import {keyName, scalarSource} from './yaml-source.js';

/** A converted value, or what the kubelet expected instead. */
export type Converted = {ok: true; value: unknown} | {ok: false; expected: string};

// Go's time.ParseDuration: one or more <number><unit>, optional sign; a bare "0" is allowed.
// <1:number> <2:unit>
const GO_DURATION = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$|^[-+]?0$/;

/** True when `s` parses as a Go duration (`10s`, `1m30s`, `100ms`, `0`). */
export const isGoDuration = (s: string): boolean => GO_DURATION.test(s);

const EXPECTED: Record<FieldType, string> = {
  string: 'a string',
  int: 'an integer',
  float: 'a number',
  bool: 'a boolean (true or false)',
  duration: 'a duration string such as "10s" or "2m"',
  map: 'a mapping of strings (quote numbers: cpu: "1")',
  'bool-map': 'a mapping of names to true/false',
  list: 'a list',
  object: 'a mapping',
  any: 'any value',
};

/** The operator-facing description of what a field of this type must hold. */
export const expectedFor = (t: FieldType): string => EXPECTED[t];

function scalarValue(node: Node): unknown {
  if (!isScalar(node)) return undefined;
  // The YAML 1.1 schema turns 2001-12-14 into a Date; JSON (and the kubelet) keep the text.
  return node.value instanceof Date ? (scalarSource(node) ?? node.value.toISOString()) : node.value;
}

function stringMap(node: YAMLMap, want: 'string' | 'boolean'): Converted {
  const out: Record<string, unknown> = {};
  for (const pair of node.items) {
    const v = pair.value as Node | null;
    const value = v === null ? null : scalarValue(v);
    if (value === null) continue;
    if (typeof value !== want) return {ok: false, expected: `${want === 'string' ? 'a string' : 'true or false'} for "${keyName(pair)}"`};
    out[keyName(pair)] = value;
  }
  return {ok: true, value: out};
}

/**
 * Convert a (non-null) YAML node to the value the kubelet decodes for a field of `spec`'s type.
 * `maxPods: "110"` (a string for an int32) and `failSwapOn: "yes"` (a string for a bool) fail.
 */
export function convertNode(spec: FieldSpec, node: Node): Converted {
  const bad: Converted = {ok: false, expected: EXPECTED[spec.type]};
  const v = scalarValue(node);
  switch (spec.type) {
    case 'string':
      return typeof v === 'string' ? {ok: true, value: v} : bad;
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) ? {ok: true, value: v} : bad;
    case 'float':
      return typeof v === 'number' ? {ok: true, value: v} : bad;
    case 'bool':
      return typeof v === 'boolean' ? {ok: true, value: v} : bad;
    case 'duration':
      return typeof v === 'string' && isGoDuration(v) ? {ok: true, value: v} : bad;
    case 'map':
      return isMap(node) ? stringMap(node, 'string') : bad;
    case 'bool-map':
      return isMap(node) ? stringMap(node, 'boolean') : bad;
    case 'list':
      return isSeq(node) ? {ok: true, value: node.toJSON()} : bad;
    case 'object':
      return isMap(node) ? {ok: true, value: node.toJSON()} : bad;
    case 'any':
      return {ok: true, value: isScalar(node) ? v : (node as {toJSON(): unknown}).toJSON()};
  }
}

// strconv.ParseBool, which pflag uses for boolean flags.
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function splitPairs(s: string, sep: '=' | '<'): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const part of s.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const i = p.indexOf(sep);
    if (i <= 0) return null;
    out[p.slice(0, i).trim()] = p.slice(i + 1).trim();
  }
  return out;
}

/** Convert a flag's string value (pflag semantics) to the value of the config field it sets. */
export function convertFlag(kind: FlagKind, raw: string): Converted {
  switch (kind) {
    case 'string':
      return {ok: true, value: raw};
    case 'int':
      return /^[-+]?\d+$/.test(raw.trim()) ? {ok: true, value: Number(raw)} : {ok: false, expected: EXPECTED.int};
    case 'float':
      return raw.trim() !== '' && Number.isFinite(Number(raw)) ? {ok: true, value: Number(raw)} : {ok: false, expected: EXPECTED.float};
    case 'bool':
      if (TRUE.has(raw)) return {ok: true, value: true};
      return FALSE.has(raw) ? {ok: true, value: false} : {ok: false, expected: EXPECTED.bool};
    case 'duration':
      return isGoDuration(raw) ? {ok: true, value: raw} : {ok: false, expected: EXPECTED.duration};
    case 'map': {
      const m = splitPairs(raw, '=');
      return m ? {ok: true, value: m} : {ok: false, expected: 'key=value pairs separated by commas (cpu=1,memory=2Gi)'};
    }
    case 'eviction-map': {
      const m = splitPairs(raw, '<');
      return m ? {ok: true, value: m} : {ok: false, expected: 'signal<threshold pairs (memory.available<100Mi,nodefs.available<10%)'};
    }
    case 'list':
      return {
        ok: true,
        value: raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
      };
    case 'feature-gates': {
      const m = splitPairs(raw, '=');
      const out: Record<string, boolean> = {};
      for (const [k, v] of Object.entries(m ?? {})) {
        if (!TRUE.has(v) && !FALSE.has(v)) return {ok: false, expected: 'Gate=true|false pairs'};
        out[k] = TRUE.has(v);
      }
      return m ? {ok: true, value: out} : {ok: false, expected: 'Gate=true|false pairs'};
    }
  }
}

/** Every known dotted field path (`maxPods`, `authentication.x509.clientCAFile`, ...). */
function allPaths(specs: Readonly<Record<string, FieldSpec>>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    out.push(path);
    if (spec.children) out.push(...allPaths(spec.children, path));
  }
  return out;
}
const KNOWN_PATHS = allPaths(CONFIG_FIELDS);
const last = (p: string): string => p.slice(p.lastIndexOf('.') + 1);

/** The field spec at a dotted path, or undefined. */
export function specAt(path: string): FieldSpec | undefined {
  let specs: Readonly<Record<string, FieldSpec>> | undefined = CONFIG_FIELDS;
  let spec: FieldSpec | undefined;
  for (const part of path.split('.')) {
    spec = specs?.[part];
    if (!spec) return undefined;
    specs = spec.children;
  }
  return spec;
}

/**
 * The known field an unknown one most likely meant: a case-insensitive match among its siblings,
 * the same name at another level (wrong indentation), or the closest sibling by edit distance
 * when close enough (`maxPod` → `maxPods`). Null when nothing is near.
 */
export function nearestField(path: string): string | null {
  const name = last(path).toLowerCase();
  const parent = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
  const siblings = KNOWN_PATHS.filter((p) => (p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') === parent);
  const exactSibling = siblings.find((p) => last(p).toLowerCase() === name);
  if (exactSibling) return exactSibling;
  const elsewhere = KNOWN_PATHS.find((p) => last(p).toLowerCase() === name && p !== path);
  if (elsewhere) return elsewhere;
  const pool = siblings.length > 0 ? siblings : KNOWN_PATHS;
  const lowered = pool.map((p) => last(p).toLowerCase());
  const best = closest(name, lowered);
  const limit = Math.max(1, Math.floor(name.length / 3));
  if (distance(name, best) > limit) return null;
  return pool[lowered.indexOf(best)] ?? null;
}
