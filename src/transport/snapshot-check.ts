/**
 * A snapshot file is untrusted input: its nesting is bounded BEFORE JSON.parse (a file of 100k
 * nested arrays would otherwise overflow the stack of whatever walks it later), and the raw
 * section is checked record by record against the shapes the facts code reads, so a damaged or
 * hand-made file is one clear exit-2 message naming the record, never a crash deeper in.
 * Fields this version does not know are allowed (a newer kubelet-doctor may add some).
 */
import type {RawSnapshot} from '../facts/types.js';

/** Deepest nesting a snapshot may have: a real one is 6 levels deep (raw.files[p].keys[i]). */
export const MAX_SNAPSHOT_DEPTH = 32;

/**
 * Whether JSON text nests objects/arrays deeper than `max`: one pass over the characters,
 * skipping strings (their brackets do not count). Malformed text is left to JSON.parse.
 */
export function jsonDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const key = (k: string) => `[${JSON.stringify(k)}]`;

/** The first shape problem in a snapshot's `raw`, as `raw.files["/etc/x"].content must be a string`; null when sound. */
export function rawProblem(raw: unknown): string | null {
  if (!isObj(raw)) return 'raw is not an object';
  for (const [f, t] of [
    ['probeVersion', 'number'],
    ['hostRoot', 'string'],
    ['live', 'boolean'],
    ['incomplete', 'string'],
  ] as const) {
    if (raw[f] !== undefined && typeof raw[f] !== t) return `raw.${f} must be a ${t}`;
  }
  for (const s of ['files', 'dirs', 'commands'] as const) {
    if (!isObj(raw[s])) return `no raw ${s}`;
  }
  if (raw['notes'] !== undefined) {
    if (!Array.isArray(raw['notes'])) return 'raw.notes must be a list';
    const i = raw['notes'].findIndex((n) => typeof n !== 'string');
    if (i >= 0) return `raw.notes[${i}] must be a string`;
  }
  for (const [k, r] of Object.entries(raw['files'] as Obj)) {
    const at = `raw.files${key(k)}`;
    if (!isObj(r)) return `${at} is not a file record`;
    const p = fields(
      r,
      at,
      {path: 'string', status: 'string'},
      {
        realPath: 'string',
        size: 'number',
        truncated: 'boolean',
        binary: 'boolean',
        content: 'string',
        firstLine: 'number',
        reason: 'string',
      },
    );
    if (p) return p;
    if (r['keys'] !== undefined) {
      if (!Array.isArray(r['keys'])) return `${at}.keys must be a list`;
      for (const [i, kr] of r['keys'].entries()) {
        if (!isObj(kr)) return `${at}.keys[${i}] is not a key record`;
        if (typeof kr['origin'] !== 'string') return `${at}.keys[${i}].origin must be a string`;
        if (kr['spkiSha256'] !== null && typeof kr['spkiSha256'] !== 'string') return `${at}.keys[${i}].spkiSha256 must be a string or null`;
        if (kr['reason'] !== undefined && typeof kr['reason'] !== 'string') return `${at}.keys[${i}].reason must be a string`;
      }
    }
  }
  for (const [k, r] of Object.entries(raw['dirs'] as Obj)) {
    const at = `raw.dirs${key(k)}`;
    if (!isObj(r)) return `${at} is not a directory record`;
    const p = fields(r, at, {path: 'string', status: 'string'}, {truncated: 'boolean', total: 'number'});
    if (p) return p;
    if (!Array.isArray(r['entries'])) return `${at}.entries must be a list`;
    for (const [i, e] of r['entries'].entries()) {
      if (!isObj(e) || typeof e['name'] !== 'string' || typeof e['type'] !== 'string') return `${at}.entries[${i}] is not a directory entry`;
    }
  }
  for (const [k, r] of Object.entries(raw['commands'] as Obj)) {
    const at = `raw.commands${key(k)}`;
    if (!isObj(r)) return `${at} is not a command record`;
    const p = fields(r, at, {command: 'string', status: 'string', stdout: 'string'}, {reason: 'string'});
    if (p) return p;
    if (r['exitCode'] !== null && r['exitCode'] !== undefined && typeof r['exitCode'] !== 'number') return `${at}.exitCode must be a number or null`;
  }
  return null;
}

type Kind = 'string' | 'number' | 'boolean';
function fields(r: Obj, at: string, required: Record<string, Kind>, optional: Record<string, Kind>): string | null {
  for (const [f, t] of Object.entries(required)) {
    if (typeof r[f] !== t) return `${at}.${f} must be a ${t}`;
  }
  for (const [f, t] of Object.entries(optional)) {
    if (r[f] !== undefined && typeof r[f] !== t) return `${at}.${f} must be a ${t}`;
  }
  return null;
}

/** `raw` after {@link rawProblem} said it is sound. */
export const asRaw = (raw: unknown): RawSnapshot => raw as RawSnapshot;
