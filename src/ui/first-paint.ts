/**
 * The TUI's first paint, before React and Ink are loaded. Loading Ink costs hundreds of
 * milliseconds (its throttle import pulls in ~400 es-toolkit modules), which would leave the
 * operator looking at a blank terminal. This module has no React or Ink: it draws the opening
 * screen from the same line builders and keymap the App uses, straight to the terminal, and
 * Ink's first frame replaces it (see start.tsx) as soon as it is ready.
 */
import {fittedHints} from './keys/keymap.js';
import {initialState, type TargetInfo} from './state/run-reducer.js';
import {makeTheme, type Role, type Theme} from './theme.js';
import {screenModel} from './view/model.js';
import type {Line} from './view/text.js';
import {sanitizeLine} from '../text/sanitize.js';

/** xterm private mode 1049: the alternate screen, with the cursor saved (restored on leave). */
export const ENTER_ALT_SCREEN = '\u001b[?1049h\u001b[H\u001b[2J';
/** Leave the alternate screen: the shell's screen comes back as it was. */
export const LEAVE_ALT_SCREEN = '\u001b[?1049l';
/** Hide the cursor while the TUI draws (Ink hides it too, once loaded). */
export const HIDE_CURSOR = '\u001b[?25l';
/** Show the cursor again: part of restoring the terminal on every way out. */
export const SHOW_CURSOR = '\u001b[?25h';

/** The colour names the theme uses, as SGR foreground codes. */
const FOREGROUND: Record<string, number> = {red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36};

function paintSeg(theme: Theme, text: string, role: Role = 'plain'): string {
  const s = theme.style(role);
  const codes: number[] = [];
  if (s.bold) codes.push(1);
  if (s.dimColor) codes.push(2);
  if (s.color && FOREGROUND[s.color] !== undefined) codes.push(FOREGROUND[s.color]!);
  const clean = sanitizeLine(text).replace(/\t/g, ' ');
  return codes.length === 0 || clean === '' ? clean : `\u001b[${codes.join(';')}m${clean}\u001b[0m`;
}

function paintLine(theme: Theme, l: Line, gutter: boolean): string {
  const lead = gutter ? (l.selected ? '> ' : '  ') : '';
  const body = l.segs.map((s) => paintSeg(theme, s.text, s.role)).join('');
  return l.selected ? `\u001b[7m${lead}${body}\u001b[27m` : lead + body;
}

/**
 * The opening screen as text: the header, the body (the first `running` nodes probing, the rest
 * queued), blank rows down to the footer, and the footer; exactly the rows the App lays out for
 * a terminal of `cols` x `rows`.
 */
export function firstFrame(targets: readonly TargetInfo[], cols: number, rows: number, color: boolean, now = Date.now(), running = 0): string {
  const theme = makeTheme({color});
  const bodyRows = Math.max(3, rows - 3);
  const initial = initialState(targets);
  // The CLI starts the first probes while Ink loads: show those as running, not queued.
  const state = {...initial, nodes: initial.nodes.map((n, i) => (i < running ? {...n, phase: 'running' as const, startedAt: now} : n))};
  const model = screenModel({state, checks: [], theme, cols, rows: bodyRows, now}, []);
  const gutter = model.kind === 'fleet' || model.kind === 'node' || model.kind === 'search';
  const lines = [paintLine(theme, model.header, false), ...model.body.map((l) => paintLine(theme, l, gutter))];
  while (lines.length < bodyRows + 1) lines.push('');
  const footer = fittedHints(model.kind, cols).map((h) => paintSeg(theme, h.keys, 'key') + paintSeg(theme, ` ${h.label}  `, 'dim'));
  lines.push(footer.join(''));
  return lines.join('\n');
}

/** The alternate screen while the TUI runs; `leave` restores the shell's screen (once, whatever happens). */
export interface AltScreen {
  leave(): void;
}

/**
 * Switch to the alternate screen. Leaving is guaranteed: on `leave()`, or when the process exits
 * (a crash, an unhandled signal), the cursor is shown again and the shell's screen restored.
 */
export function enterAltScreen(out: NodeJS.WriteStream, input?: NodeJS.ReadStream): AltScreen {
  let left = false;
  // Keys typed before Ink takes the keyboard must not be echoed over the screen: raw mode now
  // (they wait in the terminal's buffer, and Ink reads them as soon as it is ready).
  const raw = input?.isTTY === true && typeof input.setRawMode === 'function';
  const leave = (): void => {
    if (left) return;
    left = true;
    process.off('exit', leave);
    if (raw) input.setRawMode(false);
    out.write(SHOW_CURSOR + LEAVE_ALT_SCREEN);
  };
  process.once('exit', leave);
  if (raw) input.setRawMode(true);
  out.write(ENTER_ALT_SCREEN);
  return {leave};
}

/** Switch to the alternate screen and paint the opening screen on it, before Ink is loaded. */
export function paintFirstFrame(
  out: NodeJS.WriteStream,
  targets: readonly TargetInfo[],
  opts: {color: boolean; running: number; input?: NodeJS.ReadStream},
): AltScreen {
  const screen = enterAltScreen(out, opts.input);
  out.write(HIDE_CURSOR + firstFrame(targets, out.columns || 80, out.rows || 24, opts.color, Date.now(), opts.running));
  return screen;
}
