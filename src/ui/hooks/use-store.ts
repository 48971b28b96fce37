/**
 * The reducer as a synchronous store: an action is applied at once and React is asked to
 * re-render. Keys pressed faster than frames are drawn (a paste, tmux send-keys, a fast typist
 * after `/`) then act on the state the previous key produced, not on the last frame drawn.
 */
import {useCallback, useReducer, useRef} from 'react';
import {initialState, runReducer, type Action, type TargetInfo, type UiState} from '../state/run-reducer.js';

/** The current state, a dispatch that applies actions immediately, and a getter for handlers. */
export function useStore(
  targets: readonly TargetInfo[],
  opts: {advice?: boolean; watchIntervalMs?: number} = {},
): {state: UiState; dispatch: (a: Action) => void; getState: () => UiState} {
  const ref = useRef<UiState | null>(null);
  ref.current ??= initialState(targets, opts);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const dispatch = useCallback((a: Action) => {
    const next = runReducer(ref.current!, a);
    if (next === ref.current) return;
    ref.current = next;
    rerender();
  }, []);
  const getState = useCallback(() => ref.current!, []);
  return {state: ref.current, dispatch, getState};
}
