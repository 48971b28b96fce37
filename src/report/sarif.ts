/**
 * The SARIF 2.1.0 report, for code-scanning dashboards and security tooling that ingest static
 * analysis results: one run, one rule per check seen, one result per failure or warning, located
 * at the file and line its evidence names and tagged with the node it was found on.
 */
import {formatSource, orderFindings, sanitizeReport, type RenderOptions} from './order.js';
import type {Finding, Report, TargetResult} from './types.js';

/** Where readers learn about the tool (SARIF `tool.driver.informationUri`). */
export const INFORMATION_URI = 'https://github.com/kubelet-doctor/kubelet-doctor';

/** The schema the document declares (not fetched: tests check the required shape). */
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** SARIF result levels we emit (SARIF 2.1.0 section 3.27.10). */
export type SarifLevel = 'error' | 'warning';

/** One reportingDescriptor: a check as SARIF sees it. */
export interface SarifRule {
  id: string;
  name: string;
  shortDescription: {text: string};
  fullDescription: {text: string};
  helpUri?: string;
  defaultConfiguration: {level: SarifLevel};
  properties: {category: string; severity: string};
}

/** A location: a file region on the node, and the node itself as a logical location. */
export interface SarifLocation {
  physicalLocation?: {artifactLocation: {uri: string}; region?: {startLine: number; snippet: {text: string}}};
  logicalLocations: {name: string; kind: string}[];
}

/** One result: a failing or warning check on one node. */
export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: {text: string};
  locations: SarifLocation[];
  partialFingerprints: Record<string, string>;
  properties: {node: string; target: string; status: string; severity: string; causedBy: string | null; waiverExpired?: string};
  /** An operator's waiver (SARIF 3.35): accepted findings stay visible but are suppressed. */
  suppressions?: {kind: 'external'; status: 'accepted'; justification: string}[];
}

/** The SARIF document (the subset we write). */
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: {
    tool: {driver: {name: string; version: string; informationUri: string; rules: SarifRule[]}};
    invocations: {executionSuccessful: boolean; startTimeUtc?: string; toolExecutionNotifications: {level: 'error'; message: {text: string}}[]}[];
    results: SarifResult[];
  }[];
}

function rulesOf(targets: readonly TargetResult[]): SarifRule[] {
  const seen = new Map<string, SarifRule>();
  for (const f of targets.flatMap((t) => t.results)) {
    if (seen.has(f.id)) continue;
    const help = f.references[0];
    seen.set(f.id, {
      id: f.id,
      name: f.id,
      shortDescription: {text: f.title},
      fullDescription: {text: f.remediation === '' ? f.title : f.remediation},
      ...(help === undefined ? {} : {helpUri: help}),
      defaultConfiguration: {level: f.severity === 'critical' || f.severity === 'high' ? 'error' : 'warning'},
      properties: {category: f.category, severity: f.severity},
    });
  }
  return [...seen.values()];
}

/** Absolute node paths as URI references: path characters kept, anything else percent-encoded. */
const toUri = (path: string): string => encodeURI(path).replace(/[?#]/g, encodeURIComponent);

function locationsOf(f: Finding, node: string): SarifLocation[] {
  const logical = [{name: node, kind: 'resource'}];
  const files: SarifLocation[] = [];
  for (const e of f.evidence) {
    if ('command' in e.source) continue;
    const line = e.source.line;
    const region = line !== undefined && Number.isInteger(line) && line >= 1 ? {region: {startLine: line, snippet: {text: e.text}}} : {};
    files.push({physicalLocation: {artifactLocation: {uri: toUri(e.source.file)}, ...region}, logicalLocations: logical});
  }
  return files.length > 0 ? files : [{logicalLocations: logical}];
}

function messageOf(f: Finding): string {
  const parts = [f.summary];
  const commands = f.evidence.filter((e) => 'command' in e.source);
  for (const e of commands) parts.push(`${formatSource(e.source)}: ${e.text}`);
  if (f.causedBy !== null) parts.push(`explained by ${f.causedBy}`);
  if (f.remediation !== '') parts.push(f.remediation);
  return parts.join('\n');
}

/** The SARIF object for a report, sanitised: failures are `error` results, warnings `warning`, first cause first. */
export function toSarif(report: Report): SarifLog {
  const clean = sanitizeReport(report);
  const rules = rulesOf(clean.targets);
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results: SarifResult[] = [];
  for (const t of clean.targets) {
    for (const f of orderFindings(t.results)) {
      if (f.status !== 'fail' && f.status !== 'warn') continue;
      results.push({
        ruleId: f.id,
        ruleIndex: index.get(f.id) ?? -1,
        level: f.status === 'fail' ? 'error' : 'warning',
        message: {text: messageOf(f)},
        locations: locationsOf(f, t.node),
        // Stable across runs, so dashboards track one problem on one node over time.
        partialFingerprints: {'kubeletDoctor/v1': `${t.node}/${f.id}`},
        properties: {
          node: t.node,
          target: t.target,
          status: f.status,
          severity: f.severity,
          causedBy: f.causedBy,
          ...(f.waived?.expired ? {waiverExpired: f.waived.expires} : {}),
        },
        ...(f.waived && !f.waived.expired
          ? {suppressions: [{kind: 'external' as const, status: 'accepted' as const, justification: `${f.waived.reason} (until ${f.waived.expires})`}]}
          : {}),
      });
    }
  }
  const down = clean.targets.filter((t) => t.status !== 'ok');
  const notifications = down.map((t) => ({
    level: 'error' as const,
    message: {
      text: `${t.node}: ${t.error === null ? t.status : `${t.error.kind}: ${t.error.message}`}${t.partial ? ' (partial results: the findings for this node rest on the part of its output that arrived)' : ''}`,
    },
  }));
  const start = Number.isNaN(Date.parse(clean.startedAt)) ? {} : {startTimeUtc: clean.startedAt};
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {driver: {name: 'kubelet-doctor', version: clean.version, informationUri: INFORMATION_URI, rules}},
        invocations: [{executionSuccessful: down.length === 0, ...start, toolExecutionNotifications: notifications}],
        results,
      },
    ],
  };
}

/** Render the SARIF report: pretty-printed JSON with a trailing newline. */
export function render(report: Report, _opts: RenderOptions): string {
  return `${JSON.stringify(toSarif(report), null, 2)}\n`;
}
