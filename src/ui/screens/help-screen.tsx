/**
 * The `?` overlay: every key of the keymap, what it does and where (view/help-lines.ts).
 */
import {LineList} from '../components/line-list.js';
import type {ScreenProps} from './fleet-screen.js';

/** The help text, scrollable. */
export function HelpScreen({model, theme}: ScreenProps) {
  return <LineList lines={model.body} theme={theme} />;
}
