/**
 * The fix wizard (view/fix-lines.ts): the plan with its diffs, then the apply's progress and the
 * verification result, scrollable; beneath, pinned, a rule and the prompt (the step being
 * confirmed and y/n/a, the spinner while probing or applying, the outcome).
 */
import {Box, Text} from 'ink';
import {LineList, LineView} from '../components/line-list.js';
import type {ScreenProps} from './fleet-screen.js';

/** The rule over the prompt; it says how much of the body is below the screen (never cut silently). */
export function rule(below: number, cols: number): string {
  if (below <= 0) return '─'.repeat(Math.max(0, cols));
  const say = `── ↓ ${below} more line${below === 1 ? '' : 's'} below (↓ PgDn) `;
  return say + '─'.repeat(Math.max(0, cols - [...say].length));
}

/** The wizard's body over its prompt. */
export function FixScreen({model, theme, cols}: ScreenProps) {
  return (
    <Box flexDirection="column">
      <LineList lines={model.body} theme={theme} />
      {model.prompt ? (
        <Box flexDirection="column">
          <Text {...theme.style('dim')} wrap="truncate-end">
            {rule(model.below, cols)}
          </Text>
          <LineView line={model.prompt} theme={theme} />
        </Box>
      ) : null}
    </Box>
  );
}
