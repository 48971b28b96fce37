/**
 * Waivers: an operator accepts a known finding on matching nodes, with a reason and an expiry
 * date. A waived failure still shows (status unchanged, `waived` set) but no longer fails the
 * run; once the date has passed it fails again and says that its waiver expired. Read from a
 * runbook's `waivers:` or from `--waivers FILE` (a list, or a map with `waivers:`).
 */
import {isMap, isSeq, type Node, type YAMLMap} from 'yaml';
import {catalogue} from '../../checks/index.js';
import type {Finding, Report, TargetResult} from '../report/types.js';
import type {Target} from '../targets/types.js';
import {nearest, readYaml, type YamlReader} from './reader.js';

/** One waiver as written. */
export interface Waiver {
  check: string;
  /** Glob on the node (or target) name: `*` any run of characters, `?` one. Null: every node. */
  nodes: string | null;
  /** Labels the target must carry (inventory or Node labels). Null: no label condition. */
  labels: Record<string, string> | null;
  reason: string;
  /** YYYY-MM-DD: the waiver holds through the end of that day (UTC). */
  expires: string;
  /** Where it was written (`file:line`). */
  at: string;
}

const KEYS = ['check', 'nodes', 'labels', 'reason', 'expires'] as const;
const DAY = 24 * 60 * 60 * 1000;
const HINT = 'see docs/runbooks.md for the waiver format';

/** Whether `name` matches a shell-style glob. */
export function globMatch(glob: string, name: string): boolean {
  const re = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(name);
}

/** Whether the waiver has expired at `now` (it holds through the whole expiry day, UTC). */
export const isExpired = (w: Pick<Waiver, 'expires'>, now: Date): boolean => now.getTime() >= Date.parse(`${w.expires}T00:00:00Z`) + DAY;

/**
 * What is wrong with an expiry date, or null: YYYY-MM-DD and a day the calendar has. (Date.parse
 * takes 2027-02-30 and means 2 March: a waiver would outlive the day its author wrote.)
 */
export function dateMistake(s: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return 'must be a date YYYY-MM-DD';
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12) return `is not a date: there is no month ${m[2]}`;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate(); // day 0 of the next month: this month's last
  if (d < 1 || d > days) return `is not a date: ${m[1]}-${m[2]} has no day ${m[3]}`;
  return null;
}

/** Read a list of waivers from a YAML node, recording mistakes in the reader. */
export function readWaiverList(r: YamlReader, node: Node | undefined, where: string): Waiver[] {
  if (node === undefined) return [];
  if (!isSeq(node)) {
    r.wrong(node, `${where} must be a list`);
    return [];
  }
  const ids = catalogue.map((c) => c.id);
  const out: Waiver[] = [];
  for (const item of node.items as Node[]) {
    if (!isMap(item)) {
      r.wrong(item, `${where}: each waiver is a map with check, reason and expires`);
      continue;
    }
    const m = item as YAMLMap;
    r.keys(m, KEYS, `${where}[]`);
    const check = r.str(r.get(m, 'check'), 'waiver check');
    if (check !== undefined && !ids.includes(check)) {
      const near = nearest(check, ids);
      r.wrong(r.get(m, 'check'), `waiver check "${check}" is not a check id${near ? ` (did you mean "${near}"?)` : ''}`);
    }
    const reason = r.str(r.get(m, 'reason'), 'waiver reason');
    const expNode = r.get(m, 'expires');
    const expires = r.str(expNode, 'waiver expires');
    const bad = expires === undefined ? null : dateMistake(expires);
    if (bad) r.wrong(expNode, `waiver expires "${expires}" ${bad}`);
    if (check === undefined) r.wrong(m, 'a waiver needs "check"');
    if (reason === undefined && r.get(m, 'reason') === undefined) r.wrong(m, 'a waiver needs a "reason" (why the finding is accepted)');
    if (expires === undefined && expNode === undefined) r.wrong(m, 'a waiver needs "expires: YYYY-MM-DD" (waivers never last forever)');
    const nodes = r.str(r.get(m, 'nodes'), 'waiver nodes') ?? null;
    const labels = r.labels(r.get(m, 'labels'), 'waiver labels') ?? null;
    if (check && reason && expires) out.push({check, nodes, labels, reason, expires, at: r.at(item)});
  }
  return out;
}

/** `--waivers FILE`: a list of waivers, or a map with `waivers:`. */
export function loadWaivers(file: string): Waiver[] {
  const {doc, r} = readYaml(file, '--waivers', HINT);
  const top = doc.contents as Node | null;
  let list: Node | undefined = top ?? undefined;
  if (top && isMap(top)) {
    r.keys(top, ['waivers'], 'waiver file');
    list = r.get(top, 'waivers');
  }
  const out = readWaiverList(r, list, 'waivers');
  r.done(HINT);
  return out;
}

/** Whether a waiver covers a finding on a target. */
function covers(w: Waiver, f: Finding, t: TargetResult, labels: Readonly<Record<string, string>>): boolean {
  if (w.check !== f.id) return false;
  if (w.nodes !== null && !globMatch(w.nodes, t.node) && !globMatch(w.nodes, t.target)) return false;
  return w.labels === null || Object.entries(w.labels).every(([k, v]) => labels[k] === v);
}

/**
 * Mark the findings the waivers cover (fail and warn only): `waived` with the reason, the expiry
 * and whether it has expired. Findings nothing covers are returned unchanged.
 */
export function applyWaivers(
  report: Report,
  waivers: readonly Waiver[],
  now: Date,
  labelsOf: (t: TargetResult) => Readonly<Record<string, string>> = () => ({}),
): Report {
  if (waivers.length === 0) return report;
  const targets = report.targets.map((t) => {
    const labels = labelsOf(t);
    const results = t.results.map((f) => {
      if (f.status !== 'fail' && f.status !== 'warn') return f;
      const w = waivers.find((x) => covers(x, f, t, labels) && !isExpired(x, now)) ?? waivers.find((x) => covers(x, f, t, labels));
      return w ? {...f, waived: {reason: w.reason, expires: w.expires, expired: isExpired(w, now)}} : f;
    });
    return {...t, results};
  });
  return {...report, targets};
}

/** Labels by target name (inventory or Node labels), for {@link applyWaivers}. */
export function targetLabels(targets: readonly Target[]): (t: TargetResult) => Readonly<Record<string, string>> {
  const byName = new Map(targets.map((t) => [t.name, t.kind === 'ssh' ? t.labels : {}]));
  return (t) => byName.get(t.target) ?? {};
}

/** A finding that fails the run: fail or error, unless an unexpired waiver covers it. */
export const isFailing = (f: Finding): boolean => (f.status === 'fail' || f.status === 'error') && !(f.waived && !f.waived.expired);

/** Exit code of a report with waivers: 3 a target could not be checked, 1 an unwaived failure, else 0. */
export function exitCodeWithWaivers(report: Report): number {
  if (report.targets.some((t) => t.status !== 'ok')) return 3;
  return report.targets.some((t) => t.results.some(isFailing)) ? 1 : 0;
}
