/**
 * Search for the TUI: the index over the catalogue and the findings is built the first time a
 * query is typed, and rebuilt only when new results arrive while searching, so an operator who
 * never searches pays nothing and typing costs one query per key.
 */
import {useCallback, useRef} from 'react';
import type {CheckDef} from '../../catalogue/define.js';
import {createSearchIndex, type SearchHit, type SearchIndex} from '../../search/search-index.js';
import type {UiState} from '../state/run-reducer.js';
import {findingDocs} from '../state/selectors.js';

/** Hits listed at most. */
export const SEARCH_LIMIT = 50;

/** A function from state to the hits of its query (empty query: none). */
export function useSearch(checks: readonly CheckDef[]): (state: UiState) => SearchHit[] {
  const cache = useRef<{nodes: UiState['nodes']; index: SearchIndex} | null>(null);
  return useCallback(
    (s: UiState) => {
      if (s.query.trim() === '') return [];
      if (cache.current?.nodes !== s.nodes) cache.current = {nodes: s.nodes, index: createSearchIndex(checks, findingDocs(s))};
      return cache.current.index.search(s.query, SEARCH_LIMIT);
    },
    [checks],
  );
}
