/**
 * The fleet view as lines: one row per node (name, transport, live progress or the counts, and
 * the first cause or why the node could not be checked), sorted worst first. The CAUSE column
 * counts root causes (report/causes.ts), never the failures they explain: a node with swap on
 * and four failures that follow from it has 1 cause, which "explains 4".
 */
import {fleetProgress, fleetRows, type FleetRow} from '../state/selectors.js';
import {badge, clean, duration, spinnerFrame, type ViewContext} from './context.js';
import {cell, fit, line, seg, type Line, type Seg} from './text.js';

/** Width of a count column: the number right-aligned under its title (`CAUSE`, `WARN`, `PASS`), a space before. */
const COUNT = 6;

/** The header: how far the run is and how bad it looks. */
export function fleetHeader(ctx: ViewContext): Line {
  const p = fleetProgress(ctx.state);
  const segs: Seg[] = [seg('kubelet-doctor', 'title'), seg(`  ${p.total} node${p.total === 1 ? '' : 's'}: ${p.done} checked`)];
  if (p.running > 0) segs.push(seg(`, ${p.running} running`, 'accent'));
  if (p.failing > 0) segs.push(seg(` · ${p.failing} failing, ${p.causes} cause${p.causes === 1 ? '' : 's'}`, 'fail'));
  if (p.unreachable > 0) segs.push(seg(` · ${p.unreachable} not checked`, 'error'));
  if (p.notNodes > 0) segs.push(seg(` · ${p.notNodes} not a node`, 'warn'));
  if (ctx.state.failingOnly) segs.push(seg('  [failing only]', 'accent'));
  return line(...segs);
}

function nameWidth(rows: readonly FleetRow[], cols: number): number {
  const longest = Math.max(4, ...rows.map((r) => [...clean(r.name)].length));
  return Math.min(longest, Math.max(12, Math.floor(cols * 0.3)));
}

/** The transport column: as wide as the longest transport name (`root`, `ssh`, `snapshot`). */
const viaWidth = (rows: readonly FleetRow[]): number => Math.max(3, ...rows.map((r) => clean(r.transport).length));

function progress(row: FleetRow, ctx: ViewContext): Seg[] {
  if (row.phase === 'running') {
    const elapsed = row.elapsedMs ?? 0;
    return [seg(`${spinnerFrame(ctx)} ${row.counts || row.error ? 're-checking' : 'probing'}${elapsed < 100 ? '…' : ` ${duration(elapsed)}`}`, 'accent')];
  }
  return [seg(row.counts || row.error ? '… re-check queued' : '· queued', 'dim')];
}

/** The PASS column only where it leaves the first cause room (100 columns and more). */
const showPass = (cols: number): boolean => cols >= 100;

function counts(row: FleetRow, cols: number): Seg[] {
  const c = row.counts!;
  const n = (v: number, role: 'fail' | 'warn' | 'pass'): Seg => seg(String(v).padStart(COUNT), v > 0 ? role : 'dim');
  return [n(row.causes, 'fail'), n(c.warn, 'warn'), ...(showPass(cols) ? [n(c.pass, 'pass')] : [])];
}

function detail(row: FleetRow, ctx: ViewContext): Seg[] {
  if (row.notANode) {
    // One line: the machine answered but runs no kubelet; there is nothing to list or fix.
    return [seg('not a node', 'warn'), seg(': no kubelet on this machine (Enter: where it looked)', 'dim')];
  }
  if (row.error) {
    const why = `${clean(row.error.kind)}: ${clean(row.error.message)}`;
    return [badge(ctx, 'error'), seg(why, 'error'), ...(row.error.hint ? [seg(`  (${clean(row.error.hint)})`, 'dim')] : [])];
  }
  if (row.worst) {
    // The count of what the cause explains sits right after its id, so a narrow row cuts the summary, not the count.
    const explains = row.worstExplains > 0 ? [seg(` explains ${row.worstExplains}`, 'dim')] : [];
    return [
      seg(`${ctx.theme.badge(row.worst.status).glyph} `, row.worst.status),
      seg(row.worst.id, 'heading'),
      ...explains,
      seg(': '),
      seg(clean(row.worst.summary)),
    ];
  }
  if (row.counts) return [seg('nothing failing', 'pass')];
  return [];
}

function rowLine(row: FleetRow, ctx: ViewContext, nameCols: number, via: number): Line {
  const pending = row.phase !== 'done';
  const lead: Seg[] = [seg(cell(clean(row.name), nameCols), 'heading'), seg('  '), seg(cell(clean(row.transport), via), 'dim'), seg(' ')];
  let rest: Seg[];
  if (pending) rest = [seg('  '), ...progress(row, ctx), seg('  '), ...detail(row, ctx).map((s) => ({...s, role: 'dim' as const}))];
  else if (row.error) rest = [seg('  '), ...detail(row, ctx)];
  else rest = [...counts(row, ctx.cols), seg('  '), ...detail(row, ctx)];
  return {...fit(line(...lead, ...rest), ctx.cols - 2), key: `node:${row.index}`};
}

/** The column titles and one row per node (row key `node:<index>`). */
export function fleetLines(ctx: ViewContext): Line[] {
  const rows = fleetRows(ctx.state, ctx.now);
  const nameCols = nameWidth(rows, ctx.cols);
  const via = viaWidth(rows);
  const head = line(
    seg(
      `${cell('NODE', nameCols)}  ${cell('VIA', via)} ${'CAUSE'.padStart(COUNT)}${'WARN'.padStart(COUNT)}${showPass(ctx.cols) ? 'PASS'.padStart(COUNT) : ''}  FIRST CAUSE`,
      'dim',
    ),
  );
  if (rows.length === 0) {
    return [head, line(seg(ctx.state.failingOnly ? 'No failing node (yet). Press f to show every node.' : 'No nodes.', 'dim'))];
  }
  return [fit(head, ctx.cols - 2), ...rows.map((r) => rowLine(r, ctx, nameCols, via))];
}
