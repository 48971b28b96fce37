/**
 * Reading operator-written YAML (runbooks, waiver files) with every mistake collected and told
 * as `file:line: what is wrong`, using the `yaml` package's positions. A typo'd key names the
 * nearest known one, so the file is fixed in one pass.
 */
import {closest, distance} from 'fastest-levenshtein';
import {isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap} from 'yaml';
import {InputError} from '../errors.js';
import {MAX_RUNBOOK_BYTES, MAX_WAIVERS_BYTES, readInputSync, type InputKind} from '../transport/limits.js';

/** The nearest of `known` to `word` when it is close enough to be a typo. */
export function nearest(word: string, known: readonly string[]): string | null {
  if (known.length === 0) return null;
  const best = closest(word, [...known]);
  return distance(word, best) <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

/** Collects mistakes while reading one YAML file. */
export class YamlReader {
  readonly mistakes: string[] = [];
  constructor(
    readonly file: string,
    private readonly lc: LineCounter,
  ) {}

  /** `file:line` of a node or pair. */
  at(node: Node | Pair | null | undefined): string {
    const n = node && 'range' in node ? node : node && 'key' in node ? (node.key as Node | null) : null;
    const off = n?.range?.[0];
    return off === undefined ? this.file : `${this.file}:${this.lc.linePos(off).line}`;
  }

  /** Record a mistake at a node. */
  wrong(node: Node | Pair | null | undefined, what: string): void {
    this.mistakes.push(`${this.at(node)}: ${what}`);
  }

  /** Check a map's keys against the allowed ones, suggesting the nearest for a typo. */
  keys(map: YAMLMap, allowed: readonly string[], where: string): void {
    for (const p of map.items) {
      const k = isScalar(p.key) ? String(p.key.value) : null;
      if (k === null) {
        this.wrong(p, `${where}: keys must be plain names`);
      } else if (!allowed.includes(k)) {
        const near = nearest(k, allowed);
        this.wrong(p, `${where}: unknown field "${k}"${near ? ` (did you mean "${near}"?)` : ` (known: ${allowed.join(', ')})`}`);
      }
    }
  }

  /** The value node under a key, or undefined. */
  get(map: YAMLMap, key: string): Node | undefined {
    return (map.get(key, true) as Node | null | undefined) ?? undefined;
  }

  /** A non-empty string (numbers are taken as text). */
  str(node: Node | undefined, what: string): string | undefined {
    if (node === undefined) return undefined;
    if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number') && String(node.value).trim() !== '')
      return String(node.value).trim();
    this.wrong(node, `${what} must be a non-empty string`);
    return undefined;
  }

  /** One of the listed words. */
  oneOf<T extends string>(node: Node | undefined, allowed: readonly T[], what: string): T | undefined {
    const s = this.str(node, what);
    if (s === undefined) return undefined;
    if ((allowed as readonly string[]).includes(s)) return s as T;
    const near = nearest(s, allowed);
    this.wrong(node, `${what} "${s}" is not one of ${allowed.join(', ')}${near ? ` (did you mean "${near}"?)` : ''}`);
    return undefined;
  }

  bool(node: Node | undefined, what: string): boolean | undefined {
    if (node === undefined) return undefined;
    if (isScalar(node) && typeof node.value === 'boolean') return node.value;
    this.wrong(node, `${what} must be true or false`);
    return undefined;
  }

  /** A whole number >= min. */
  int(node: Node | undefined, what: string, min = 1): number | undefined {
    if (node === undefined) return undefined;
    if (isScalar(node) && typeof node.value === 'number' && Number.isInteger(node.value) && node.value >= min) return node.value;
    this.wrong(node, `${what} must be a whole number >= ${min}`);
    return undefined;
  }

  /** A list of strings (a single string is a one-item list). */
  strings(node: Node | undefined, what: string): string[] | undefined {
    if (node === undefined) return undefined;
    if (isSeq(node)) {
      const out = (node.items as Node[]).map((n) => this.str(n, `each of ${what}`)).filter((s): s is string => s !== undefined);
      return out.length === node.items.length ? out : undefined;
    }
    const one = this.str(node, `${what} (a list)`);
    return one === undefined ? undefined : [one];
  }

  /** A map of plain key: value strings (labels). */
  labels(node: Node | undefined, what: string): Record<string, string> | undefined {
    if (node === undefined) return undefined;
    if (!isMap(node)) {
      this.wrong(node, `${what} must be a map of key: value`);
      return undefined;
    }
    const out: Record<string, string> = {};
    for (const p of node.items) {
      const k = isScalar(p.key) ? String(p.key.value) : '';
      const v = p.value as Node | null;
      if (k === '' || !isScalar(v) || v.value === null || typeof v.value === 'object') this.wrong(p, `${what}: ${JSON.stringify(k)} must have a plain value`);
      else out[k] = String(v.value);
    }
    return out;
  }

  /** Throw one InputError holding every mistake (when there are any). */
  done(hint: string): void {
    if (this.mistakes.length === 0) return;
    // In file order, so the operator walks down the file once.
    const line = (m: string): number => Number(/^.*?:(\d+): /.exec(m)?.[1] ?? 0);
    const sorted = this.mistakes
      .map((m, i) => ({m, i}))
      .sort((a, b) => line(a.m) - line(b.m) || a.i - b.i)
      .map((x) => x.m);
    throw new InputError(sorted.join('; '), hint);
  }
}

/** The size cap of each kind of operator YAML, checked before parsing (`what` as readYaml is given it). */
function inputKind(what: string): InputKind {
  if (what === '--waivers') return {label: what, noun: 'a waivers file', cap: MAX_WAIVERS_BYTES, hint: 'is this the right file? waivers are a short YAML list'};
  return {
    label: what,
    noun: what === 'runbook' ? 'a runbook' : `a ${what.replace(/^-+/, '')} file`,
    cap: MAX_RUNBOOK_BYTES,
    hint: 'is this the right file? a runbook is a short YAML file',
  };
}

/** Read and parse a YAML file, with its line counter; InputError when unreadable, too large (before parsing) or not YAML. */
export function readYaml(file: string, what: string, hint: string): {doc: ReturnType<typeof parseDocument>; r: YamlReader} {
  let text: string;
  try {
    text = readInputSync(file, inputKind(what));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${what} ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? 'error'})`, undefined, {cause: e});
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, {lineCounter: lc, uniqueKeys: true});
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0].line;
    throw new InputError(`${file}${line ? `:${line}` : ''}: not valid YAML (${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')})`, hint, {
      cause: e,
    });
  }
  return {doc, r: new YamlReader(file, lc)};
}
