/**
 * The whole pipeline in one place: targets → transport → probe → facts → checks → findings.
 * Each node is independent: its failure becomes data (status unreachable/error), never an
 * exception that stalls the fleet. Results come back in input order.
 */
import type {CheckDef} from '../catalogue/define.js';
import {TargetError} from '../errors.js';
import {buildFacts} from '../facts/build.js';
import type {Facts, RawSnapshot, TransportKind} from '../facts/types.js';
import {collectRaw} from '../probe/collect.js';
import type {Report, TargetResult} from '../report/types.js';
import {summarize} from '../report/order.js';
import type {Target} from '../targets/types.js';
import {LocalTransport} from '../transport/local.js';
import {readSnapshot} from '../transport/snapshot.js';
import type {Transport} from '../transport/types.js';
import {evaluateAll} from './evaluate.js';
import {TOOL_VERSION} from '../version.js';

/** Options for a run. */
export interface RunOptions {
  checks: readonly CheckDef[];
  kubeletVersion: string | null;
  /** Per-node time limit. */
  timeoutMs: number;
  concurrency: number;
  now: () => Date;
  expiryWarnDays: number;
  signal?: AbortSignal;
}

/** Progress events for the text reporter's progress line and the TUI. */
export type RunEvent =
  | {type: 'target-start'; index: number; target: string}
  | {type: 'target-done'; index: number; result: TargetResult};

/** The transport for a target (snapshots have none). */
export function transportFor(t: Target): Transport | null {
  switch (t.kind) {
    case 'local':
      return new LocalTransport('local', t.hostRoot, true);
    case 'root':
      return new LocalTransport('root', t.dir, false);
    case 'snapshot':
      return null;
  }
}

/** Acquire the raw snapshot for a target: run the probe, or read the snapshot file. */
export async function acquire(t: Target, o: Pick<RunOptions, 'timeoutMs' | 'signal'>): Promise<{raw: RawSnapshot; transport: TransportKind; name: string}> {
  if (t.kind === 'snapshot') {
    const snap = await readSnapshot(t.file);
    return {raw: snap.raw, transport: 'snapshot', name: snap.target.name};
  }
  const tr = transportFor(t)!;
  try {
    const raw = await collectRaw(tr, {timeoutMs: o.timeoutMs, ...(o.signal ? {signal: o.signal} : {})});
    return {raw, transport: tr.kind, name: t.name};
  } finally {
    await tr.close();
  }
}

/** Check one target; never rejects for a node-side problem. */
export async function runTarget(t: Target, o: RunOptions): Promise<{result: TargetResult; facts: Facts | null}> {
  const started = Date.now();
  const base = {target: t.name, node: t.name, transport: (t.kind === 'snapshot' ? 'snapshot' : t.kind) as TransportKind};
  try {
    const {raw, transport, name} = await acquire(t, o);
    const facts = buildFacts(raw, {name, transport, kubeletVersion: o.kubeletVersion});
    const results = evaluateAll(o.checks, facts, {now: o.now(), expiryWarnDays: o.expiryWarnDays});
    const node = facts.hostname.collected ? facts.hostname.value.value : name;
    return {
      facts,
      result: {
        ...base, node, transport, status: 'ok', error: null,
        kubeletVersion: facts.kubeletVersion.collected ? facts.kubeletVersion.value.value : null,
        durationMs: Date.now() - started, notes: raw.notes, results,
      },
    };
  } catch (e) {
    if (!(e instanceof TargetError)) throw e;
    const status = e.kind === 'unreachable' || e.kind === 'timeout' || e.kind === 'auth' || e.kind === 'host-key' ? 'unreachable' : 'error';
    return {
      facts: null,
      result: {
        ...base, status, error: {kind: e.kind, message: e.message, hint: e.hint ?? null},
        kubeletVersion: null, durationMs: Date.now() - started, notes: [], results: [],
      },
    };
  }
}

/** Run every target with bounded concurrency; results in input order. */
export async function runAll(targets: Target[], o: RunOptions, onEvent?: (e: RunEvent) => void): Promise<Report> {
  const startedAt = o.now().toISOString();
  const results: TargetResult[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= targets.length) return;
      const t = targets[i]!;
      onEvent?.({type: 'target-start', index: i, target: t.name});
      const {result} = await runTarget(t, o);
      results[i] = result;
      onEvent?.({type: 'target-done', index: i, result});
    }
  };
  await Promise.all(Array.from({length: Math.max(1, Math.min(o.concurrency, targets.length))}, worker));
  return {schema: 1, tool: 'kubelet-doctor', version: TOOL_VERSION, startedAt, targets: results, summary: summarize(results)};
}
