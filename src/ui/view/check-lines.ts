/**
 * The check detail as lines: what was found on the node (summary, evidence with file:line and
 * the literal line, or the command and its output), what caused it and what it explains, why
 * it matters, what to do, references, and the log lines that point to this check. Opened from
 * search without a node, it shows the catalogue entry and the check's status on every node.
 */
import type {CheckDef, Evidence} from '../../catalogue/define.js';
import {formatSource} from '../../report/order.js';
import type {Finding} from '../../report/types.js';
import {sanitize} from '../../text/sanitize.js';
import {checkDef, explainedBy, findingOf, nodeCauses, nodeName} from '../state/selectors.js';
import {badge, clean, type ViewContext} from './context.js';
import {cell, expandTabs, fit, line, seg, wrapLines, type Line} from './text.js';

/** The header: where we are. */
export function checkHeader(ctx: ViewContext, node: number | null, check: string): Line {
  const n = node === null ? null : ctx.state.nodes[node];
  return line(seg(n ? clean(nodeName(n)) : 'catalogue', 'dim'), seg(' › ', 'dim'), seg(check, 'title'));
}

function heading(text: string): Line[] {
  return [line(''), line(seg(text, 'heading'))];
}

function evidenceLines(evidence: readonly Evidence[], cols: number): Line[] {
  const out: Line[] = [];
  for (const e of evidence) {
    out.push(fit(line(seg('  at ', 'dim'), seg(clean(formatSource(e.source)), 'accent')), cols));
    // Evidence is literal text: one screen row per line, never re-flowed; cut at the edge.
    for (const text of sanitize(e.text).split('\n')) out.push(fit(line(seg(`     ${expandTabs(text)}`)), cols));
  }
  return out;
}

function causeLines(ctx: ViewContext, node: number | null, f: Finding, cols: number): Line[] {
  const out: Line[] = [];
  if (f.causedBy !== null) {
    const cause = findingOf(ctx.state, node, f.causedBy);
    out.push(...heading('CAUSE'));
    out.push(
      ...wrapLines(`explained by ${clean(f.causedBy)}${cause ? `: ${clean(cause.summary)}` : ''}. Fix that first; this failure should follow.`, cols, {
        first: '  ',
      }),
    );
  }
  // What this failure explains, directly or down a chain: the tree the node view folds under it.
  const results = node === null ? [] : (ctx.state.nodes[node]?.result?.results ?? []);
  const group = nodeCauses(results).find((g) => g.cause.id === f.id);
  const explains = group?.explains ?? explainedBy(ctx.state, node, f.id).map((finding) => ({finding, depth: 1}));
  if (explains.length > 0) {
    out.push(line(''), line(seg(`EXPLAINS ${explains.length}`, 'heading'), seg('  these failures follow from this one: fix it first', 'dim')));
    const idCols = Math.min(24, Math.max(...explains.map((e) => e.finding.id.length + 2 * (e.depth - 1))));
    explains.forEach((e, i) => {
      const branch = `  ${'  '.repeat(e.depth - 1)}${i === explains.length - 1 ? '└ ' : '├ '}`;
      const id = cell(e.finding.id, idCols - 2 * (e.depth - 1));
      out.push(
        fit(
          line(seg(branch, 'dim'), seg(`${ctx.theme.badge(e.finding.status).glyph} `, e.finding.status), seg(`${id}  `), seg(clean(e.finding.summary), 'dim')),
          cols,
        ),
      );
    });
  }
  return out;
}

function findingLines(ctx: ViewContext, node: number | null, f: Finding, cols: number): Line[] {
  const out: Line[] = [line(badge(ctx, f.status), seg(`${f.severity} · ${f.category}`, 'dim'))];
  out.push(...wrapLines(clean(f.summary), cols, {role: f.status === 'pass' ? 'plain' : 'heading'}));
  if (f.evidence.length > 0) out.push(...heading('EVIDENCE'), ...evidenceLines(f.evidence, cols));
  if (f.details.length > 0) {
    out.push(...heading('ALSO FOUND'));
    for (const d of f.details) out.push(...wrapLines(clean(d), cols, {first: '  ', rest: '    '}));
  }
  out.push(...causeLines(ctx, node, f, cols));
  return out;
}

function catalogueLines(ctx: ViewContext, def: CheckDef, cols: number): Line[] {
  const out: Line[] = [line(seg(`${def.severity} · ${def.category}`, 'dim'))];
  const checked = ctx.state.nodes.map((n, i) => ({n, f: findingOf(ctx.state, i, def.id)})).filter((x) => x.f !== null);
  if (checked.length > 0) {
    out.push(...heading('ON THE NODES CHECKED'));
    const nameCols = Math.min(32, Math.max(...checked.map((x) => clean(nodeName(x.n)).length)));
    for (const {n, f} of checked)
      out.push(fit(line(seg('  '), badge(ctx, f!.status), seg(`${cell(clean(nodeName(n)), nameCols)}  `, 'heading'), seg(clean(f!.summary))), cols));
  }
  return out;
}

/**
 * Every line of the check detail, to be scrolled. `node` null: opened from search with no node
 * to look at, so it shows the catalogue entry and the status on each node instead.
 */
export function checkLines(ctx: ViewContext, node: number | null, check: string): Line[] {
  const cols = ctx.cols - 2;
  const def = checkDef(ctx.checks, check);
  const f = findingOf(ctx.state, node, check);
  const out: Line[] = [];
  out.push(...wrapLines(def?.title ?? f?.title ?? check, cols, {role: 'title'}));
  if (f) out.push(...findingLines(ctx, node, f, cols));
  else if (def) out.push(...catalogueLines(ctx, def, cols));
  if (def) {
    out.push(...heading('WHY IT MATTERS'), ...wrapLines(def.description, cols, {first: '  '}));
  }
  const remediation = f?.remediation ?? def?.remediation ?? '';
  if (remediation !== '') out.push(...heading('WHAT TO DO'), ...wrapLines(clean(remediation), cols, {first: '  '}));
  const refs = f?.references ?? def?.references ?? [];
  if (refs.length > 0) {
    out.push(...heading('REFERENCES'));
    for (const r of refs) out.push(fit(line(seg(`  ${clean(r)}`, 'accent')), cols));
  }
  if (def && def.signatures.length > 0) {
    out.push(...heading('LOG LINES THAT POINT HERE'));
    for (const s of def.signatures)
      out.push(
        ...wrapLines(s.text, cols, {first: '  "', rest: '   ', role: 'dim'}).map((l, i, all) =>
          i === all.length - 1 ? {...l, segs: [...l.segs, seg('"', 'dim')]} : l,
        ),
      );
  }
  return out;
}
