/**
 * Runs the probe over a transport and decodes the result: one round trip per node.
 */
import {TargetError} from '../errors.js';
import {redactRaw} from '../facts/redact.js';
import type {RawSnapshot} from '../facts/types.js';
import type {Transport} from '../transport/types.js';
import {FrameError, parseFrames} from './frame.js';
import {buildProbeScript} from './script.js';

/** Run the probe once and return the redacted raw snapshot. */
export async function collectRaw(t: Transport, opts: {timeoutMs: number; signal?: AbortSignal; joinEndpoint?: string | null}): Promise<RawSnapshot> {
  const script = buildProbeScript({hostRoot: t.hostRoot, live: t.live, joinEndpoint: opts.joinEndpoint ?? null});
  const res = await t.run({script, timeoutMs: opts.timeoutMs, ...(opts.signal ? {signal: opts.signal} : {})});
  if (opts.signal?.aborted) throw new TargetError('interrupted', 'interrupted');
  let parsed;
  try {
    parsed = parseFrames(res.stdout, {hostRoot: t.hostRoot, live: t.live});
  } catch (e) {
    if (!(e instanceof FrameError)) throw e;
    if (res.timedOut) {
      throw new TargetError('timeout', `the probe did not answer within ${Math.round(opts.timeoutMs / 1000)} s`,
        'raise --timeout, or check the node for hung filesystems');
    }
    const why = res.stderr.trim().split('\n').slice(-3).join(' ').slice(0, 300);
    throw new TargetError('probe', `the probe failed (exit ${res.exitCode ?? res.signal})${why ? `: ${why}` : ''}`,
      'the node needs a POSIX sh with head, wc, sed, awk and grep');
  }
  const {complete, ...raw} = parsed;
  if (!complete && res.timedOut) {
    raw.notes.push(`the probe was stopped after ${Math.round(opts.timeoutMs / 1000)} s (--timeout)`);
  }
  return redactRaw(raw);
}
