/**
 * The Markdown report, made to paste into an incident ticket: a heading per node, a table of
 * every check, then one section per failure and warning with its evidence, what to do and where
 * to read more. Remote text is escaped so it can't break the table or smuggle in markup.
 */
import {clusterLines} from './cluster-lines.js';
import type {Status} from '../catalogue/define.js';
import {sanitizeLine} from '../text/sanitize.js';
import {formatSource, placeFindings, sanitizeReport, type RenderOptions} from './order.js';
import {explainsCounts} from './causes.js';
import {fleetRows} from './fleet.js';
import {formatDuration, installerLine, nodeCounts, summaryLine} from './text.js';
import type {Finding, Report, TargetResult} from './types.js';

/**
 * Escape text for inline Markdown (a table cell, a sentence): one line, CommonMark punctuation
 * that could start markup (emphasis, code, links, HTML, pipes) backslash-escaped.
 */
export function escapeInline(s: string): string {
  return sanitizeLine(s).replace(/[\\`*_[\]<>|~#]/g, '\\$&');
}

/**
 * A fenced code block that its content can't close: the fence is one backtick longer than the
 * longest backtick run inside (CommonMark 4.5), so a ``` in a node's file stays inside.
 */
export function fenced(content: string, info = 'text'): string {
  const longest = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${content}\n${fence}`;
}

/** Inline code that its content can't close (CommonMark 6.1: a longer backtick string, padded). */
export function codeSpan(s: string): string {
  const text = sanitizeLine(s);
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

const WORDS: Record<Status, string> = {fail: '**FAIL**', warn: '**WARN**', pass: 'pass', skip: 'skip', error: '**ERROR**', note: 'note', advice: 'advice'};

/** The status cell: a waived finding says so (and an expired waiver is loud again). */
function statusWord(f: Finding): string {
  if (!f.waived || (f.status !== 'fail' && f.status !== 'warn')) return WORDS[f.status];
  return f.waived.expired ? `${WORDS[f.status]} (waiver expired)` : `waived (${f.status})`;
}

function table(t: TargetResult): string[] {
  const counts = explainsCounts(t.results);
  const rows = placeFindings(t.results).map(({finding: f, depth}) => {
    // A failure a cause explains is folded under it: a consequence, not a second FAIL.
    const under = depth > 0 && f.causedBy !== null ? ` (explained by ${codeSpan(f.causedBy)})` : '';
    const word = depth > 0 ? 'explained' : statusWord(f);
    const explains = depth === 0 && f.status === 'fail' ? (counts.get(f.id) ?? 0) : 0;
    const more = explains > 0 ? ` (explains ${explains})` : '';
    return `| ${word} | ${'↳ '.repeat(depth)}${codeSpan(f.id)} | ${escapeInline(f.summary)}${under}${more} |`;
  });
  return ['| status | check | summary |', '| --- | --- | --- |', ...rows];
}

function section(f: Finding, t: TargetResult): string[] {
  const out = [`### ${WORDS[f.status].replace(/\*/g, '')} ${codeSpan(f.id)}: ${escapeInline(f.title)}`, '', escapeInline(f.summary)];
  if (f.causedBy !== null) out.push('', `Explained by ${codeSpan(f.causedBy)}: fix that first.`);
  if (f.waived) {
    const w = f.waived;
    out.push(
      '',
      w.expired
        ? `**Waiver expired** on ${escapeInline(w.expires)}: ${escapeInline(w.reason)}`
        : `**Waived** until ${escapeInline(w.expires)}: ${escapeInline(w.reason)}`,
    );
  }
  if (f.evidence.length > 0) {
    const lines = f.evidence.map((e) => `${formatSource(e.source)}  ${e.text}`);
    out.push('', 'Evidence:', '', fenced(lines.join('\n')));
  }
  if (f.details.length > 0) out.push('', ...f.details.map((d) => `- ${escapeInline(d)}`));
  // Remediation is catalogue text written as Markdown (`cgroupDriver` in code), not node text.
  if (f.remediation !== '') out.push('', `**Remediation:** ${f.remediation}`);
  if (f.fix !== null) {
    // Only a named remote target can be passed back to `fix` as-is; --local/--root runs name it differently.
    const named = t.transport === 'ssh' || t.transport === 'pod';
    const cmd = `kubelet-doctor fix ${sanitizeLine(t.target)} --check ${f.id} --dry-run`;
    out.push('', `**Fix:** ${codeSpan(f.fix)}${named ? `, preview with ${codeSpan(cmd)}` : ''}`);
  }
  if (f.references.length > 0) out.push('', '**References:**', '', ...f.references.map((r) => `- <${sanitizeLine(r).replace(/[<>\s]/g, '')}>`));
  return out;
}

function target(t: TargetResult): string[] {
  const out = [`## ${escapeInline(t.node)}`, ''];
  const facts = [`target ${codeSpan(t.target)}`, `transport ${t.transport}`];
  if (t.kubeletVersion !== null) facts.push(`kubelet ${escapeInline(t.kubeletVersion)}`);
  facts.push(formatDuration(t.durationMs));
  out.push(`${facts.join(' · ')}`, '');
  if (t.profile) out.push(`Installer: ${escapeInline(installerLine(t))}`, '');
  if (t.profile?.note) out.push(`- note: ${escapeInline(t.profile.note)}`, '');
  if (t.status !== 'ok' || t.error !== null) {
    const e = t.error;
    const why = e === null ? 'the target could not be checked' : e.kind === t.status ? e.message : `${e.kind}: ${e.message}`;
    out.push(`**${t.status.toUpperCase()}**: ${escapeInline(why)}`, '');
    if (t.partial)
      out.push("**Partial results:** the node's output did not all arrive; the results below rest on the part that did, and none of them is a pass.", '');
    if (e !== null && e.hint !== null) out.push(`Hint: ${escapeInline(e.hint)}`, '');
  }
  if (t.notes.length > 0) out.push(...t.notes.map((n) => `- note: ${escapeInline(n)}`), '');
  if (t.cluster) out.push('**Cluster view**', '', ...clusterLines(t.cluster).map(([label, text]) => `- ${label}: ${escapeInline(text)}`), '');
  if (t.results.length === 0) return out;
  if (t.adviceHidden) out.push(`${t.adviceHidden} best-practice advice not shown (\`--advice\` shows it).`, '');
  out.push(escapeInline(nodeCounts(t)), '', ...table(t), '');
  // Sections for what to act on: the first causes and the warnings (a consequence is fixed with its cause).
  for (const {finding, depth} of placeFindings(t.results)) {
    if ((finding.status === 'fail' && depth === 0) || finding.status === 'warn') out.push(...section(finding, t), '');
  }
  return out;
}

/** The fleet table: node, status, first cause (and what it explains), fix; worst first. */
function fleetTableMarkdown(report: Report): string[] {
  const rows = fleetRows(report).map((r) => {
    const causes = r.causes.map((c) => codeSpan(c.id)).join(', ');
    const first = r.state === 'fail' ? `${causes}${r.explained > 0 ? ` (explains ${r.explained})` : ''}` : escapeInline(r.first);
    const fix =
      r.fix !== null ? codeSpan(`kubelet-doctor fix ${sanitizeLine(r.target.target)} --check ${r.causes[0]!.id} --dry-run`) : r.state === 'fail' ? 'none' : '';
    return `| ${escapeInline(r.target.node)} | ${r.state === 'fail' || r.state === 'warn' ? `**${r.state.toUpperCase()}**` : r.state} | ${first} | ${fix} |`;
  });
  return ['| node | status | first cause | fix |', '| --- | --- | --- | --- |', ...rows];
}

/**
 * Render the Markdown report: sanitised, escaped, first cause first. Options are accepted for a
 * uniform reporter signature; Markdown has no colour and the ticket wraps the lines.
 */
export function render(report: Report, _opts: RenderOptions): string {
  const clean = sanitizeReport(report);
  const line = escapeInline(summaryLine(clean));
  const head = ['# kubelet-doctor report', '', `${escapeInline(`kubelet-doctor ${clean.version}, started ${clean.startedAt}`)}`, '', line, ''];
  // A fleet opens with its nodes, worst first: what to look at first.
  if (clean.targets.length > 1) head.push(...fleetTableMarkdown(clean), '');
  const body = clean.targets.flatMap(target);
  return `${[...head, ...body].join('\n').trimEnd()}\n`;
}
