/**
 * `w`: while the state asks for a watch, a timer asks for a re-probe of the watched nodes every
 * interval (the reducer turns the tick into the same re-run request as `r`, so probes go through
 * the run queue like every other). The timer stops with the watch and on quit.
 */
import {useEffect, type Dispatch} from 'react';
import type {Action, UiState} from '../state/run-reducer.js';

/** Tick while `watch` is on. */
export function useWatch(watch: UiState['watch'], dispatch: Dispatch<Action>): void {
  const interval = watch?.intervalMs ?? null;
  const since = watch?.since ?? null;
  useEffect(() => {
    if (interval === null) return;
    const timer = setInterval(() => dispatch({type: 'watch-tick'}), Math.max(250, interval));
    return () => clearInterval(timer);
  }, [interval, since, dispatch]);
}
