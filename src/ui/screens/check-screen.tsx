/**
 * One check on one node: summary, evidence, cause, why it matters, what to do, references
 * (view/check-lines.ts), and the fix panel, the fix engine's seam, pinned beneath.
 */
import {Box} from 'ink';
import {FixPanel, type FixRequest} from '../components/fix-panel.js';
import {LineList} from '../components/line-list.js';
import type {ScreenProps} from './fleet-screen.js';

/** Props of {@link CheckScreen}: a screen's, plus the fix wizard's entry point when installed. */
export interface CheckScreenProps extends ScreenProps {
  readonly onFix?: (request: FixRequest) => void;
}

/** The detail text (scrollable) over the fix panel. */
export function CheckScreen({model, theme, cols, onFix}: CheckScreenProps) {
  return (
    <Box flexDirection="column">
      <LineList lines={model.body} theme={theme} />
      {model.fix ? <FixPanel fix={model.fix} theme={theme} cols={cols} {...(onFix ? {onFix} : {})} /> : null}
    </Box>
  );
}
