/**
 * Where the fix engine meets the check detail: two rows under it naming the fix the finding
 * offers. With the fix wizard installed (the real binary always installs it: `openFix` from
 * start.tsx), the panel invites `x`, and `x` opens the wizard (screens/fix-screen.tsx): probe
 * and plan, the plan with its diffs, a yes per step, then backup, write, verify and the result.
 * Without it (tests, embedding), the panel names the `fix` command to run in a shell instead.
 */
import {Box, Text} from 'ink';
import type {Theme} from '../theme.js';
import {fixable, type OfferedFix} from '../view/model.js';
import {IMPLEMENTED_FIXES} from '../../fixes/index.js';

/** What `x` hands the fix wizard: the fix, the check, the node. */
export type FixRequest = OfferedFix;

/** Props of {@link FixPanel}. */
export interface FixPanelProps {
  readonly fix: OfferedFix;
  readonly theme: Theme;
  readonly cols: number;
  /** What `x` calls; absent: no wizard, the panel names the shell command. */
  readonly onFix?: (request: FixRequest) => void;
}

/** Two rows under the check detail: a rule, then the fix on offer and how to start it. */
export function FixPanel({fix, theme, cols, onFix}: FixPanelProps) {
  const implemented = IMPLEMENTED_FIXES.includes(fix.fixId);
  return (
    <Box flexDirection="column">
      <Text {...theme.style('dim')}>{'─'.repeat(Math.max(0, cols))}</Text>
      <Text wrap="truncate-end">
        <Text {...theme.style('heading')}>FIX </Text>
        <Text {...theme.style('accent')}>{fix.fixId}</Text>
        {onFix && fixable(fix) ? (
          <Text>
            {'  press '}
            <Text {...theme.style('key')}>x</Text>
            {' to plan it: diff first, a yes per step'}
          </Text>
        ) : (
          <Text {...theme.style('dim')}>
            {!implemented
              ? '  offered (not automated yet: see WHAT TO DO)'
              : fix.node === null
                ? '  open this check from a node to fix it there'
                : `  shell: kubelet-doctor fix NODE --check ${fix.checkId} --dry-run`}
          </Text>
        )}
      </Text>
    </Box>
  );
}
