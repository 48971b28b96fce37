/**
 * The TUI's root: state from the reducer, probes from the run hook, the screen from the model,
 * keys from the keymap. It only wires; what is shown is computed in view/, what changes in state/.
 */
import {Box, useApp} from 'ink';
import {useEffect, useMemo} from 'react';
import type {CheckDef} from '../catalogue/define.js';
import {Footer} from './components/footer.js';
import type {FixRequest} from './components/fix-panel.js';
import {LineView} from './components/line-list.js';
import {useClock} from './hooks/use-clock.js';
import {useRun} from './hooks/use-run.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';
import {useKeys} from './keys/use-keys.js';
import type {ProbeFn} from './run-queue.js';
import {CheckScreen, type CheckScreenProps} from './screens/check-screen.js';
import {ConfigScreen} from './screens/config-screen.js';
import {FleetScreen} from './screens/fleet-screen.js';
import {HelpScreen} from './screens/help-screen.js';
import {NodeScreen} from './screens/node-screen.js';
import {SearchScreen} from './screens/search-screen.js';
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
  /** The fix wizard's entry point (see components/fix-panel.tsx); absent until it exists. */
  readonly onFix?: (request: FixRequest) => void;
  /** Called with every new state (the CLI derives the exit code from the last one). */
  readonly onState?: (state: UiState) => void;
}

const SCREENS: Record<ScreenKind, (p: CheckScreenProps) => React.JSX.Element> = {
  fleet: FleetScreen, node: NodeScreen, check: CheckScreen, config: ConfigScreen, search: SearchScreen, help: HelpScreen,
};

/** Rows that are not body: the header, the footer, and one spare so Ink never scrolls the screen. */
const CHROME_ROWS = 3;

/** The whole TUI. */
export function App({targets, checks, probe, concurrency = 16, theme, now = Date.now, onFix, onState}: AppProps) {
  const {state, dispatch, getState} = useStore(targets);
  useRun(state.runRequest, dispatch, {targets, probe, concurrency, now});
  const {cols, rows} = useTerminalSize();
  const t = useClock(now, state.nodes.some((n) => n.phase === 'running'));
  const search = useSearch(checks);
  const hits = useMemo(() => search(state), [search, state.query, state.nodes]); // eslint-disable-line react-hooks/exhaustive-deps -- the query and findings are what search reads
  const bodyRows = Math.max(3, rows - CHROME_ROWS);
  const view = (s: UiState) => {
    const found = s.query === state.query && s.nodes === state.nodes ? hits : search(s);
    return {model: screenModel({state: s, checks, theme, cols, rows: bodyRows, now: t}, found), hits: found};
  };
  const {model} = view(state);
  const {exit} = useApp();
  useKeys({getState, view, dispatch, page: bodyRows, quit: () => exit(), onFix});
  useEffect(() => {
    onState?.(state);
  }, [state, onState]);
  const Screen = SCREENS[model.kind];
  return (
    <Box flexDirection="column" width={cols}>
      <LineView line={model.header} theme={theme} />
      <Box height={bodyRows} flexDirection="column" overflow="hidden">
        <Screen model={model} theme={theme} cols={cols} {...(onFix ? {onFix} : {})} />
      </Box>
      <Footer screen={model.kind} theme={theme} cols={cols} typing={model.typing} />
    </Box>
  );
}
