/**
 * The drift report as text, JSON or Markdown: each difference with every value, the nodes that
 * hold it and the file:line that set it there; the baseline's (or the most common) value first.
 * Node text is sanitised like every report's.
 */
import {codeSpan, escapeInline} from '../report/markdown.js';
import {sanitizeLine} from '../text/sanitize.js';
import type {Difference, Side, ValueGroup} from './compare.js';

/** The whole comparison, as the renderers take it. */
export interface DriftReport {
  /** The nodes compared, in input order. */
  nodes: string[];
  baseline: string | null;
  differences: Difference[];
  /** Targets that could not be read (unreachable, not a node), with why. */
  unchecked: {target: string; reason: string}[];
}

const where = (s: Side): string => (s.source === null ? '' : `  at ${sanitizeLine(s.source)}${s.text ? `  ${sanitizeLine(s.text)}` : ''}`);
const valueText = (g: ValueGroup): string => (g.value === null ? '(not set)' : sanitizeLine(g.value));

/** "3 nodes (a, b, c)" or the one node's name. */
function who(sides: readonly Side[], max = 4): string {
  const names = sides.map((s) => sanitizeLine(s.node));
  if (names.length === 1) return names[0]!;
  const shown = names.slice(0, max).join(', ');
  return `${names.length} nodes (${shown}${names.length > max ? ', …' : ''})`;
}

/** Text: a block per difference; the common value on one line, each outlier with its file:line. */
export function renderDriftText(r: DriftReport): string {
  const out: string[] = [];
  const against = r.baseline ? ` against ${sanitizeLine(r.baseline)}` : '';
  if (r.differences.length === 0) out.push(`no drift between ${r.nodes.length} nodes${against}`);
  else out.push(`${r.differences.length} ${r.differences.length === 1 ? 'setting differs' : 'settings differ'} between ${r.nodes.length} nodes${against}:`);
  for (const d of r.differences) {
    const named = d.namedBy.length > 0 ? `  (failing ${[...new Set(d.namedBy.map((n) => `${n.check} on ${sanitizeLine(n.node)}`))].join(', ')})` : '';
    out.push('', `${sanitizeLine(d.key)}${named}`);
    // Two nodes, or a value few nodes share: every node with its own file:line.
    for (const [i, g] of d.values.entries()) {
      if (i === 0 && g.nodes.length > 2) {
        out.push(`  ${who(g.nodes)}: ${valueText(g)}${where(g.nodes[0]!)}`);
        continue;
      }
      for (const s of g.nodes) out.push(`  ${sanitizeLine(s.node)}: ${valueText(g)}${where(s)}`);
    }
  }
  for (const u of r.unchecked) out.push('', `not compared: ${sanitizeLine(u.target)}: ${sanitizeLine(u.reason)}`);
  return `${out.join('\n')}\n`;
}

/** JSON, `kind: "drift"`: the comparison as data (values, nodes, file:line on each side). */
export function renderDriftJson(r: DriftReport): string {
  const clean = (s: string | null): string | null => (s === null ? null : sanitizeLine(s));
  const doc = {
    schema: 1,
    kind: 'drift',
    nodes: r.nodes.map(sanitizeLine),
    baseline: clean(r.baseline),
    drift: r.differences.length > 0,
    differences: r.differences.map((d) => ({
      key: sanitizeLine(d.key),
      group: d.group,
      outliers: d.outliers.map(sanitizeLine),
      namedBy: d.namedBy.map((n) => ({node: sanitizeLine(n.node), check: n.check})),
      values: d.values.map((g) => ({
        value: clean(g.value),
        nodes: g.nodes.map((s) => ({node: sanitizeLine(s.node), source: clean(s.source), text: clean(s.text)})),
      })),
    })),
    unchecked: r.unchecked.map((u) => ({target: sanitizeLine(u.target), reason: sanitizeLine(u.reason)})),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * Inline code inside a GFM table cell: a pipe splits the cell even within a code span unless
 * escaped (GFM 0.29 §4.10), and node text may hold one.
 */
const cellCode = (s: string): string => codeSpan(s).replace(/\|/g, '\\|');

/** Markdown: one table of every differing value, most consequential first (paste into a ticket). */
export function renderDriftMarkdown(r: DriftReport): string {
  const out = ['# kubelet-doctor drift', ''];
  const against = r.baseline ? ` against ${codeSpan(r.baseline)}` : '';
  out.push(
    r.differences.length === 0
      ? `No drift between ${r.nodes.length} nodes${against}.`
      : `${r.differences.length} settings differ between ${r.nodes.length} nodes${against}.`,
    '',
  );
  if (r.differences.length > 0) {
    out.push('| setting | value | nodes | set at |', '| --- | --- | --- | --- |');
    for (const d of r.differences) {
      for (const [i, g] of d.values.entries()) {
        const first = g.nodes[0]!;
        const named = i === 0 && d.namedBy.length > 0 ? ` (failing ${[...new Set(d.namedBy.map((n) => n.check))].map(codeSpan).join(', ')})` : '';
        out.push(
          `| ${i === 0 ? `${cellCode(d.key)}${named}` : ''} | ${g.value === null ? '(not set)' : cellCode(g.value)} | ${escapeInline(who(g.nodes, 8))} | ${first.source === null ? 'not set' : cellCode(first.source)} |`,
        );
      }
    }
    out.push('');
  }
  for (const u of r.unchecked) out.push(`- not compared: ${escapeInline(u.target)}: ${escapeInline(u.reason)}`);
  return `${out.join('\n').trimEnd()}\n`;
}
