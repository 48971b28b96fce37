/**
 * The screens of `d` and `w` (lines from view/drift-lines.ts and view/watch-lines.ts): the
 * baseline picker is a list with a selection gutter; the comparison and the transitions scroll.
 */
import {LineList} from '../components/line-list.js';
import type {ScreenProps} from './fleet-screen.js';

/** The other nodes, best baseline first; Enter compares with the selected one. */
export function BaselineScreen({model, theme}: ScreenProps) {
  return <LineList lines={model.body} theme={theme} marker />;
}

/** What differs between a node and its baseline, scrollable. */
export function DiffScreen({model, theme}: ScreenProps) {
  return <LineList lines={model.body} theme={theme} />;
}

/** Every transition seen while watching, scrollable. */
export function TransitionsScreen({model, theme}: ScreenProps) {
  return <LineList lines={model.body} theme={theme} />;
}
