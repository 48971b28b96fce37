/**
 * `kubelet-doctor check`: run the catalogue on the targets and print a report.
 */
import {runAll, type RunEvent} from '../../engine/run.js';
import {hideAdvice} from '../../report/order.js';
import type {TargetResult} from '../../report/types.js';
import type {Target} from '../../targets/types.js';
import {formatOption, renderReport} from '../../report/index.js';
import type {ParsedArgs} from '../args.js';
import {listTargets, runOptions, colorWanted, openOut, writeOut} from './common.js';
import {clusterInputError, withCluster} from './cluster-view.js';
import {applyWaivers, exitCodeWithWaivers, isFailing, loadWaivers, targetLabels, type Waiver} from '../../runbook/waivers.js';
import {parseShard, selectShard, type Shard} from '../../targets/shard.js';
import {countResults, emptySummary} from '../../report/order.js';
import {ndjsonLine, runRecord, targetRecord} from '../../report/ndjson.js';
import {jsonStream} from '../../report/json.js';
import {junitStream} from '../../report/junit.js';
import {textStream} from '../../report/text.js';
import {refuseSecrets} from '../../facts/secrets/secret-guard.js';
import {STATUSES} from '../../catalogue/define.js';
import {TOOL_VERSION} from '../../version.js';
import {closeSync, openSync, writeSync} from 'node:fs';
import type {RunOptions} from '../../engine/run.js';

/** Run the checks (on `targets` when the caller has resolved them already); returns the exit code. */
export async function checkCommand(a: ParsedArgs, signal: AbortSignal, resolved?: Target[]): Promise<number> {
  const format = formatOption(a.values['output']);
  // Waivers are read before the engine runs, so a typo in the file is exit 2 before anything runs
  // on a node (only the first connections may be open: see engine/warm.ts).
  const waivers = typeof a.values['waivers'] === 'string' ? loadWaivers(a.values['waivers']) : [];
  const shard = parseShard(a.values['shard']);
  // `--shard I/N`: only this shard's targets, each with its place in the whole list (NDJSON `index`).
  const picked = selectShard(resolved ?? (await listTargets(a, signal)), shard);
  const targets = picked.map((p) => p.item);
  if (format === 'ndjson')
    return streamNdjson(
      a,
      signal,
      targets,
      picked.map((p) => p.index),
      shard,
      waivers,
    );
  if (format === 'json' || format === 'junit' || format === 'text') return streamReport(a, signal, targets, format, waivers);
  const opts = await withCluster(a, runOptions(a, signal), targets, signal);
  const pub = a.values['publish'] === true ? (await import('../../cluster/publish.js')).publisherFor(a, targets, signal) : null;
  const progress = process.stderr.isTTY === true && targets.length > 1 ? progressLine(targets.length) : null;
  const ran = applyWaivers(await runAll(targets, opts, progress?.onEvent), waivers, opts.now(), targetLabels(targets));
  const report = a.values['advice'] === true ? ran : hideAdvice(ran);
  progress?.clear();
  const bad = await clusterInputError(opts);
  if (bad) throw bad;
  const color = false; // markdown and sarif: colour is text's only
  const text = renderReport(format, report, {
    color,
    verbose: a.values['verbose'] === true,
    ...(process.stdout.columns && color ? {width: process.stdout.columns} : {}),
  });
  await writeOut(text, a.values['out']);
  for (const t of report.targets) pub?.add(t);
  return pub ? pub.finish(exitCodeWithWaivers(report)) : exitCodeWithWaivers(report);
}

/** One finished node as every report shows it: its waivers applied, advice hidden unless --advice. */
function finishOne(a: ParsedArgs, result: TargetResult, waivers: readonly Waiver[], now: Date, labels: ReturnType<typeof targetLabels>): TargetResult {
  const one = {schema: 1 as const, tool: 'kubelet-doctor' as const, version: TOOL_VERSION, startedAt: '', targets: [result], summary: emptySummary()};
  const waived = applyWaivers(one, waivers, now, labels);
  return (a.values['advice'] === true ? waived : hideAdvice(waived)).targets[0]!;
}

/**
 * `--output json|junit|text`: the report is rendered node by node as the nodes finish, and the
 * engine keeps no node's findings (runAll `keep: false`), so a fleet costs memory by concurrency,
 * not node count. JSON is written as it comes (each node once those before it in input order
 * are out); JUnit and text keep each node's rendered text and write at the end (their totals and
 * fleet table come first). The bytes are those of the whole-report renderers (test/report/stream).
 * Until the cluster's view is read, nothing is written: a kubeconfig problem still ends the run
 * with exit 2 and no report.
 */
async function streamReport(
  a: ParsedArgs,
  signal: AbortSignal,
  targets: Target[],
  format: 'json' | 'junit' | 'text',
  waivers: readonly Waiver[],
): Promise<number> {
  const opts = await withCluster(a, runOptions(a, signal), targets, signal);
  const pub = a.values['publish'] === true ? (await import('../../cluster/publish.js')).publisherFor(a, targets, signal) : null;
  const color = format === 'text' && colorWanted(a, process.stdout);
  const ropts = {color, verbose: a.values['verbose'] === true, ...(process.stdout.columns && color ? {width: process.stdout.columns} : {})};
  const out = openOut(a.values['out']);
  try {
    let fault: unknown = null;
    let ready = opts.cluster === undefined;
    const held: string[] = [];
    const emit = (text: string) => {
      if (fault !== null) return;
      if (!ready) {
        held.push(text);
        return;
      }
      try {
        out.write(text);
      } catch (err) {
        fault = err; // a refused or failed write: nothing more is written; reported once the run stops
      }
    };
    const head = {schema: 1 as const, tool: 'kubelet-doctor' as const, version: TOOL_VERSION, startedAt: opts.now().toISOString()};
    const json = format === 'json' ? jsonStream(head, targets.length, emit) : null;
    const whole = format === 'junit' ? junitStream(head, targets.length) : format === 'text' ? textStream(head, targets.length, ropts) : null;
    const labels = targetLabels(targets);
    let notChecked = false;
    let failing = false;
    const progress = process.stderr.isTTY === true && targets.length > 1 ? progressLine(targets.length) : null;
    const onEvent = (e: RunEvent) => {
      progress?.onEvent(e);
      if (e.type !== 'target-done' || fault !== null) return;
      try {
        const t = finishOne(a, e.result, waivers, opts.now(), labels);
        notChecked ||= t.status !== 'ok';
        failing ||= t.results.some(isFailing);
        json?.add(e.index, t);
        whole?.add(e.index, t);
        pub?.add(t);
      } catch (err) {
        fault = err;
      }
    };
    const run = runAll(targets, opts, onEvent, {keep: false});
    const bad = await clusterInputError(opts);
    if (bad) {
      fault = bad;
      await run;
      progress?.clear();
      throw bad;
    }
    ready = true;
    for (const text of held.splice(0)) emit(text);
    await run;
    progress?.clear();
    if (fault !== null) throw fault;
    json?.end();
    if (whole) emit(whole.end());
    if (fault !== null) throw fault;
    await out.done();
    const code = notChecked ? 3 : failing ? 1 : 0;
    return pub ? pub.finish(code) : code;
  } finally {
    out.discard();
  }
}

/**
 * `--output ndjson`: the run line, then each node's line the moment it finishes (completion
 * order), then the summary line. Each line passes the secret guard before it is written; with
 * `-o FILE` the lines go to FILE as they come (opened before any node is checked).
 */
async function streamNdjson(
  a: ParsedArgs,
  signal: AbortSignal,
  targets: Target[],
  indexes: number[],
  shard: Shard | null,
  waivers: readonly Waiver[],
): Promise<number> {
  const file = typeof a.values['out'] === 'string' ? a.values['out'] : null;
  const opts: RunOptions = await withCluster(a, runOptions(a, signal), targets, signal);
  const pub = a.values['publish'] === true ? (await import('../../cluster/publish.js')).publisherFor(a, targets, signal) : null;
  const fd = file === null ? null : openSync(file, 'w', 0o644);
  const what = file ?? 'the report to standard output';
  const write = (text: string) => {
    refuseSecrets(text, what);
    if (fd === null) process.stdout.write(text);
    else writeSync(fd, text);
  };
  try {
    const startedAt = opts.now().toISOString();
    write(ndjsonLine(runRecord(TOOL_VERSION, startedAt, shard, targets.length)));
    const labels = targetLabels(targets);
    const summary = emptySummary();
    let notChecked = false;
    let failing = false;
    let fault: unknown = null;
    const progress = process.stderr.isTTY === true && targets.length > 1 ? progressLine(targets.length) : null;
    const onEvent = (e: RunEvent) => {
      progress?.onEvent(e);
      if (e.type !== 'target-done' || fault !== null) return;
      try {
        const t = finishOne(a, e.result, waivers, opts.now(), labels);
        const counts = countResults(t.results);
        for (const s of STATUSES) summary[s] += counts[s];
        notChecked ||= t.status !== 'ok';
        failing ||= t.results.some(isFailing);
        write(ndjsonLine(targetRecord(t, indexes[e.index]!, TOOL_VERSION, startedAt)));
        pub?.add(t);
      } catch (err) {
        fault = err; // a refused or failed write: no more lines; reported once the run stops
      }
    };
    await runAll(targets, opts, onEvent, {keep: false});
    progress?.clear();
    if (fault !== null) throw fault;
    const bad = await clusterInputError(opts);
    if (bad) throw bad;
    const runCode = notChecked ? 3 : failing ? 1 : 0;
    const exitCode = pub ? await pub.finish(runCode) : runCode;
    write(ndjsonLine({kind: 'summary', targets: targets.length, summary, exitCode}));
    return exitCode;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** "12/50 nodes · 2 unreachable": the count line a fleet run keeps rewriting on a terminal's stderr. */
export function progressText(done: number, total: number, counts: Readonly<Record<TargetResult['status'], number>>): string {
  const parts = [`${done}/${total} nodes`];
  if (counts.unreachable > 0) parts.push(`${counts.unreachable} unreachable`);
  if (counts.error > 0) parts.push(`${counts.error} ${counts.error === 1 ? 'error' : 'errors'}`);
  if (counts['not-a-node'] > 0) parts.push(`${counts['not-a-node']} not a node`);
  return parts.join(' · ');
}

/** A progress line on stderr, redrawn in place at most every 50 ms, and cleared at the end. */
function progressLine(total: number): {onEvent: (e: RunEvent) => void; clear: () => void} {
  const counts = {ok: 0, unreachable: 0, error: 0, 'not-a-node': 0};
  let done = 0;
  let last = 0;
  const draw = () => process.stderr.write(`\r\u001b[2K${progressText(done, total, counts)}`);
  draw();
  return {
    onEvent: (e) => {
      if (e.type !== 'target-done') return;
      done++;
      counts[e.result.status]++;
      const now = Date.now();
      if (now - last >= 50 || done === total) {
        last = now;
        draw();
      }
    },
    clear: () => process.stderr.write('\r\u001b[2K'),
  };
}
