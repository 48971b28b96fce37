/**
 * The fix wizard's state and its part of the reducer. The wizard walks one plan: it is opened
 * (probe and plan, done by the fix runner outside React), the operator reads the plan, may pick
 * another choice, and confirms the steps one by one; only the last yes starts the apply, so
 * nothing is written until every step was confirmed. While it applies, the apply's events are
 * kept in order; then the result. Pure: the runner (../fix-runner.ts) does the I/O and reports
 * back with actions that carry the wizard's `seq`, so an answer for a wizard already left is
 * ignored.
 */
import type {ApplyEvent, ApplyResult} from '../../fixes/apply.js';
import {fileSteps, isNotApplicable, liveSteps, type FixPlan, type NotApplicable, type Step} from '../../fixes/types.js';
import type {Finding} from '../../report/types.js';

/** Where the wizard is. */
export type FixStage =
  /** Probing the node and planning (the runner is at work). */
  | 'opening'
  /** The node could not be probed or the plan not made: `error` says why. */
  | 'failed'
  /** Planning again for another choice, on the same probe. */
  | 'planning'
  /** The plan is on screen and the operator confirms it step by step (or it cannot be applied: `blocked`). */
  | 'confirm'
  /** The operator said no: nothing was written. */
  | 'declined'
  /** Every step confirmed: backup, write, commands, verification (the runner is at work). */
  | 'applying'
  /** The apply ended: `result` says how. */
  | 'done';

/** What the runner learnt when it opened the session: plain data, safe to keep in state. */
export interface PlannedFix {
  /** The target's name, as the session probed it. */
  target: string;
  /** How the operator names this target on the command line (`--root DIR`, `--local`, `host`), for the undo hint. */
  spec: string;
  /** Under --root (or a snapshot): commands and restarts wait for the node's next boot. */
  offline: boolean;
  /** The finding the plan was made for. */
  finding: Finding;
  plan: FixPlan | NotApplicable;
}

/** The outcome of an apply, without the verification probe's facts (too big, and not shown). */
export type FixOutcome = Omit<ApplyResult, 'after'>;

/** The wizard. */
export interface FixWizard {
  /** Which wizard this is: every runner answer carries it. */
  seq: number;
  node: number;
  check: string;
  fixId: string;
  stage: FixStage;
  /** Why it failed (stage `failed`). */
  error: string | null;
  planned: PlannedFix | null;
  /** How many of the steps to confirm (see {@link confirmable}) the operator said yes to. */
  confirmed: number;
  /** The choice asked for (stage `planning`). */
  choice: string | null;
  /** The apply's progress, in order. */
  events: ApplyEvent[];
  result: FixOutcome | null;
  /** Ctrl-C or q while applying: the runner aborts (the backup is restored), then the TUI quits. */
  interrupted: boolean;
}

/** The wizard's actions (part of the reducer's `Action`). */
export type FixAction =
  | {type: 'open-fix'; node: number; check: string; fixId: string}
  | {type: 'fix-planned'; seq: number; planned: PlannedFix}
  | {type: 'fix-failed'; seq: number; message: string}
  | {type: 'fix-choose'; choice: string}
  | {type: 'fix-confirm'; all: boolean}
  | {type: 'fix-decline'}
  | {type: 'fix-event'; seq: number; event: ApplyEvent}
  | {type: 'fix-done'; seq: number; result: FixOutcome}
  | {type: 'fix-interrupt'};

/** The steps the operator confirms one by one: every step but the manual ones (nothing to run). */
export function confirmable(plan: FixPlan): Step[] {
  return plan.steps.filter((s) => s.kind !== 'manual');
}

/**
 * Why this plan cannot be applied here, or null: the same conditions under which the executor
 * would refuse without touching the node (only manual steps; under --root, only commands).
 */
export function blocker(p: PlannedFix): string | null {
  if (isNotApplicable(p.plan)) return p.plan.reason;
  const files = fileSteps(p.plan).length;
  const live = liveSteps(p.plan).length;
  if (files > 0 || (!p.offline && live > 0)) return null;
  const manual = p.plan.steps.filter((s) => s.kind === 'manual').length;
  return manual > 0
    ? `nothing here can be done automatically: ${manual} step(s) by hand, listed below`
    : 'nothing to change offline: every step waits for the node to run (a restart or a command), and under --root nothing runs';
}

/** The wizard for `x` on a check: opening. */
export function newWizard(seq: number, node: number, check: string, fixId: string): FixWizard {
  return {seq, node, check, fixId, stage: 'opening', error: null, planned: null, confirmed: 0, choice: null, events: [], result: null, interrupted: false};
}

/** Whether the runner is at work (the clock ticks for the spinner; leaving waits). */
export const fixBusy = (w: FixWizard | null): boolean => w !== null && (w.stage === 'opening' || w.stage === 'planning' || w.stage === 'applying');

/** Whether the operator may still pick another choice: the plan offers several and no step is confirmed yet. */
export function canChoose(w: FixWizard): boolean {
  const plan = w.planned?.plan;
  return w.stage === 'confirm' && w.confirmed === 0 && plan !== undefined && !isNotApplicable(plan) && (plan.choices?.length ?? 0) > 1;
}

/** Whether the wizard is asking for a yes or no on a step now. */
export function asking(w: FixWizard): boolean {
  return w.stage === 'confirm' && w.planned !== null && blocker(w.planned) === null;
}

/** The wizard after one of its actions (`open-fix` is handled by the reducer, which owns the screen stack). */
export function fixReducer(w: FixWizard, a: Exclude<FixAction, {type: 'open-fix'}>): FixWizard {
  const mine = 'seq' in a ? a.seq === w.seq : true;
  if (!mine) return w;
  switch (a.type) {
    case 'fix-planned':
      return w.stage === 'opening' || w.stage === 'planning' ? {...w, stage: 'confirm', planned: a.planned, confirmed: 0, choice: null} : w;
    case 'fix-failed':
      return w.stage === 'opening' || w.stage === 'planning' ? {...w, stage: 'failed', error: a.message} : w;
    case 'fix-choose': {
      if (!canChoose(w)) return w;
      const plan = w.planned!.plan as FixPlan;
      if (a.choice === plan.choice || !plan.choices?.some((c) => c.name === a.choice)) return w;
      return {...w, stage: 'planning', choice: a.choice};
    }
    case 'fix-confirm': {
      if (!asking(w)) return w;
      const total = confirmable(w.planned!.plan as FixPlan).length;
      const confirmed = a.all ? total : Math.min(total, w.confirmed + 1);
      return confirmed >= total ? {...w, confirmed: total, stage: 'applying'} : {...w, confirmed};
    }
    case 'fix-decline':
      return asking(w) ? {...w, stage: 'declined'} : w;
    case 'fix-event':
      return w.stage === 'applying' ? {...w, events: [...w.events, a.event]} : w;
    case 'fix-done':
      return w.stage === 'applying' ? {...w, stage: 'done', result: a.result} : w;
    case 'fix-interrupt':
      return w.stage === 'applying' ? {...w, interrupted: true} : w;
  }
}
