/**
 * The one keyboard handler: a key press becomes a command through the keymap, and a command
 * becomes a reducer action (or quit, or the fix callback). While a search query is typed,
 * printable keys are text instead.
 */
import {useInput, type Key} from 'ink';
import {useCallback, useRef, type Dispatch} from 'react';
import type {SearchHit} from '../../search/search-index.js';
import type {FixRequest} from '../components/fix-panel.js';
import {contextNode, type Action, type UiState} from '../state/run-reducer.js';
import {nodeCauses, nodeForHit} from '../state/selectors.js';
import {fixable, type ScreenModel} from '../view/model.js';
import {commandFor, type Command} from './keymap.js';

/** What a command acts on: the screen as it is now. */
export interface KeyContext {
  model: ScreenModel;
  state: UiState;
  dispatch: Dispatch<Action>;
  hits: readonly SearchHit[];
  /** Rows of the body: one page for PgUp/PgDn. */
  page: number;
  quit: () => void;
  onFix?: ((request: FixRequest) => void) | undefined;
  /** The clock (when a watch started). */
  now: () => number;
}

/** What the keyboard handler needs: the latest state, and the screen it makes. */
export interface KeySource {
  getState: () => UiState;
  view: (state: UiState) => {model: ScreenModel; hits: readonly SearchHit[]};
  dispatch: Dispatch<Action>;
  page: number;
  quit: () => void;
  onFix?: ((request: FixRequest) => void) | undefined;
  /** @default Date.now */
  now?: () => number;
}

const indexOf = (key: string | null, prefix: string): number | null => (key?.startsWith(prefix) ? Number(key.slice(prefix.length)) : null);

function open(c: KeyContext): void {
  const {model, dispatch} = c;
  const node = indexOf(model.selectedKey, 'node:');
  if (model.kind === 'fleet' && node !== null) dispatch({type: 'open-node', node});
  if (model.kind === 'node' && model.screen.kind === 'node' && model.selectedKey?.startsWith('check:')) {
    dispatch({type: 'open-check', node: model.screen.node, check: model.selectedKey.slice('check:'.length)});
  }
  if (model.screen.kind === 'baseline' && node !== null) dispatch({type: 'open-diff', node: model.screen.node, baseline: node});
  const hit = indexOf(model.selectedKey, 'hit:');
  if (model.kind === 'search' && model.screen.kind === 'search' && hit !== null && c.hits[hit]) {
    const h = c.hits[hit];
    dispatch({type: 'open-check', node: nodeForHit(c.state, h, model.screen.node), check: h.check});
  }
}

/** → / ← on the node view: show or fold what the selected cause explains (← on a consequence folds its cause and selects it). */
function fold(c: KeyContext, open: boolean): void {
  const {model, state, dispatch} = c;
  if (model.screen.kind !== 'node' || !model.selectedKey?.startsWith('check:')) return;
  const node = model.screen.node;
  const id = model.selectedKey.slice('check:'.length);
  const g = nodeCauses(state.nodes[node]?.result?.results ?? []).find((x) => x.cause.id === id || x.explains.some((e) => e.finding.id === id));
  if (!g || g.explains.length === 0 || (open && g.cause.id !== id)) return;
  dispatch({type: 'fold', node, check: g.cause.id, open});
  if (!open && g.cause.id !== id) dispatch({type: 'select', key: `check:${g.cause.id}`});
}

function move(c: KeyContext, delta: number): void {
  if (c.model.keys.length > 0) c.dispatch({type: 'move', delta, keys: c.model.keys});
  else scroll(c, delta);
}

const scroll = (c: KeyContext, delta: number): void => c.dispatch({type: 'scroll', delta, max: c.model.maxScroll});

/** A page: lists move the selection, text scrolls; the fix wizard always scrolls (its rows are a few choices over a long diff). */
function page(c: KeyContext, direction: 1 | -1): void {
  const delta = direction * Math.max(1, c.page - 1);
  if (c.model.kind === 'fix') scroll(c, delta);
  else move(c, delta);
}

/** Carry out one command on the current screen. */
export function runCommand(command: Command, c: KeyContext): void {
  const {model, dispatch} = c;
  switch (command) {
    case 'up':
      return move(c, -1);
    case 'down':
      return move(c, 1);
    case 'page-up':
      return page(c, -1);
    case 'page-down':
      return page(c, 1);
    case 'open':
      return open(c);
    case 'expand':
      return fold(c, true);
    case 'collapse':
      return fold(c, false);
    case 'back':
      return dispatch({type: 'back'});
    case 'search':
      return dispatch({type: 'open-search'});
    case 'filter':
      return dispatch({type: 'toggle-filter'});
    case 'config': {
      const node = contextNode(model.screen);
      if (node !== null) dispatch({type: 'open-config', node});
      return;
    }
    case 'fix':
      if (fixable(model.fix) && c.onFix) c.onFix(model.fix);
      return;
    case 'choose':
      if (model.selectedKey?.startsWith('choice:')) dispatch({type: 'fix-choose', choice: model.selectedKey.slice('choice:'.length)});
      return;
    // Not while the step being confirmed runs on below the screen: it is read whole before a yes.
    case 'confirm':
      return model.hidden.includes('confirm') ? undefined : dispatch({type: 'fix-confirm', all: false});
    case 'confirm-all':
      return model.hidden.includes('confirm-all') ? undefined : dispatch({type: 'fix-confirm', all: true});
    case 'decline':
      return dispatch({type: 'fix-decline'});
    case 'rerun': {
      const node = contextNode(model.screen);
      dispatch({type: 'rerun', indices: node === null ? c.state.nodes.map((_, i) => i) : [node]});
      return;
    }
    case 'diff': {
      // The fleet: the selected node; the node view: its node.
      const node = model.kind === 'fleet' ? indexOf(model.selectedKey, 'node:') : contextNode(model.screen);
      if (node !== null) dispatch({type: 'open-baseline', node});
      return;
    }
    case 'watch': {
      const node = contextNode(model.screen);
      dispatch({type: 'toggle-watch', indices: node === null ? c.state.nodes.map((_, i) => i) : [node], at: c.now()});
      return;
    }
    case 'transitions':
      return dispatch({type: 'open-transitions'});
    case 'help':
      return dispatch({type: 'toggle-help'});
    case 'quit':
      return c.quit();
  }
}

/** The screen as it is now (after every key already handled), for one key press. */
function contextOf(src: KeySource): KeyContext {
  const state = src.getState();
  const {model, hits} = src.view(state);
  return {model, hits, state, dispatch: src.dispatch, page: src.page, quit: src.quit, onFix: src.onFix, now: src.now ?? Date.now};
}

/**
 * Listen to the keyboard. Each key is judged against the screen the state shows now, computed
 * from the store at the moment of the key, so keys arriving faster than frames (a paste, tmux,
 * a fast typist) act in order on what the previous key did.
 */
export function useKeys(source: KeySource): void {
  const latest = useRef(source);
  latest.current = source;
  const handler = useCallback((input: string, key: Key) => {
    const c = contextOf(latest.current);
    const command = commandFor(c.model.kind, input, key, c.model.typing);
    if (command) return runCommand(command, c);
    if (c.model.typing) {
      if (key.backspace || key.delete) c.dispatch({type: 'erase'});
      else if (input !== '' && !key.ctrl && !key.meta && !key.escape) c.dispatch({type: 'type', text: input});
      return;
    }
    // Several keys in one read (typed fast, or sent at once by tmux): one command each.
    if (input.length > 1 && !key.ctrl && !key.meta) {
      for (const ch of input) {
        const now = contextOf(latest.current);
        if (now.model.typing) {
          now.dispatch({type: 'type', text: ch});
          continue;
        }
        const each = commandFor(now.model.kind, ch, {}, false);
        if (each) runCommand(each, now);
      }
    }
  }, []);
  useInput(handler);
}
