/**
 * Watch in the TUI (`w`): the status line under the screen (what is watched, the latest
 * transition) and the transitions screen (`t`, every transition newest first). The words come
 * from src/watch/transitions.ts, as `kubelet-doctor watch` prints them.
 */
import {describe as describeTransition, type Transition} from '../../watch/transitions.js';
import type {Role} from '../theme.js';
import {nodeName} from '../state/selectors.js';
import type {SeenTransition, UiState} from '../state/run-reducer.js';
import {clean, type ViewContext} from './context.js';
import {fit, line, seg, wrap, type Line} from './text.js';

/** The colour of a transition: good news green, bad news red. */
export function transitionRole(t: Transition): Role {
  switch (t.kind) {
    case 'fixed':
    case 'back':
      return 'pass';
    case 'new-failure':
      return 'fail';
    case 'unreachable':
      return 'error';
    case 'healthy':
      return t.healthy ? 'pass' : 'fail';
    case 'first-cause':
      return t.to === null ? 'pass' : 'warn';
    default:
      return 'warn';
  }
}

/** `14:03:07` (UTC, as the other reports' times). */
export const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

const nodeLabel = (s: UiState, i: number): string => clean(s.nodes[i] ? nodeName(s.nodes[i]!) : `#${i + 1}`);

/** What the watch covers: `node-2` or `3 nodes`. */
function watched(s: UiState): string {
  const w = s.watch!;
  return w.indices.length === 1 ? nodeLabel(s, w.indices[0]!) : `${w.indices.length} nodes`;
}

/** One transition on one line: time, node, what changed. */
function transitionSegs(s: UiState, t: SeenTransition) {
  return [
    seg(`${clock(t.at)} `, 'dim'),
    seg(`${nodeLabel(s, t.node)} `, 'heading'),
    seg(clean(describeTransition(t.transition)), transitionRole(t.transition)),
  ];
}

/**
 * The status line, or null when there is nothing to say (then it takes no row): a notice, or,
 * while watching, what is watched and the latest transition.
 */
export function statusLine(s: UiState, cols: number): Line | null {
  if (s.notice !== null) return fit(line(seg(clean(s.notice), 'accent')), cols);
  if (!s.watch) return null;
  const every = intervalText(s.watch.intervalMs);
  const since = s.transitions.filter((t) => t.at >= s.watch!.since);
  const last = since[since.length - 1];
  if (!last) return fit(line(seg(`◉ watching ${watched(s)} every ${every}`, 'accent'), seg('  no change yet (w stops)', 'dim')), cols);
  // The latest probe's changes come most important first (fixed before first cause): show that one.
  const batch = since.filter((t) => t.at === last.at && t.node === last.node);
  const shown = batch[0]!;
  const more = since.length > 1 ? [seg(`  (+${since.length - 1}: t)`, 'dim')] : [];
  const name = nodeLabel(s, shown.node);
  const short = [...name].length > 24 ? `${[...name].slice(0, 23).join('')}…` : name;
  const segs = [
    seg(`◉ ${every} `, 'accent'),
    seg(`${clock(shown.at)} `, 'dim'),
    seg(`${short} `, 'heading'),
    seg(clean(describeTransition(shown.transition)), transitionRole(shown.transition)),
  ];
  // The count stays in view: the description is what gets cut.
  const room = cols - more.reduce((n, x) => n + [...x.text].length, 0);
  return line(...fit(line(...segs), room).segs, ...more);
}

/** `10s`, `2m`, `300ms`. */
function intervalText(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** The transitions screen's header. */
export function transitionsHeader(ctx: ViewContext): Line {
  const n = ctx.state.transitions.length;
  const on = ctx.state.watch ? `  watching ${watched(ctx.state)}` : '  watch off (w starts it)';
  return line(seg('Transitions', 'title'), seg(`  ${n} seen`), seg(on, ctx.state.watch ? 'accent' : 'dim'));
}

/** Every transition seen while watching, newest first, wrapped under its time and node. */
export function transitionsLines(ctx: ViewContext): Line[] {
  const s = ctx.state;
  if (s.transitions.length === 0) {
    return [
      line(seg('No transition yet.', 'dim')),
      line(seg('w re-probes the node on screen (on the fleet view: every node) on an interval; each change shows here.', 'dim')),
    ];
  }
  const out: Line[] = [];
  for (const t of [...s.transitions].reverse()) {
    const head = transitionSegs(s, t).slice(0, 2);
    const headWidth = head.reduce((n, x) => n + [...x.text].length, 0);
    const indent = Math.min(20, headWidth);
    const role = transitionRole(t.transition);
    // The first line follows the time and the node; the rest hang under them.
    const text = wrap(clean(describeTransition(t.transition)), ctx.cols - 2, ' '.repeat(headWidth), ' '.repeat(indent)).map((x, i) =>
      i === 0 ? x.slice(headWidth) : x.slice(indent),
    );
    out.push(line(...head, seg(text[0] ?? '', role)));
    for (const rest of text.slice(1)) out.push(line(seg(' '.repeat(indent)), seg(rest, role)));
  }
  return out.map((l) => fit(l, ctx.cols));
}
