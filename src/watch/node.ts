/**
 * One watched node: its transport, opened once and kept across probes (an SSH node is one
 * connection for the whole watch: every probe and the journal follow are channels on it), and a
 * probe that gives a TargetResult exactly as `check` would (collectRaw + buildFacts + checkRaw).
 * A probe that cannot reach the node is a result (unreachable), never an exception; the next
 * probe connects again.
 */
import {TargetError} from '../errors.js';
import {acquire, checkRaw, transportFor, type RunOptions} from '../engine/run.js';
import {buildFacts} from '../facts/build.js';
import type {RawSnapshot, TransportKind} from '../facts/types.js';
import {collectRaw} from '../probe/collect.js';
import type {TargetResult} from '../report/types.js';
import type {Target} from '../targets/types.js';
import type {Transport} from '../transport/types.js';
import {SshTransport} from '../transport/ssh.js';

/** Failure kinds that mean "could not get onto the node" (engine/run.ts reports them as unreachable). */
const UNREACHABLE_KINDS: ReadonlySet<string> = new Set(['unreachable', 'timeout', 'auth', 'host-key', 'sudo']);

/** Beyond the transport's own deadline: the last guard so a probe cannot hang the watch. */
const PROBE_GRACE_MS = 5000;

/** The result of a probe that could not check the node (as engine/run.ts shapes it). */
export function failedResult(t: Target, e: TargetError, durationMs: number): TargetResult {
  return {
    target: t.name,
    node: t.name,
    transport: t.kind,
    status: UNREACHABLE_KINDS.has(e.kind) ? 'unreachable' : 'error',
    error: {kind: e.kind, message: e.message, hint: e.hint ?? null},
    kubeletVersion: null,
    durationMs,
    notes: [],
    results: [],
  };
}

/** A node under watch. */
export class WatchedNode {
  private transport: Transport | null = null;
  private closed = false;

  constructor(
    readonly target: Target,
    private readonly o: RunOptions,
  ) {}

  /** The node's SSH transport once a probe has opened it (the journal follows over it), else null. */
  get ssh(): SshTransport | null {
    return this.transport instanceof SshTransport ? this.transport : null;
  }

  private async raw(signal: AbortSignal): Promise<{raw: RawSnapshot; transport: TransportKind; name: string}> {
    const t = this.target;
    // A snapshot has no transport: each probe reads the file again (it may have been replaced).
    if (t.kind === 'snapshot') return acquire(t, {timeoutMs: this.o.timeoutMs, signal});
    this.transport ??= await transportFor(t, this.o.passphrase ? {passphrase: this.o.passphrase} : {});
    const tr = this.transport!;
    const raw = await collectRaw(tr, {timeoutMs: this.o.timeoutMs, signal, joinEndpoint: this.o.joinEndpoint ?? null});
    return {raw, transport: tr.kind, name: t.name};
  }

  /**
   * Probe the node once over its kept transport; rejects only when `signal` stopped the watch.
   * `journal`: the texts of the journal lines the probe read (the follower does not report them again).
   */
  async probe(signal: AbortSignal): Promise<{result: TargetResult; journal: string[]}> {
    if (this.closed) throw new TargetError('interrupted', 'interrupted');
    const started = Date.now();
    const node = new AbortController();
    const linked = AbortSignal.any([signal, node.signal]);
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        node.abort();
        reject(new TargetError('timeout', `no result from ${this.target.name} within ${Math.round(this.o.timeoutMs / 1000)} s`, 'check the node'));
      }, this.o.timeoutMs + PROBE_GRACE_MS);
    });
    try {
      const acquired = await Promise.race([this.raw(linked), guard]);
      const facts = buildFacts(acquired.raw, {name: acquired.name, transport: acquired.transport, kubeletVersion: this.o.kubeletVersion});
      const journal = facts.journal.collected ? facts.journal.value.lines.map((l) => l.text) : [];
      return {result: checkRaw(this.target, acquired, this.o, started, {facts}).result, journal};
    } catch (e) {
      if (signal.aborted) throw new TargetError('interrupted', 'interrupted');
      if (!(e instanceof TargetError)) throw e;
      return {result: failedResult(this.target, e, Date.now() - started), journal: []};
    } finally {
      clearTimeout(timer);
    }
  }

  /** Close the node's connection (idempotent). */
  async close(): Promise<void> {
    this.closed = true;
    const tr = this.transport;
    this.transport = null;
    await tr?.close();
  }
}
