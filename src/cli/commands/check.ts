/**
 * `kubelet-doctor check`: run the catalogue on the targets and print a report.
 */
import {runAll, type RunEvent} from '../../engine/run.js';
import {UsageError} from '../../errors.js';
import {FORMATS, renderReport, type Format} from '../../report/index.js';
import type {ParsedArgs} from '../args.js';
import {exitCodeOf, runOptions, targetsFrom, useColor, writeOut} from './common.js';

/** Run the checks; returns the exit code. */
export async function checkCommand(a: ParsedArgs, signal: AbortSignal): Promise<number> {
  const format = (a.values['output'] ?? 'text') as Format;
  if (!FORMATS.includes(format)) {
    throw new UsageError(`--output ${String(format)}: unknown format`, `use one of ${FORMATS.join(', ')}`);
  }
  const targets = targetsFrom(a);
  const opts = runOptions(a, signal);
  const progress = process.stderr.isTTY && targets.length > 1;
  let done = 0;
  const onEvent = (e: RunEvent) => {
    if (progress && e.type === 'target-done') {
      done++;
      process.stderr.write(`\r\u001b[2Kchecked ${done}/${targets.length} nodes`);
    }
  };
  const report = await runAll(targets, opts, onEvent);
  if (progress) process.stderr.write('\r\u001b[2K');
  const color = format === 'text' && useColor(a, process.stdout);
  const text = renderReport(format, report, {color, verbose: a.values['verbose'] === true, ...(process.stdout.columns && color ? {width: process.stdout.columns} : {})});
  await writeOut(text, a.values['out']);
  return exitCodeOf(report);
}
