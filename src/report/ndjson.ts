/**
 * NDJSON: the report as one JSON object per line, written as each node finishes (docs/ndjson.md).
 * Line 1 is the run (`kind: "run"`), then one `kind: "target"` line per node, in the order the
 * nodes finish, each the JSON report's `targets[i]` object plus `kind` and `index` (the node's
 * place in the whole, unsharded target list); the last line is the `kind: "summary"`.
 * `kubelet-doctor merge` reads shards' files back (validating every line) into one report.
 */
import {STATUSES, SEVERITY_RANK, type Category, type Evidence, type Severity, type Status} from '../catalogue/define.js';
import type {Source, TransportKind} from '../facts/types.js';
import {InputError} from '../errors.js';
import {toJsonReport, type JsonEvidence, type JsonResult, type JsonTarget} from './json.js';
import {emptySummary, summarize, type RenderOptions} from './order.js';
import type {ClusterSummary, Finding, Report, Summary, TargetResult} from './types.js';

/** `--shard I/N` as the run line carries it (I 1-based), or null for a run of the whole list. */
export interface ShardInfo {
  index: number;
  count: number;
}

/** The first line. `targets`: how many target lines follow. */
export interface RunRecord {
  kind: 'run';
  schema: 1;
  tool: 'kubelet-doctor';
  version: string;
  startedAt: string;
  shard: ShardInfo | null;
  targets: number;
}

/** One node: the JSON report's per-target object with `kind` and `index` in front. */
export type TargetRecord = {kind: 'target'; index: number} & JsonTarget;

/** The last line: the counts a single run's JSON report gives, and the run's exit code. */
export interface SummaryRecord {
  kind: 'summary';
  targets: number;
  summary: Summary;
  exitCode: number;
}

/** One NDJSON line (with its newline). */
export const ndjsonLine = (record: RunRecord | TargetRecord | SummaryRecord): string => `${JSON.stringify(record)}\n`;

/** The run line. */
export const runRecord = (version: string, startedAt: string, shard: ShardInfo | null, targets: number): RunRecord => ({
  kind: 'run',
  schema: 1,
  tool: 'kubelet-doctor',
  version,
  startedAt,
  shard,
  targets,
});

/** A target line: sanitised and shaped exactly as the JSON report's `targets[i]` (firstCause included). */
export function targetRecord(result: TargetResult, index: number, version: string, startedAt: string): TargetRecord {
  const one: Report = {schema: 1, tool: 'kubelet-doctor', version, startedAt, targets: [result], summary: summarize([result])};
  return {kind: 'target', index, ...toJsonReport(one).targets[0]!};
}

/**
 * The whole report as NDJSON at once (runbook, merge `--output ndjson`): index i is the target's
 * place in the report. `exitCode` is the caller's (the one the command returns).
 */
export function renderNdjson(report: Report, exitCode: number): string {
  const json = toJsonReport(report);
  const lines = [ndjsonLine(runRecord(json.version, json.startedAt, null, json.targets.length))];
  json.targets.forEach((t, index) => lines.push(ndjsonLine({kind: 'target', index, ...t})));
  lines.push(ndjsonLine({kind: 'summary', targets: json.targets.length, summary: json.summary, exitCode}));
  return lines.join('');
}

/** For the reporter table: the exit code a report gives (3 a target not checked, 1 a failure, else 0). */
export function render(report: Report, _opts: RenderOptions): string {
  const failing = (f: Finding) => (f.status === 'fail' || f.status === 'error') && !(f.waived && !f.waived.expired);
  const code = report.targets.some((t) => t.status !== 'ok') ? 3 : report.targets.some((t) => t.results.some(failing)) ? 1 : 0;
  return renderNdjson(report, code);
}

// ---------------------------------------------------------------------------------------------
// Reading: every line of a shard's file is input nobody vouches for.

/** The longest line read (a node's target line with all its evidence stays far below this). */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** One file's validated content. */
export interface NdjsonFile {
  file: string;
  run: RunRecord;
  targets: {record: TargetRecord; line: number}[];
  summary: SummaryRecord;
}

class Bad extends Error {}

const TRANSPORTS: readonly TransportKind[] = ['ssh', 'local', 'root', 'snapshot', 'pod'];
const TARGET_STATUSES: readonly TargetResult['status'][] = ['ok', 'unreachable', 'error', 'not-a-node'];
const CATEGORIES: readonly Category[] = ['systemd', 'kubelet', 'config', 'tls', 'runtime', 'network', 'host', 'cluster'];
const SEVERITIES = Object.keys(SEVERITY_RANK) as Severity[];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function obj(v: unknown, what: string, required: readonly string[], optional: readonly string[] = []): Obj {
  if (!isObj(v)) throw new Bad(`${what} must be an object`);
  for (const k of required) if (!(k in v)) throw new Bad(`${what} has no "${k}"`);
  const known = new Set([...required, ...optional]);
  for (const k of Object.keys(v)) if (!known.has(k)) throw new Bad(`${what} has an unknown key "${k.slice(0, 40)}"`);
  return v;
}
function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Bad(`${what} must be a string`);
  return v;
}
const strOrNull = (v: unknown, what: string): string | null => (v === null ? null : str(v, what));
function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Bad(`${what} must be a number >= 0`);
  return v;
}
function int(v: unknown, what: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw new Bad(`${what} must be a whole number >= 0`);
  return v as number;
}
function oneOf<T extends string>(v: unknown, all: readonly T[], what: string): T {
  if (typeof v !== 'string' || !(all as readonly string[]).includes(v)) throw new Bad(`${what} must be one of ${all.join(', ')}`);
  return v as T;
}
function strings(v: unknown, what: string): string[] {
  if (!Array.isArray(v)) throw new Bad(`${what} must be a list of strings`);
  return v.map((x, i) => str(x, `${what}[${i}]`));
}
function list<T>(v: unknown, what: string, each: (x: unknown, what: string) => T): T[] {
  if (!Array.isArray(v)) throw new Bad(`${what} must be a list`);
  return v.map((x, i) => each(x, `${what}[${i}]`));
}
function bool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new Bad(`${what} must be true or false`);
  return v;
}

const evidence = (v: unknown, what: string): JsonEvidence => {
  const o = obj(v, what, ['source', 'text']);
  return {source: str(o['source'], `${what}.source`), text: str(o['text'], `${what}.text`)};
};

function summaryOf(v: unknown, what: string): Summary {
  const o = obj(v, what, STATUSES);
  const out = emptySummary();
  for (const s of STATUSES) out[s] = int(o[s], `${what}.${s}`);
  return out;
}

function result(v: unknown, what: string): JsonResult {
  const o = obj(
    v,
    what,
    ['id', 'title', 'category', 'severity', 'status', 'summary', 'evidence', 'remediation', 'fix', 'causedBy', 'details', 'references'],
    ['waived'],
  );
  const r: JsonResult = {
    id: str(o['id'], `${what}.id`),
    title: str(o['title'], `${what}.title`),
    category: oneOf(o['category'], CATEGORIES, `${what}.category`),
    severity: oneOf(o['severity'], SEVERITIES, `${what}.severity`),
    status: oneOf<Status>(o['status'], STATUSES, `${what}.status`),
    summary: str(o['summary'], `${what}.summary`),
    evidence: list(o['evidence'], `${what}.evidence`, evidence),
    remediation: str(o['remediation'], `${what}.remediation`),
    fix: strOrNull(o['fix'], `${what}.fix`),
    causedBy: strOrNull(o['causedBy'], `${what}.causedBy`),
    details: strings(o['details'], `${what}.details`),
    references: strings(o['references'], `${what}.references`),
  };
  if (o['waived'] !== undefined) {
    const w = obj(o['waived'], `${what}.waived`, ['reason', 'expires', 'expired']);
    r.waived = {
      reason: str(w['reason'], `${what}.waived.reason`),
      expires: str(w['expires'], `${what}.waived.expires`),
      expired: bool(w['expired'], `${what}.waived.expired`),
    };
  }
  return r;
}

/** The API server's view of a node, exactly as the JSON report writes it (every reporter reads its fields). */
function clusterOf(v: unknown): ClusterSummary {
  const o = obj(v, 'cluster', ['server', 'context', 'nodeName', 'apiserverVersion', 'node', 'leaseRenewedSecondsAgo', 'csrs', 'unavailable']);
  let node: ClusterSummary['node'] = null;
  if (o['node'] !== null) {
    const n = obj(o['node'], 'cluster.node', ['registered'], ['ready', 'conditions', 'taints', 'unschedulable', 'kubeletVersion', 'containerRuntimeVersion']);
    if (n['registered'] === false) {
      obj(n, 'cluster.node', ['registered']);
      node = {registered: false};
    } else {
      if (n['registered'] !== true) throw new Bad('cluster.node.registered must be true or false');
      obj(n, 'cluster.node', ['registered', 'ready', 'conditions', 'taints', 'unschedulable', 'kubeletVersion', 'containerRuntimeVersion']);
      let ready = null;
      if (n['ready'] !== null) {
        const r = obj(n['ready'], 'cluster.node.ready', ['status', 'reason', 'message']);
        ready = {
          status: str(r['status'], 'cluster.node.ready.status'),
          reason: strOrNull(r['reason'], 'cluster.node.ready.reason'),
          message: strOrNull(r['message'], 'cluster.node.ready.message'),
        };
      }
      node = {
        registered: true,
        ready,
        conditions: list(n['conditions'], 'cluster.node.conditions', (c, what) => {
          const x = obj(c, what, ['type', 'status', 'reason']);
          return {type: str(x['type'], `${what}.type`), status: str(x['status'], `${what}.status`), reason: strOrNull(x['reason'], `${what}.reason`)};
        }),
        taints: strings(n['taints'], 'cluster.node.taints'),
        unschedulable: bool(n['unschedulable'], 'cluster.node.unschedulable'),
        kubeletVersion: strOrNull(n['kubeletVersion'], 'cluster.node.kubeletVersion'),
        containerRuntimeVersion: strOrNull(n['containerRuntimeVersion'], 'cluster.node.containerRuntimeVersion'),
      };
    }
  }
  const lease = o['leaseRenewedSecondsAgo'];
  if (lease !== null && (typeof lease !== 'number' || !Number.isFinite(lease))) throw new Bad('cluster.leaseRenewedSecondsAgo must be a number or null');
  return {
    server: str(o['server'], 'cluster.server'),
    context: str(o['context'], 'cluster.context'),
    nodeName: str(o['nodeName'], 'cluster.nodeName'),
    apiserverVersion: strOrNull(o['apiserverVersion'], 'cluster.apiserverVersion'),
    node,
    leaseRenewedSecondsAgo: lease,
    csrs: list(o['csrs'], 'cluster.csrs', (c, what) => {
      const x = obj(c, what, ['name', 'status', 'signerName', 'username']);
      return {
        name: str(x['name'], `${what}.name`),
        status: str(x['status'], `${what}.status`),
        signerName: str(x['signerName'], `${what}.signerName`),
        username: str(x['username'], `${what}.username`),
      };
    }),
    unavailable: strings(o['unavailable'], 'cluster.unavailable'),
  };
}

const TARGET_KEYS = ['kind', 'index', 'target', 'node', 'transport', 'status', 'error', 'kubeletVersion', 'durationMs', 'notes', 'firstCause', 'results'];
const TARGET_OPTIONAL = ['partial', 'cluster', 'profile', 'installer', 'adviceHidden'];

function targetLine(v: Obj): TargetRecord {
  const o = obj(v, 'the target', TARGET_KEYS, TARGET_OPTIONAL);
  const error =
    o['error'] === null
      ? null
      : (() => {
          const e = obj(o['error'], 'error', ['kind', 'message', 'hint']);
          return {kind: str(e['kind'], 'error.kind'), message: str(e['message'], 'error.message'), hint: strOrNull(e['hint'], 'error.hint')};
        })();
  const t: TargetRecord = {
    kind: 'target',
    index: int(o['index'], 'index'),
    target: str(o['target'], 'target'),
    node: str(o['node'], 'node'),
    transport: oneOf(o['transport'], TRANSPORTS, 'transport'),
    status: oneOf(o['status'], TARGET_STATUSES, 'status'),
    error,
    kubeletVersion: strOrNull(o['kubeletVersion'], 'kubeletVersion'),
    durationMs: num(o['durationMs'], 'durationMs'),
    notes: strings(o['notes'], 'notes'),
    firstCause: strings(o['firstCause'], 'firstCause'),
    results: list(o['results'], 'results', result),
  };
  if (o['partial'] !== undefined) t.partial = bool(o['partial'], 'partial');
  if (o['cluster'] !== undefined) t.cluster = o['cluster'] === null ? null : clusterOf(o['cluster']);
  if (o['profile'] !== undefined) t.profile = str(o['profile'], 'profile');
  if (o['installer'] !== undefined) {
    const i = obj(o['installer'], 'installer', ['id', 'title', 'evidence', 'note']);
    t.installer = {
      id: str(i['id'], 'installer.id'),
      title: str(i['title'], 'installer.title'),
      evidence: list(i['evidence'], 'installer.evidence', evidence),
      note: strOrNull(i['note'], 'installer.note'),
    };
  }
  if (o['adviceHidden'] !== undefined) t.adviceHidden = int(o['adviceHidden'], 'adviceHidden');
  return t;
}

function runLine(v: Obj): RunRecord {
  const o = obj(v, 'the run', ['kind', 'schema', 'tool', 'version', 'startedAt', 'shard', 'targets']);
  if (o['schema'] !== 1) throw new Bad('schema must be 1 (this version reads schema 1)');
  if (o['tool'] !== 'kubelet-doctor') throw new Bad('tool must be "kubelet-doctor"');
  const startedAt = str(o['startedAt'], 'startedAt');
  if (Number.isNaN(Date.parse(startedAt))) throw new Bad('startedAt must be a date and time (ISO 8601)');
  let shard: ShardInfo | null = null;
  if (o['shard'] !== null) {
    const s = obj(o['shard'], 'shard', ['index', 'count']);
    shard = {index: int(s['index'], 'shard.index'), count: int(s['count'], 'shard.count')};
    if (shard.index < 1 || shard.index > shard.count) throw new Bad(`shard ${shard.index}/${shard.count} does not exist`);
  }
  return {kind: 'run', schema: 1, tool: 'kubelet-doctor', version: str(o['version'], 'version'), startedAt, shard, targets: int(o['targets'], 'targets')};
}

function summaryLine(v: Obj): SummaryRecord {
  const o = obj(v, 'the summary', ['kind', 'targets', 'summary', 'exitCode']);
  return {kind: 'summary', targets: int(o['targets'], 'targets'), summary: summaryOf(o['summary'], 'summary'), exitCode: int(o['exitCode'], 'exitCode')};
}

const HINT = 'merge reads the files `check --output ndjson` writes (docs/ndjson.md); was this one cut short or edited?';

/**
 * Validate one file's lines: a run line first, target lines, a summary line last whose counts
 * match. Any fault is an InputError naming `file:line` (exit 2).
 */
export function parseNdjson(lines: Iterable<string>, file: string): NdjsonFile {
  let run: RunRecord | null = null;
  let summary: SummaryRecord | null = null;
  const targets: NdjsonFile['targets'] = [];
  let n = 0;
  let last = 0;
  for (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    const at = `${file}:${n}`;
    try {
      if (summary) throw new Bad('a line after the summary line (the summary is the last line)');
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch (e) {
        throw new Bad(`not JSON (${(e as Error).message.slice(0, 120)})`);
      }
      if (!isObj(v)) throw new Bad('each line must be a JSON object');
      const kind = v['kind'];
      if (run === null && kind !== 'run') throw new Bad('the first line must be the run line (kind "run")');
      if (kind === 'run') {
        if (run) throw new Bad('a second run line');
        run = runLine(v);
      } else if (kind === 'target') targets.push({record: targetLine(v), line: n});
      else if (kind === 'summary') summary = summaryLine(v);
      else throw new Bad(`unknown record kind ${typeof kind === 'string' ? `"${kind.slice(0, 40)}"` : String(kind)} (run, target or summary)`);
    } catch (e) {
      if (e instanceof Bad) throw new InputError(`${at}: ${e.message}`, HINT);
      throw e;
    }
    last = n;
  }
  if (run === null) throw new InputError(`${file}: empty: no run line`, HINT);
  if (summary === null) throw new InputError(`${file}:${last}: no summary line: the run did not finish (or the file was cut)`, HINT);
  if (summary.targets !== targets.length || run.targets !== targets.length) {
    throw new InputError(
      `${file}:${last}: the run announced ${run.targets} targets and the summary counts ${summary.targets}, but the file holds ${targets.length}`,
      HINT,
    );
  }
  return {file, run, targets, summary};
}

/** `file:line` or `file` back to a source: a path (starts with /, no blank) is a file, anything else a command. */
export function parseSource(s: string): Source {
  const m = /^(\/\S*?):(0|[1-9]\d*)$/.exec(s);
  if (m && Number.isSafeInteger(Number(m[2]))) return {file: m[1]!, line: Number(m[2])};
  if (/^\/\S*$/.test(s)) return {file: s};
  return {command: s};
}

const toEvidence = (e: JsonEvidence): Evidence => ({source: parseSource(e.source), text: e.text});

/** A target line back as the report model (firstCause is recomputed by every reporter). */
export function toTargetResult(t: JsonTarget): TargetResult {
  return {
    target: t.target,
    node: t.node,
    transport: t.transport,
    status: t.status,
    error: t.error,
    kubeletVersion: t.kubeletVersion,
    durationMs: t.durationMs,
    notes: t.notes,
    ...(t.partial ? {partial: true} : {}),
    ...(t.cluster !== undefined ? {cluster: t.cluster} : {}),
    ...(t.installer !== undefined
      ? {profile: {id: t.installer.id, title: t.installer.title, evidence: t.installer.evidence.map(toEvidence), note: t.installer.note}}
      : {}),
    ...(t.adviceHidden ? {adviceHidden: t.adviceHidden} : {}),
    results: t.results.map((r) => ({
      id: r.id,
      title: r.title,
      category: r.category,
      severity: r.severity,
      status: r.status,
      summary: r.summary,
      evidence: r.evidence.map(toEvidence),
      remediation: r.remediation,
      fix: r.fix,
      causedBy: r.causedBy,
      details: r.details,
      references: r.references,
      ...(r.waived ? {waived: r.waived} : {}),
    })),
  };
}

/**
 * One report from shards' files. Shards of one run (every run line names `shard: I/N`, the same
 * N, each I once, none missing) are put back in the single run's order (by `index`); files of
 * separate runs keep file order, then line order. A target in two files is an error.
 */
export function mergeFiles(files: readonly NdjsonFile[]): Report {
  if (files.length === 0) throw new InputError('merge: no files');
  const sharded = files.filter((f) => f.run.shard !== null);
  if (sharded.length > 0) {
    if (sharded.length !== files.length) {
      const plain = files.find((f) => f.run.shard === null)!;
      throw new InputError(`${plain.file}: a whole run (no shard) merged with shards`, 'merge the shards of one run, or whole runs, not both');
    }
    const count = files[0]!.run.shard!.count;
    const seen = new Map<number, string>();
    for (const f of files) {
      const s = f.run.shard!;
      if (s.count !== count)
        throw new InputError(`${f.file}: shard ${s.index}/${s.count}, but ${files[0]!.file} is of ${count} shards`, 'merge the shards of one run');
      const before = seen.get(s.index);
      if (before !== undefined) throw new InputError(`${f.file}: shard ${s.index}/${count} is given twice (${before} too)`, 'give each shard once');
      seen.set(s.index, f.file);
    }
    const missing = Array.from({length: count}, (_, i) => i + 1).filter((i) => !seen.has(i));
    if (missing.length > 0) {
      throw new InputError(
        `missing ${missing.length === 1 ? 'shard' : 'shards'} ${missing.map((i) => `${i}/${count}`).join(', ')}: the merged report would leave out their nodes`,
        'give every shard of the run (a shard that checked no node still writes a file)',
      );
    }
  }
  const all = files.flatMap((f, fi) => f.targets.map((t) => ({...t, file: f.file, fi})));
  const byKey = new Map<string, string>();
  for (const t of all) {
    const key = `${t.record.index}\u0000${t.record.target}`;
    const at = `${t.file}:${t.line}`;
    const before = byKey.get(key);
    if (before !== undefined)
      throw new InputError(`${at}: target ${t.record.target} is in the report already (${before})`, 'the shards overlap: were they written with the same N?');
    byKey.set(key, at);
  }
  if (sharded.length > 0) all.sort((a, b) => a.record.index - b.record.index || a.fi - b.fi || a.line - b.line);
  const targets = all.map((t) => toTargetResult(t.record));
  const first = files.reduce((a, b) => (Date.parse(b.run.startedAt) < Date.parse(a.run.startedAt) ? b : a));
  return {schema: 1, tool: 'kubelet-doctor', version: files[0]!.run.version, startedAt: first.run.startedAt, targets, summary: summarize(targets)};
}
