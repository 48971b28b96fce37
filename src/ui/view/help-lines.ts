/**
 * The `?` overlay as lines, generated from the keymap: every key, what it does, and where.
 */
import {helpRows} from '../keys/keymap.js';
import type {ViewContext} from './context.js';
import {cell, line, seg, wrap, wrapLines, type Line} from './text.js';

/** Every binding of the keymap, one or more rows each. */
export function helpLines(ctx: Pick<ViewContext, 'cols'>): Line[] {
  const rows = helpRows();
  const keyCols = Math.max(...rows.map((r) => r.keys.length));
  const width = ctx.cols - 2;
  const out: Line[] = [line(seg('KEYS', 'heading'), seg('  (Esc or ? closes this help)', 'dim'))];
  for (const r of rows) {
    const text = wrap(`${r.help}${r.where === 'everywhere' ? '' : `  [${r.where}]`}`, width - keyCols - 4);
    text.forEach((t, i) => out.push(line(seg(`  ${cell(i === 0 ? r.keys : '', keyCols)}  `, 'key'), seg(t))));
  }
  out.push(
    line(''),
    ...wrapLines('Colours are a bonus: every status also has a glyph and a word:', width, {role: 'dim'}),
    line(seg('  ✗ FAIL  E ERROR  ! WARN  ~ advice  i note  ✓ pass  - skip', 'dim')),
  );
  return out;
}
