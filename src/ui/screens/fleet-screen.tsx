/**
 * The fleet: one row per node, worst first, live progress while probes run (rows come from
 * view/fleet-lines.ts through the screen model).
 */
import {LineList} from '../components/line-list.js';
import type {Theme} from '../theme.js';
import type {ScreenModel} from '../view/model.js';

/** Props every screen takes: the model to draw and the theme. */
export interface ScreenProps {
  readonly model: ScreenModel;
  readonly theme: Theme;
  readonly cols: number;
}

/** The fleet list with a selection gutter. */
export function FleetScreen({model, theme}: ScreenProps) {
  return <LineList lines={model.body} theme={theme} marker />;
}
