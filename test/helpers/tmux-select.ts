/**
 * Moving the TUI's selection to one row, in a real terminal, one key at a time.
 *
 * Counting rows on one capture and sending that many arrow keys races the screen: a capture can
 * catch a frame half drawn, or rows still being re-sorted as results arrive, and the keys then
 * land on a different order than the one counted (a CI run on a busy machine stopped two rows
 * off). Here each key is sent only after the previous one shows on the screen, and the distance
 * is counted again from the screen each time.
 */
import {setTimeout as sleep} from 'node:timers/promises';

export interface SelectRowOptions {
  /** The terminal's text now (tmux capture-pane). */
  pane: () => string;
  /** Send one key to the terminal ('Up' or 'Down'). */
  press: (key: 'Up' | 'Down') => void;
  /** Whether a row (without its two-column selection gutter) is the one wanted. */
  row: (text: string) => boolean;
  /** Named in the error when the row is never selected. */
  what: string;
  timeout?: number;
}

const selectedIndex = (rows: string[]) => rows.findIndex((r) => r.startsWith('> '));

/** Select the row `o.row` matches; returns the screen with it selected. */
export async function selectRow(o: SelectRowOptions): Promise<string> {
  const deadline = Date.now() + (o.timeout ?? 60_000);
  let screen = '';
  while (Date.now() < deadline) {
    screen = o.pane();
    const rows = screen.split('\n');
    const at = selectedIndex(rows);
    const target = rows.findIndex((r) => o.row(r.slice(2)));
    if (at >= 0 && at === target) return screen;
    if (at < 0 || target < 0) {
      await sleep(100);
      continue;
    }
    o.press(at < target ? 'Down' : 'Up');
    // Wait for the key to show (the selection moves) before counting again.
    const before = rows[at];
    const shown = Date.now() + 5_000;
    while (Date.now() < shown && Date.now() < deadline) {
      await sleep(50);
      const now = o.pane().split('\n');
      if (selectedIndex(now) !== at || now[at] !== before) break;
    }
  }
  throw new Error(`could not select ${o.what}; screen:\n${screen}`);
}
