/**
 * Fix plans are data: a list of steps computed from the facts, shown before anything runs, and
 * run by one executor (apply.ts). The CLI prints them, the TUI wizard walks through them, and a
 * runbook applies them; none of them needs to know how a step reaches the node.
 */
import type {Facts, RawSnapshot} from '../facts/types.js';
import type {Finding} from '../report/types.js';

/** One thing a fix does to the node, in the order the plan lists it. */
export type Step =
  /** Replace (or create, when `before` is null) a file; refused at apply time if the file changed since the probe. */
  | {
      kind: 'write-file';
      path: string;
      before: string | null;
      after: string;
      mode?: number;
      why: string;
      /** `after` holds a secret (a bootstrap token): shown redacted, never logged. */
      sensitive?: boolean;
    }
  /**
   * Move a file (or symlink) into the backup: the kubelet then rebuilds it (an expired
   * certificate). `link` (the symlink's target) or `size` is what the probe saw: apply refuses
   * when the file changed since.
   */
  | {kind: 'remove-file'; path: string; why: string; link?: string; size?: number}
  /** Run a command on the node (shown verbatim; under --root it is pending until the node boots). */
  | {kind: 'run'; argv: string[]; why: string}
  | {kind: 'daemon-reload'}
  | {kind: 'restart-unit'; unit: string}
  /** Poll the kubelet's healthz until it answers `ok`, or fail (and roll back) after the timeout. */
  | {kind: 'wait-healthz'; url: string; timeoutMs: number}
  /** Something the operator does by hand: no safe automation exists for it. */
  | {kind: 'manual'; text: string};

/** The kinds of {@link Step}. */
export type StepKind = Step['kind'];

/** One of the ways a fix can go, for the operator to pick (`--choice NAME`). */
export interface FixChoice {
  name: string;
  description: string;
}

/** What a fix will do on one node, computed before anything runs. */
export interface FixPlan {
  fixId: string;
  checkId: string;
  title: string;
  /** The choice this plan was built for (when the fix offers several). */
  choice?: string;
  /** Every choice the fix offers on this node, recommended first. */
  choices?: FixChoice[];
  steps: Step[];
  /** Lines worth reading before saying yes (what the fix cannot know, what else to watch). */
  notes?: string[];
}

/** The fix does not apply to the node's state: nothing is planned, and the reason says why. */
export interface NotApplicable {
  notApplicable: true;
  reason: string;
  /** What the operator can do instead. */
  hint?: string;
}

/** What a planner gets: the facts, the raw probe output (the files' text), and the finding to fix. */
export interface PlanInput {
  facts: Facts;
  raw: RawSnapshot;
  finding: Finding;
  /** `--choice NAME`, when given. */
  choice?: string;
  /** `kubeadm join … --token …`: lets the cert fix write bootstrap-kubelet.conf (never printed). */
  joinCommand?: string;
  /** The clock for expiry decisions (planners never read the clock themselves). */
  now: Date;
}

/** A pure planner: the same input always gives the same plan, and it never touches the node. */
export type Planner = (input: PlanInput) => FixPlan | NotApplicable;

/** Narrow a planner's answer. */
export const isNotApplicable = (p: FixPlan | NotApplicable): p is NotApplicable => 'notApplicable' in p;

/** Build a NotApplicable answer. */
export const notApplicable = (reason: string, hint?: string): NotApplicable => ({notApplicable: true, reason, ...(hint ? {hint} : {})});

/** The file-changing steps of a plan. */
export const fileSteps = (plan: FixPlan): Extract<Step, {kind: 'write-file' | 'remove-file'}>[] =>
  plan.steps.filter((s): s is Extract<Step, {kind: 'write-file' | 'remove-file'}> => s.kind === 'write-file' || s.kind === 'remove-file');

/** Steps that act on a running node (commands, units, healthz); under --root they wait for the next boot. */
export const liveSteps = (plan: FixPlan): Extract<Step, {kind: 'run' | 'daemon-reload' | 'restart-unit' | 'wait-healthz'}>[] =>
  plan.steps.filter(
    (s): s is Extract<Step, {kind: 'run' | 'daemon-reload' | 'restart-unit' | 'wait-healthz'}> =>
      s.kind === 'run' || s.kind === 'daemon-reload' || s.kind === 'restart-unit' || s.kind === 'wait-healthz',
  );
