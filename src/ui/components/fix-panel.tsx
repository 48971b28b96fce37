/**
 * The seam where the fix engine plugs into the check detail. Today it states the fix a check
 * offers; once the fix wizard exists it passes `onFix`, the panel invites `x`, and the key
 * handler calls `onFix` with this request (dry-run diff, confirmation and apply live there).
 */
import {Box, Text} from 'ink';
import type {Theme} from '../theme.js';
import type {OfferedFix} from '../view/model.js';
import {IMPLEMENTED_FIXES} from '../../fixes/index.js';

/** What the fix wizard receives when the operator asks for a fix. */
export type FixRequest = OfferedFix;

/** Props of {@link FixPanel}. */
export interface FixPanelProps {
  readonly fix: OfferedFix;
  readonly theme: Theme;
  readonly cols: number;
  /** The fix wizard's entry point; absent until the fix engine is installed. */
  readonly onFix?: (request: FixRequest) => void;
}

/** Two rows under the check detail: a rule, then the fix on offer and how to start it. */
export function FixPanel({fix, theme, cols, onFix}: FixPanelProps) {
  return (
    <Box flexDirection="column">
      <Text {...theme.style('dim')}>{'─'.repeat(Math.max(0, cols))}</Text>
      <Text wrap="truncate-end">
        <Text {...theme.style('heading')}>FIX </Text>
        <Text {...theme.style('accent')}>{fix.fixId}</Text>
        {onFix ? (
          <Text>
            {'  press '}
            <Text {...theme.style('key')}>x</Text>
            {' to plan it (a dry-run diff comes first)'}
          </Text>
        ) : (
          <Text {...theme.style('dim')}>
            {IMPLEMENTED_FIXES.includes(fix.fixId)
              ? `  shell: kubelet-doctor fix NODE --check ${fix.checkId} --dry-run`
              : '  offered (not automated yet: see WHAT TO DO)'}
          </Text>
        )}
      </Text>
    </Box>
  );
}
