/**
 * One node: its checks grouped by category, status glyph and word on every row (view/node-lines.ts).
 */
import {LineList} from '../components/line-list.js';
import type {ScreenProps} from './fleet-screen.js';

/** The node's checks with a selection gutter; Enter opens the selected check. */
export function NodeScreen({model, theme}: ScreenProps) {
  return <LineList lines={model.body} theme={theme} marker />;
}
