/**
 * From where a join stopped to what to look at: the checks that step depends on, the first cause
 * among their results (src/report/causes.ts, as every report leads with it), and the lines an
 * operator reads. Pure.
 */
import {causeGroups} from '../report/causes.js';
import {formatSource} from '../report/order.js';
import type {Finding} from '../report/types.js';
import {sanitizeLine} from '../text/sanitize.js';
import {LEFTOVER_PREFLIGHT, checksForPreflightError, phaseInfo, type JoinVerdict} from './phases.js';

/** The check ids to run for a verdict: the step's own, and those its pre-flight errors name (first). */
export function checksFor(v: JoinVerdict): string[] {
  if (v.phase === null) return [];
  const named = v.preflightErrors.flatMap(checksForPreflightError);
  return [...new Set([...named, ...phaseInfo(v.phase).checks])];
}

/** The first cause among the step's results, with what it explains. */
export interface JoinCause {
  cause: Finding;
  explains: Finding[];
}

/** The first failing root cause among `results` (only the step's checks are looked at). */
export function firstCause(v: JoinVerdict, results: readonly Finding[]): JoinCause | null {
  const ids = new Set(checksFor(v));
  const g = causeGroups(results.filter((r) => ids.has(r.id)))[0];
  return g ? {cause: g.cause, explains: g.explains.map((e) => e.finding)} : null;
}

/** Whether the pre-flight errors are only files an earlier join left (answered by `kubeadm reset`). */
export function onlyLeftoverErrors(v: JoinVerdict): boolean {
  return v.preflightErrors.length > 0 && v.preflightErrors.every((e) => LEFTOVER_PREFLIGHT.test(e) || /^Port-10250$/.test(e));
}

/** The verdict's headline and its evidence from the log. */
export function verdictLines(v: JoinVerdict, o: {node?: string; source?: string} = {}): string[] {
  const who = o.node ? ` on ${sanitizeLine(o.node)}` : '';
  if (v.outcome === 'joined') return [`kubeadm join${who}: joined the cluster${v.controlPlane ? ' (a control-plane node)' : ''}.`];
  if (v.phase === null) {
    return [`kubeadm join${who}: no step of a join recognised in ${o.source ?? 'the output'} (is it the output of \`kubeadm join\`?)`];
  }
  const p = phaseInfo(v.phase);
  const how = v.outcome === 'failed' ? 'failed in' : 'did not finish; it was last in';
  const out = [`kubeadm join${who}: ${how} ${p.id} (kubeadm phase ${p.kubeadmPhase}): ${p.title}`];
  for (const e of v.evidence) out.push(`  ${o.source ?? 'log'}:${e.line}  ${sanitizeLine(e.text).slice(0, 400)}`);
  return out;
}

/** The first cause with its evidence, or what to do when no check of the step failed. */
export function causeLines(v: JoinVerdict, cause: JoinCause | null, o: {leftoversReset?: boolean} = {}): string[] {
  if (cause) {
    const c = cause.cause;
    const out = [`First cause: ${c.id}: ${sanitizeLine(c.summary)}`];
    for (const e of c.evidence.slice(0, 4)) out.push(`  evidence: ${sanitizeLine(formatSource(e.source))}  ${sanitizeLine(e.text).slice(0, 300)}`);
    if (c.remediation) out.push(`  fix: ${sanitizeLine(c.remediation)}`);
    if (cause.explains.length > 0) out.push(`  explains: ${cause.explains.map((f) => f.id).join(', ')}`);
    return out;
  }
  if (onlyLeftoverErrors(v) || (v.phase === 'preflight' && o.leftoversReset)) {
    return ['First cause: files from an earlier join (see below): kubeadm reset on the node, then join again.'];
  }
  const err = v.error ? `: ${sanitizeLine(v.error.text).slice(0, 400)}` : '';
  return [`No check of this step failed on the node; kubeadm's own error is the lead${err}`];
}

/** Without a node: the step's checks to run, as a command. */
export function whatToCheckLines(v: JoinVerdict): string[] {
  const ids = checksFor(v);
  if (ids.length === 0) return [];
  const out = [`Checks this step depends on: ${ids.join(', ')}`, `  run them on the node: kubelet-doctor check NODE --only ${ids.join(',')}`];
  if (v.preflightErrors.some((e) => LEFTOVER_PREFLIGHT.test(e))) {
    out.push('  pre-flight found files from an earlier join: run `kubeadm reset` on the node before joining again.');
  }
  return out;
}
