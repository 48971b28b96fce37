/**
 * `kubelet-doctor check`: run the catalogue on the targets and print a report.
 */
import {runAll, type RunEvent} from '../../engine/run.js';
import {hideAdvice} from '../../report/order.js';
import type {TargetResult} from '../../report/types.js';
import type {Target} from '../../targets/types.js';
import {formatOption, renderReport} from '../../report/index.js';
import type {ParsedArgs} from '../args.js';
import {listTargets, runOptions, colorWanted, writeOut} from './common.js';
import {clusterInputError, withCluster} from './cluster-view.js';
import {applyWaivers, exitCodeWithWaivers, loadWaivers, targetLabels} from '../../runbook/waivers.js';

/** Run the checks (on `targets` when the caller has resolved them already); returns the exit code. */
export async function checkCommand(a: ParsedArgs, signal: AbortSignal, resolved?: Target[]): Promise<number> {
  const format = formatOption(a.values['output']);
  // Waivers are read before the engine runs, so a typo in the file is exit 2 before anything runs
  // on a node (only the first connections may be open: see engine/warm.ts).
  const waivers = typeof a.values['waivers'] === 'string' ? loadWaivers(a.values['waivers']) : [];
  const targets = resolved ?? (await listTargets(a, signal));
  const opts = await withCluster(a, runOptions(a, signal), targets, signal);
  const progress = process.stderr.isTTY === true && targets.length > 1 ? progressLine(targets.length) : null;
  const ran = applyWaivers(await runAll(targets, opts, progress?.onEvent), waivers, opts.now(), targetLabels(targets));
  const report = a.values['advice'] === true ? ran : hideAdvice(ran);
  progress?.clear();
  const bad = await clusterInputError(opts);
  if (bad) throw bad;
  const color = format === 'text' && colorWanted(a, process.stdout);
  const text = renderReport(format, report, {
    color,
    verbose: a.values['verbose'] === true,
    ...(process.stdout.columns && color ? {width: process.stdout.columns} : {}),
  });
  await writeOut(text, a.values['out']);
  return exitCodeWithWaivers(report);
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
