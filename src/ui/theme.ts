/**
 * Colours and glyphs by meaning. Screens and components name a role (`fail`, `accent`, `dim`),
 * never a colour, so the palette lives here and NO_COLOR is honoured in one place: without
 * colour every role keeps its glyph and word, and only bold/dim/inverse remain.
 */
import type {Status} from '../catalogue/define.js';

/** What a piece of text means on screen. */
export type Role = Status | 'accent' | 'dim' | 'heading' | 'key' | 'title' | 'plain';

/** The Ink text attributes a role turns into. */
export interface Style {
  color?: string;
  dimColor?: boolean;
  bold?: boolean;
}

/** A status as the operator reads it: a glyph (shape, not only colour) and a word. */
export interface Badge {
  glyph: string;
  word: string;
}

/** The theme a session renders with. */
export interface Theme {
  /** False under NO_COLOR / --no-color: no colour attributes at all. */
  readonly color: boolean;
  style(role: Role): Style;
  badge(status: Status): Badge;
  /** Frames of the progress spinner, one per 100 ms. */
  readonly spinner: readonly string[];
}

const PALETTE: Record<Role, Style> = {
  fail: {color: 'red', bold: true},
  error: {color: 'magenta', bold: true},
  warn: {color: 'yellow'},
  pass: {color: 'green'},
  skip: {dimColor: true},
  note: {color: 'cyan'},
  advice: {color: 'blue'},
  accent: {color: 'cyan'},
  key: {color: 'cyan', bold: true},
  dim: {dimColor: true},
  heading: {bold: true},
  title: {bold: true},
  plain: {},
};

const BADGES: Record<Status, Badge> = {
  fail: {glyph: '✗', word: 'FAIL'},
  error: {glyph: 'E', word: 'ERROR'},
  warn: {glyph: '!', word: 'WARN'},
  pass: {glyph: '✓', word: 'pass'},
  skip: {glyph: '-', word: 'skip'},
  note: {glyph: 'i', word: 'note'},
  advice: {glyph: '~', word: 'advice'},
};

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const;

/**
 * The theme for this terminal. `color: false` (NO_COLOR, --no-color) drops every colour but keeps
 * glyphs, words, bold and dim, so every screen stays readable as plain text.
 */
export function makeTheme(opts: {color: boolean}): Theme {
  return {
    color: opts.color,
    style(role) {
      const s = PALETTE[role];
      if (opts.color) return s;
      const {color: _dropped, ...rest} = s;
      return rest;
    },
    badge: (status) => BADGES[status],
    spinner: SPINNER,
  };
}

/** Whether the environment asks for no colour (https://no-color.org: set and not empty). */
export function noColorRequested(env: NodeJS.ProcessEnv): boolean {
  return env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '';
}
