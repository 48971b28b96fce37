/**
 * The node view as lines. First cause first: the node's root causes lead, each with what it
 * explains folded under it (`└ explains 3: …`; → shows those failures as a tree, ← folds them).
 * Then the other checks grouped by category, each with its status glyph and word (readable
 * without colour), id and summary. Or the probe's progress; or why the node could not be
 * checked; or, for a machine with no kubelet, one line saying so.
 */
import type {Category} from '../../catalogue/define.js';
import {clusterLines} from '../../report/cluster-lines.js';
import {countResults} from '../../report/order.js';
import type {Finding, TargetResult} from '../../report/types.js';
import {checkGroups, isNotANode, nodeCauses, nodeName, problemCounts} from '../state/selectors.js';
import {badge, clean, duration, spinnerFrame, type ViewContext} from './context.js';
import {cell, fit, line, seg, width, wrapLines, type Line, type Seg} from './text.js';

const CATEGORY_TITLES: Record<Category, string> = {
  systemd: 'SYSTEMD UNIT',
  kubelet: 'KUBELET',
  config: 'KUBELET CONFIGURATION',
  tls: 'KUBECONFIG AND CERTIFICATES',
  runtime: 'CONTAINER RUNTIME',
  network: 'NETWORK',
  host: 'HOST',
  cluster: 'CLUSTER',
};

/** `1 cause (explains 3), 2 warn, 9 pass, 2 skip` with each count in its colour: causes, never the failures they explain. */
export function countSegs(results: readonly Finding[]): Seg[] {
  const c = countResults(results);
  const {causes, explained} = problemCounts(results);
  const parts: Seg[] = [seg(`${causes} cause${causes === 1 ? '' : 's'}`, causes > 0 ? 'fail' : 'dim')];
  if (explained > 0) parts.push(seg(` (explain${causes === 1 ? 's' : ''} ${explained})`, 'dim'));
  parts.push(seg(', '), seg(`${c.warn} warn`, c.warn > 0 ? 'warn' : 'dim'));
  if (c.advice > 0) parts.push(seg(', '), seg(`${c.advice} advice`, 'advice'));
  if (c.note > 0) parts.push(seg(', '), seg(`${c.note} note`, 'note'));
  parts.push(seg(', '), seg(`${c.pass} pass`, 'pass'), seg(', '), seg(`${c.skip} skip`, 'dim'));
  return parts;
}

/** The header: node, counts (causes first: a narrow header cuts the rest), transport, kubelet version, duration. */
export function nodeHeader(ctx: ViewContext, index: number): Line {
  const n = ctx.state.nodes[index];
  if (!n) return line('');
  const r = n.result;
  const segs: Seg[] = [seg(clean(nodeName(n)), 'title')];
  if (r && r.status === 'ok' && !isNotANode(r)) {
    segs.push(
      seg(' · ', 'dim'),
      ...countSegs(r.results),
      seg(` · ${clean(r.transport)} · kubelet ${r.kubeletVersion === null ? 'version unknown' : clean(r.kubeletVersion)} · ${duration(r.durationMs)}`, 'dim'),
    );
  } else segs.push(seg(` · ${clean(r?.transport ?? n.transport)}`, 'dim'));
  if (n.phase === 'running') {
    const elapsed = Math.max(0, ctx.now - (n.startedAt ?? ctx.now));
    segs.push(seg(`  ${spinnerFrame(ctx)} ${r ? 're-checking' : 'probing'}${elapsed < 100 ? '…' : ` ${duration(elapsed)}`}`, 'accent'));
  }
  return line(...segs);
}

/** One finding as a row: badge, id, summary, cut to the width (row key `check:<id>`). */
function findingRow(ctx: ViewContext, f: Finding, lead: Seg[], idCols: number, cols: number): Line {
  const quiet = f.status === 'pass' || f.status === 'skip' || f.status === 'note';
  const l = line(
    ...lead,
    badge(ctx, f.status),
    seg(cell(f.id, idCols), quiet ? 'plain' : 'heading'),
    seg('  '),
    seg(clean(f.summary), f.status === 'skip' ? 'dim' : f.status === 'note' ? 'note' : 'plain'),
  );
  return {...fit(l, cols), key: `check:${f.id}`};
}

/**
 * The folded line under a cause: `└ explains 3: healthz, kubelet-logs, systemd-dropin  → shows them`.
 * The count always shows whole; names that do not fit become `+N more`.
 */
function foldedLine(explains: readonly {finding: Finding}[], cols: number): Line {
  const lead = `      └ explains ${explains.length}`;
  const hint = '  → shows them';
  const ids = explains.map((e) => e.finding.id);
  let shown = ids.length;
  const text = (n: number): string => `: ${ids.slice(0, n).join(', ')}${n < ids.length ? ` +${ids.length - n} more` : ''}`;
  while (shown > 0 && width(lead + text(shown)) > cols) shown--;
  const names = shown > 0 ? text(shown) : '';
  const withHint = width(lead + names + hint) <= cols;
  return line(seg(lead, 'fail'), seg(names, 'dim'), ...(withHint ? [seg(hint, 'dim')] : []));
}

/** The cause trees: each root cause, and under it what it explains, folded (a count) or expanded (a row each). */
function causeLines(ctx: ViewContext, index: number, findings: readonly Finding[], idCols: number, cols: number): Line[] {
  const groups = nodeCauses(findings);
  if (groups.length === 0) return [];
  const title = groups.length === 1 ? 'FIRST CAUSE' : `FIRST CAUSES (${groups.length})`;
  const explained = groups.some((g) => g.explains.length > 0);
  const hint = groups.length === 1 ? '  fix it first: what it explains follows from it' : '  fix these first: what each explains follows from it';
  const out: Line[] = [line(seg(title, 'heading'), ...(explained ? [seg(hint, 'dim')] : []))];
  for (const g of groups) {
    out.push(findingRow(ctx, g.cause, [seg('  ')], idCols, cols));
    if (g.explains.length === 0) continue;
    if (ctx.state.expanded[`${index}:${g.cause.id}`] !== true) {
      out.push(foldedLine(g.explains, cols));
      continue;
    }
    // Consequences are drawn as what they are: a branch and a glyph under their cause, no FAIL badge of their own.
    g.explains.forEach((e, i) => {
      const last = i === g.explains.length - 1;
      const branch = `      ${'  '.repeat(e.depth - 1)}${last ? '└ ' : '├ '}`;
      const ids = Math.max(8, idCols + 10 - width(branch) - 2);
      const l = line(
        seg(branch, 'dim'),
        seg(`${ctx.theme.badge(e.finding.status).glyph} `, e.finding.status),
        seg(cell(e.finding.id, ids)),
        seg('  '),
        seg(clean(e.finding.summary), 'dim'),
      );
      out.push({...fit(l, cols), key: `check:${e.finding.id}`});
    });
  }
  return out;
}

/** The not-a-node line: the machine answered, but runs no kubelet; nothing to list or fix. */
function notANodeLines(r: TargetResult, cols: number): Line[] {
  const why = r.error ? clean(r.error.message) : 'no kubelet was found on this machine';
  const out = [
    line(seg('? NOT A NODE  ', 'warn'), seg('this machine runs no kubelet: nothing to check or fix here', 'warn')),
    ...wrapLines(why, cols, {first: '  ', role: 'dim'}),
  ];
  if (r.error?.hint) out.push(...wrapLines(`hint: ${clean(r.error.hint)}`, cols, {first: '  ', rest: '        ', role: 'dim'}));
  return out;
}

/** The body: cause trees, then the other checks grouped (row key `check:<id>`); or progress; or why the node could not be checked. */
export function nodeLines(ctx: ViewContext, index: number): Line[] {
  const n = ctx.state.nodes[index];
  const cols = ctx.cols - 2;
  if (!n) return [line('No such node.')];
  const r = n.result;
  if (!r) return [line(seg(n.phase === 'running' ? `${spinnerFrame(ctx)} probing the node…` : '· waiting for a free slot…', 'accent'))];
  if (isNotANode(r)) return notANodeLines(r, cols);
  const out: Line[] = [];
  if (r.status !== 'ok' || r.error) {
    const e = r.error;
    out.push(line(badge(ctx, 'error'), seg('the node could not be checked', 'error')));
    if (e) {
      out.push(...wrapLines(`${clean(e.kind)}: ${clean(e.message)}`, cols, {first: '  ', role: 'error'}));
      if (e.hint) out.push(...wrapLines(`hint: ${clean(e.hint)}`, cols, {first: '  ', rest: '        '}));
    }
    // What arrived before the output ended is listed below, but none of it is a verdict to trust.
    if (r.partial)
      out.push(
        ...wrapLines('PARTIAL results: the checks below rest on what arrived before the output ended; none of them passes', cols, {
          first: '  ',
          rest: '  ',
          role: 'warn',
        }),
      );
    out.push(line(seg('  press r to try again', 'dim')));
  }
  const idCols = Math.min(24, Math.max(8, ...r.results.map((f) => f.id.length)));
  // First cause first: the failures as trees lead the node, before anything else.
  out.push(...causeLines(ctx, index, r.results, idCols, cols));
  if (r.cluster) {
    // The API server's view beside the node's: what `kubectl get node` would say.
    out.push(line(seg('CLUSTER VIEW', 'heading'), seg(`  ${clean(r.cluster.context)} · ${clean(r.cluster.server)}`, 'dim')));
    for (const [label, text] of clusterLines(r.cluster)) {
      out.push(...wrapLines(clean(text), cols, {first: `  ${label.padEnd(9)} `, rest: ' '.repeat(12), role: label === 'unread' ? 'dim' : 'plain'}));
    }
  }
  for (const g of checkGroups(r.results)) {
    out.push(line(seg(CATEGORY_TITLES[g.category] ?? g.category.toUpperCase(), 'heading')));
    for (const f of g.findings) out.push(findingRow(ctx, f, [seg('  ')], idCols, cols));
  }
  for (const note of r.notes) out.push(...wrapLines(`note: ${clean(note)}`, cols, {rest: '      ', role: 'dim'}));
  if (r.adviceHidden)
    out.push(...wrapLines(`${r.adviceHidden} best-practice advice not shown (--advice shows it)`, cols, {first: '  ', rest: '  ', role: 'dim'}));
  return out;
}
