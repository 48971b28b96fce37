/**
 * Renders screen lines (see view/text.ts) with the theme. Every segment passes through
 * `sanitizeLine` here, at the last step before Ink, so no node text can reach the terminal with
 * an escape sequence, whichever builder produced it.
 */
import {Box, Text} from 'ink';
import {sanitizeLine} from '../../text/sanitize.js';
import type {Theme} from '../theme.js';
import type {Line} from '../view/text.js';

/** Props of {@link LineList}. */
export interface LineListProps {
  readonly lines: readonly Line[];
  readonly theme: Theme;
  /**
   * Reserve a two-column gutter and draw `>` at the selected row (lists).
   * @default false
   */
  readonly marker?: boolean;
}

/** One row: the gutter, then each segment in its role's style; cut (never wrapped) at the edge. */
export function LineView({line, theme, marker = false}: {readonly line: Line; readonly theme: Theme; readonly marker?: boolean}) {
  const gutter = marker ? (line.selected ? '> ' : '  ') : '';
  const empty = line.segs.every((s) => s.text === '');
  return (
    <Text wrap="truncate-end" inverse={line.selected === true}>
      {gutter}
      {empty
        ? ' '
        : line.segs.map((s, i) => (
            <Text key={i} {...theme.style(s.role ?? 'plain')}>
              {sanitizeLine(s.text).replace(/\t/g, ' ')}
            </Text>
          ))}
    </Text>
  );
}

/** A column of lines, one terminal row each. */
export function LineList({lines, theme, marker = false}: LineListProps) {
  return (
    <Box flexDirection="column">
      {lines.map((l, i) => (
        <LineView key={i} line={l} theme={theme} marker={marker} />
      ))}
    </Box>
  );
}
