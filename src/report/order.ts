/**
 * What every reporter does before it renders: sanitise remote text, order findings first cause
 * first, count by status, and print a source. Kept in one place so the formats can't drift.
 */
import {SEVERITY_RANK, type Status} from '../catalogue/define.js';
import type {Source} from '../facts/types.js';
import {sanitize} from '../text/sanitize.js';
import type {Finding, Report, Summary, TargetFailure, TargetResult} from './types.js';

/** Options every reporter takes. The caller decides colour (TTY, NO_COLOR) and width. */
export interface RenderOptions {
  /** Emit ANSI SGR colour (text only). */
  color: boolean;
  /** Wrap or cut lines to this many columns (text only); no limit when absent. */
  width?: number;
  /** List passing checks one by one instead of one collapsed line (text only). */
  verbose?: boolean;
}

/** The fields ordering looks at, so the JSON form of a finding can be ordered too. */
export type Orderable = Pick<Finding, 'id' | 'status' | 'severity' | 'causedBy'>;

/** A finding in display order, with how deep it sits under the failure that explains it. */
export interface Placed<F extends Orderable = Finding> {
  finding: F;
  /** 0 for a first cause or any non-failure; n for a failure explained n steps down. */
  depth: number;
}

/** Display order of the statuses after the failure trees (DESIGN.md rule 6: first cause first). */
const STATUS_ORDER: readonly Status[] = ['warn', 'error', 'advice', 'note', 'pass', 'skip'];

const bySeverity = <F extends Orderable>(a: F, b: F): number => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];

/**
 * Lay findings out first cause first, with depths: each root failure (critical first), followed
 * depth-first by the failures it explains; then warnings, errors, passes, skips in their given order.
 * A failure whose cause is absent or not failing counts as a root, and a cause cycle is broken at
 * its most severe member, so every finding appears exactly once.
 */
export function placeFindings<F extends Orderable>(findings: readonly F[]): Placed<F>[] {
  const failures = findings.filter((f) => f.status === 'fail');
  const failingIds = new Set(failures.map((f) => f.id));
  const children = new Map<string, F[]>();
  for (const f of failures) {
    if (f.causedBy === null || f.causedBy === f.id || !failingIds.has(f.causedBy)) continue;
    const list = children.get(f.causedBy) ?? [];
    list.push(f);
    children.set(f.causedBy, list);
  }
  const out: Placed<F>[] = [];
  const placed = new Set<F>();
  const visit = (f: F, depth: number): void => {
    if (placed.has(f)) return;
    placed.add(f);
    out.push({finding: f, depth});
    for (const child of [...(children.get(f.id) ?? [])].sort(bySeverity)) visit(child, depth + 1);
  };
  const isRoot = (f: F): boolean => f.causedBy === null || f.causedBy === f.id || !failingIds.has(f.causedBy);
  for (const f of [...failures].filter(isRoot).sort(bySeverity)) visit(f, 0);
  // Whatever is left sits on a cause cycle: start each cycle at its most severe member.
  for (const f of [...failures].sort(bySeverity)) visit(f, 0);
  for (const status of STATUS_ORDER) {
    for (const f of findings) if (f.status === status) out.push({finding: f, depth: 0});
  }
  return out;
}

/**
 * Order findings first cause first (see {@link placeFindings}): the operator reads the deepest
 * failing cause before the failures it explains, then warnings, errors, passes and skips.
 */
export function orderFindings<F extends Orderable>(findings: readonly F[]): F[] {
  return placeFindings(findings).map((p) => p.finding);
}

/**
 * The report without best-practice advice (what `--advice` asks for): each node keeps the count
 * of what was left out, so the text report can say how to see it.
 */
export function hideAdvice(report: Report): Report {
  const targets = report.targets.map((t) => {
    const hidden = t.results.filter((f) => f.status === 'advice').length;
    return hidden === 0 ? t : {...t, results: t.results.filter((f) => f.status !== 'advice'), adviceHidden: hidden};
  });
  return {...report, targets, summary: summarize(targets)};
}

/** Zero counts for every status. */
export const emptySummary = (): Summary => ({pass: 0, warn: 0, fail: 0, skip: 0, error: 0, note: 0, advice: 0});

/** Count one target's results by status (a header line, a JUnit suite). */
export function countResults(results: readonly Pick<Finding, 'status'>[]): Summary {
  const counts = emptySummary();
  for (const r of results) counts[r.status]++;
  return counts;
}

/**
 * Count results by status across all targets: the report's `summary`. Targets that could not be
 * checked have no results and add nothing here; reporters show them separately.
 */
export function summarize(targets: readonly Pick<TargetResult, 'results'>[]): Summary {
  return countResults(targets.flatMap((t) => t.results));
}

/** `file:line`, `file`, or the command: how a source is printed everywhere (and in JSON schema 1). */
export function formatSource(source: Source): string {
  if ('command' in source) return source.command;
  return source.line === undefined ? source.file : `${source.file}:${source.line}`;
}

const cleanSource = (s: Source): Source => ('command' in s ? {command: sanitize(s.command)} : {...s, file: sanitize(s.file)});

const cleanFinding = (f: Finding): Finding => ({
  ...f,
  id: sanitize(f.id),
  title: sanitize(f.title),
  summary: sanitize(f.summary),
  evidence: f.evidence.map((e) => ({source: cleanSource(e.source), text: sanitize(e.text)})),
  remediation: sanitize(f.remediation),
  fix: f.fix === null ? null : sanitize(f.fix),
  causedBy: f.causedBy === null ? null : sanitize(f.causedBy),
  details: f.details.map(sanitize),
  references: f.references.map(sanitize),
  ...(f.waived ? {waived: {...f.waived, reason: sanitize(f.waived.reason), expires: sanitize(f.waived.expires)}} : {}),
});

const cleanFailure = (e: TargetFailure | null): TargetFailure | null =>
  e === null ? null : {kind: sanitize(e.kind), message: sanitize(e.message), hint: e.hint === null ? null : sanitize(e.hint)};

/**
 * A copy of the report with every string passed through {@link sanitize} (newlines and tabs
 * kept). Reporters render only this copy, so no format can carry a node's escape sequences.
 */
/** Every string inside a plain JSON value, sanitised (the cluster's view comes from the API server). */
function sanitizeDeep<T>(v: T): T {
  if (typeof v === 'string') return sanitize(v) as T;
  if (Array.isArray(v)) return v.map(sanitizeDeep) as T;
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sanitizeDeep(x)])) as T;
  return v;
}

export function sanitizeReport(report: Report): Report {
  return {
    ...report,
    version: sanitize(report.version),
    startedAt: sanitize(report.startedAt),
    targets: report.targets.map((t) => ({
      ...t,
      target: sanitize(t.target),
      node: sanitize(t.node),
      error: cleanFailure(t.error),
      kubeletVersion: t.kubeletVersion === null ? null : sanitize(t.kubeletVersion),
      notes: t.notes.map(sanitize),
      ...(t.cluster !== undefined ? {cluster: t.cluster === null ? null : sanitizeDeep(t.cluster)} : {}),
      ...(t.profile !== undefined ? {profile: sanitizeDeep(t.profile)} : {}),
      results: t.results.map(cleanFinding),
    })),
  };
}

/** "1 target" / "3 targets": counts read better with the right plural. */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
