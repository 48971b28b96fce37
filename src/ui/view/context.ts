/**
 * What every screen's line builder gets: the state, the catalogue, the theme, the size of the
 * area it draws in, and the clock (spinners and elapsed times; injected so tests control time).
 */
import type {CheckDef, Status} from '../../catalogue/define.js';
import {sanitizeLine} from '../../text/sanitize.js';
import type {UiState} from '../state/run-reducer.js';
import type {Theme} from '../theme.js';
import {expandTabs, seg, type Seg} from './text.js';

/** Inputs of a screen's line builder. */
export interface ViewContext {
  state: UiState;
  checks: readonly CheckDef[];
  theme: Theme;
  /** Columns available. */
  cols: number;
  /** Rows available for the screen body. */
  rows: number;
  /** The current time in ms (for elapsed times and the spinner frame). */
  now: number;
}

/** Node text made safe and single-line, tabs expanded, before layout (the renderer sanitises again). */
export const clean = (s: string): string => expandTabs(sanitizeLine(s));

/** A status badge segment: glyph and word, coloured by status (`✗ FAIL`). */
export function badge(ctx: Pick<ViewContext, 'theme'>, status: Status, pad = 8): Seg {
  const b = ctx.theme.badge(status);
  const text = `${b.glyph} ${b.word}`;
  // Never touching what follows (`~ advice` fills the 8 columns: one space after it anyway).
  return seg(text.padEnd(Math.max(pad, text.length + 1)), status);
}

/** The spinner frame for this instant (one frame per 100 ms). */
export function spinnerFrame(ctx: Pick<ViewContext, 'theme' | 'now'>): string {
  const frames = ctx.theme.spinner;
  return frames[Math.floor(ctx.now / 100) % frames.length]!;
}

/** 31ms, 1.2s, 2m05s. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
