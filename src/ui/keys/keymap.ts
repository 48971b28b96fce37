/**
 * Every shortcut of the TUI, in one table. Components never test keys themselves: they ask
 * {@link commandFor} which command a key press means on their screen. The footer and the `?`
 * help overlay are generated from this table, so what is documented is what works.
 */

/** What a key press can ask for. */
export type Command =
  | 'up'
  | 'down'
  | 'page-up'
  | 'page-down'
  | 'open'
  | 'expand'
  | 'collapse'
  | 'back'
  | 'search'
  | 'filter'
  | 'rerun'
  | 'config'
  | 'fix'
  | 'choose'
  | 'confirm'
  | 'confirm-all'
  | 'decline'
  | 'help'
  | 'diff'
  | 'watch'
  | 'transitions'
  | 'quit';

/** The screens, for deciding which bindings apply where. */
export type ScreenKind = 'fleet' | 'node' | 'check' | 'config' | 'search' | 'fix' | 'help' | 'baseline' | 'diff' | 'transitions';

/** The key fields this module reads (a subset of Ink's `Key`, so tests can build one). */
export interface KeyInfo {
  upArrow?: boolean;
  downArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  return?: boolean;
  escape?: boolean;
  backspace?: boolean;
  delete?: boolean;
  ctrl?: boolean;
  meta?: boolean;
}

type Special = 'upArrow' | 'downArrow' | 'pageUp' | 'pageDown' | 'leftArrow' | 'rightArrow' | 'return' | 'escape' | 'backspace' | 'delete';

/**
 * One key: a special key (with its label), a printable character, or Ctrl+letter. Characters
 * never fire while the operator types a search query; special keys fire unless `typing: false`.
 */
export type KeySpec = {special: Special; label: string; typing?: false} | {char: string} | {ctrl: string};

/** One row of the keymap. */
export interface Binding {
  command: Command;
  keys: readonly KeySpec[];
  /** What it does, for the help overlay. */
  help: string;
  /** The footer's short label; absent: help overlay only. */
  footer?: string;
  /** Where it works. */
  screens: readonly ScreenKind[];
}

const LISTS: readonly ScreenKind[] = ['fleet', 'node', 'check', 'config', 'search', 'fix', 'help', 'baseline', 'diff', 'transitions'];
const BROWSING: readonly ScreenKind[] = ['fleet', 'node', 'check', 'config'];
/** Where `w` and `t` work: every screen that shows nodes, not while typing or fixing. */
const WATCHING: readonly ScreenKind[] = [...BROWSING, 'diff', 'transitions'];

/** The keymap. Order is the order of the footer and the help overlay. */
export const KEYMAP: readonly Binding[] = [
  {
    command: 'up',
    keys: [{special: 'upArrow', label: '↑'}, {char: 'k'}, {ctrl: 'p'}],
    help: 'move up / scroll up (in search, k is typed: use ↑ or Ctrl-P)',
    footer: 'move',
    screens: LISTS,
  },
  {
    command: 'down',
    keys: [{special: 'downArrow', label: '↓'}, {char: 'j'}, {ctrl: 'n'}],
    help: 'move down / scroll down (in search, j is typed: use ↓ or Ctrl-N)',
    screens: LISTS,
  },
  {command: 'page-up', keys: [{special: 'pageUp', label: 'PgUp'}], help: 'one page up', screens: LISTS},
  {command: 'page-down', keys: [{special: 'pageDown', label: 'PgDn'}, {char: ' '}], help: 'one page down', screens: LISTS},
  {
    command: 'open',
    keys: [{special: 'return', label: 'Enter'}],
    help: 'open the node, check, search hit or baseline',
    footer: 'open',
    screens: ['fleet', 'node', 'search', 'baseline'],
  },
  {
    command: 'expand',
    keys: [{special: 'rightArrow', label: '→'}, {char: 'l'}],
    help: 'show the failures a cause explains, as a tree under it',
    footer: 'explains',
    screens: ['node'],
  },
  {command: 'collapse', keys: [{special: 'leftArrow', label: '←'}, {char: 'h'}], help: 'fold them back under their cause', screens: ['node']},
  {
    command: 'back',
    keys: [
      {special: 'escape', label: 'Esc'},
      {special: 'backspace', label: 'Backspace', typing: false},
      {special: 'delete', label: 'Backspace', typing: false},
    ],
    help: 'back to the previous screen (closes help)',
    footer: 'back',
    screens: ['node', 'check', 'config', 'search', 'fix', 'help', 'baseline', 'diff', 'transitions'],
  },
  {command: 'search', keys: [{char: '/'}], help: 'search checks and findings, or paste a journal line', footer: 'search', screens: BROWSING},
  {command: 'filter', keys: [{char: 'f'}], help: 'fleet: failing nodes only · configuration: set values only', footer: 'filter', screens: ['fleet', 'config']},
  {
    command: 'config',
    keys: [{char: 'c'}],
    help: 'effective kubelet configuration: each value and where it is set',
    footer: 'config',
    screens: ['node', 'check'],
  },
  {command: 'fix', keys: [{char: 'x'}], help: 'fix wizard: the plan and its diffs, a yes per step, apply, verify', footer: 'fix', screens: ['check']},
  {command: 'choose', keys: [{special: 'return', label: 'Enter'}], help: 'plan again with the selected choice', footer: 'use choice', screens: ['fix']},
  {
    command: 'confirm',
    keys: [{char: 'y'}],
    help: 'yes to this step, once it was on screen to its last line; the last yes applies (backup, write, verify)',
    footer: 'yes',
    screens: ['fix'],
  },
  {command: 'decline', keys: [{char: 'n'}], help: 'no: abort, nothing is written', footer: 'no', screens: ['fix']},
  {command: 'confirm-all', keys: [{char: 'a'}], help: 'yes to this step and all the remaining ones', footer: 'all', screens: ['fix']},
  {command: 'rerun', keys: [{char: 'r'}], help: 're-run the checks (on the fleet view: every node)', footer: 're-run', screens: BROWSING},
  {command: 'help', keys: [{char: '?'}], help: 'show or hide this help', footer: 'help', screens: [...BROWSING, 'fix', 'help', 'diff', 'transitions']},
  {
    command: 'quit',
    keys: [{char: 'q'}, {ctrl: 'c'}],
    help: 'quit, restoring the terminal (a fix being applied is rolled back first)',
    footer: 'quit',
    screens: LISTS,
  },
  // Last in the help overlay, so the keys above keep their rows on a short terminal.
  {
    command: 'diff',
    keys: [{char: 'd'}],
    help: 'compare the node with a baseline node you pick (type to filter): what differs, each side with its file:line',
    footer: 'diff',
    screens: ['fleet', 'node'],
  },
  {
    command: 'watch',
    keys: [{char: 'w'}],
    help: 'watch: re-probe the node (on the fleet view: every node) on an interval and show each transition (fixed, new failure, first cause, unreachable/back); w again stops',
    footer: 'watch',
    screens: WATCHING,
  },
  {command: 'transitions', keys: [{char: 't'}], help: 'every transition seen while watching, newest first', screens: WATCHING},
];

function matches(spec: KeySpec, input: string, key: KeyInfo, typing: boolean): boolean {
  if ('special' in spec) return key[spec.special] === true && !(typing && spec.typing === false);
  if ('ctrl' in spec) return key.ctrl === true && input === spec.ctrl;
  return !typing && !key.ctrl && !key.meta && input === spec.char;
}

/**
 * The command a key press means on `screen`, or null. `typing` is true while a search query is
 * being typed: printable keys are text then, and only special keys and Ctrl+letters are commands.
 */
export function commandFor(screen: ScreenKind, input: string, key: KeyInfo, typing = false): Command | null {
  for (const b of KEYMAP) {
    if (!b.screens.includes(screen)) continue;
    if (b.keys.some((k) => matches(k, input, key, typing))) return b.command;
  }
  return null;
}

/** Whether a key press means `command` on `screen` (see {@link commandFor}). */
export function isCommand(command: Command, screen: ScreenKind, input: string, key: KeyInfo, typing = false): boolean {
  return commandFor(screen, input, key, typing) === command;
}

/** How a key is written in the footer and help: `↑`, `k`, `Ctrl-C`, `Space`. */
export function keyLabel(spec: KeySpec): string {
  if ('special' in spec) return spec.label;
  if ('ctrl' in spec) return `Ctrl-${spec.ctrl.toUpperCase()}`;
  return spec.char === ' ' ? 'Space' : spec.char;
}

/** All of a binding's keys, deduplicated: `↑/k`, `Esc/Backspace`. */
export function keysLabel(b: Binding, typing = false): string {
  const usable = b.keys.filter((k) => (typing ? !('char' in k) && !('special' in k && k.typing === false) : true));
  return [...new Set(usable.map(keyLabel))].join('/');
}

/** One footer hint: the keys and the short label. */
export interface FooterHint {
  keys: string;
  label: string;
}

/** Which hints stay when the footer is narrow: the way out and the help first. */
const FOOTER_PRIORITY: readonly Command[] = [
  'quit',
  'help',
  'back',
  'confirm',
  'decline',
  'confirm-all',
  'choose',
  'open',
  'fix',
  'up',
  'expand',
  'search',
  'config',
  'filter',
  'rerun',
  'diff',
  'watch',
];

/**
 * The footer for a screen, generated from the keymap: one hint per command with its first key
 * (the help overlay lists every key), up and down shared (`↑↓/jk move`). `hidden` drops
 * commands that do nothing right now.
 */
export function footerHints(screen: ScreenKind, typing = false, hidden: readonly Command[] = []): FooterHint[] {
  const out: FooterHint[] = [];
  for (const b of KEYMAP) {
    if (!b.footer || !b.screens.includes(screen) || hidden.includes(b.command)) continue;
    if (b.command === 'up') {
      out.push({keys: typing ? '↑↓' : '↑↓/jk', label: b.footer});
      continue;
    }
    if (b.command === 'expand') {
      out.push({keys: '→←', label: b.footer});
      continue;
    }
    const first = b.keys.find((k) => (typing ? !('char' in k) && !('special' in k && k.typing === false) : true));
    if (first) out.push({keys: keyLabel(first), label: b.footer});
  }
  return out;
}

/**
 * The footer hints that fit in `cols` columns, in keymap order. When they don't all fit, the
 * least needed go first (re-run, filter, …), so quit and help always stay; a hint is never cut.
 */
export function fittedHints(screen: ScreenKind, cols: number, typing = false, hidden: readonly Command[] = []): FooterHint[] {
  const all = footerHints(screen, typing, hidden);
  const width = (h: FooterHint): number => [...h.keys].length + 1 + [...h.label].length + 2;
  const keep = new Set<FooterHint>();
  let used = 0;
  for (const c of FOOTER_PRIORITY) {
    const h = all.find((x) => x.label === KEYMAP.find((b) => b.command === c)?.footer);
    if (!h || used + width(h) > cols) continue;
    keep.add(h);
    used += width(h);
  }
  return all.filter((h) => keep.has(h));
}

/** The help overlay's rows: every binding, with its keys, what it does and where. */
export function helpRows(): {keys: string; help: string; where: string}[] {
  return KEYMAP.map((b) => ({
    keys: keysLabel(b),
    help: b.help,
    where:
      b.screens.length >= LISTS.length
        ? 'everywhere'
        : LISTS.every((s) => s === 'fleet' || b.screens.includes(s))
          ? 'all but the fleet'
          : b.screens.filter((s) => s !== 'help').join(', '),
  }));
}
