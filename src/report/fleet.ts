/**
 * The fleet at a glance: one row per node (its status, its first cause, whether a fix exists),
 * worst first, and the counts that matter (nodes and causes, not every failing symptom). Text
 * and Markdown open with this table; the closing line counts from it.
 */
import {SEVERITY_RANK} from '../catalogue/define.js';
import {causeGroups} from './causes.js';
import type {Finding, Report, TargetResult} from './types.js';

/** A node's state as the table shows it, worst first. */
export type NodeState = 'fail' | 'unreachable' | 'error' | 'warn' | 'not-a-node' | 'ok';

const STATE_RANK: Record<NodeState, number> = {fail: 0, unreachable: 1, error: 2, warn: 3, 'not-a-node': 4, ok: 5};

/** One node's row. */
export interface FleetRow {
  target: TargetResult;
  state: NodeState;
  /** The root causes (failing checks no other failure explains), most severe first. */
  causes: Finding[];
  /** Failures the causes explain (symptoms folded under them). */
  explained: number;
  /** What the operator reads first: the first cause's id, the first warning's, or why it was not checked. */
  first: string;
  /** The fix the first cause offers, or null. */
  fix: string | null;
}

/** A failure that an unexpired waiver covers does not count against the node. */
const accepted = (f: Finding): boolean => f.waived !== undefined && !f.waived.expired;

/** The row for one node. */
export function fleetRow(t: TargetResult): FleetRow {
  const groups = causeGroups(t.results.filter((f) => !accepted(f)));
  const causes = groups.map((g) => g.cause);
  const explained = groups.reduce((n, g) => n + g.explains.length, 0);
  const warning = t.results.find((f) => f.status === 'warn' && !accepted(f));
  const crashed = t.results.find((f) => f.status === 'error');
  let state: NodeState;
  let first: string;
  if (t.status !== 'ok') {
    state = t.status;
    first = t.status === 'not-a-node' ? 'no kubelet on this machine' : (t.error?.kind ?? t.status);
    // A node whose output was cut still lists the causes found in what arrived.
    if (causes[0]) first = `${causes[0].id} (partial)`;
  } else if (causes.length > 0) {
    state = 'fail';
    first = causes[0]!.id;
  } else if (crashed) {
    state = 'error';
    first = `${crashed.id} (check crashed)`;
  } else if (warning) {
    state = 'warn';
    first = warning.id;
  } else {
    state = 'ok';
    first = '';
  }
  return {target: t, state, causes, explained, first, fix: causes[0]?.fix ?? null};
}

/** What the table and the closing line need of a row (a streamed run keeps only this per node). */
export interface TableRow {
  target: Pick<TargetResult, 'node'>;
  state: NodeState;
  causes: readonly Pick<Finding, 'severity'>[];
  explained: number;
  first: string;
  fix: string | null;
}

/** A row without the node's findings: its name, state, first cause, fix and the causes' severities. */
export const slimRow = (r: FleetRow): TableRow => ({
  target: {node: r.target.node},
  state: r.state,
  causes: r.causes.map((c) => ({severity: c.severity})),
  explained: r.explained,
  first: r.first,
  fix: r.fix,
});

/** Rows worst first: failing nodes (a critical cause first, then more causes), not checked, warnings, healthy; ties keep input order. */
export function sortRows<R extends TableRow>(rows: readonly R[]): R[] {
  const worstCause = (r: TableRow): number => Math.min(5, ...r.causes.map((c) => SEVERITY_RANK[c.severity]));
  return rows
    .map((r, i) => ({r, i}))
    .sort((a, b) => STATE_RANK[a.r.state] - STATE_RANK[b.r.state] || worstCause(a.r) - worstCause(b.r) || b.r.causes.length - a.r.causes.length || a.i - b.i)
    .map(({r}) => r);
}

/** The report's rows, worst first. */
export function fleetRows(report: Pick<Report, 'targets'>): FleetRow[] {
  return sortRows(report.targets.map(fleetRow));
}

/** "1 cause (explains 4)", "2 causes", "" for none. */
export function causeCount(causes: number, explained: number): string {
  if (causes === 0) return '';
  return `${causes} ${causes === 1 ? 'cause' : 'causes'}${explained > 0 ? ` (explains ${explained})` : ''}`;
}

/**
 * The closing line: nodes by state and how many causes to fix, e.g. "11 nodes: 9 failing (10
 * causes, 28 failures they explain), 1 with warnings, 1 ok; 1 unreachable".
 */
export function fleetLine(rows: readonly TableRow[]): string {
  const count = (s: NodeState) => rows.filter((r) => r.state === s).length;
  const causes = rows.reduce((n, r) => n + r.causes.length, 0);
  const explained = rows.reduce((n, r) => n + r.explained, 0);
  const parts: string[] = [];
  const failing = count('fail');
  if (failing > 0)
    parts.push(`${failing} failing (${causes} ${causes === 1 ? 'cause' : 'causes'} to fix${explained > 0 ? `, explaining ${explained} more` : ''})`);
  if (count('warn') > 0) parts.push(`${count('warn')} with warnings`);
  if (count('error') > 0) parts.push(`${count('error')} not fully checked`);
  if (count('ok') > 0) parts.push(`${count('ok')} ok`);
  const down = [count('unreachable') > 0 ? `${count('unreachable')} unreachable` : '', count('not-a-node') > 0 ? `${count('not-a-node')} not a node` : ''];
  const tail = down.filter((x) => x !== '').join(', ');
  const nodes = `${rows.length} ${rows.length === 1 ? 'node' : 'nodes'}`;
  return `${nodes}: ${parts.join(', ') || 'none checked'}${tail === '' ? '' : `; ${tail}`}`;
}
