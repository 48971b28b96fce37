/**
 * Connects the engine to the reducer: whenever `runRequest` changes (the first render, `r`),
 * the requested nodes go to the run queue, and its progress comes back as actions. The probe
 * runs in an effect, never during render.
 */
import {useEffect, useRef, type Dispatch} from 'react';
import {RunQueue, type ProbeFn} from '../run-queue.js';
import type {Action, TargetInfo, UiState} from '../state/run-reducer.js';

/** Options of {@link useRun}. */
export interface UseRunOptions {
  targets: readonly TargetInfo[];
  probe: ProbeFn;
  concurrency: number;
  now: () => number;
}

/** Start the probes the state asks for; abort them all on unmount (quit). */
export function useRun(request: UiState['runRequest'], dispatch: Dispatch<Action>, o: UseRunOptions): void {
  const queue = useRef<RunQueue | null>(null);
  useEffect(() => {
    const q = new RunQueue(
      o.targets,
      o.probe,
      o.concurrency,
      {
        started: (index, at) => dispatch({type: 'target-start', index, at}),
        finished: (index, result, facts) => dispatch({type: 'target-done', index, result, facts, at: o.now()}),
      },
      o.now,
    );
    queue.current = q;
    return () => q.close();
  }, [o.targets, o.probe, o.concurrency, o.now, dispatch]);
  useEffect(() => {
    queue.current?.request(request.indices);
  }, [request.seq]); // eslint-disable-line react-hooks/exhaustive-deps -- a new seq is a new request; indices travel with it
}
