/**
 * What is on screen right now, computed from state: the header line, the body lines cut to the
 * rows available (lists keep the selection in view, text screens scroll), and what the keys
 * need to know (the row keys a move steps through, how far a scroll may go). The App renders a
 * model and the key handler reads the same model, so they can never disagree.
 */
import type {SearchHit} from '../../search/search-index.js';
import {IMPLEMENTED_FIXES} from '../../fixes/index.js';
import {isNotApplicable} from '../../fixes/types.js';
import type {Command, ScreenKind} from '../keys/keymap.js';
import {canChoose} from '../state/fix-state.js';
import {currentScreen, screenKey, type Screen} from '../state/run-reducer.js';
import {checkDef, findingOf} from '../state/selectors.js';
import {checkHeader, checkLines} from './check-lines.js';
import {configHeader, configLines} from './config-lines.js';
import {baselineHeader, baselineLines, diffHeader, diffLines} from './drift-lines.js';
import {transitionsHeader, transitionsLines} from './watch-lines.js';
import type {ViewContext} from './context.js';
import {fixHeader, fixHidden, fixLines, fixPrompt, STEP_END} from './fix-lines.js';
import {fleetHeader, fleetLines} from './fleet-lines.js';
import {helpLines} from './help-lines.js';
import {nodeHeader, nodeLines} from './node-lines.js';
import {searchHeader, searchLines} from './search-lines.js';
import {line, rowKeys, select, windowAround, windowAt, type Line} from './text.js';

/** The fix a check screen offers (the fix engine plugs in here). */
export interface OfferedFix {
  fixId: string;
  checkId: string;
  node: number | null;
}

/** One frame's worth of screen. */
export interface ScreenModel {
  kind: ScreenKind;
  screen: Screen;
  header: Line;
  /** The body, already cut to the rows available. */
  body: Line[];
  /** List screens: the selectable rows in order (empty for text screens). */
  keys: string[];
  /** List screens: the selected row's key. */
  selectedKey: string | null;
  /** Text screens: the largest scroll offset; lists: 0. */
  maxScroll: number;
  /** Text screens: how many lines are below the screen (0 at the end, and on lists). */
  below: number;
  /** True while a search query is being typed (printable keys are text). */
  typing: boolean;
  /** Check screens: the fix on offer, if any. */
  fix: OfferedFix | null;
  /** The fix wizard: the line pinned under the body (where it is, what to press), else null. */
  prompt: Line | null;
  /** Commands that do nothing right now (the footer leaves them out). */
  hidden: Command[];
}

/** Rows the fix panel takes under the check detail. */
export const FIX_PANEL_ROWS = 2;

/** Rows the fix wizard's prompt takes under its body (a rule and the prompt). */
export const FIX_PROMPT_ROWS = 2;

/** Whether the wizard can take this fix: it is implemented, and the check is about one node. */
export function fixable(fix: OfferedFix | null): fix is OfferedFix & {node: number} {
  return fix !== null && fix.node !== null && IMPLEMENTED_FIXES.includes(fix.fixId);
}

function offeredFix(ctx: ViewContext, node: number | null, check: string): OfferedFix | null {
  const f = findingOf(ctx.state, node, check);
  const fixId = f?.fix ?? (f === null || f.status === 'fail' || f.status === 'warn' ? checkDef(ctx.checks, check)?.fix : null) ?? null;
  return fixId === null ? null : {fixId, checkId: check, node};
}

function list(kind: ScreenKind, screen: Screen, header: Line, all: Line[], ctx: ViewContext, rows: number): ScreenModel {
  const marked = select(all, ctx.state.selected[screenKey(screen)]);
  const chosen = marked.find((l) => l.selected)?.key ?? null;
  return {
    kind,
    screen,
    header,
    body: windowAround(marked, rows).lines,
    keys: rowKeys(all),
    selectedKey: chosen,
    maxScroll: 0,
    below: 0,
    typing: false,
    fix: null,
    prompt: null,
    hidden: [],
  };
}

function text(kind: ScreenKind, screen: Screen, header: Line, all: Line[], ctx: ViewContext, rows: number, scrollKey: string): ScreenModel {
  const offset = Math.min(Math.max(0, ctx.state.scroll[scrollKey] ?? 0), Math.max(0, all.length - rows));
  const {lines, maxOffset} = windowAt(all, rows, offset);
  const below = Math.max(0, all.length - offset - rows);
  return {kind, screen, header, body: lines, keys: [], selectedKey: null, maxScroll: maxOffset, below, typing: false, fix: null, prompt: null, hidden: []};
}

/** The fix wizard: scrollable text over the pinned prompt; while a choice can be picked, the choices are its rows. */
function fixModel(ctx: ViewContext, screen: Extract<Screen, {kind: 'fix'}>, rows: number): ScreenModel {
  const w = ctx.state.fix !== null && ctx.state.fix.node === screen.node && ctx.state.fix.check === screen.check ? ctx.state.fix : null;
  const plan = w?.planned?.plan;
  const keys = w && canChoose(w) && plan && !isNotApplicable(plan) ? (plan.choices ?? []).map((c) => `choice:${c.name}`) : [];
  const key = screenKey(screen);
  const wanted = ctx.state.selected[key];
  const planned = plan && !isNotApplicable(plan) && plan.choice ? `choice:${plan.choice}` : keys[0];
  const selectedKey = keys.length === 0 ? null : wanted !== undefined && keys.includes(wanted) ? wanted : (planned ?? null);
  const all = fixLines(ctx, w, selectedKey?.slice('choice:'.length) ?? null);
  const bodyRows = Math.max(1, rows - FIX_PROMPT_ROWS);
  const m = text('fix', screen, fixHeader(ctx, w, screen.node, screen.check), all, ctx, bodyRows, key);
  // The step being confirmed must have been on screen down to its last line before the wizard asks.
  const end = all.findIndex((l) => l.mark === STEP_END);
  const seen = Math.max(ctx.state.reach[key] ?? 0, ctx.state.scroll[key] ?? 0) + bodyRows - 1;
  const unseen = end < 0 ? 0 : Math.max(0, end - seen);
  // The prompt stays at the bottom, however short the body.
  const body = [...m.body, ...Array.from({length: Math.max(0, bodyRows - m.body.length)}, () => line(''))];
  return {...m, body, keys, selectedKey, prompt: fixPrompt(ctx, w, unseen), hidden: fixHidden(w, unseen)};
}

/** The model of the current screen (or the help overlay over it). `hits`: the search results, best first. */
export function screenModel(ctx: ViewContext, hits: readonly SearchHit[]): ScreenModel {
  const screen = currentScreen(ctx.state);
  const rows = Math.max(1, ctx.rows);
  if (ctx.state.help) return text('help', screen, {segs: [{text: 'Help', role: 'title'}]}, helpLines(ctx), ctx, rows, 'help');
  switch (screen.kind) {
    case 'fleet':
      return list('fleet', screen, fleetHeader(ctx), fleetLines(ctx), ctx, rows);
    case 'node':
      return list('node', screen, nodeHeader(ctx, screen.node), nodeLines(ctx, screen.node), ctx, rows);
    case 'search':
      return {...list('search', screen, searchHeader(ctx), searchLines(ctx, hits), ctx, rows), typing: true};
    case 'config':
      return text('config', screen, configHeader(ctx, screen.node), configLines(ctx, screen.node), ctx, rows, screenKey(screen));
    case 'check': {
      const fix = offeredFix(ctx, screen.node, screen.check);
      const bodyRows = fix ? Math.max(1, rows - FIX_PANEL_ROWS) : rows;
      const m = text(
        'check',
        screen,
        checkHeader(ctx, screen.node, screen.check),
        checkLines(ctx, screen.node, screen.check),
        ctx,
        bodyRows,
        screenKey(screen),
      );
      return {...m, fix, hidden: fixable(fix) ? [] : ['fix']};
    }
    case 'fix':
      return fixModel(ctx, screen, rows);
    case 'baseline':
      return {...list('baseline', screen, baselineHeader(ctx, screen.node), baselineLines(ctx, screen.node), ctx, rows), typing: true};
    case 'diff':
      return text('diff', screen, diffHeader(ctx, screen.node, screen.baseline), diffLines(ctx, screen.node, screen.baseline), ctx, rows, screenKey(screen));
    case 'transitions':
      return text('transitions', screen, transitionsHeader(ctx), transitionsLines(ctx), ctx, rows, screenKey(screen));
  }
}
