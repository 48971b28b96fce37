/**
 * The fix wizard (view/fix-lines.ts): the plan with its diffs, then the apply's progress and the
 * verification result, scrollable; beneath, pinned, a rule and the prompt (the step being
 * confirmed and y/n/a, the spinner while probing or applying, the outcome).
 */
import {Box, Text} from 'ink';
import {LineList, LineView} from '../components/line-list.js';
import type {ScreenProps} from './fleet-screen.js';

/** The wizard's body over its prompt. */
export function FixScreen({model, theme, cols}: ScreenProps) {
  return (
    <Box flexDirection="column">
      <LineList lines={model.body} theme={theme} />
      {model.prompt ? (
        <Box flexDirection="column">
          <Text {...theme.style('dim')}>{'─'.repeat(Math.max(0, cols))}</Text>
          <LineView line={model.prompt} theme={theme} />
        </Box>
      ) : null}
    </Box>
  );
}
