/**
 * The probe of a `--root` or `--local` target started before the rest of the program has loaded.
 * On such a run the node's side (sh reading the tree, ~100 ms) and the client's start-up (loading
 * the facts builders, the catalogue and the reporters, ~150 ms) used to run one after the other;
 * `probeEarly` starts the probe right after the targets are known, and `acquire` (run.ts) takes its
 * result instead of probing again. The SSH counterpart is warm.ts.
 *
 * Only what the probe reads is done early: it is the same read-only script, with the same time
 * limit and the run's abort signal. A probe nobody took is stopped by `dropEarlyProbes`.
 */
import type {RawSnapshot} from '../facts/types.js';
import type {Target} from '../targets/types.js';

const early = new Map<Target, {raw: Promise<RawSnapshot>; stop: AbortController}>();

/** Start the probes of the first `concurrency` local and `--root` targets (the ones the engine starts with). */
export async function probeEarly(targets: readonly Target[], o: {concurrency: number; timeoutMs: number; signal?: AbortSignal}): Promise<void> {
  const first = targets.slice(0, Math.max(1, o.concurrency)).filter((t) => t.kind === 'local' || t.kind === 'root');
  if (first.length === 0 || o.signal?.aborted) return;
  const [{LocalTransport}, {collectRaw}] = await Promise.all([import('../transport/local.js'), import('../probe/collect.js')]);
  for (const t of first) {
    const stop = new AbortController();
    const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
    const tr = t.kind === 'local' ? new LocalTransport('local', t.hostRoot, true) : new LocalTransport('root', t.dir, false);
    const raw = collectRaw(tr, {timeoutMs: o.timeoutMs, signal, joinEndpoint: null});
    // Settled by whoever takes it; a probe nobody takes must not become an unhandled rejection.
    raw.catch(() => undefined);
    early.set(t, {raw, stop});
  }
}

/** The early probe's result for this target, if one was started (each is handed out once). */
export function takeEarlyProbe(t: Target): Promise<RawSnapshot> | undefined {
  const e = early.get(t);
  if (!e) return undefined;
  early.delete(t);
  return e.raw;
}

/** Stop every early probe nobody took. */
export function dropEarlyProbes(): void {
  for (const e of early.values()) e.stop.abort();
  early.clear();
}
