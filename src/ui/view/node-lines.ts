/**
 * The node view as lines: the node's checks grouped by category, each with its status glyph and
 * word (readable without colour), id and summary; or the probe's progress; or why the node
 * could not be checked.
 */
import type {Category} from '../../catalogue/define.js';
import {clusterLines} from '../../report/cluster-lines.js';
import {countResults} from '../../report/order.js';
import {checkGroups, nodeName} from '../state/selectors.js';
import {badge, clean, duration, spinnerFrame, type ViewContext} from './context.js';
import {cell, fit, line, seg, wrapLines, type Line, type Seg} from './text.js';

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

/** `1 fail, 2 warn, 9 pass, 2 skip` with each count in its colour. */
export function countSegs(results: Parameters<typeof countResults>[0]): Seg[] {
  const c = countResults(results);
  const parts: Seg[] = [
    seg(`${c.fail} fail`, c.fail > 0 ? 'fail' : 'dim'),
    seg(', '),
    seg(`${c.warn} warn`, c.warn > 0 ? 'warn' : 'dim'),
    seg(', '),
    seg(`${c.pass} pass`, 'pass'),
    seg(', '),
    seg(`${c.skip} skip`, 'dim'),
  ];
  if (c.error > 0) parts.push(seg(', '), seg(`${c.error} error`, 'error'));
  return parts;
}

/** The header: node, transport, kubelet version, duration and counts. */
export function nodeHeader(ctx: ViewContext, index: number): Line {
  const n = ctx.state.nodes[index];
  if (!n) return line('');
  const r = n.result;
  const segs: Seg[] = [seg(clean(nodeName(n)), 'title'), seg(` · ${clean(r?.transport ?? n.transport)}`, 'dim')];
  if (r && r.status === 'ok') {
    segs.push(
      seg(` · kubelet ${r.kubeletVersion === null ? 'version unknown' : clean(r.kubeletVersion)} · ${duration(r.durationMs)} · `, 'dim'),
      ...countSegs(r.results),
    );
  }
  if (n.phase === 'running') {
    const elapsed = Math.max(0, ctx.now - (n.startedAt ?? ctx.now));
    segs.push(seg(`  ${spinnerFrame(ctx)} ${r ? 're-checking' : 'probing'}${elapsed < 100 ? '…' : ` ${duration(elapsed)}`}`, 'accent'));
  }
  return line(...segs);
}

/** The body: grouped checks (row key `check:<id>`), or progress, or the reason it could not be checked. */
export function nodeLines(ctx: ViewContext, index: number): Line[] {
  const n = ctx.state.nodes[index];
  const cols = ctx.cols - 2;
  if (!n) return [line('No such node.')];
  const r = n.result;
  if (!r) return [line(seg(n.phase === 'running' ? `${spinnerFrame(ctx)} probing the node…` : '· waiting for a free slot…', 'accent'))];
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
  if (r.cluster) {
    // The API server's view beside the node's: what `kubectl get node` would say.
    out.push(line(seg('CLUSTER VIEW', 'heading'), seg(`  ${clean(r.cluster.context)} · ${clean(r.cluster.server)}`, 'dim')));
    for (const [label, text] of clusterLines(r.cluster)) {
      out.push(...wrapLines(clean(text), cols, {first: `  ${label.padEnd(9)} `, rest: ' '.repeat(12), role: label === 'unread' ? 'dim' : 'plain'}));
    }
  }
  const idCols = Math.min(24, Math.max(8, ...r.results.map((f) => f.id.length)));
  for (const g of checkGroups(r.results)) {
    out.push(line(seg(CATEGORY_TITLES[g.category] ?? g.category.toUpperCase(), 'heading')));
    for (const f of g.findings) {
      const explained = f.status === 'fail' && f.causedBy !== null ? [seg(`  (explained by ${clean(f.causedBy)})`, 'dim')] : [];
      const l = line(
        seg('  '),
        badge(ctx, f.status),
        seg(cell(f.id, idCols), f.status === 'pass' || f.status === 'skip' ? 'plain' : 'heading'),
        seg('  '),
        seg(clean(f.summary), f.status === 'skip' ? 'dim' : 'plain'),
        ...explained,
      );
      out.push({...fit(l, cols), key: `check:${f.id}`});
    }
  }
  for (const note of r.notes) out.push(...wrapLines(`note: ${clean(note)}`, cols, {rest: '      ', role: 'dim'}));
  return out;
}
