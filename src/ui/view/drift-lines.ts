/**
 * `d`: the baseline picker (the other nodes, best baseline first, filtered as typed) and the
 * comparison (what differs between the node and the baseline, each side with its file:line,
 * most consequential first). Node text is cleaned here and sanitised again when drawn.
 */
import type {Difference, ValueGroup} from '../../diff/compare.js';
import {baselineRows, driftOf} from '../state/drift.js';
import {nodeName} from '../state/selectors.js';
import {clean, type ViewContext} from './context.js';
import {fit, line, seg, tail, wrapLines, type Line} from './text.js';

const nameOf = (ctx: ViewContext, i: number): string => clean(ctx.state.nodes[i] ? nodeName(ctx.state.nodes[i]!) : `#${i + 1}`);

/** The picker's header: which node, and the filter being typed. */
export function baselineHeader(ctx: ViewContext, node: number): Line {
  return line(seg('compare ', 'title'), seg(nameOf(ctx, node), 'heading'), seg(' with: ', 'title'), seg(clean(ctx.state.query)), seg('▏', 'accent'));
}

/** The other nodes (row key `node:<index>`; unreadable ones are listed, not selectable). */
export function baselineLines(ctx: ViewContext, node: number): Line[] {
  const rows = baselineRows(ctx.state, node, ctx.state.query);
  const width = ctx.cols - 2;
  const head = line(seg('Type to filter; Enter compares with the selected node. Healthy and most common first.', 'dim'));
  if (rows.length === 0) return [fit(head, width), line(seg('No node matches. Backspace widens the filter.', 'dim'))];
  const nameCols = Math.min(Math.max(...rows.map((r) => [...clean(r.name)].length)), Math.max(12, Math.floor(width * 0.45)));
  const out: Line[] = [fit(head, width)];
  for (const r of rows) {
    const name = clean(r.name);
    const shown = [...name].length > nameCols ? `${[...name].slice(0, nameCols - 1).join('')}…` : name.padEnd(nameCols);
    const what = !r.readable
      ? seg(r.why ?? 'not read', 'dim')
      : r.healthy
        ? seg(`healthy${r.alike > 0 ? ` · same settings as ${r.alike} other${r.alike === 1 ? '' : 's'}` : ''}`, 'pass')
        : seg(
            `${r.causes} cause${r.causes === 1 ? '' : 's'}${r.alike > 0 ? ` · same settings as ${r.alike} other${r.alike === 1 ? '' : 's'}` : ''}`,
            r.causes > 0 ? 'fail' : 'warn',
          );
    const l = fit(line(seg(shown, r.readable ? 'heading' : 'dim'), seg('  '), what), width);
    out.push(r.readable ? {...l, key: `node:${r.index}`} : l);
  }
  return out;
}

/** The comparison's header. */
export function diffHeader(ctx: ViewContext, node: number, baseline: number): Line {
  const d = driftOf(ctx.state, node, baseline);
  const count = d.ok
    ? `  ${d.differences.length === 0 ? 'no drift' : `${d.differences.length} setting${d.differences.length === 1 ? ' differs' : 's differ'}`}`
    : '';
  return line(
    seg(nameOf(ctx, node), 'heading'),
    seg(' against ', 'title'),
    seg(nameOf(ctx, baseline), 'heading'),
    seg(count, d.ok && d.differences.length > 0 ? 'fail' : 'pass'),
  );
}

/** A side: `name: value`, then where it was set (the end of the path kept) and the line there. */
function sideLines(ctx: ViewContext, label: string, g: ValueGroup | undefined, tag: string): Line[] {
  const width = ctx.cols;
  const value = g === undefined ? '(not read)' : g.value === null ? '(not set)' : clean(g.value);
  const s = g?.nodes[0];
  const out = [fit(line(seg(`  ${clean(label)}`, 'heading'), seg(tag, 'dim'), seg(': '), seg(value, tag === '' ? 'fail' : 'pass')), width)];
  if (s?.source) out.push(line(seg('      at ', 'dim'), seg(tail(clean(s.source), width - 9))));
  if (s?.text && s.text !== value) out.push(fit(line(seg('      ', 'dim'), seg(clean(s.text), 'dim')), width));
  return out;
}

function differenceLines(ctx: ViewContext, d: Difference, node: string, baseline: string): Line[] {
  const group = (name: string): ValueGroup | undefined => d.values.find((g) => g.nodes.some((s) => s.node === name));
  const named = [...new Set(d.namedBy.map((n) => n.check))];
  const head = fit(
    line(seg(clean(d.key), 'heading'), seg(`  ${d.group}`, 'dim'), ...(named.length > 0 ? [seg(`  failing ${named.join(', ')}`, 'fail')] : [])),
    ctx.cols,
  );
  return [head, ...sideLines(ctx, node, group(node), ''), ...sideLines(ctx, baseline, group(baseline), ' (baseline)'), line('')];
}

/** The differences, most consequential first; or why the two cannot be compared. */
export function diffLines(ctx: ViewContext, node: number, baseline: number): Line[] {
  const d = driftOf(ctx.state, node, baseline);
  if (!d.ok) return wrapLines(clean(d.reason), ctx.cols, {role: 'error'});
  if (d.differences.length === 0) {
    return wrapLines(`No drift: the ${d.compared} settings read on both nodes are the same (the node's own name and address aside).`, ctx.cols, {
      role: 'pass',
    });
  }
  const intro = wrapLines(
    'Only what differs, most consequential first (a value a failing check names leads). Each side: the value, where it is set, the line there.',
    ctx.cols,
    {role: 'dim'},
  );
  return [...intro, line(''), ...d.differences.flatMap((x) => differenceLines(ctx, x, d.node, d.baseline))];
}
