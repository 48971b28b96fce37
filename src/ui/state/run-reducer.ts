/**
 * The TUI's whole state and the one pure reducer over it. Engine progress (a node started, a
 * node finished) and operator intent (move, open, back, search, filter, re-run) are actions of
 * one discriminated union; nothing here renders or runs anything, so it is tested without Ink.
 * A re-run is a request in state (`runRequest`): the run hook sees it and starts the probes.
 */
import type {Facts} from '../../facts/types.js';
import type {TargetResult} from '../../report/types.js';
import {sanitizeLine} from '../../text/sanitize.js';
import {step, type NodeHistory, type Transition} from '../../watch/transitions.js';
import {fixReducer, newWizard, type FixAction, type FixWizard} from './fix-state.js';

/** Where a node's probe is. */
export type Phase = 'queued' | 'running' | 'done';

/** One node of the run. */
export interface NodeState {
  /** The target as named on the command line (before the node reports its hostname). */
  name: string;
  transport: string;
  phase: Phase;
  /** When the running probe started (ms since the epoch), for the elapsed time. */
  startedAt: number | null;
  /** The last finished result (kept while a re-run is in flight). */
  result: TargetResult | null;
  facts: Facts | null;
}

/** The screens, each with what it shows. */
export type Screen =
  | {kind: 'fleet'}
  | {kind: 'node'; node: number}
  | {kind: 'check'; node: number | null; check: string}
  | {kind: 'config'; node: number}
  | {kind: 'search'; node: number | null}
  /** The fix wizard for one check on one node (its state is `UiState.fix`). */
  | {kind: 'fix'; node: number; check: string}
  /** `d`: pick the node to compare `node` with (typing filters the list). */
  | {kind: 'baseline'; node: number}
  /** What differs between `node` and the `baseline` node, each side with its file:line. */
  | {kind: 'diff'; node: number; baseline: number}
  /** Every transition seen while watching, newest first. */
  | {kind: 'transitions'};

/** `w`: the nodes re-probed on an interval while the TUI is open. */
export interface WatchState {
  /** Node indices re-probed (all of them when started from the fleet view). */
  indices: number[];
  intervalMs: number;
  /** When it was switched on (ms since the epoch). */
  since: number;
}

/** A transition as it happened: when, on which node (index), what. */
export interface SeenTransition {
  at: number;
  node: number;
  transition: Transition;
}

/** Transitions kept at most (the oldest go first). */
export const MAX_TRANSITIONS = 200;

/** Everything the TUI shows is a function of this. */
export interface UiState {
  nodes: NodeState[];
  /** Navigation stack; the last entry is on screen. Never empty. */
  stack: Screen[];
  /** The selected row of each list screen, by row key (survives re-sorting as results arrive). */
  selected: Record<string, string>;
  /** The scroll offset of each text screen. */
  scroll: Record<string, number>;
  /** Fleet: failing (or unreachable) nodes only. */
  failingOnly: boolean;
  /** Configuration: hide values that are plain defaults. */
  setOnly: boolean;
  /** Node view: the causes whose consequences are shown (key `<node>:<check>`); folded by default. */
  expanded: Record<string, boolean>;
  /** Show `advice` results (best practice, `--advice`); without it they are dropped as they arrive. */
  advice: boolean;
  /** Text screens: the furthest scroll offset reached since the content last changed (the fix wizard asks only once a step was seen whole). */
  reach: Record<string, number>;
  help: boolean;
  query: string;
  /** Nodes whose probe should (re)start; `seq` changes with every request. */
  runRequest: {seq: number; indices: number[]};
  /** The fix wizard while its screen is open, else null. */
  fix: FixWizard | null;
  /** The last wizard's seq (each `x` opens a new one). */
  fixSeq: number;
  /** A one-line message for the status line (`d` on a single node); the next key clears it. */
  notice: string | null;
  /** Re-probing on an interval (`w`), or null. */
  watch: WatchState | null;
  /** The interval `w` re-probes at. */
  watchIntervalMs: number;
  /** What each node's last probes were, for the transitions (src/watch/transitions.ts). */
  history: Record<number, NodeHistory>;
  /** Transitions seen while watching, oldest first (at most {@link MAX_TRANSITIONS}). */
  transitions: SeenTransition[];
}

/** Every way the state can change. */
export type Action =
  | {type: 'target-start'; index: number; at: number}
  /** `at`: when it finished (stamps the transitions it brings while watching). */
  | {type: 'target-done'; index: number; result: TargetResult; facts: Facts | null; at?: number}
  | {type: 'move'; delta: number; keys: readonly string[]}
  /** Select a row of the current list screen by its key. */
  | {type: 'select'; key: string}
  | {type: 'scroll'; delta: number; max: number}
  | {type: 'open-node'; node: number}
  | {type: 'open-check'; node: number | null; check: string}
  | {type: 'open-config'; node: number}
  | {type: 'open-search'}
  | {type: 'back'}
  | {type: 'toggle-filter'}
  /** Show (`open`) or fold what a cause on a node explains. */
  | {type: 'fold'; node: number; check: string; open: boolean}
  | {type: 'toggle-help'}
  | {type: 'type'; text: string}
  | {type: 'erase'}
  | {type: 'rerun'; indices: readonly number[]}
  /** `d`: open the baseline picker for a node (or say why not). */
  | {type: 'open-baseline'; node: number}
  /** Compare `node` with `baseline` (replaces nothing: Esc goes back to the picker). */
  | {type: 'open-diff'; node: number; baseline: number}
  | {type: 'open-transitions'}
  | {type: 'notice'; text: string}
  /** `w`: start re-probing these nodes on the interval, or stop. */
  | {type: 'toggle-watch'; indices: readonly number[]; at: number}
  /** The watch interval elapsed: re-probe the watched nodes. */
  | {type: 'watch-tick'}
  | FixAction;

/** A target as the TUI is told about it. */
export interface TargetInfo {
  name: string;
  transport: string;
}

/** The key under which a screen keeps its selection and scroll. */
export function screenKey(s: Screen): string {
  switch (s.kind) {
    case 'fleet':
      return 'fleet';
    case 'node':
      return `node:${s.node}`;
    case 'check':
      return `check:${s.node ?? '-'}:${s.check}`;
    case 'config':
      return `config:${s.node}`;
    case 'search':
      return 'search';
    case 'fix':
      return `fix:${s.node}:${s.check}`;
    case 'baseline':
      return `baseline:${s.node}`;
    case 'diff':
      return `diff:${s.node}:${s.baseline}`;
    case 'transitions':
      return 'transitions';
  }
}

/** The screen on top of the stack. */
export const currentScreen = (s: UiState): Screen => s.stack[s.stack.length - 1]!;

/** The node the current screen is about, if any (a re-run's and a search's context). */
export function contextNode(screen: Screen): number | null {
  return 'node' in screen ? screen.node : null;
}

/**
 * The first state: every node queued and requested. One target opens on its node view (the
 * fleet is one row then), with the fleet beneath it so Esc still shows it.
 */
export function initialState(targets: readonly TargetInfo[], opts: {advice?: boolean; watchIntervalMs?: number} = {}): UiState {
  return {
    nodes: targets.map((t) => ({name: t.name, transport: t.transport, phase: 'queued', startedAt: null, result: null, facts: null})),
    stack: targets.length === 1 ? [{kind: 'fleet'}, {kind: 'node', node: 0}] : [{kind: 'fleet'}],
    selected: {},
    scroll: {},
    failingOnly: false,
    setOnly: false,
    expanded: {},
    advice: opts.advice === true,
    reach: {},
    help: false,
    query: '',
    runRequest: {seq: 1, indices: targets.map((_, i) => i)},
    fix: null,
    fixSeq: 0,
    notice: null,
    watch: null,
    watchIntervalMs: opts.watchIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS,
    history: {},
    transitions: [],
  };
}

/** How often `w` re-probes unless told otherwise (as `kubelet-doctor watch`). */
export const DEFAULT_WATCH_INTERVAL_MS = 10_000;

const clamp = (n: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, n));

function updateNode(s: UiState, index: number, patch: Partial<NodeState>): UiState {
  if (!s.nodes[index]) return s;
  return {...s, nodes: s.nodes.map((n, i) => (i === index ? {...n, ...patch} : n))};
}

function push(s: UiState, screen: Screen): UiState {
  return {...s, help: false, stack: [...s.stack, screen]};
}

/** A pasted or typed fragment as query text: one line, no control characters. */
const queryText = (text: string): string => sanitizeLine(text.replace(/[\r\n]+/g, ' '));

/** Operator actions: each clears the notice (it answered the key before). */
const CLEARS_NOTICE = new Set<Action['type']>([
  'move',
  'select',
  'scroll',
  'open-node',
  'open-check',
  'open-config',
  'open-search',
  'open-baseline',
  'open-diff',
  'open-transitions',
  'back',
  'toggle-filter',
  'toggle-help',
  'type',
  'erase',
  'rerun',
  'toggle-watch',
]);

/** The reducer: pure, total over {@link Action}. */
export function runReducer(s: UiState, a: Action): UiState {
  return reduce(s.notice !== null && CLEARS_NOTICE.has(a.type) ? {...s, notice: null} : s, a);
}

function reduce(s: UiState, a: Action): UiState {
  switch (a.type) {
    case 'target-start':
      return updateNode(s, a.index, {phase: 'running', startedAt: a.at});
    case 'target-done': {
      // Advice (best practice) is shown only when asked for (--advice): otherwise it never enters the state.
      const hidden = s.advice ? 0 : a.result.results.filter((f) => f.status === 'advice').length;
      const result = hidden === 0 ? a.result : {...a.result, results: a.result.results.filter((f) => f.status !== 'advice'), adviceHidden: hidden};
      if (!s.nodes[a.index]) return s;
      const next = updateNode(s, a.index, {phase: 'done', result, facts: a.facts});
      return observed(next, a.index, result, a.at ?? null);
    }
    case 'open-baseline':
      return openBaseline(s, a.node);
    case 'open-diff':
      if (!s.nodes[a.node] || !s.nodes[a.baseline] || a.node === a.baseline) return s;
      return push(s, {kind: 'diff', node: a.node, baseline: a.baseline});
    case 'open-transitions':
      return currentScreen(s).kind === 'transitions' ? s : {...push(s, {kind: 'transitions'}), scroll: {...s.scroll, transitions: 0}};
    case 'notice':
      return {...s, notice: queryText(a.text)};
    case 'toggle-watch': {
      if (s.watch) return {...s, watch: null, notice: 'watch off'};
      const indices = a.indices.filter((i) => s.nodes[i] !== undefined);
      if (indices.length === 0) return s;
      // At once, then on the interval: the first answer is compared with what is on screen now.
      return rerun({...s, watch: {indices, intervalMs: s.watchIntervalMs, since: a.at}}, indices);
    }
    case 'watch-tick':
      // Not while a fix writes to a node: a probe then would read a half-applied change.
      if (!s.watch || s.fix?.stage === 'applying') return s;
      return rerun(s, s.watch.indices);
    case 'fold': {
      const key = `${a.node}:${a.check}`;
      if ((s.expanded[key] === true) === a.open) return s;
      return {...s, expanded: {...s.expanded, [key]: a.open}};
    }
    case 'move': {
      if (a.keys.length === 0) return s;
      const key = screenKey(currentScreen(s));
      const at = a.keys.indexOf(s.selected[key] ?? '');
      // No (or a vanished) selection shows as the first row: move from there.
      const next = clamp(Math.max(at, 0) + a.delta, 0, a.keys.length - 1);
      return {...s, selected: {...s.selected, [key]: a.keys[next]!}};
    }
    case 'select':
      return {...s, selected: {...s.selected, [screenKey(currentScreen(s))]: a.key}};
    case 'scroll': {
      const key = s.help ? 'help' : screenKey(currentScreen(s));
      const at = clamp((s.scroll[key] ?? 0) + a.delta, 0, Math.max(0, a.max));
      return {...s, scroll: {...s.scroll, [key]: at}, reach: {...s.reach, [key]: Math.max(at, s.reach[key] ?? 0)}};
    }
    case 'open-node':
      return push(s, {kind: 'node', node: a.node});
    case 'open-check':
      return push(s, {kind: 'check', node: a.node, check: a.check});
    case 'open-config':
      return push(s, {kind: 'config', node: a.node});
    case 'open-search': {
      const selected = {...s.selected};
      delete selected['search'];
      return {...push(s, {kind: 'search', node: contextNode(currentScreen(s))}), query: '', selected};
    }
    case 'back':
      if (s.help) return {...s, help: false};
      if (currentScreen(s).kind === 'fix') return leaveFix(s);
      return s.stack.length > 1 ? {...s, stack: s.stack.slice(0, -1)} : s;
    case 'toggle-filter':
      return currentScreen(s).kind === 'config' ? {...s, setOnly: !s.setOnly} : {...s, failingOnly: !s.failingOnly};
    case 'toggle-help':
      return {...s, help: !s.help, scroll: {...s.scroll, help: 0}};
    case 'type': {
      const selected = {...s.selected};
      delete selected['search'];
      delete selected[screenKey(currentScreen(s))];
      return {...s, query: s.query + queryText(a.text), selected};
    }
    case 'erase':
      return {...s, query: [...s.query].slice(0, -1).join('')};
    case 'rerun':
      return rerun(s, a.indices);
    case 'open-fix': {
      if (!s.nodes[a.node]) return s;
      const seq = s.fixSeq + 1;
      const screen: Screen = {kind: 'fix', node: a.node, check: a.check};
      const scroll = {...s.scroll, [screenKey(screen)]: 0};
      const reach = {...s.reach, [screenKey(screen)]: 0};
      const selected = {...s.selected};
      delete selected[screenKey(screen)];
      return {...push(s, screen), fix: newWizard(seq, a.node, a.check, a.fixId), fixSeq: seq, scroll, reach, selected};
    }
    default: {
      if (!s.fix) return s;
      const fix = fixReducer(s.fix, a);
      if (fix === s.fix) return s;
      // A new plan or the next step to confirm starts at the top of the screen.
      const moved = fix.confirmed !== s.fix.confirmed || fix.planned !== s.fix.planned || fix.stage !== s.fix.stage;
      const key = `fix:${fix.node}:${fix.check}`;
      const next = {...s, fix, ...(moved ? {scroll: {...s.scroll, [key]: 0}, reach: {...s.reach, [key]: 0}} : {})};
      return fix.stage === 'done' && s.fix.stage !== 'done' ? withVerified(next, fix) : next;
    }
  }
}

/**
 * After an apply, the check as the verification re-ran it replaces the node's old finding, so the
 * views and the exit code say what is true now (quitting right after a verified fix exits 0 when
 * nothing else fails). The rest of the node is checked again when the operator leaves the wizard.
 */
function withVerified(s: UiState, w: FixWizard): UiState {
  const after = w.result?.finding;
  const r = s.nodes[w.node]?.result;
  if (!after || !r || after.id !== w.check) return s;
  return updateNode(s, w.node, {result: {...r, results: r.results.map((f) => (f.id === after.id ? after : f))}});
}

function rerun(s: UiState, requested: readonly number[]): UiState {
  // A node whose probe is in flight is not restarted: its answer is on the way.
  const indices = requested.filter((i) => s.nodes[i] !== undefined && s.nodes[i]!.phase !== 'running');
  if (indices.length === 0) return s;
  const nodes = s.nodes.map((n, i) => (indices.includes(i) ? {...n, phase: 'queued' as const, startedAt: null} : n));
  return {...s, nodes, runRequest: {seq: s.runRequest.seq + 1, indices}};
}

/**
 * Esc on the fix wizard: back to the check (the runner then closes the session). Not while the
 * plan is being applied: that ends with the result (or with Ctrl-C, which restores the backup).
 * After an apply the node changed (or was restored), so its checks run again.
 */
function leaveFix(s: UiState): UiState {
  const w = s.fix;
  if (w?.stage === 'applying') return s;
  const left: UiState = {...s, fix: null, stack: s.stack.length > 1 ? s.stack.slice(0, -1) : s.stack};
  return w?.stage === 'done' ? rerun(left, [w.node]) : left;
}

/**
 * A node's new result against its history (every probe updates it): while watching, what changed
 * (fixed, new failure, first cause, unreachable, back) joins the transitions, stamped `at`.
 */
function observed(s: UiState, index: number, result: TargetResult, at: number | null): UiState {
  const {history, transitions} = step(s.history[index], result);
  const next = {...s, history: {...s.history, [index]: history}};
  if (!s.watch || transitions.length === 0) return next;
  const seen = transitions.map((transition) => ({at: at ?? s.watch!.since, node: index, transition}));
  return {...next, transitions: [...s.transitions, ...seen].slice(-MAX_TRANSITIONS)};
}

/** `d` on a node: the baseline picker, or a notice saying why there is nothing to pick from. */
function openBaseline(s: UiState, node: number): UiState {
  if (!s.nodes[node]) return s;
  if (s.nodes.length < 2) return {...s, notice: 'd compares two nodes: this run has no other node to compare with'};
  const screen: Screen = {kind: 'baseline', node};
  const selected = {...s.selected};
  delete selected[screenKey(screen)];
  return {...push(s, screen), query: '', selected};
}
