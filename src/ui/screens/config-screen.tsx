/**
 * The effective kubelet configuration of one node: every value and the file:line that set it,
 * overridden values beneath (view/config-lines.ts). Scrolls with the arrows and j/k.
 */
import {LineList} from '../components/line-list.js';
import type {ScreenProps} from './fleet-screen.js';

/** The configuration as scrollable text. */
export function ConfigScreen({model, theme}: ScreenProps) {
  return <LineList lines={model.body} theme={theme} />;
}
