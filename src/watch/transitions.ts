/**
 * What changed on a node between two probes: the watch's one pure decision. `watch` prints
 * these (a line each, or an NDJSON event), the TUI shows them; both read them from here, so a
 * fix is called "fixed" in one place only. No I/O, no clock: the caller stamps the time.
 */
import type {Status} from '../catalogue/define.js';
import {firstCauseIds} from '../report/causes.js';
import type {Finding, TargetResult} from '../report/types.js';

/** A node's status as the engine reports it. */
export type NodeStatus = TargetResult['status'];

/** One change on one node between two probes. */
export type Transition =
  /** A check that failed passes now. */
  | {kind: 'fixed'; node: string; check: string; title: string; from: 'fail'; to: 'pass'}
  /** A check fails that did not (`from` null: the check was not in the previous result). */
  | {kind: 'new-failure'; node: string; check: string; title: string; from: Status | null; to: 'fail'; summary: string}
  /** Any other change of a check's status (fail → warn, pass → warn, warn → pass, …). */
  | {kind: 'status'; node: string; check: string; title: string; from: Status; to: Status; summary: string}
  /** The node's first cause (its most severe failing root) is another check now (null: none). */
  | {kind: 'first-cause'; node: string; from: string | null; to: string | null}
  /** The node could not be reached (it could before, or this is its first probe). */
  | {kind: 'unreachable'; node: string; from: NodeStatus | null; message: string}
  /** The node answers again after being unreachable. */
  | {kind: 'back'; node: string; to: NodeStatus}
  /** The node's status changed otherwise (ok ↔ error, ok ↔ not-a-node). */
  | {kind: 'node-status'; node: string; from: NodeStatus; to: NodeStatus; message: string | null}
  /** The node became healthy (no failing check) or stopped being so. */
  | {kind: 'healthy'; node: string; healthy: boolean};

/** Every transition kind, in the order a step lists them. */
export const TRANSITION_KINDS = [
  'unreachable',
  'back',
  'node-status',
  'fixed',
  'new-failure',
  'status',
  'first-cause',
  'healthy',
] as const satisfies readonly Transition['kind'][];

/** A finding that counts against health: failing, and not under a waiver that still holds. */
const failing = (f: Pick<Finding, 'status' | 'waived'>): boolean => f.status === 'fail' && !(f.waived && !f.waived.expired);

/**
 * Healthy: the node was probed in full (status ok) and no check fails. An unreachable node, one
 * whose output was cut (error), and a machine with no kubelet are not healthy.
 */
export function isHealthy(r: Pick<TargetResult, 'status' | 'results'>): boolean {
  return r.status === 'ok' && !r.results.some(failing);
}

/** The node's first cause (its most severe failing root), or null. */
export function firstCause(r: Pick<TargetResult, 'results'>): string | null {
  return firstCauseIds(r.results)[0] ?? null;
}

/** What the watch remembers of a node: its last result, and the last one whose checks ran. */
export interface NodeHistory {
  last: TargetResult;
  /** The last result with check results (an unreachable probe has none), or null. */
  checked: TargetResult | null;
}

/** Whether the node's checks ran in this result (an unreachable or failed probe has none). */
const hasChecks = (r: TargetResult): boolean => r.status !== 'unreachable' && r.status !== 'not-a-node' && r.results.length > 0;

/** The node's name in events: the name it was given (stable even when the hostname differs). */
const nodeOf = (r: TargetResult): string => r.target;

/** Check-level changes between two results whose checks both ran. */
function checkTransitions(prev: TargetResult, next: TargetResult): Transition[] {
  const node = nodeOf(next);
  const before = new Map(prev.results.map((f) => [f.id, f]));
  const fixed: Transition[] = [];
  const added: Transition[] = [];
  const changed: Transition[] = [];
  for (const f of next.results) {
    const p = before.get(f.id);
    const from = p?.status ?? null;
    if (from === f.status) continue;
    if (from === 'fail' && f.status === 'pass') {
      fixed.push({kind: 'fixed', node, check: f.id, title: f.title, from: 'fail', to: 'pass'});
    } else if (f.status === 'fail') {
      added.push({kind: 'new-failure', node, check: f.id, title: f.title, from, to: 'fail', summary: f.summary});
    } else if (from !== null) {
      changed.push({kind: 'status', node, check: f.id, title: f.title, from, to: f.status, summary: f.summary});
    }
  }
  const out = [...fixed, ...added, ...changed];
  const a = firstCause(prev);
  const b = firstCause(next);
  if (a !== b) out.push({kind: 'first-cause', node, from: a, to: b});
  return out;
}

/**
 * The transitions from a node's history to its next result, and the history after it. The first
 * probe (`history` undefined) reports only an unreachable node: its failures are the starting
 * state, not news. Checks are compared with the last result whose checks ran, so a node that
 * was unreachable for a while and comes back fixed says "back" and then "fixed".
 */
export function step(history: NodeHistory | undefined, next: TargetResult): {history: NodeHistory; transitions: Transition[]} {
  const node = nodeOf(next);
  const out: Transition[] = [];
  const prev = history?.last ?? null;
  const message = next.error?.message ?? null;
  if (next.status === 'unreachable') {
    if (prev?.status !== 'unreachable') out.push({kind: 'unreachable', node, from: prev?.status ?? null, message: message ?? 'unreachable'});
  } else if (prev?.status === 'unreachable') {
    out.push({kind: 'back', node, to: next.status});
  }
  if (prev && prev.status !== next.status && prev.status !== 'unreachable' && next.status !== 'unreachable') {
    out.push({kind: 'node-status', node, from: prev.status, to: next.status, message});
  }
  const checked = hasChecks(next) ? next : (history?.checked ?? null);
  if (hasChecks(next) && history?.checked) out.push(...checkTransitions(history.checked, next));
  if (prev && isHealthy(prev) !== isHealthy(next)) out.push({kind: 'healthy', node, healthy: isHealthy(next)});
  return {history: {last: next, checked}, transitions: out};
}

/** The transitions between two results of one node (`prev` null: the first probe). */
export function transitions(prev: TargetResult | null, next: TargetResult): Transition[] {
  return step(prev ? {last: prev, checked: hasChecks(prev) ? prev : null} : undefined, next).transitions;
}

/** One transition as a line of text, without the time or the node (the caller prefixes them). */
export function describe(t: Transition): string {
  switch (t.kind) {
    case 'fixed':
      return `fixed: ${t.check} (${t.title}) fail → pass`;
    case 'new-failure':
      return `new failure: ${t.check} (${t.title}) ${t.from ?? 'new'} → fail: ${t.summary}`;
    case 'status':
      return `${t.check} (${t.title}) ${t.from} → ${t.to}: ${t.summary}`;
    case 'first-cause':
      return t.to === null ? `first cause cleared (was ${t.from})` : `first cause is now ${t.to}${t.from ? ` (was ${t.from})` : ''}`;
    case 'unreachable':
      return `unreachable: ${t.message}`;
    case 'back':
      return `reachable again (${t.to})`;
    case 'node-status':
      return `node status ${t.from} → ${t.to}${t.message ? `: ${t.message}` : ''}`;
    case 'healthy':
      return t.healthy ? 'healthy: no failing check' : 'not healthy';
  }
}
