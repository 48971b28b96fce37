/**
 * Read-only views of {@link UiState} that screens and key handling share: the fleet rows sorted
 * worst first, a node's checks grouped by category, the finding behind a check screen, the
 * documents search indexes. Pure functions of state (and the clock, passed in).
 */
import {SEVERITY_RANK, STATUS_RANK, type Category, type CheckDef, type Status} from '../../catalogue/define.js';
import {causeGroups, type CauseGroup} from '../../report/causes.js';
import {countResults, placeFindings} from '../../report/order.js';
import type {Finding, Summary, TargetFailure, TargetResult} from '../../report/types.js';
import type {FindingDoc, SearchHit} from '../../search/search-index.js';
import type {NodeState, Phase, UiState} from './run-reducer.js';

/** One row of the fleet view. */
export interface FleetRow {
  index: number;
  name: string;
  transport: string;
  phase: Phase;
  /** Running: time since the probe started; done: how long the check took. */
  elapsedMs: number | null;
  /** Null until the node has a result (or when it could not be checked). */
  counts: Summary | null;
  /** Root causes (failures nothing else on the node explains) plus checks that could not run: what the FAIL column counts. */
  causes: number;
  /** Failures folded under those causes (consequences, not counted as causes). */
  explained: number;
  /** The first cause among the failures (else the first error or warning), or null. */
  worst: Finding | null;
  /** How many failures `worst` explains. */
  worstExplains: number;
  /** The target answered but is not a Kubernetes node (no kubelet): one line, no findings, no fix. */
  notANode: boolean;
  /** Why the node could not be checked, or null. */
  error: TargetFailure | null;
  /** Failing, unreachable or not checkable: what `f` keeps. */
  failing: boolean;
}

/** The name the operator knows the node by: its hostname once known, else the target. */
export function nodeName(n: NodeState): string {
  return n.result?.node ?? n.name;
}

/**
 * Whether a target answered but is no Kubernetes node (a machine with no kubelet): the engine
 * says so with status `not-a-node` (or, before it did, an error of that kind).
 */
export function isNotANode(r: Pick<TargetResult, 'status' | 'error'> | null): boolean {
  return r !== null && (r.status === 'not-a-node' || r.error?.kind === 'not-a-node');
}

/** The node's failures as cause trees (report/causes.ts): each root cause with what it explains. */
export const nodeCauses = (findings: readonly Finding[]): CauseGroup<Finding>[] => causeGroups(findings);

/** What a node counts as problems: its root causes and the checks that could not run; the failures they explain apart. */
export function problemCounts(findings: readonly Finding[]): {causes: number; explained: number} {
  const groups = causeGroups(findings);
  const errors = findings.filter((f) => f.status === 'error').length;
  return {causes: groups.length + errors, explained: groups.reduce((n, g) => n + g.explains.length, 0)};
}

function fleetRow(n: NodeState, index: number, now: number): FleetRow {
  const r = n.result;
  const elapsedMs = n.phase === 'running' && n.startedAt !== null ? Math.max(0, now - n.startedAt) : (r?.durationMs ?? null);
  const notANode = isNotANode(r);
  const checked = r !== null && r.status === 'ok' && !notANode;
  const groups = checked ? causeGroups(r.results) : [];
  const placed = checked ? placeFindings(r.results) : [];
  const worst =
    groups[0]?.cause ?? placed.find((p) => p.finding.status === 'fail' || p.finding.status === 'error' || p.finding.status === 'warn')?.finding ?? null;
  const counts = checked ? countResults(r.results) : null;
  const {causes, explained} = checked ? problemCounts(r.results) : {causes: 0, explained: 0};
  const error =
    r !== null && (r.status !== 'ok' || notANode)
      ? (r.error ?? {kind: notANode ? 'not-a-node' : r.status, message: notANode ? 'no kubelet on this machine' : 'the node could not be checked', hint: null})
      : null;
  return {
    index,
    name: nodeName(n),
    transport: r?.transport ?? n.transport,
    phase: n.phase,
    elapsedMs,
    counts,
    causes,
    explained,
    worst,
    worstExplains: groups[0]?.explains.length ?? 0,
    notANode,
    error,
    failing: error !== null || causes > 0,
  };
}

/** Sort rank: unreachable first, then failing (most severe first cause, then most failures), warnings, clean, pending. */
function rank(row: FleetRow): number[] {
  if (row.error) return [0];
  if (row.counts === null) return [5, row.phase === 'running' ? 0 : 1];
  if (row.causes > 0) return [1, SEVERITY_RANK[row.worst?.severity ?? 'info'], -row.causes];
  if (row.counts.warn > 0) return [2, -row.counts.warn];
  return [3];
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The fleet view's rows: worst first (ties in command-line order), failing only under `f`. */
export function fleetRows(s: UiState, now: number): FleetRow[] {
  const rows = s.nodes.map((n, i) => fleetRow(n, i, now));
  rows.sort((a, b) => compareRanks(rank(a), rank(b)) || a.index - b.index);
  return s.failingOnly ? rows.filter((r) => r.failing) : rows;
}

/** Counts across the fleet for the header: nodes done, running, failing (and their causes), not checked, not nodes. */
export function fleetProgress(s: UiState): {
  total: number;
  done: number;
  running: number;
  failing: number;
  causes: number;
  unreachable: number;
  notNodes: number;
} {
  let done = 0;
  let running = 0;
  let failing = 0;
  let causes = 0;
  let unreachable = 0;
  let notNodes = 0;
  for (const n of s.nodes) {
    if (n.phase === 'done') done++;
    if (n.phase === 'running') running++;
    if (isNotANode(n.result)) notNodes++;
    else if (n.result && n.result.status !== 'ok') unreachable++;
    else if (n.result) {
      const c = problemCounts(n.result.results).causes;
      if (c > 0) failing++;
      causes += c;
    }
  }
  return {total: s.nodes.length, done, running, failing, causes, unreachable, notNodes};
}

/** A group of the node view: one category, its findings first cause first. */
export interface CheckGroup {
  category: Category;
  worst: Status;
  findings: Finding[];
}

/**
 * A node's findings grouped by category: errors first, then warnings, advice, notes, passes,
 * skips. Failures are not here: the node view leads with them as cause trees ({@link nodeCauses}).
 */
export function checkGroups(findings: readonly Finding[]): CheckGroup[] {
  const groups = new Map<Category, CheckGroup>();
  for (const {finding} of placeFindings(findings)) {
    if (finding.status === 'fail') continue;
    const g = groups.get(finding.category) ?? {category: finding.category, worst: finding.status, findings: []};
    // STATUS_RANK: higher is worse (catalogue/define.ts).
    if (STATUS_RANK[finding.status] > STATUS_RANK[g.worst]) g.worst = finding.status;
    g.findings.push(finding);
    groups.set(finding.category, g);
  }
  return [...groups.values()].sort((a, b) => STATUS_RANK[b.worst] - STATUS_RANK[a.worst]);
}

/** The finding for a check on a node, if the node has been checked. */
export function findingOf(s: UiState, node: number | null, check: string): Finding | null {
  if (node === null) return null;
  return s.nodes[node]?.result?.results.find((f) => f.id === check) ?? null;
}

/** Failures on this node that name `check` as their cause (what fixing it may also fix). */
export function explainedBy(s: UiState, node: number | null, check: string): Finding[] {
  if (node === null) return [];
  return (s.nodes[node]?.result?.results ?? []).filter((f) => f.causedBy === check && f.id !== check);
}

/** The documents search indexes for the findings of every checked node. */
export function findingDocs(s: UiState): FindingDoc[] {
  return s.nodes.flatMap((n, node) => (isNotANode(n.result) ? [] : (n.result?.results ?? [])).map((f) => ({node, nodeName: nodeName(n), finding: f})));
}

/** The first node (fleet order) where a check fails, errs or warns, else the first checked node. */
export function worstNodeFor(s: UiState, check: string): number | null {
  let fallback: number | null = null;
  for (const row of fleetRows({...s, failingOnly: false}, 0)) {
    const f = findingOf(s, row.index, check);
    if (f && (f.status === 'fail' || f.status === 'error' || f.status === 'warn')) return row.index;
    if (f && fallback === null) fallback = row.index;
  }
  return fallback;
}

/**
 * Which node a search hit opens: a finding's own node; otherwise the node the search was started
 * from; otherwise the node where the check is worst (null: the catalogue entry alone).
 */
export function nodeForHit(s: UiState, hit: SearchHit, context: number | null): number | null {
  if (hit.kind === 'finding' && hit.node !== undefined) return hit.node;
  return context ?? worstNodeFor(s, hit.check);
}

/** The check definition by id (null when the run's catalogue does not have it). */
export function checkDef(checks: readonly CheckDef[], id: string): CheckDef | null {
  return checks.find((c) => c.id === id) ?? null;
}

/** Exit code when the TUI closes, as for the report: 3 a node not checked, 1 a failure, else 0. */
export function exitCodeOfState(s: UiState): number {
  const results = s.nodes.map((n) => n.result).filter((r) => r !== null);
  if (results.some((r) => r.status !== 'ok' || isNotANode(r))) return 3;
  if (results.some((r) => r.results.some((f) => f.status === 'fail' || f.status === 'error'))) return 1;
  return 0;
}
