/**
 * Runs the probe over a transport and decodes the result: one round trip per node.
 */
import {TargetError} from '../errors.js';
import {redactRaw} from '../facts/secrets/redact.js';
import type {RawSnapshot} from '../facts/types.js';
import type {Transport} from '../transport/types.js';
import {FrameError, parseFrames} from './frame.js';
import {buildProbeScript} from './script.js';

/** Run the probe once and return the redacted raw snapshot. */
export async function collectRaw(t: Transport, opts: {timeoutMs: number; signal?: AbortSignal; joinEndpoint?: string | null}): Promise<RawSnapshot> {
  const script = buildProbeScript({hostRoot: t.hostRoot, live: t.live, joinEndpoint: opts.joinEndpoint ?? null});
  const res = await t.run({script, timeoutMs: opts.timeoutMs, ...(opts.signal ? {signal: opts.signal} : {})});
  if (opts.signal?.aborted) throw new TargetError('interrupted', 'interrupted');
  // The probe's first record is written as soon as its shell starts: nothing at all means the
  // shell never got to it, which is not a slow probe.
  if (res.timedOut && res.stdout.length === 0) throw notStarted(t, opts.timeoutMs, res.stderr);
  let parsed;
  try {
    parsed = parseFrames(res.stdout, {hostRoot: t.hostRoot, live: t.live});
  } catch (e) {
    if (!(e instanceof FrameError)) throw e;
    if (res.timedOut) {
      throw new TargetError(
        'timeout',
        `the probe did not answer within ${Math.round(opts.timeoutMs / 1000)} s`,
        'raise --timeout, or check the node for hung filesystems',
      );
    }
    const why = res.stderr.trim().split('\n').slice(-3).join(' ').slice(0, 300);
    // Nothing framed came back: either the shell never ran the probe (a forced command, a
    // restricted shell, a missing sh) or what answered is not a shell at all.
    const hint =
      res.stdout.length > 0
        ? 'what came back is not probe output: is sh a POSIX shell, does a ForceCommand or restricted shell run instead of it, or does the login print to stdout? try `ssh NODE sh -c true`'
        : 'the node needs a POSIX sh with head, wc, sed, awk and grep';
    throw new TargetError('probe', `the probe failed (exit ${res.exitCode ?? res.signal})${why ? `: ${why}` : ''}`, hint);
  }
  const {complete, ...raw} = parsed;
  if (!complete && res.timedOut) {
    raw.notes.push(`the probe was stopped after ${Math.round(opts.timeoutMs / 1000)} s (--timeout)`);
    // What arrived stays (partial results); the node is reported as stopped by the time limit.
    raw.incomplete = `the probe did not answer within ${Math.round(opts.timeoutMs / 1000)} s`;
    raw.incompleteKind = 'timeout';
  }
  return redactRaw(raw);
}

/**
 * The time limit ran out before the probe's first byte. What the session wrote to stderr meanwhile
 * is the login's, not the probe's (e.g. `pyenv: cannot rehash: couldn't acquire lock …`): its
 * last line is quoted, one line without control characters.
 */
function notStarted(t: Transport, timeoutMs: number, stderr: string): TargetError {
  const s = `${Math.round(timeoutMs / 1000)} s`;
  const last = stderr
    .split('\n')
    .map((l) => l.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim())
    .filter(Boolean)
    .at(-1);
  const said = last ? `; its last error line: "${last.length > 200 ? `${last.slice(0, 199)}…` : last}"` : '';
  if (t.kind === 'ssh') {
    return new TargetError(
      'timeout',
      `the session opened, but the probe had not started within ${s} (nothing arrived from it${said})`,
      "before the probe, the login shell runs the user's startup files (~/.bashrc, /etc/bash.bashrc, ~/.profile), and sudo may look up the host name: is one of them slow or waiting on a lock? time `ssh NODE true` to see, or raise --timeout",
    );
  }
  return new TargetError('timeout', `the probe had not started within ${s} (nothing arrived from it${said})`, 'is the machine overloaded? raise --timeout');
}
