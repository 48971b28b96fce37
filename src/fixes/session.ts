/**
 * One fix on one node, from probe to result, for every interface: the `fix` command, the TUI
 * wizard and anything else that wants "plan this check's fix, show it, then apply it". The
 * session holds the node's connection open between showing the plan and applying it, so the
 * apply runs on the same transport (and refuses if the files changed meanwhile).
 */
import {catalogue} from '../../checks/index.js';
import type {CheckDef} from '../catalogue/define.js';
import {evaluateAll} from '../engine/evaluate.js';
import {transportFor, type TransportHooks} from '../engine/run.js';
import {buildFacts} from '../facts/build.js';
import type {Facts, RawSnapshot} from '../facts/types.js';
import {collectRaw} from '../probe/collect.js';
import type {Finding} from '../report/types.js';
import type {Target} from '../targets/types.js';
import type {Transport} from '../transport/types.js';
import {applyPlan, type ApplyEvent, type ApplyResult} from './apply.js';
import {appendAudit, outcomeOf} from './audit.js';
import {planFix} from './registry.js';
import {targetWords} from './render.js';
import {isNotApplicable, type FixPlan, type NotApplicable} from './types.js';

/** What a session needs to know. */
export interface FixSessionOptions {
  kubeletVersion: string | null;
  timeoutMs: number;
  expiryWarnDays: number;
  now: () => Date;
  choice?: string;
  joinCommand?: string;
  signal?: AbortSignal;
  hooks?: TransportHooks;
  /**
   * Append the apply to the audit log (a `started` line, then the result), as the `fix` command
   * does itself. The TUI wizard sets it. @default false
   */
  audit?: boolean;
  /** Break a stale lock on the node (--force). */
  force?: boolean;
  /** How the operator names the target on the command line, for hand-restore commands (see ApplyOptions.rollbackTarget). */
  rollbackTarget?: string;
  /** Record the backup once taken (the `fix` command writes the audit line itself; with `audit` the session does). */
  recordBackup?: (id: string, manifest: string) => Promise<void>;
}

/** A probed node with the plan for one check's finding. */
export interface FixSession {
  target: Target;
  transport: Transport;
  check: CheckDef;
  raw: RawSnapshot;
  facts: Facts;
  finding: Finding;
  /** The plan `apply` applies: the one for `choice` at open, or the last {@link FixSession.choose}. */
  readonly plan: FixPlan | NotApplicable;
  /**
   * Plan again for another `--choice` on the same probe (planners are pure, so this is what a
   * new session with that choice would plan), and make it the plan `apply` applies.
   */
  choose(choice: string): FixPlan | NotApplicable;
  /** Apply the plan (only when it is a plan). */
  apply(onEvent?: (e: ApplyEvent) => void): Promise<ApplyResult>;
  /** Close the node's connection; always call it. */
  close(): Promise<void>;
}

/**
 * Probe the target and plan the fix for `check`'s finding. Rejects with TargetError when the
 * node cannot be reached (the connection is closed then).
 */
export async function openFixSession(target: Target, check: CheckDef, o: FixSessionOptions): Promise<FixSession> {
  const transport = await transportFor(target, o.hooks);
  if (!transport) throw new Error(`${target.name}: a snapshot cannot be fixed`);
  try {
    const raw = await collectRaw(transport, {timeoutMs: o.timeoutMs, ...(o.signal ? {signal: o.signal} : {})});
    const facts = buildFacts(raw, {name: target.name, transport: transport.kind, kubeletVersion: o.kubeletVersion});
    const ctx = {now: o.now(), expiryWarnDays: o.expiryWarnDays};
    // The whole catalogue, so the finding knows which failing check explains it (causedBy).
    const finding = evaluateAll(catalogue, facts, ctx).find((f) => f.id === check.id)!;
    const planFor = (choice: string | undefined) =>
      planFix({facts, raw, finding, now: ctx.now, ...(choice ? {choice} : {}), ...(o.joinCommand ? {joinCommand: o.joinCommand} : {})});
    let plan = planFor(o.choice);
    const applyAudited = async (p: FixPlan, onEvent?: (e: ApplyEvent) => void): Promise<ApplyResult> => {
      const audit = {target: target.name, transport: transport.kind, action: 'apply' as const, fixId: p.fixId, checkId: p.checkId, choice: p.choice ?? null};
      if (o.audit) await appendAudit({...audit, backup: null, result: 'started', message: p.title, files: []});
      const record =
        o.recordBackup ??
        (o.audit
          ? (id: string, manifest: string) => appendAudit({...audit, backup: id, manifest, result: 'backed-up', message: p.title, files: []})
          : undefined);
      const result = await applyPlan(p, {
        transport,
        target: target.name,
        check,
        before: finding,
        ctx,
        kubeletVersion: o.kubeletVersion,
        timeoutMs: o.timeoutMs,
        ...(o.signal ? {signal: o.signal} : {}),
        ...(onEvent ? {onEvent} : {}),
        ...(o.force ? {force: true} : {}),
        rollbackTarget: o.rollbackTarget ?? targetWords(target),
        ...(record ? {recordBackup: record} : {}),
      });
      if (!o.audit) return result;
      try {
        await appendAudit({...audit, ...outcomeOf(result)});
        return result;
      } catch (e) {
        // The node is already changed (or restored): the result must still reach the operator.
        return {...result, message: `${result.message} (the audit log could not be written: ${(e as Error).message})`};
      }
    };
    return {
      target,
      transport,
      check,
      raw,
      facts,
      finding,
      get plan() {
        return plan;
      },
      choose: (choice) => (plan = planFor(choice)),
      apply: (onEvent) => {
        const p = plan;
        if (isNotApplicable(p)) return Promise.reject(new Error(`nothing to apply: ${p.reason}`));
        return applyAudited(p, onEvent);
      },
      close: () => transport.close(),
    };
  } catch (e) {
    await transport.close();
    throw e;
  }
}
