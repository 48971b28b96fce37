/**
 * The watch loop: each node is probed at once, then every `intervalMs`, and sooner when its
 * journal shows a new error (debounced, so a burst of lines is one re-probe). Each probe's result
 * goes through transitions.ts; every change, every journal line worth showing and the end are
 * events. With `untilHealthy` the watch ends as soon as every node is healthy; at the deadline it
 * ends too; a stop (Ctrl-C) ends it and closes every channel and connection.
 */
import {setMaxListeners} from 'node:events';
import type {CheckDef} from '../catalogue/define.js';
import {allSignatures} from '../catalogue/signatures.js';
import type {RunOptions} from '../engine/run.js';
import type {TargetResult} from '../report/types.js';
import type {Target} from '../targets/types.js';
import {TOOL_VERSION} from '../version.js';
import {transitionEvent, type EndReason, type ProbeReason, type WatchEvent} from './events.js';
import {classifyLine, JournalFollower, RateLimit} from './journal-follow.js';
import {WatchedNode} from './node.js';
import {firstCause, isHealthy, step, type NodeHistory} from './transitions.js';
import {firstCauseIds} from '../report/causes.js';

/** How to watch. */
export interface WatchOptions {
  /** Engine options for each probe (`timeoutMs` is one probe's limit). */
  run: RunOptions;
  intervalMs: number;
  untilHealthy: boolean;
  /** The whole watch's limit, or null for none. */
  deadlineMs: number | null;
  signal: AbortSignal;
  onEvent: (e: WatchEvent) => void;
  /** A journal line's re-probe waits this long for more lines. Default 500 ms. */
  debounceMs?: number;
  /** How often the journal is read when it cannot be followed. Default 2 s. */
  pollMs?: number;
}

/** How a watch ended, and the exit code it means (0 healthy, 1 not healthy at the deadline, 130 interrupted). */
export interface WatchOutcome {
  reason: EndReason;
  exitCode: number;
}

/** Resolves after `ms`, or at once when `stop` aborts, or when `wake()` is called. */
function sleeper(): {sleep: (ms: number, stop: AbortSignal) => Promise<void>; wake: () => void} {
  let wake: (() => void) | null = null;
  let early = false;
  return {
    sleep: (ms, stop) =>
      new Promise<void>((resolve) => {
        if (early || stop.aborted) {
          early = false;
          return resolve();
        }
        const done = () => {
          clearTimeout(t);
          stop.removeEventListener('abort', done);
          wake = null;
          resolve();
        };
        const t = setTimeout(done, ms);
        stop.addEventListener('abort', done, {once: true});
        wake = done;
      }),
    wake: () => {
      if (wake) wake();
      else early = true; // a line that came during a probe: the next wait ends at once
    },
  };
}

/** Runs at most `n` tasks at once, in the order they asked. Once `stop` aborts, waiting tasks run at once (and see it). */
function semaphore(n: number): {run: <T>(f: () => Promise<T>, stop: AbortSignal) => Promise<T>} {
  let free = n;
  const queue: (() => void)[] = [];
  return {
    run: async (f, stop) => {
      if (stop.aborted) return f();
      if (free > 0) free--;
      else {
        await new Promise<void>((resolve) => {
          queue.push(resolve);
          stop.addEventListener('abort', () => resolve(), {once: true});
        });
        if (stop.aborted) return f();
      }
      try {
        return await f();
      } finally {
        const next = queue.shift();
        if (next) next();
        else free++;
      }
    },
  };
}

/** Watch the targets until healthy, the deadline, or a stop. */
export async function watch(targets: readonly Target[], o: WatchOptions): Promise<WatchOutcome> {
  const at = () => o.run.now().toISOString();
  const stop = new AbortController();
  const stopped = AbortSignal.any([o.signal, stop.signal]);
  // Every node's wait (and every queued probe) listens for the stop: a fleet of any size.
  setMaxListeners(0, stopped);
  const signatures = allSignatures(o.run.checks);
  const titles = new Map<string, string>(o.run.checks.map((c: CheckDef) => [c.id, c.title]));
  const healthy = new Map<string, boolean>();
  let end: EndReason | null = null;
  const finish = (why: EndReason) => {
    if (end) return;
    end = why;
    stop.abort();
  };
  const onAbort = () => finish('interrupted');
  if (o.signal.aborted) onAbort();
  o.signal.addEventListener('abort', onAbort, {once: true});
  const deadline = o.deadlineMs === null ? null : setTimeout(() => finish('timeout'), o.deadlineMs);

  o.onEvent({
    kind: 'watch-start',
    at: at(),
    version: TOOL_VERSION,
    targets: targets.map((t) => t.name),
    intervalS: o.intervalMs / 1000,
    untilHealthy: o.untilHealthy,
    timeoutS: o.deadlineMs === null ? null : o.deadlineMs / 1000,
  });

  const nodes = targets.map((t) => new WatchedNode(t, o.run));
  // At most --concurrency probes at once (a fleet does not connect all at once); connections stay open.
  const slots = semaphore(Math.max(1, o.run.concurrency));
  const followers: JournalFollower[] = [];

  const loop = async (node: WatchedNode): Promise<void> => {
    const name = node.target.name;
    let history: NodeHistory | undefined;
    /** The node's last result with checks: a journal line names the check's status in it. */
    let lastChecked: TargetResult | null = null;
    let reason: ProbeReason = 'start';
    let journalWoke = false;
    const wait = sleeper();
    const limit = new RateLimit();
    let debounce: NodeJS.Timeout | null = null;
    let follower: JournalFollower | null = null;
    const onLine = (line: string) => {
      if (end) return;
      const hit = classifyLine(line, signatures);
      if (!hit) return;
      if (limit.allow()) {
        o.onEvent({
          kind: 'journal',
          at: at(),
          target: name,
          time: hit.time,
          line: hit.text,
          signature: hit.signature,
          check: hit.check,
          checkTitle: hit.check ? (titles.get(hit.check) ?? null) : null,
          checkStatus: hit.check ? (lastChecked?.results.find((f) => f.id === hit.check)?.status ?? null) : null,
          dropped: limit.takeDropped(),
        });
      }
      // A new error: re-probe soon, once for a burst of lines.
      journalWoke = true;
      if (debounce) clearTimeout(debounce);
      debounce = setTimeout(() => {
        debounce = null;
        wait.wake();
      }, o.debounceMs ?? 500);
    };
    try {
      while (!end) {
        let result: TargetResult;
        let seen: string[];
        journalWoke = false;
        try {
          ({result, journal: seen} = await slots.run(() => node.probe(stopped), stopped));
        } catch (e) {
          if (end) return;
          throw e;
        }
        if (end) return;
        const s = step(history, result);
        history = s.history;
        lastChecked = s.history.checked;
        const ok = isHealthy(result);
        healthy.set(name, ok);
        const now = at();
        // The journal follows over the probe's connection, once it is up (and again after it dropped).
        if (!follower && node.ssh) {
          follower = new JournalFollower(node.ssh, onLine, o.pollMs ?? 2000);
          followers.push(follower);
        }
        follower?.seed(seen);
        follower?.ensure();
        o.onEvent({
          kind: 'probe',
          at: now,
          target: name,
          reason,
          status: result.status,
          healthy: ok,
          failing: result.results.filter((f) => f.status === 'fail').length,
          firstCause: firstCause(result),
          failingChecks: [...new Set([...firstCauseIds(result.results), ...result.results.filter((f) => f.status === 'fail').map((f) => f.id)])],
          error: result.error?.message ?? null,
          journal: follower?.mode ?? 'off',
        });
        for (const t of s.transitions) o.onEvent(transitionEvent(t, now));
        if (o.untilHealthy && healthy.size === nodes.length && [...healthy.values()].every(Boolean)) {
          finish('healthy');
          return;
        }
        await wait.sleep(o.intervalMs, stopped);
        reason = journalWoke ? 'journal' : 'interval';
      }
    } finally {
      if (debounce) clearTimeout(debounce);
    }
  };

  let fault: unknown = null;
  try {
    await Promise.all(
      nodes.map((n) =>
        loop(n).catch((e) => {
          fault ??= e;
          finish('interrupted');
        }),
      ),
    );
  } finally {
    if (deadline) clearTimeout(deadline);
    o.signal.removeEventListener('abort', onAbort);
    for (const f of followers) f.stop();
    await Promise.all(nodes.map((n) => n.close().catch(() => undefined)));
  }
  if (fault !== null) throw fault;
  const reason: EndReason = end ?? 'interrupted';
  const names = targets.map((t) => t.name);
  const good = names.filter((n) => healthy.get(n) === true);
  const bad = names.filter((n) => healthy.get(n) !== true);
  const exitCode = reason === 'interrupted' ? 130 : bad.length === 0 ? 0 : 1;
  o.onEvent({kind: 'watch-end', at: at(), reason, exitCode, healthy: good, notHealthy: bad});
  return {reason, exitCode};
}
