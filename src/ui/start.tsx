/**
 * The TUI's entry point, lazy-imported by the CLI only when stdout is a terminal (headless runs
 * never load React or Ink). It renders the App on the alternate screen (already showing the
 * first paint, see first-paint.ts) and on quit (q, Ctrl-C, SIGINT/SIGTERM, or a crash) always
 * restores the shell's screen as it was.
 */
import {render} from 'ink';
import type {CheckDef} from '../catalogue/define.js';
import {App} from './app.js';
import {enterAltScreen, type AltScreen} from './first-paint.js';
import {FixRunner, type OpenFix} from './fix-runner.js';
import type {ProbeFn} from './run-queue.js';
import type {TargetInfo, UiState} from './state/run-reducer.js';
import {exitCodeOfState, fleetProgress} from './state/selectors.js';
import {makeTheme} from './theme.js';
import type {FixOutcome} from './state/fix-state.js';
import {sanitizeLine} from '../text/sanitize.js';
import {undoCommand} from './view/fix-result-lines.js';

/** What the CLI hands the TUI. */
export interface StartOptions {
  targets: readonly TargetInfo[];
  checks: readonly CheckDef[];
  probe: ProbeFn;
  concurrency: number;
  /** Aborted on SIGINT/SIGTERM: the TUI closes and restores the terminal. */
  signal: AbortSignal;
  color: boolean;
  /** Show best-practice advice (`--advice`). @default false */
  advice?: boolean;
  /** The alternate screen the first paint opened; absent: the TUI opens it. */
  screen?: AltScreen;
  /** Opens a fix session for a node and check: `x` on a check then opens the fix wizard. */
  openFix?: OpenFix;
  /** How often `w` re-probes (the CLI's `--interval`). @default 10 s */
  watchIntervalMs?: number;
  /** Streams (tests pass their own); default: the process's. */
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}

/** Home and clear, inside a synchronized update so the first paint is swapped for Ink's frame at once. */
const REPLACE_FIRST_PAINT = '\u001b[?2026h\u001b[H\u001b[2J';

/** One line left on the normal screen after quitting, so the scrollback says what was seen. */
function farewell(s: UiState | null): string {
  if (!s) return '';
  const p = fleetProgress(s);
  const parts = [`${p.done}/${p.total} node${p.total === 1 ? '' : 's'} checked`];
  if (p.failing > 0) parts.push(`${p.failing} failing (${p.causes} cause${p.causes === 1 ? '' : 's'})`);
  if (p.unreachable > 0) parts.push(`${p.unreachable} not checked`);
  if (p.notNodes > 0) parts.push(`${p.notNodes} not a node`);
  return `kubelet-doctor: ${parts.join(', ')}\n`;
}

/** The outcome of a fix the operator left (or interrupted) last, for the scrollback. */
function fixFarewell(s: UiState | null, late: readonly FixOutcome[]): string {
  const outcomes = [...(s?.fix?.result ? [s.fix.result] : []), ...late];
  return outcomes
    .map((r) => {
      const said = `kubelet-doctor: fix ${r.status}: ${sanitizeLine(r.message)}\n`;
      // The undo command whole, on a line of its own: the terminal wraps it softly, so a copy keeps it one command.
      const undo =
        r.backup !== null && r.status !== 'rolled-back' && r.status !== 'refused' && s?.fix ? undoCommand(s.fix, r.backup, s.fix.planned?.target ?? '?') : null;
      return undo ? `${said}${r.status === 'verified' ? 'undo' : 'restore it by hand'}:\n${undo}\n` : said;
    })
    .join('');
}

/**
 * Run the TUI until the operator quits; resolves to the exit code of what was seen: 3 a node
 * could not be checked, 1 a check failed, else 0 (as `check` would exit).
 */
export async function startTui(o: StartOptions): Promise<number> {
  const stdout = o.stdout ?? process.stdout;
  const screen = o.screen ?? enterAltScreen(stdout, o.stdin ?? process.stdin);
  let last: UiState | null = null;
  const runner = o.openFix ? new FixRunner(o.openFix) : null;
  try {
    stdout.write(REPLACE_FIRST_PAINT);
    const app = render(
      <App
        targets={o.targets}
        checks={o.checks}
        probe={o.probe}
        concurrency={o.concurrency}
        advice={o.advice === true}
        {...(o.watchIntervalMs !== undefined ? {watchIntervalMs: o.watchIntervalMs} : {})}
        theme={makeTheme({color: o.color})}
        onState={(s) => (last = s)}
        {...(runner ? {fixRunner: runner} : {})}
      />,
      {
        stdout,
        ...(o.stdin ? {stdin: o.stdin} : {}),
        exitOnCtrlC: false,
        patchConsole: true,
      },
    );
    const onAbort = (): void => app.unmount();
    o.signal.addEventListener('abort', onAbort, {once: true});
    try {
      await app.waitUntilExit();
    } finally {
      o.signal.removeEventListener('abort', onAbort);
      // A fix still applying is interrupted: the executor restores its backup (never aborted itself).
      runner?.shutdown();
      app.cleanup();
    }
  } finally {
    screen.leave();
  }
  if (runner) {
    if (runner.applying) stdout.write('kubelet-doctor: a fix was interrupted: waiting for its backup to be restored…\n');
    await runner.idle();
  }
  stdout.write(farewell(last) + fixFarewell(last, runner?.unreported ?? []));
  return last ? exitCodeOfState(last) : 0;
}
