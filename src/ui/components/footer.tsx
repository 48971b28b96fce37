/**
 * The key hints under every screen, generated from the keymap (keys/keymap.ts), so the footer
 * can't drift from what the keys do. Hints that don't fit the width are left out whole.
 */
import {Text} from 'ink';
import {fittedHints, type Command, type ScreenKind} from '../keys/keymap.js';
import type {Theme} from '../theme.js';

/** Props of {@link Footer}. */
export interface FooterProps {
  readonly screen: ScreenKind;
  readonly theme: Theme;
  readonly cols: number;
  /** True while a search query is typed: only non-printable keys are listed. */
  readonly typing?: boolean;
  /** Commands with nothing to act on right now. */
  readonly hidden?: readonly Command[];
}

/** `↑↓/jk move  Enter open  / search  …`, as many hints as fit. */
export function Footer({screen, theme, cols, typing = false, hidden = []}: FooterProps) {
  const shown = fittedHints(screen, cols, typing, hidden);
  return (
    <Text wrap="truncate-end">
      {shown.map((h, i) => (
        <Text key={i}>
          <Text {...theme.style('key')}>{h.keys}</Text>
          <Text {...theme.style('dim')}>{` ${h.label}  `}</Text>
        </Text>
      ))}
    </Text>
  );
}
