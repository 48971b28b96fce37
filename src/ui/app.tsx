/**
 * The TUI's root: state from the reducer, probes from the run hook, the screen from the model,
 * keys from the keymap. It only wires; what is shown is computed in view/, what changes in state/.
 */
import {Box, useApp} from 'ink';
import {useCallback, useEffect, useMemo, useState} from 'react';
import type {CheckDef} from '../catalogue/define.js';
import {Footer} from './components/footer.js';
import type {FixRequest} from './components/fix-panel.js';
import {LineView} from './components/line-list.js';
import {useClock} from './hooks/use-clock.js';
import {useRun} from './hooks/use-run.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';
import {useKeys} from './keys/use-keys.js';
import {FixRunner, type OpenFix} from './fix-runner.js';
import {useFix} from './hooks/use-fix.js';
import type {ProbeFn} from './run-queue.js';
import {FixScreen} from './screens/fix-screen.js';
import {fixBusy} from './state/fix-state.js';
import {CheckScreen, type CheckScreenProps} from './screens/check-screen.js';
import {ConfigScreen} from './screens/config-screen.js';
import {FleetScreen} from './screens/fleet-screen.js';
import {HelpScreen} from './screens/help-screen.js';
import {NodeScreen} from './screens/node-screen.js';
import {SearchScreen} from './screens/search-screen.js';
import {BaselineScreen, DiffScreen, TransitionsScreen} from './screens/drift-screens.js';
import {useWatch} from './hooks/use-watch.js';
import {statusLine} from './view/watch-lines.js';
import type {TargetInfo, UiState} from './state/run-reducer.js';
import {useStore} from './hooks/use-store.js';
import {useSearch} from './hooks/use-search.js';
import type {Theme} from './theme.js';
import {screenModel} from './view/model.js';
import type {ScreenKind} from './keys/keymap.js';

/** Props of {@link App}. */
export interface AppProps {
  readonly targets: readonly TargetInfo[];
  readonly checks: readonly CheckDef[];
  /** Checks one target; the CLI passes the engine behind it (the UI never imports transports). */
  readonly probe: ProbeFn;
  /** @default 16 */
  readonly concurrency?: number;
  readonly theme: Theme;
  /** The clock. @default Date.now */
  readonly now?: () => number;
  /**
   * Opens a fix session (probe and plan) for a node and check: with it, `x` on a check opens the
   * fix wizard. The CLI passes `openFixSession` behind it; absent: the check only names the fix.
   */
  readonly openFix?: OpenFix;
  /** The runner to use instead of one made from `openFix` (the CLI's, so it can wait for an apply's rollback after the TUI closes). */
  readonly fixRunner?: FixRunner;
  /** Told about every `x` (with or without the wizard). */
  readonly onFix?: (request: FixRequest) => void;
  /** Show best-practice advice (`--advice`); without it, `advice` results are not shown. @default false */
  readonly advice?: boolean;
  /** How often `w` re-probes the watched nodes. @default 10 000 (as `kubelet-doctor watch`) */
  readonly watchIntervalMs?: number;
  /** Called with every new state (the CLI derives the exit code from the last one). */
  readonly onState?: (state: UiState) => void;
}

const SCREENS: Record<ScreenKind, (p: CheckScreenProps) => React.JSX.Element> = {
  fleet: FleetScreen,
  node: NodeScreen,
  check: CheckScreen,
  config: ConfigScreen,
  search: SearchScreen,
  fix: FixScreen,
  help: HelpScreen,
  baseline: BaselineScreen,
  diff: DiffScreen,
  transitions: TransitionsScreen,
};

/** Rows that are not body: the header, the footer, and one spare so Ink never scrolls the screen. */
const CHROME_ROWS = 3;

/** The whole TUI. */
export function App({
  targets,
  checks,
  probe,
  concurrency = 16,
  theme,
  now = Date.now,
  openFix,
  fixRunner,
  onFix,
  onState,
  advice = false,
  watchIntervalMs,
}: AppProps) {
  const {state, dispatch, getState} = useStore(targets, {advice, ...(watchIntervalMs !== undefined ? {watchIntervalMs} : {})});
  useRun(state.runRequest, dispatch, {targets, probe, concurrency, now});
  useWatch(state.watch, dispatch);
  // The runner is made once: a new `openFix` on a re-render does not drop an open session.
  const [ownRunner] = useState(() => (!fixRunner && openFix ? new FixRunner(openFix) : null));
  const runner = fixRunner ?? ownRunner;
  useFix(runner, state.fix, dispatch, runner === ownRunner);
  const {cols, rows} = useTerminalSize();
  const t = useClock(now, state.nodes.some((n) => n.phase === 'running') || fixBusy(state.fix));
  const search = useSearch(checks);
  // The query is the search's only on the search screen (the baseline picker filters with it too).
  const searching = (s: UiState): UiState => (s.stack[s.stack.length - 1]?.kind === 'search' ? s : {...s, query: ''});
  const hits = useMemo(() => search(searching(state)), [search, state.query, state.nodes, state.stack]); // eslint-disable-line react-hooks/exhaustive-deps -- the query, screen and findings are what search reads
  // The status line (a notice, the watch) takes a row only while it has something to say.
  const bodyRowsOf = (s: UiState): number => Math.max(3, rows - CHROME_ROWS - (statusLine(s, cols) ? 1 : 0));
  const bodyRows = bodyRowsOf(state);
  const view = (s: UiState) => {
    const found = s.query === state.query && s.nodes === state.nodes && s.stack === state.stack ? hits : search(searching(s));
    return {model: screenModel({state: s, checks, theme, cols, rows: bodyRowsOf(s), now: t}, found), hits: found};
  };
  const {model} = view(state);
  const status = statusLine(state, cols - 1);
  const {exit} = useApp();
  // While a fix is applied, quitting first interrupts it: the backup is restored, then the TUI quits
  // (a second quit leaves at once; the CLI still waits for the restore before the process exits).
  const quit = useCallback(() => {
    const fix = getState().fix;
    if (fix?.stage === 'applying' && !fix.interrupted) dispatch({type: 'fix-interrupt'});
    else exit();
  }, [getState, dispatch, exit]);
  const interruptedDone = state.fix?.stage === 'done' && state.fix.interrupted;
  useEffect(() => {
    if (interruptedDone) exit();
  }, [interruptedDone, exit]);
  const startFix = useCallback(
    (r: FixRequest) => {
      onFix?.(r);
      if (runner && r.node !== null) dispatch({type: 'open-fix', node: r.node, check: r.checkId, fixId: r.fixId});
    },
    [onFix, runner, dispatch],
  );
  const fixKey = runner || onFix ? startFix : undefined;
  useKeys({getState, view, dispatch, page: bodyRows, quit, onFix: fixKey, now});
  useEffect(() => {
    onState?.(state);
  }, [state, onState]);
  const Screen = SCREENS[model.kind];
  return (
    <Box flexDirection="column" width={cols}>
      <LineView line={model.header} theme={theme} />
      <Box height={bodyRows} flexDirection="column" overflow="hidden">
        <Screen model={model} theme={theme} cols={cols} {...(fixKey ? {onFix: fixKey} : {})} />
      </Box>
      {status ? <LineView line={status} theme={theme} /> : null}
      <Footer screen={model.kind} theme={theme} cols={cols} typing={model.typing} hidden={fixKey ? model.hidden : [...model.hidden, 'fix']} />
    </Box>
  );
}
