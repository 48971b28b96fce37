/**
 * The JUnit XML report, for CI systems that chart test results (Jenkins, GitLab, GitHub actions):
 * one <testsuite> per node, one <testcase> per check. Failures and errors carry the evidence and
 * the remediation in their body; warnings pass with the summary in <system-out>.
 */
import type {Status} from '../catalogue/define.js';
import {countResults, formatSource, sanitizeReport, type RenderOptions} from './order.js';
import type {Finding, Report, TargetResult} from './types.js';

/** Characters XML 1.0 forbids anywhere (section 2.2 `Char`), lone surrogates included. */
const ILLEGAL_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const ENTITIES: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;'};

/** Escape text for XML element content: the five entities, illegal characters removed. */
export function escapeXml(s: string): string {
  return s.replace(ILLEGAL_XML, '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** Escape for an attribute value; newlines and tabs as references, or parsers fold them to spaces. */
export function escapeAttr(s: string): string {
  return escapeXml(s).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

const attrs = (pairs: Record<string, string | number>): string =>
  Object.entries(pairs)
    .map(([k, v]) => ` ${k}="${escapeAttr(String(v))}"`)
    .join('');

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

/** The body of a failure or error: summary, evidence, cause, details, remediation, fix. */
function body(f: Finding): string {
  const lines = [f.summary];
  if (f.evidence.length > 0) lines.push('', 'evidence:', ...f.evidence.map((e) => `  ${formatSource(e.source)}  ${e.text}`));
  if (f.causedBy !== null) lines.push('', `explained by: ${f.causedBy}`);
  if (f.details.length > 0) lines.push('', ...f.details.map((d) => `also: ${d}`));
  if (f.remediation !== '') lines.push('', `remediation: ${f.remediation}`);
  if (f.fix !== null) lines.push(`fix: ${f.fix}`);
  if (f.references.length > 0) lines.push(...f.references.map((r) => `see: ${r}`));
  return escapeXml(lines.join('\n'));
}

const CHILD: Record<Status, (f: Finding) => string> = {
  pass: () => '',
  warn: (f) => `\n      <system-out>WARN: ${body(f)}</system-out>\n    `,
  fail: (f) => `\n      <failure${attrs({message: f.summary, type: f.severity})}>${body(f)}</failure>\n    `,
  error: (f) => `\n      <error${attrs({message: f.summary, type: 'check-error'})}>${body(f)}</error>\n    `,
  skip: (f) => `\n      <skipped${attrs({message: f.summary})}/>\n    `,
  note: () => '',
  advice: () => '',
};

/** An accepted finding (an unexpired waiver) is skipped, not failed: CI stays green for it and still shows why. */
const waivedNow = (f: Finding): boolean => f.waived !== undefined && !f.waived.expired && (f.status === 'fail' || f.status === 'warn');

function waivedCase(f: Finding): string {
  const w = f.waived!;
  return `\n      <skipped${attrs({message: `waived until ${w.expires}: ${w.reason}`})}/>\n      <system-out>${f.status.toUpperCase()} (waived): ${body(f)}</system-out>\n    `;
}

function testcase(f: Finding): string {
  const head = attrs({classname: `kubelet-doctor.${f.category}`, name: `${f.id}: ${f.title}`, time: '0'});
  const expired = f.waived?.expired === true && (f.status === 'fail' || f.status === 'warn');
  const shown = expired ? {...f, summary: `waiver expired ${f.waived!.expires} (${f.waived!.reason}): ${f.summary}`} : f;
  const child = waivedNow(f) ? waivedCase(f) : CHILD[f.status](shown);
  return child === '' ? `    <testcase${head}/>` : `    <testcase${head}>${child}</testcase>`;
}

/** The "probe" testcase standing for a node that could not be checked. */
function probeCase(t: TargetResult): string {
  const e = t.error ?? {kind: t.status, message: 'the target could not be checked', hint: null};
  const text = e.hint === null ? e.message : `${e.message}\nhint: ${e.hint}`;
  const err = `<error${attrs({message: e.message, type: e.kind})}>${escapeXml(text)}</error>`;
  return `    <testcase${attrs({classname: 'kubelet-doctor.probe', name: 'probe', time: seconds(t.durationMs)})}>\n      ${err}\n    </testcase>`;
}

interface SuiteCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function suite(t: TargetResult, timestamp: string | undefined): {xml: string; counts: SuiteCounts} {
  const down = t.status !== 'ok';
  const c = countResults(t.results.filter((f) => !waivedNow(f)));
  const waived = t.results.filter(waivedNow).length;
  const counts = {tests: t.results.length + (down ? 1 : 0), failures: c.fail, errors: c.error + (down ? 1 : 0), skipped: c.skip + waived};
  const props = [
    ['target', t.target],
    ['transport', t.transport],
    ['kubeletVersion', t.kubeletVersion ?? 'unknown'],
    ...(t.partial ? [['partial', 'true']] : []),
  ].map(([name = '', value = '']) => `      <property${attrs({name, value})}/>`);
  const cases = [...(down ? [probeCase(t)] : []), ...t.results.map(testcase)];
  const out = t.notes.length > 0 ? [`    <system-out>${escapeXml(t.notes.join('\n'))}</system-out>`] : [];
  const stamp: Record<string, string> = timestamp === undefined ? {} : {timestamp};
  const head = attrs({name: t.node, ...counts, time: seconds(t.durationMs), ...stamp, hostname: t.node});
  const xml = [`  <testsuite${head}>`, '    <properties>', ...props, '    </properties>', ...cases, ...out, '  </testsuite>'];
  return {xml: xml.join('\n'), counts};
}

/** The JUnit document's timestamp: `YYYY-MM-DDTHH:MM:SS`, no zone (the common XSD, Jenkins junit-10.xsd); startedAt is UTC. */
const stampOf = (startedAt: string): string | undefined => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.exec(startedAt)?.[0];

const NO_COUNTS: SuiteCounts = {tests: 0, failures: 0, errors: 0, skipped: 0};
const addCounts = (a: SuiteCounts, b: SuiteCounts): SuiteCounts => ({
  tests: a.tests + b.tests,
  failures: a.failures + b.failures,
  errors: a.errors + b.errors,
  skipped: a.skipped + b.skipped,
});

function document(version: string, total: SuiteCounts, durationMs: number, suites: readonly string[]): string {
  const head = `<testsuites${attrs({name: `kubelet-doctor ${version}`, ...total, time: seconds(durationMs)})}>`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', head, ...suites, '</testsuites>', ''].join('\n');
}

/**
 * Render the JUnit XML report. Remote text is sanitised, then XML-escaped; the counts on
 * <testsuites> are the sums over the suites, an unreachable node counting as one error.
 */
export function render(report: Report, _opts: RenderOptions): string {
  const clean = sanitizeReport(report);
  const timestamp = stampOf(clean.startedAt);
  const suites = clean.targets.map((t) => suite(t, timestamp));
  const total = suites.reduce((acc, s) => addCounts(acc, s.counts), NO_COUNTS);
  return document(
    clean.version,
    total,
    clean.targets.reduce((n, t) => n + t.durationMs, 0),
    suites.map((s) => s.xml),
  );
}

/**
 * The JUnit report for nodes that arrive one at a time: each node's <testsuite> is rendered as it
 * arrives and only its XML and counts are kept (the totals head the document, so it is written at
 * `end()`), never its findings. `end()` gives what render() gives for the same nodes in input order.
 */
export function junitStream(head: Pick<Report, 'schema' | 'tool' | 'version' | 'startedAt'>, total: number) {
  const clean = sanitizeReport({...head, targets: [], summary: countResults([])});
  const timestamp = stampOf(clean.startedAt);
  const suites: string[] = new Array(total);
  let counts = NO_COUNTS;
  let durationMs = 0;
  return {
    add(index: number, t: TargetResult): void {
      const s = suite(sanitizeReport({...head, targets: [t], summary: countResults(t.results)}).targets[0]!, timestamp);
      suites[index] = s.xml;
      counts = addCounts(counts, s.counts);
      durationMs += t.durationMs;
    },
    end: (): string => document(clean.version, counts, durationMs, suites),
  };
}
