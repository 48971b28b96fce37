/**
 * `kubelet-doctor explain "TEXT"`: paste a journal line (or type a few words) and get the
 * checks and catalogued kubelet log lines that explain it, best first, with what to do. The
 * same search as the TUI's `/` (src/search/search-index.ts).
 *
 * Exit codes: 0 something matched, 1 nothing matched (like grep: "No check matches"), 2 no text or
 * a bad option. Text unrelated to the catalogue matches nothing (the strict search's threshold).
 */
import {catalogue} from '../../../checks/index.js';
import {UsageError} from '../../errors.js';
import {createSearchIndex, type SearchHit} from '../../search/search-index.js';
import {sanitizeLine} from '../../text/sanitize.js';
import type {ParsedArgs} from '../args.js';
import {writeOut} from './common.js';

/** Matches printed as text; JSON carries up to {@link JSON_MATCHES}. */
const TEXT_MATCHES = 5;
/** Matches in `--output json`. */
const JSON_MATCHES = 10;

/** One match in `explain --output json` (DESIGN.md contract, plus how it matched). */
export interface ExplainMatch {
  kind: 'check' | 'signature';
  id: string;
  check: string;
  /** 0 = perfect (the signature's pattern matched), up to 1 = barely related (fuse.js convention). */
  score: number;
  title: string;
  matchedBy: 'pattern' | 'fuzzy';
}

/** The `explain --output json` document. */
export interface ExplainResult {
  query: string;
  matches: ExplainMatch[];
}

/**
 * Search the catalogue for `query`: signatures whose pattern matches come first (score 0), then
 * fuzzy matches on check ids, titles, descriptions and signature text. Pure apart from the
 * catalogue import; the TUI and tests use the same index.
 */
export function explain(query: string, limit = JSON_MATCHES): ExplainResult {
  // Strict: unrelated text (hello world, an nginx access line) answers nothing, not a weak guess.
  const hits = createSearchIndex(catalogue).search(query, limit, {strict: true});
  const matches = hits
    .filter((h): h is SearchHit & {kind: 'check' | 'signature'} => h.kind !== 'finding')
    .map((h) => ({kind: h.kind, id: h.id, check: h.check, score: h.score, title: h.title, matchedBy: h.matchedBy}));
  return {query, matches};
}

/** The text form: numbered matches, each with its check and (once per check) the remediation. */
export function renderExplain(r: ExplainResult): string {
  const shown = r.matches.slice(0, TEXT_MATCHES);
  const lines: string[] = [];
  if (shown.length === 0) {
    lines.push(`No check matches "${sanitizeLine(r.query)}" (nor any known kubelet log line).`);
    lines.push('Try fewer words, or the part of the line after err="…"; list every check with: kubelet-doctor list-checks');
    return `${lines.join('\n')}\n`;
  }
  lines.push(`Best matches (score 0 = exact, 1 = barely related):`, '');
  const byId = new Map(catalogue.map((c) => [c.id, c]));
  const advised = new Set<string>();
  shown.forEach((m, i) => {
    const how = m.matchedBy === 'pattern' ? '  (the log pattern matches)' : '';
    const head = m.kind === 'signature' ? `log line ${m.id} → check ${m.check}` : `check ${m.id}`;
    lines.push(`${i + 1}. ${head}  score ${m.score.toFixed(2)}${how}`);
    const c = byId.get(m.check);
    if (m.kind === 'signature') lines.push(`   known line: ${sanitizeLine(m.title)}`);
    if (c) lines.push(`   check:      ${c.title}`);
    if (c && !advised.has(c.id)) {
      advised.add(c.id);
      lines.push(`   what to do: ${c.remediation}`);
      lines.push(`   run it:     kubelet-doctor check --only ${c.id} TARGET`);
    }
    lines.push('');
  });
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The command: parse, search, print; see the module comment for exit codes. */
export async function explainCommand(a: ParsedArgs): Promise<number> {
  const query = a.positional.join(' ').trim();
  if (query === '') {
    throw new UsageError(
      'explain needs the text to look up',
      'paste a journal line in quotes: kubelet-doctor explain "failed to parse kubelet flag: unknown flag: --network-plugin"',
    );
  }
  const format = a.values['output'] ?? 'text';
  if (format !== 'text' && format !== 'json') {
    throw new UsageError(`--output ${String(format)}: explain prints text or json`, 'use --output json for machines, or leave it out');
  }
  const result = explain(query);
  const text = format === 'json' ? `${JSON.stringify({...result, query: sanitizeLine(query)}, null, 2)}\n` : renderExplain(result);
  await writeOut(text, a.values['out']);
  return result.matches.length > 0 ? 0 : 1;
}
