/**
 * The text report: what the on-call engineer reads in a terminal or a CI log. Per node a header,
 * then findings first cause first, with the evidence (file:line and the literal text) and what to
 * do; explained failures sit indented under their cause. Colour is by meaning and optional.
 */
import {clusterLines} from './cluster-lines.js';
import type {Status} from '../catalogue/define.js';
import {sanitizeLine} from '../text/sanitize.js';
import {countResults, formatSource, placeFindings, plural, sanitizeReport, type RenderOptions} from './order.js';
import {explainsCounts} from './causes.js';
import {causeCount, fleetLine, fleetRow, fleetRows, slimRow, sortRows, type FleetRow, type TableRow} from './fleet.js';
import type {Finding, Report, Summary, TargetResult} from './types.js';

/** What a piece of text means; the theme turns a meaning into an SGR colour. */
type Role = Status | 'dim' | 'bold';

/** Colours by meaning (SGR parameters), so no line below names a colour. */
const THEME: Record<Role, string> = {fail: '31', warn: '33', pass: '32', skip: '2', error: '35', note: '36', advice: '34', dim: '2', bold: '1'};

/** A glyph for colour terminals, an ASCII stand-in for logs and dumb terminals, and the word. */
const BADGES: Record<Status, {glyph: string; ascii: string; word: string}> = {
  fail: {glyph: '✗', ascii: 'x', word: 'FAIL'},
  warn: {glyph: '!', ascii: '!', word: 'WARN'},
  pass: {glyph: '✓', ascii: '+', word: 'pass'},
  skip: {glyph: '-', ascii: '-', word: 'skip'},
  error: {glyph: 'E', ascii: 'E', word: 'error'},
  note: {glyph: 'i', ascii: 'i', word: 'note'},
  advice: {glyph: '~', ascii: '~', word: 'advice'},
};

/** A run of text and its meaning (none: plain). */
type Seg = readonly [text: string, role?: Role];

/** Smallest text column we wrap into, so a silly width can't loop or shred words to letters. */
const MIN_COLUMN = 20;

/** Paints segments and fits lines to the width: the only place that emits SGR. */
class Painter {
  constructor(readonly opts: RenderOptions) {}

  paint([text, role]: Seg): string {
    return this.opts.color && role !== undefined && text !== '' ? `\u001b[${THEME[role]}m${text}\u001b[0m` : text;
  }

  /** True when the segments fit the width on one line. */
  fits(segs: readonly Seg[]): boolean {
    return segs.reduce((n, [t]) => n + [...t].length, 0) <= (this.opts.width ?? Infinity);
  }

  /** One line from segments, cut with an ellipsis when wider than the width. */
  line(segs: readonly Seg[]): string {
    const width = this.opts.width;
    if (this.fits(segs)) return segs.map((s) => this.paint(s)).join('');
    let room = width ?? Infinity;
    const ellipsis = this.opts.color ? '…' : '...';
    room -= ellipsis.length;
    let out = '';
    for (const [text, role] of segs) {
      const chars = [...text];
      out += this.paint([chars.slice(0, Math.max(room, 0)).join(''), role]);
      room -= chars.length;
      if (room <= 0) break;
    }
    return out + ellipsis;
  }

  /** `head` then `text` word-wrapped to the width, continuation lines indented by `hang`. */
  wrap(head: readonly Seg[], text: string, hang: number, role?: Role): string[] {
    const width = this.opts.width;
    const headWidth = head.reduce((n, [t]) => n + [...t].length, 0);
    if (width === undefined || headWidth + [...text].length <= width) return [this.line([...head, [text, role]])];
    const lines: string[] = [];
    let current = '';
    let room = Math.max(width - headWidth, MIN_COLUMN);
    const flush = (): void => {
      const prefix = lines.length === 0 ? head.map((s) => this.paint(s)).join('') : ' '.repeat(hang);
      lines.push(prefix + this.paint([current, role]));
      room = Math.max(width - hang, MIN_COLUMN);
      current = '';
    };
    for (let word of text.split(/ +/)) {
      while ([...word].length > room) {
        if (current !== '') flush();
        const chars = [...word];
        current = chars.slice(0, room).join('');
        word = chars.slice(room).join('');
        flush();
      }
      const candidate = current === '' ? word : `${current} ${word}`;
      if ([...candidate].length > room) {
        flush();
        current = word;
      } else current = candidate;
    }
    if (current !== '' || lines.length === 0) flush();
    return lines;
  }

  /** The arrow that leads a remediation. */
  get arrow(): string {
    return this.opts.color ? '→ ' : '-> ';
  }

  badge(status: Status): Seg {
    const b = BADGES[status];
    return [`${this.opts.color ? b.glyph : b.ascii} ${b.word}`.padEnd(7), status];
  }
}

/** "12 pass, 2 warn, 1 fail, 4 skip" (errors, notes and advice only when there are some). */
export function formatCounts(s: Summary): string {
  const parts = [`${s.pass} pass`, `${s.warn} warn`, `${s.fail} fail`, `${s.skip} skip`];
  if (s.error > 0) parts.push(`${s.error} error`);
  if (s.note > 0) parts.push(`${s.note} note`);
  if (s.advice > 0) parts.push(`${s.advice} advice`);
  return parts.join(', ');
}

/**
 * A node's counts as the operator reads them: causes first ("1 cause (explains 4)"), then
 * warnings and the rest; the failures a cause explains are not counted again as failures.
 */
export function nodeCounts(t: TargetResult): string {
  const row = fleetRow(t);
  const s = countResults(t.results);
  const parts = [causeCount(row.causes.length, row.explained) || '0 fail', `${s.warn} warn`, `${s.pass} pass`, `${s.skip} skip`];
  if (s.error > 0) parts.push(`${s.error} error`);
  if (s.note > 0) parts.push(`${s.note} note`);
  if (s.advice > 0) parts.push(`${s.advice} advice`);
  return parts.join(', ');
}

/** 31ms, 1.2s, 2m05s: durations as a person reads them. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** `<title> (<the first evidence's file:line>)`: where the installer was recognised. */
export function installerLine(t: TargetResult): string {
  const pr = t.profile;
  if (!pr) return '';
  const first = pr.evidence[0];
  return first ? `${sanitizeLine(pr.title)} (${sanitizeLine(formatSource(first.source))})` : sanitizeLine(pr.title);
}

function header(t: TargetResult, p: Painter): string[] {
  const name = t.target === t.node ? sanitizeLine(t.node) : `${sanitizeLine(t.node)} (${sanitizeLine(t.target)})`;
  const facts: string[] = [t.transport];
  if (t.status === 'ok') {
    facts.push(t.kubeletVersion === null ? 'kubelet version unknown' : `kubelet ${sanitizeLine(t.kubeletVersion)}`);
    facts.push(formatDuration(t.durationMs), nodeCounts(t));
  } else if (t.partial) {
    // Output that did not all arrive: the results below are partial, and say so on the node's line.
    facts.push(`${t.status}: PARTIAL results`, formatDuration(t.durationMs), nodeCounts(t));
  } else facts.push(t.status === 'not-a-node' ? 'no kubelet' : t.status, formatDuration(t.durationMs));
  const lines = p.wrap([[name, 'bold'], ['  ']], facts.join(' · '), 2);
  if (t.profile) lines.push(...p.wrap([['  Installer: ', 'dim']], installerLine(t), 13));
  if (t.profile?.note) lines.push(...p.wrap([['  note: ', 'dim']], sanitizeLine(t.profile.note), 8, 'dim'));
  if (t.adviceHidden)
    lines.push(...p.wrap([['  advice: ', 'dim']], `${plural(t.adviceHidden, 'best-practice finding')} not shown (--advice shows them)`, 10, 'dim'));
  for (const note of t.notes) lines.push(...p.wrap([['  note: ', 'dim']], sanitizeLine(note), 8, 'dim'));
  if (t.cluster) {
    for (const [label, text] of clusterLines(t.cluster)) lines.push(...p.wrap([[`  ${`cluster ${label}:`.padEnd(18)}`, 'dim']], sanitizeLine(text), 20));
  }
  return lines;
}

function evidenceLines(f: Finding, ind: string, p: Painter): string[] {
  const out: string[] = [];
  for (const e of f.evidence) {
    const [first = '', ...rest] = e.text.split('\n');
    const src = formatSource(e.source).replace(/\n/g, ' ');
    const at: Seg[] = [[`${ind}    at `], [src, 'dim']];
    // Evidence is literal text: never re-flowed. When it doesn't fit beside its source, it goes
    // on its own line below, so the value the verdict rests on is not the part cut off.
    if (first !== '' && p.fits([...at, [`  ${first}`]])) out.push(p.line([...at, [`  ${first}`]]));
    else {
      out.push(p.line(at));
      if (first !== '') rest.unshift(first);
    }
    for (const more of rest) out.push(p.line([[`${ind}       ${more}`]]));
  }
  return out;
}

/**
 * A failure a cause explains, folded under it: one line with its id and what it says, marked
 * as a consequence rather than a second FAIL; its evidence only with --verbose.
 */
function consequenceLines(f: Finding, depth: number, last: boolean, p: Painter, verbose: boolean): string[] {
  const ind = '  '.repeat(depth);
  const branch = p.opts.color ? (last ? '└─ ' : '├─ ') : last ? '`- ' : '|- ';
  const head: Seg[] = [[ind], [branch, 'dim'], [f.id, 'bold'], ['  ']];
  const out = p.wrap(head, sanitizeLine(f.summary), ind.length + branch.length + 2);
  if (verbose) out.push(...evidenceLines(f, `${ind}  `, p));
  return out;
}

function findingLines(f: Finding, depth: number, t: TargetResult, p: Painter): string[] {
  const ind = '  '.repeat(depth);
  const head: Seg[] = [[ind], p.badge(f.status), [' '], [f.id, 'bold'], ['  ']];
  const out = p.wrap(head, sanitizeLine(f.summary), ind.length + 8);
  out.push(...evidenceLines(f, ind, p));
  for (const d of f.details) out.push(...p.wrap([[`${ind}    also: `]], sanitizeLine(d), ind.length + 10));
  if (f.waived) {
    const w = f.waived;
    const what = w.expired ? `the waiver ended with ${w.expires}, so this counts again: ` : `accepted until ${w.expires}: `;
    out.push(
      ...p.wrap(
        [[`${ind}    `], [w.expired ? 'waiver expired: ' : 'waived: ', w.expired ? 'fail' : 'dim']],
        `${what}${sanitizeLine(w.reason)}`,
        ind.length + 4,
      ),
    );
  }
  // A failure explained by another is fixed by fixing its cause: only first causes and warnings say what to do.
  // A waived finding is accepted as it is: no advice.
  const actionable = ((f.status === 'fail' && depth === 0) || f.status === 'warn') && !(f.waived && !f.waived.expired);
  if (actionable && f.remediation !== '') {
    out.push(...p.wrap([[`${ind}    ${p.arrow}`]], sanitizeLine(f.remediation), ind.length + 4 + p.arrow.length));
  }
  if (actionable && f.fix !== null) {
    // Only a named remote target can be passed back to `fix` as-is; --local/--root runs name it differently.
    const named = t.transport === 'ssh' || t.transport === 'pod';
    const how = named ? `  (kubelet-doctor fix ${sanitizeLine(t.target)} --check ${f.id})` : '';
    out.push(...p.wrap([[`${ind}    fix: `]], `${f.fix}${how}`, ind.length + 9));
  }
  return out;
}

function targetLines(t: TargetResult, p: Painter, verbose: boolean): string[] {
  const out = header(t, p);
  if (t.status === 'not-a-node') {
    out.push(...p.wrap([p.badge('skip'), [' ']], sanitizeLine(t.error?.message ?? 'no kubelet on this machine'), 8));
    if (t.error?.hint) out.push(...p.wrap([['    ', 'dim']], sanitizeLine(t.error.hint), 4, 'dim'));
    return out;
  }
  if (t.status !== 'ok' || t.error !== null) {
    const e = t.error;
    const message = e === null ? 'the target could not be checked' : `${sanitizeLine(e.kind)}: ${sanitizeLine(e.message)}`;
    out.push(...p.wrap([p.badge('error'), [' '], ['probe', 'bold'], ['  ']], message, 8));
    if (e !== null && e.hint !== null) out.push(...p.wrap([['    hint: ', 'dim']], sanitizeLine(e.hint), 10));
  }
  let passesShown = false;
  const placed = placeFindings(t.results);
  const explains = explainsCounts(t.results);
  for (const [i, {finding, depth}] of placed.entries()) {
    if (depth > 0) {
      const next = placed[i + 1];
      out.push(...consequenceLines(finding, depth, !next || next.depth < depth, p, verbose));
      continue;
    }
    if (finding.status === 'note' && !verbose) {
      // Nothing to act on: what it says, on its own line; the evidence with --verbose.
      out.push(...p.wrap([p.badge('note'), [' '], [finding.id, 'bold'], ['  ']], sanitizeLine(finding.summary), 8, 'dim'));
      continue;
    }
    if (finding.status === 'fail') {
      out.push(...findingLines(finding, 0, t, p));
      const n = explains.get(finding.id) ?? 0;
      if (n > 0) out.push(p.line([['    '], [`explains ${plural(n, 'more failure')}:`, 'dim']]));
      continue;
    }
    if (finding.status === 'pass' && !verbose) {
      if (passesShown) continue;
      passesShown = true;
      const ids = t.results.filter((f) => f.status === 'pass').map((f) => f.id);
      out.push(...p.wrap([p.badge('pass'), [' ']], ids.join(', '), 8));
      continue;
    }
    out.push(...findingLines(finding, depth, t, p));
  }
  return out;
}

/**
 * The closing line across all targets: nodes and causes, e.g. "11 nodes: 9 failing (10 causes to
 * fix, explaining 28 more), 1 ok; 1 unreachable" (src/report/fleet.ts).
 */
export function summaryLine(report: Report): string {
  return fleetLine(fleetRows(report));
}

/** How the table names a node's state. */
const STATE_WORD: Record<FleetRow['state'], string> = {
  fail: 'FAIL',
  unreachable: 'unreachable',
  error: 'error',
  warn: 'WARN',
  'not-a-node': 'no kubelet',
  ok: 'ok',
};
const STATE_ROLE: Record<FleetRow['state'], Role> = {fail: 'fail', unreachable: 'error', error: 'error', warn: 'warn', 'not-a-node': 'skip', ok: 'pass'};

/** The fleet table: node, state, first cause (and what it explains), fix; worst first. */
function fleetTable(rows: readonly TableRow[], p: Painter): string[] {
  const nodeWidth = Math.min(Math.max(4, ...rows.map((r) => [...r.target.node].length)), 32);
  const cell = (s: string, w: number): string => {
    const chars = [...s];
    return chars.length > w ? `${chars.slice(0, w - 1).join('')}…` : s.padEnd(w);
  };
  const firstOf = (r: TableRow): string => {
    if (r.state !== 'fail') return r.first;
    const more = r.causes.length > 1 ? ` +${r.causes.length - 1}` : '';
    return `${r.first}${more}${r.explained > 0 ? ` (explains ${r.explained})` : ''}`;
  };
  const out = [p.line([[`${'node'.padEnd(nodeWidth)}  ${'status'.padEnd(11)}  fix  first cause`, 'dim']])];
  for (const r of rows) {
    out.push(
      p.line([
        [`${cell(sanitizeLine(r.target.node), nodeWidth)}  `],
        [STATE_WORD[r.state].padEnd(11), STATE_ROLE[r.state]],
        [`  ${r.fix !== null ? 'yes' : r.state === 'fail' ? 'no ' : '   '}  `],
        [sanitizeLine(firstOf(r))],
      ]),
    );
  }
  return out;
}

/**
 * Render the text report. Remote text is sanitised first; colour only when `opts.color`;
 * lines fit `opts.width` when given; passes collapse into one line unless `opts.verbose`.
 */
export function render(report: Report, opts: RenderOptions): string {
  const clean = sanitizeReport(report);
  const p = new Painter(opts);
  // One machine with no kubelet: one line, nothing else to read.
  const only = clean.targets.length === 1 ? clean.targets[0] : undefined;
  if (only?.status === 'not-a-node' && !opts.verbose) {
    return `${p.wrap([[`${sanitizeLine(only.node)}: `, 'bold']], sanitizeLine(only.error?.message ?? 'no kubelet on this machine'), 2).join('\n')}\n`;
  }
  const blocks = clean.targets.map((t) => targetLines(t, p, opts.verbose ?? false).join('\n'));
  // A fleet opens and closes with its table, worst node first: what to look at first.
  if (clean.targets.length > 1) {
    const table = fleetTable(fleetRows(clean), p).join('\n');
    blocks.unshift(table);
    blocks.push(table);
  }
  blocks.push(p.wrap([], summaryLine(clean), 2, 'bold').join('\n'));
  return `${blocks.join('\n\n')}\n`;
}

/**
 * The text report for a fleet whose nodes arrive one at a time (`check` on many targets): each
 * node's block is rendered as it arrives and only the text and its table row are kept, not its
 * findings. `end()` gives what render() gives for the same nodes in input order. A run of one
 * node (or none) is rendered whole: there is nothing to save.
 */
export function textStream(head: Pick<Report, 'schema' | 'tool' | 'version' | 'startedAt'>, total: number, opts: RenderOptions) {
  const p = new Painter(opts);
  const blocks: string[] = new Array(total);
  const rows: TableRow[] = new Array(total);
  const few: TargetResult[] = [];
  return {
    add(index: number, t: TargetResult): void {
      if (total <= 1) {
        few.push(t);
        return;
      }
      const clean = sanitizeReport({...head, targets: [t], summary: countResults(t.results)}).targets[0]!;
      blocks[index] = targetLines(clean, p, opts.verbose ?? false).join('\n');
      rows[index] = slimRow(fleetRow(clean));
    },
    end(): string {
      if (total <= 1) return render({...head, targets: few, summary: countResults(few.flatMap((t) => t.results))}, opts);
      const sorted = sortRows(rows);
      const table = fleetTable(sorted, p).join('\n');
      return `${[table, ...blocks, table, p.wrap([], fleetLine(sorted), 2, 'bold').join('\n')].join('\n\n')}\n`;
    },
  };
}
