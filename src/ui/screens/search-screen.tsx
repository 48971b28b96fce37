/**
 * Search results, best first (view/search-lines.ts); the query is typed in the header line.
 */
import {LineList} from '../components/line-list.js';
import type {ScreenProps} from './fleet-screen.js';

/** The hits with a selection gutter; Enter opens the check a hit points to. */
export function SearchScreen({model, theme}: ScreenProps) {
  return <LineList lines={model.body} theme={theme} marker />;
}
