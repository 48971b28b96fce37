/**
 * One search over everything an operator may type or paste: check ids, titles and descriptions,
 * the kubelet log-signature catalogue, and (in the TUI) the findings on the nodes checked.
 * `explain` and the TUI's `/` both use it, so the command line and the screen agree.
 *
 * Ranking: a signature whose regular expression matches the query ranks first (score 0, the
 * check it points to right after it), because a pasted journal line is identified exactly by
 * its pattern; everything else is ranked by fuse.js on the normalised text (score 0 = perfect,
 * 1 = no match, fuse's own convention).
 */
import Fuse, {type IFuseOptions} from 'fuse.js';
import type {CheckDef, Evidence, Status} from '../catalogue/define.js';
import {allSignatures, type LogSignature} from '../catalogue/signatures.js';
import {normalizeLogLine, patternForms} from './normalize.js';

/** What a hit is: a check, a catalogued log line, or a result on a node. */
export type SearchKind = 'check' | 'signature' | 'finding';

/** A check's result on one node, as the TUI hands it to the index. */
export interface FindingDoc {
  /** The node's position in the run (the TUI's node index). */
  node: number;
  nodeName: string;
  finding: {id: string; title: string; status: Status; summary: string; evidence: readonly Evidence[]};
}

/** One search result, best first in {@link SearchIndex.search}'s answer. */
export interface SearchHit {
  kind: SearchKind;
  /** The check id, the signature id, or (findings) the check id. */
  id: string;
  /** The check the hit points to. */
  check: string;
  /** The check's title; for a signature, the catalogued log line. */
  title: string;
  /** 0 = perfect (a signature pattern matched), up to 1 = barely related. */
  score: number;
  /** A signature's regular expression matched the query, or fuse.js ranked it. */
  matchedBy: 'pattern' | 'fuzzy';
  /** Findings only: the (first) node, its name (and how many more share the problem), what was found. */
  node?: number;
  nodeName?: string;
  status?: Status;
  summary?: string;
}

/** The searchable text of one document; fuse weighs the fields by {@link KEYS}. */
interface Doc {
  hit: Omit<SearchHit, 'score' | 'matchedBy'>;
  name: string;
  head: string;
  body: string;
}

const KEYS = [
  {name: 'name', weight: 3},
  {name: 'head', weight: 3},
  {name: 'body', weight: 1},
];

const FUSE_OPTIONS: IFuseOptions<Doc> = {
  keys: KEYS,
  includeScore: true,
  ignoreLocation: true,
  threshold: 0.25,
  minMatchCharLength: 1,
  useTokenSearch: true,
};

/** Fuzzy scores above this are shown only while there are fewer than {@link MIN_FUZZY} hits. */
const WEAK = 0.8;
const MIN_FUZZY = 3;

/** Queries at least this long are treated as pasted log lines and normalised before fuzzy matching. */
const LOG_LINE_LENGTH = 40;

/**
 * `explain`'s no-match threshold (strict search): the share of a query's words the catalogue must
 * know before fuzzy hits count. Fuse's own score is no threshold: a right answer to a few typed
 * words scores 0.6-0.9 (`disk pressure` → eviction-pressure 0.64, `kubelet keeps restarting` →
 * systemd-dropin 0.94) while `hello world` scores 0.99 and an nginx access line 0.35.
 */
const STRICT_KNOWN = 0.5;

/** Words that carry no meaning for the catalogue (never counted either way). */
const STOP = new Set(['the', 'and', 'for', 'with', 'from', 'this', 'that', 'over', 'are', 'was', 'has', 'have', 'will', 'into', 'its', 'not', 'but', 'you']);

/** Options of {@link SearchIndex.search}. */
export interface SearchOptions {
  /**
   * `explain`: answer nothing rather than a guess. At least {@link STRICT_KNOWN} of the query's
   * words must be words the catalogue uses (text about something else, `hello world`, an nginx
   * access line, shares a word by chance), or no fuzzy hit is given.
   * A signature whose pattern matches is an answer whatever the words.
   */
  strict?: boolean;
}

/** A built index: search it as often as the operator types. */
export interface SearchIndex {
  /** Best hits first, at most `limit`; an empty or blank query finds nothing. */
  search(query: string, limit?: number, opts?: SearchOptions): SearchHit[];
  /** The signature catalogue the index was built from (for the `explain` text and tests). */
  readonly signatures: readonly LogSignature[];
}

function checkDoc(c: CheckDef): Doc {
  return {
    hit: {kind: 'check', id: c.id, check: c.id, title: c.title},
    name: c.id.replace(/-/g, ' '),
    head: c.title,
    body: c.description,
  };
}

function signatureDoc(s: LogSignature): Doc {
  return {
    hit: {kind: 'signature', id: s.id, check: s.check, title: s.text},
    name: s.id.replace(/-/g, ' '),
    head: normalizeLogLine(s.text),
    body: s.check.replace(/-/g, ' '),
  };
}

/** Evidence text indexed per finding: enough to find a value, bounded so search stays fast. */
const EVIDENCE_CHARS = 160;

/**
 * One document per distinct problem: the same failure on 40 nodes is one hit naming the first
 * node and how many more, so a fleet does not drown the catalogue and search cost stays flat.
 */
function findingDocs(findings: readonly FindingDoc[]): Doc[] {
  const groups = new Map<string, FindingDoc[]>();
  for (const f of findings) {
    if (f.finding.status === 'pass' || f.finding.status === 'skip') continue;
    const k = `${f.finding.id}\u0000${f.finding.status}\u0000${f.finding.summary}`;
    const list = groups.get(k) ?? [];
    list.push(f);
    groups.set(k, list);
  }
  return [...groups.values()].map((list) => {
    const f = list[0]!;
    const more = list.length > 1 ? ` (+${list.length - 1} more)` : '';
    return {
      hit: {
        kind: 'finding',
        id: f.finding.id,
        check: f.finding.id,
        title: f.finding.title,
        node: f.node,
        nodeName: f.nodeName + more,
        status: f.finding.status,
        summary: f.finding.summary,
      },
      name: f.finding.id.replace(/-/g, ' '),
      head: f.finding.summary,
      body: f.finding.evidence
        .map((e) => e.text)
        .join(' ')
        .slice(0, EVIDENCE_CHARS),
    };
  });
}

/** Signatures whose pattern matches the query, most specific (longest match) first. */
function patternHits(query: string, signatures: readonly LogSignature[]): LogSignature[] {
  const forms = patternForms(query);
  const scored: {sig: LogSignature; length: number; order: number}[] = [];
  signatures.forEach((sig, order) => {
    let length = -1;
    for (const form of forms) {
      const m = sig.pattern.exec(form);
      if (m) length = Math.max(length, m[0].length);
    }
    if (length >= 0) scored.push({sig, length, order});
  });
  return scored.sort((a, b) => b.length - a.length || a.order - b.order).map((s) => s.sig);
}

const WORD = /[a-z0-9_]+/g;

/** How many documents each word occurs in (the rarer, the more a word identifies a message). */
function documentFrequencies(docs: readonly Doc[]): Map<string, number> {
  const df = new Map<string, number>();
  for (const d of docs) {
    const words = new Set(`${d.name} ${d.head} ${d.body}`.toLowerCase().match(WORD) ?? []);
    for (const w of words) df.set(w, (df.get(w) ?? 0) + 1);
  }
  return df;
}

/**
 * The few words of a long (pasted) query that identify it: words the index knows (or knows a
 * longer or shorter form of: `restarting` ~ `restart`), rarest first, at most `max`. A journal
 * line has a dozen words, most of them shared by many messages or unknown to the catalogue
 * (node names); fuzzy-matching all of them costs time and adds only noise.
 */
function keyWords(normalised: string, df: ReadonlyMap<string, number>, max: number): string {
  const rarity = (w: string): number | undefined => {
    const exact = df.get(w);
    if (exact !== undefined) return exact;
    if (w.length < 4) return undefined;
    let best: number | undefined;
    for (const [known, n] of df) {
      if (known.length >= 4 && (known.startsWith(w) || w.startsWith(known))) best = Math.min(best ?? n, n);
    }
    return best;
  };
  const ranked: [string, number][] = [];
  for (const w of new Set(normalised.match(WORD) ?? [])) {
    const n = w.length >= 3 ? rarity(w) : undefined;
    if (n !== undefined) ranked.push([w, n]);
  }
  return ranked
    .sort((a, b) => a[1] - b[1])
    .slice(0, max)
    .map(([w]) => w)
    .join(' ');
}

/**
 * Whether enough of the query's words are the catalogue's own (strict search): the words are the
 * alphabetic ones of three letters or more (plus any other token the catalogue knows, a port
 * such as 10250), stop words aside; a query with none (a UUID, a number) relates to nothing.
 */
function relatesToCatalogue(text: string, df: ReadonlyMap<string, number>): boolean {
  const known = (w: string): boolean => {
    if (df.has(w)) return true;
    if (w.length < 4) return false;
    for (const k of df.keys()) if (k.length >= 4 && (k.startsWith(w) || w.startsWith(k))) return true;
    return false;
  };
  let words = 0;
  let hits = 0;
  for (const w of new Set(text.toLowerCase().match(WORD) ?? [])) {
    if (STOP.has(w) || w.length < 3) continue;
    const isKnown = known(w);
    if (!isKnown && !/^[a-z]+$/.test(w)) continue;
    words++;
    if (isKnown) hits++;
  }
  return words > 0 && hits / words >= STRICT_KNOWN;
}

/** Words fuzzy-matched at most: each costs a pass over the index, and a few rare words identify a message. */
const MAX_WORDS = 3;

/**
 * What fuse.js is asked: a short query as typed; a pasted line (or a long sentence) reduced to its
 * rarest known words, fewer still when a signature pattern already identified the line.
 */
function reduceQuery(query: string, df: ReadonlyMap<string, number>, identified: boolean): string {
  const long = query.length >= LOG_LINE_LENGTH;
  const words = query.split(/\s+/).length;
  if (!long && words <= MAX_WORDS) return query;
  const text = long ? normalizeLogLine(query) : query.toLowerCase();
  return keyWords(text, df, identified ? 2 : MAX_WORDS) || query;
}

const keyOf = (h: Pick<SearchHit, 'kind' | 'id' | 'node'>): string => `${h.kind}:${h.id}:${h.node ?? ''}`;

/**
 * Build the index from the catalogue (at run time, so checks and signatures added later are
 * searchable without touching this file) and, optionally, the findings of a run.
 */
export function createSearchIndex(checks: readonly CheckDef[], findings: readonly FindingDoc[] = []): SearchIndex {
  const signatures = allSignatures(checks);
  const byCheck = new Map(checks.map((c) => [c.id, c]));
  const problems = findingDocs(findings);
  const docs = [...checks.map(checkDoc), ...signatures.map(signatureDoc), ...problems];
  const fuse = new Fuse(docs, FUSE_OPTIONS);
  const vocabulary = documentFrequencies(docs);

  const search = (query: string, limit = 20, opts: SearchOptions = {}): SearchHit[] => {
    const trimmed = query.trim();
    if (trimmed === '') return [];
    const out: SearchHit[] = [];
    const seen = new Set<string>();
    const add = (h: SearchHit): void => {
      const k = keyOf(h);
      if (seen.has(k) || out.length >= limit) return;
      seen.add(k);
      out.push(h);
    };
    const exact = patternHits(trimmed, signatures);
    for (const sig of exact) add({kind: 'signature', id: sig.id, check: sig.check, title: sig.text, score: 0, matchedBy: 'pattern'});
    for (const sig of exact) {
      const c = byCheck.get(sig.check);
      if (c) add({kind: 'check', id: c.id, check: c.id, title: c.title, score: 0, matchedBy: 'pattern'});
    }
    // The nodes where the explaining check is not passing: what the operator came to find.
    const explained = new Set(exact.map((s) => s.check));
    for (const d of problems) if (explained.has(d.hit.check)) add({...d.hit, score: 0, matchedBy: 'pattern'});
    // Strict: text unrelated to the catalogue gets no fuzzy guesses at all.
    const long = trimmed.length >= LOG_LINE_LENGTH;
    if (opts.strict && exact.length === 0 && !relatesToCatalogue(long ? normalizeLogLine(trimmed) : trimmed, vocabulary)) return out;
    // A pasted line already identified by a pattern needs fewer words for the rest of the list.
    const fuzzyQuery = reduceQuery(trimmed, vocabulary, exact.length > 0);
    const fuzzy = fuse.search(fuzzyQuery, {limit: limit + exact.length * 2});
    fuzzy.forEach((r, i) => {
      const score = Math.round((r.score ?? 1) * 1000) / 1000;
      // Past WEAK a hit shares a word or two at most: noise, unless nothing better exists.
      if (score > WEAK && (exact.length > 0 || i >= MIN_FUZZY)) return;
      add({...r.item.hit, score, matchedBy: 'fuzzy'});
    });
    return out;
  };
  return {search, signatures};
}
