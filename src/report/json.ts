/**
 * The JSON report, schema 1 (DESIGN.md): the contract that runbooks, CI and `jq` pipelines read.
 * Evidence sources are strings here (`file:line`, `file`, or the command); extension keys
 * (`causedBy`, `details`, `references`, `notes`, `waived`) are additive.
 */
import type {Category, Severity, Status} from '../catalogue/define.js';
import type {TransportKind} from '../facts/types.js';
import {firstCauseIds} from './causes.js';
import {formatSource, sanitizeReport, summarize, type RenderOptions} from './order.js';
import type {ClusterSummary, Finding, Report, Summary, TargetFailure, TargetResult} from './types.js';

/** One evidence item as JSON carries it. */
export interface JsonEvidence {
  source: string;
  text: string;
}

/** One result as JSON carries it (schema 1 plus extension keys). */
export interface JsonResult {
  id: string;
  title: string;
  category: Category;
  severity: Severity;
  status: Status;
  summary: string;
  evidence: JsonEvidence[];
  remediation: string;
  fix: string | null;
  causedBy: string | null;
  details: string[];
  references: string[];
  /** Present when a waiver covers the finding (see docs/runbooks.md). */
  waived?: {reason: string; expires: string; expired: boolean};
}

/** One target as JSON carries it. */
export interface JsonTarget {
  target: string;
  node: string;
  transport: TransportKind;
  status: TargetResult['status'];
  error: TargetFailure | null;
  kubeletVersion: string | null;
  durationMs: number;
  notes: string[];
  /**
   * Present (true) when the node's output was cut, malformed or missing a section: `status` is
   * `error` and `results` are what the part that arrived gives, with no pass among them.
   */
  partial?: boolean;
  /** The API server's view of the node (only with a kubeconfig). */
  cluster?: ClusterSummary | null;
  /** The installer profile id (DESIGN.md: `kubeadm-deb|eks-al2023|kubespray|…`, or `unknown`). */
  profile?: string;
  /** The profile's title, the evidence it was recognised by, and (k3s/RKE2) what is checked. */
  installer?: {id: string; title: string; evidence: JsonEvidence[]; note: string | null};
  /** The node's root causes, most severe first (src/report/causes.ts): what to fix first; [] when nothing fails. */
  firstCause: string[];
  /** How many best-practice advice findings were left out (shown with --advice). */
  adviceHidden?: number;
  results: JsonResult[];
}

/** The whole JSON document, schema 1. */
export interface JsonReport {
  schema: 1;
  tool: 'kubelet-doctor';
  version: string;
  startedAt: string;
  targets: JsonTarget[];
  summary: Summary;
}

const toResult = (f: Finding): JsonResult => ({
  id: f.id,
  title: f.title,
  category: f.category,
  severity: f.severity,
  status: f.status,
  summary: f.summary,
  evidence: f.evidence.map((e) => ({source: formatSource(e.source), text: e.text})),
  remediation: f.remediation,
  fix: f.fix,
  causedBy: f.causedBy,
  details: [...f.details],
  references: [...f.references],
  ...(f.waived ? {waived: {...f.waived}} : {}),
});

const toTarget = (t: TargetResult): JsonTarget => ({
  target: t.target,
  node: t.node,
  transport: t.transport,
  status: t.status,
  error: t.error,
  kubeletVersion: t.kubeletVersion,
  durationMs: t.durationMs,
  notes: [...t.notes],
  ...(t.partial ? {partial: true} : {}),
  ...(t.cluster !== undefined ? {cluster: t.cluster} : {}),
  ...(t.profile !== undefined
    ? {
        profile: t.profile.id,
        installer: {
          id: t.profile.id,
          title: t.profile.title,
          evidence: t.profile.evidence.map((e) => ({source: formatSource(e.source), text: e.text})),
          note: t.profile.note,
        },
      }
    : {}),
  firstCause: firstCauseIds(t.results),
  ...(t.adviceHidden ? {adviceHidden: t.adviceHidden} : {}),
  results: t.results.map(toResult),
});

/**
 * The schema-1 object for a report, sanitised (no escape bytes survive even `jq -r`), with key
 * order fixed so diffs between runs stay readable. The summary is recounted from the results.
 */
export function toJsonReport(report: Report): JsonReport {
  const clean = sanitizeReport(report);
  return {
    schema: 1,
    tool: 'kubelet-doctor',
    version: clean.version,
    startedAt: clean.startedAt,
    targets: clean.targets.map(toTarget),
    summary: summarize(clean.targets),
  };
}

/** Render the JSON report: pretty-printed with 2 spaces and a trailing newline. */
export function render(report: Report, _opts: RenderOptions): string {
  return `${JSON.stringify(toJsonReport(report), null, 2)}\n`;
}

/** Indent every line after the first of a JSON text by `pad` (a JSON text has no raw newline inside a string). */
const indent = (json: string, pad: string): string => json.replaceAll('\n', `\n${pad}`);

/**
 * The JSON report written as the nodes arrive (`check` on a fleet): the document render() gives,
 * byte for byte, in pieces. `emit` gets the head at once, each node's object as soon as every node
 * before it in input order has arrived (a node that finished early waits as its rendered text, not
 * its findings), and the tail with the summary at `end()`.
 */
export function jsonStream(head: Pick<Report, 'schema' | 'tool' | 'version' | 'startedAt'>, total: number, emit: (text: string) => void) {
  const clean = sanitizeReport({...head, targets: [], summary: summarize([])});
  const summary = summarize([]);
  const waiting = new Map<number, string>();
  let next = 0;
  emit(
    `{\n  "schema": 1,\n  "tool": "kubelet-doctor",\n  "version": ${JSON.stringify(clean.version)},\n  "startedAt": ${JSON.stringify(clean.startedAt)},\n  "targets": [`,
  );
  return {
    add(index: number, t: TargetResult): void {
      const one = toJsonReport({...head, targets: [t], summary: summarize([t])});
      for (const [k, n] of Object.entries(one.summary)) summary[k as keyof Summary] += n;
      waiting.set(index, `${index === 0 ? '' : ','}\n    ${indent(JSON.stringify(one.targets[0], null, 2), '    ')}`);
      let out = '';
      for (let piece = waiting.get(next); piece !== undefined; piece = waiting.get(next)) {
        waiting.delete(next++);
        out += piece;
      }
      if (out !== '') emit(out);
    },
    end(): void {
      emit(`${total === 0 ? ']' : '\n  ]'},\n  "summary": ${indent(JSON.stringify(summary, null, 2), '  ')}\n}\n`);
    },
  };
}
