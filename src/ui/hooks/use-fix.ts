/**
 * Connects the fix runner (../fix-runner.ts) to the reducer, as use-run does for probes: the
 * wizard's stage in state says what the runner should do (open, plan again, apply, interrupt,
 * close), and the runner's answers come back as actions. Nothing runs during render.
 */
import {useEffect, useRef} from 'react';
import type {FixRunner} from '../fix-runner.js';
import type {FixWizard} from '../state/fix-state.js';
import type {Action} from '../state/run-reducer.js';

/** Drive `runner` from the wizard in state; `owned`: the runner is this App's, shut it down on unmount. */
export function useFix(runner: FixRunner | null, wizard: FixWizard | null, dispatch: (a: Action) => void, owned: boolean): void {
  useEffect(() => {
    if (!runner) return;
    runner.connect({
      planned: (seq, planned) => dispatch({type: 'fix-planned', seq, planned}),
      failed: (seq, message) => dispatch({type: 'fix-failed', seq, message}),
      event: (seq, event) => dispatch({type: 'fix-event', seq, event}),
      done: (seq, result) => dispatch({type: 'fix-done', seq, result}),
    });
    return () => {
      if (owned) runner.shutdown();
      else runner.connect(null);
    };
  }, [runner, dispatch, owned]);

  const opened = useRef<number | null>(null);
  const seq = wizard?.seq ?? null;
  const stage = wizard?.stage ?? null;
  const interrupted = wizard?.interrupted ?? false;
  useEffect(() => {
    if (!runner) return;
    if (wizard === null) {
      if (opened.current !== null) runner.close();
      opened.current = null;
      return;
    }
    if (opened.current !== wizard.seq) {
      opened.current = wizard.seq;
      runner.open(wizard.seq, wizard.node, wizard.check);
    }
    if (wizard.stage === 'planning' && wizard.choice !== null) runner.choose(wizard.seq, wizard.choice);
    if (wizard.stage === 'applying') {
      if (wizard.interrupted) runner.interrupt(wizard.seq);
      else runner.apply(wizard.seq);
    }
  }, [runner, seq, stage, interrupted]); // eslint-disable-line react-hooks/exhaustive-deps -- the wizard's seq, stage and interruption are what the runner acts on
}
