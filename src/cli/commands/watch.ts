/**
 * `kubelet-doctor watch TARGET… [--interval S] [--until-healthy] [--timeout 10m] [--output text|ndjson]`:
 * keep each node's connection, re-probe on an interval and when its journal shows a new error,
 * and print what changed (docs/watch.md). Exit 0 once every node is healthy (--until-healthy),
 * 1 at the deadline while one is not, 130 on Ctrl-C.
 */
import {UsageError} from '../../errors.js';
import {refuseSecrets} from '../../facts/secrets/secret-guard.js';
import {eventLine, eventText, type WatchEvent} from '../../watch/events.js';
import {watch} from '../../watch/watch.js';
import type {ParsedArgs} from '../args.js';
import {listTargets, runOptions} from './common.js';

/** One probe's time limit during a watch (`--timeout` is the whole watch's). */
const PROBE_TIMEOUT_MS = 60_000;

/** A duration: `10m`, `90s`, `1h`, `1.5` or plain seconds; at least `min` seconds. */
export function durationOption(v: unknown, name: string, min = 0.001): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(String(v).trim());
  const unit = {ms: 0.001, s: 1, m: 60, h: 3600} as const;
  const seconds = m ? Number(m[1]) * unit[(m[2] ?? 's') as keyof typeof unit] : Number.NaN;
  if (!Number.isFinite(seconds) || seconds < min) {
    throw new UsageError(`--${name} ${String(v)}: expected a duration such as 90s, 10m or a number of seconds (at least ${min} s)`);
  }
  return seconds;
}

/** Run the watch; returns the exit code. */
export async function watchCommand(a: ParsedArgs, signal: AbortSignal): Promise<number> {
  const format = a.values['output'] === undefined ? 'text' : String(a.values['output']);
  if (format !== 'text' && format !== 'ndjson') throw new UsageError(`watch writes text or ndjson, not ${format}`, 'use --output text|ndjson');
  if (a.values['out'] !== undefined) throw new UsageError('watch writes to standard output only', 'redirect it: kubelet-doctor watch … > FILE');
  const intervalS = a.values['interval'] === undefined ? 10 : durationOption(a.values['interval'], 'interval', 0.1);
  const timeoutS = a.values['timeout'] === undefined ? null : durationOption(a.values['timeout'], 'timeout', 1);
  const untilHealthy = a.values['until-healthy'] === true;
  // --timeout is the whole watch's limit here, not check's per-node seconds: the rest never sees it.
  const rest: ParsedArgs = {...a, values: {...a.values, timeout: undefined}};
  const run = runOptions(rest, signal);
  const targets = await listTargets(rest, signal);
  if (targets.length === 0) throw new UsageError('watch needs a target', 'name a node ([user@]HOST), --inventory FILE, --root DIR or --local');
  const write = (e: WatchEvent) => {
    const text = format === 'ndjson' ? eventLine(e) : eventText(e);
    if (text === null) return;
    const line = text.endsWith('\n') ? text : `${text}\n`;
    refuseSecrets(line, 'the watch output');
    process.stdout.write(line);
  };
  const outcome = await watch(targets, {
    run: {...run, timeoutMs: timeoutS === null ? PROBE_TIMEOUT_MS : Math.min(PROBE_TIMEOUT_MS, timeoutS * 1000)},
    intervalMs: intervalS * 1000,
    untilHealthy,
    deadlineMs: timeoutS === null ? null : timeoutS * 1000,
    signal,
    onEvent: write,
  });
  return outcome.exitCode;
}
