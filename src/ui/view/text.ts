/**
 * Screen text as data: a line is a list of segments, each with a role (its meaning; the theme
 * picks the colour). Screens build lines with these helpers and the `LineList` component renders
 * them. Laying out ourselves (wrap, cut, window) means a screen knows exactly how many rows it
 * takes, so it always fits the terminal, at 80x24 or after a resize.
 */
import type {Role} from '../theme.js';

/** A run of text with one meaning. */
export interface Seg {
  text: string;
  role?: Role;
}

/** One terminal row. `key` marks a selectable row (its row key); `selected` is drawn highlighted. */
export interface Line {
  segs: Seg[];
  key?: string;
  selected?: boolean;
  /** A named place in a text screen (the fix wizard marks where the step being confirmed ends). */
  mark?: string;
}

/** A line from segments, or from one plain string. */
export function line(...segs: (Seg | string)[]): Line {
  return {segs: segs.map((s) => (typeof s === 'string' ? {text: s} : s))};
}

/** A segment with a role. */
export const seg = (text: string, role?: Role): Seg => (role === undefined ? {text} : {text, role});

/** Tabs as spaces to the next stop (a tab would move the terminal's cursor past our layout). */
export function expandTabs(s: string, stop = 4): string {
  if (!s.includes('\t')) return s;
  let out = '';
  for (const ch of s) out += ch === '\t' ? ' '.repeat(stop - ([...out].length % stop)) : ch;
  return out;
}

/** Display width, counted in code points (node text is sanitised before it gets here). */
export const width = (s: string): number => [...s].length;

/** Pad or cut to exactly `n` columns (cut text ends with `…`). */
export function cell(s: string, n: number): string {
  const chars = [...s];
  if (chars.length <= n) return s + ' '.repeat(n - chars.length);
  return n <= 0 ? '' : `${chars.slice(0, n - 1).join('')}…`;
}

/** Cut from the left, keeping the end (`…/kubelet/config.yaml:14`): the file name and line matter most. */
export function tail(s: string, n: number): string {
  const chars = [...s];
  if (chars.length <= n) return s;
  return n <= 0 ? '' : `…${chars.slice(chars.length - n + 1).join('')}`;
}

/** Cut a line to `cols` columns; the last visible segment ends with `…` when something was cut. */
export function fit(l: Line, cols: number): Line {
  const total = l.segs.reduce((n, s) => n + width(s.text), 0);
  if (total <= cols) return l;
  const segs: Seg[] = [];
  let room = cols;
  for (const s of l.segs) {
    if (room <= 0) break;
    const w = width(s.text);
    if (w < room || (w === room && segs.length + 1 === l.segs.length)) {
      segs.push(s);
      room -= w;
    } else {
      segs.push({...s, text: cell(s.text, room)});
      room = 0;
    }
  }
  return {...l, segs};
}

/**
 * Word-wrap text into lines of at most `cols` columns, the first prefixed by `first` and the rest
 * by `rest` (a hanging indent). Words longer than a line are split. Newlines in `text` are kept.
 */
export function wrap(text: string, cols: number, first = '', rest = first): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let current = '';
    const prefix = (): string => (out.length === 0 ? first : rest);
    const room = (): number => Math.max(8, cols - width(prefix()));
    const flush = (): void => {
      out.push(prefix() + current);
      current = '';
    };
    for (let word of para.split(/ +/).filter((w) => w !== '')) {
      while (width(word) > room()) {
        if (current !== '') flush();
        const chars = [...word];
        current = chars.slice(0, room()).join('');
        word = chars.slice(room()).join('');
        flush();
      }
      if (word === '') continue;
      if (current === '') current = word;
      else if (width(current) + 1 + width(word) <= room()) current += ` ${word}`;
      else {
        flush();
        current = word;
      }
    }
    flush();
  }
  return out;
}

/** Wrapped text as lines with one role. */
export function wrapLines(text: string, cols: number, opts: {first?: string; rest?: string; role?: Role} = {}): Line[] {
  return wrap(text, cols, opts.first ?? '', opts.rest ?? opts.first ?? '').map((t) => line(seg(t, opts.role)));
}

/** The slice of `lines` that fits `height` rows with the selected line in view (lists). */
export function windowAround(lines: readonly Line[], height: number): {lines: Line[]; offset: number} {
  if (lines.length <= height) return {lines: [...lines], offset: 0};
  const at = Math.max(
    0,
    lines.findIndex((l) => l.selected),
  );
  // Keep the selection a third of the way down, so what follows it is visible too.
  const offset = Math.min(Math.max(0, at - Math.floor(height / 3)), lines.length - height);
  return {lines: lines.slice(offset, offset + height), offset};
}

/** The slice of `lines` at a scroll offset (text screens), and the largest useful offset. */
export function windowAt(lines: readonly Line[], height: number, offset: number): {lines: Line[]; maxOffset: number} {
  const maxOffset = Math.max(0, lines.length - height);
  const at = Math.min(Math.max(0, offset), maxOffset);
  return {lines: lines.slice(at, at + height), maxOffset};
}

/** Mark the row with `key` (or the first selectable row when `key` is absent or gone) as selected. */
export function select(lines: readonly Line[], key: string | undefined): Line[] {
  const keys = lines.filter((l) => l.key !== undefined).map((l) => l.key!);
  const chosen = key !== undefined && keys.includes(key) ? key : keys[0];
  return lines.map((l) => (l.key !== undefined && l.key === chosen ? {...l, selected: true} : l));
}

/** The row keys of a list, in display order (what `move` steps through). */
export const rowKeys = (lines: readonly Line[]): string[] => lines.filter((l) => l.key !== undefined).map((l) => l.key!);
