/**
 * The whole pipeline in one place: targets → transport → probe → facts → checks → findings.
 * Each node is independent: its failure becomes data (status unreachable/error), never an
 * exception that stalls the fleet. Results come back in input order.
 */
import v8 from 'node:v8';
import {runInNewContext} from 'node:vm';
import type {CheckDef} from '../catalogue/define.js';
import {kubeletAbsence} from '../facts/presence.js';
import {eachLimited} from './pool.js';
import {TargetError} from '../errors.js';
import {buildFacts} from '../facts/build.js';
import type {Facts, RawSnapshot, TransportKind} from '../facts/types.js';
import {collectRaw} from '../probe/collect.js';
import {describeMissing} from '../probe/frame.js';
import {missingSections} from '../probe/sections-check.js';
import type {ClusterSummary, Report, TargetResult} from '../report/types.js';
import {emptySummary, summarize} from '../report/order.js';
import type {Target} from '../targets/types.js';
import {LocalTransport} from '../transport/local.js';
import {readSnapshot} from '../transport/snapshot.js';
import type {PassphraseFn} from '../transport/ssh-auth.js';
import type {SshProgress} from '../transport/ssh.js';
import type {Transport} from '../transport/types.js';
import {evaluateAll} from './evaluate.js';
import {clusterFactsOf, clusterSummaryByName, summarizeCluster, type ClusterSource} from './cluster.js';
import {TOOL_VERSION} from '../version.js';
import {takeWarm} from './warm.js';
import {takeEarlyProbe} from './early-probe.js';

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
  /** Ask for an encrypted SSH key's passphrase (the TUI); without it such keys are skipped and named. */
  passphrase?: PassphraseFn;
  /** The cluster's view (with a kubeconfig): fetched once, joined with each node's facts by name. */
  cluster?: ClusterSource;
  /** `HOST:PORT` of a `kubeadm join` endpoint each node tries (`--join-command`). */
  joinEndpoint?: string | null;
}

/** Progress events for the text reporter's progress line and the TUI. */
export type RunEvent =
  | {type: 'target-start'; index: number; target: string}
  | {type: 'target-progress'; index: number; target: string; progress: SshProgress}
  | {type: 'target-done'; index: number; result: TargetResult};

/** Hooks a transport may call while it works. */
export interface TransportHooks {
  passphrase?: PassphraseFn;
  onProgress?: (p: SshProgress) => void;
}

/**
 * The transport for a target (snapshots have none). The SSH transport (and ssh2, ~45 ms of
 * start-up) is loaded only when a target needs it, so `--root` and `--local` runs stay quick.
 * An SSH target whose connection was opened early (warm.ts) gets that transport.
 */
export async function transportFor(t: Target, hooks: TransportHooks = {}): Promise<Transport | null> {
  switch (t.kind) {
    case 'local':
      return new LocalTransport('local', t.hostRoot, true);
    case 'root':
      return new LocalTransport('root', t.dir, false);
    case 'ssh': {
      const early = takeWarm(t);
      if (early) {
        early.setHooks(hooks);
        return early;
      }
      const {SshTransport} = await import('../transport/ssh.js');
      return new SshTransport(t.ssh, t.hostRoot, hooks);
    }
    case 'pod': {
      const {PodTransport} = await import('../transport/pod.js');
      return new PodTransport(t);
    }
    case 'snapshot':
      return null;
  }
}

/** Acquire the raw snapshot for a target: run the probe, or read the snapshot file. */
export async function acquire(
  t: Target,
  o: Pick<RunOptions, 'timeoutMs' | 'signal' | 'passphrase' | 'joinEndpoint'>,
  onProgress?: (p: SshProgress) => void,
): Promise<{raw: RawSnapshot; transport: TransportKind; name: string}> {
  if (t.kind === 'snapshot') {
    const snap = await readSnapshot(t.file);
    return {raw: snapshotSections(snap.raw), transport: 'snapshot', name: snap.target.name};
  }
  // A --root/--local probe started while the program loaded (early-probe.ts): its result, not a second run.
  const early = takeEarlyProbe(t);
  if (early) return {raw: await early, transport: t.kind === 'local' ? 'local' : 'root', name: t.name};
  const tr = (await transportFor(t, {...(o.passphrase ? {passphrase: o.passphrase} : {}), ...(onProgress ? {onProgress} : {})}))!;
  try {
    const raw = await collectRaw(tr, {timeoutMs: o.timeoutMs, ...(o.signal ? {signal: o.signal} : {}), joinEndpoint: o.joinEndpoint ?? null});
    return {raw, transport: tr.kind, name: t.name};
  } finally {
    await tr.close();
  }
}

/**
 * A snapshot file is input nobody vouches for: one that lacks a section every probe output holds
 * (a `live: true` snapshot with no command records, say) is incomplete, as cut output is.
 */
function snapshotSections(raw: RawSnapshot): RawSnapshot {
  if (raw.incomplete) return {...raw, incomplete: String(raw.incomplete)};
  const missing = missingSections(raw);
  return missing.length === 0 ? raw : {...raw, incomplete: describeMissing(missing)};
}

/** Failure kinds that mean "could not get onto the node" (status unreachable); the rest are errors on it. */
const UNREACHABLE_KINDS: ReadonlySet<string> = new Set(['unreachable', 'timeout', 'auth', 'host-key', 'sudo']);

/** Beyond the transport's own deadline: a last guard so no node can hold a fleet slot forever. */
const NODE_GRACE_MS = 5000;

/**
 * Acquire under a per-node deadline: the transport enforces `timeoutMs` itself; if it has not
 * settled shortly after, the node's connections are aborted and it is reported as timed out.
 */
async function acquireWithin(t: Target, o: RunOptions, onProgress?: (p: SshProgress) => void): ReturnType<typeof acquire> {
  const node = new AbortController();
  // AbortSignal.any links without adding a listener per node to the run's signal (16+ would warn).
  const signal = o.signal ? AbortSignal.any([o.signal, node.signal]) : node.signal;
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      node.abort();
      reject(new TargetError('timeout', `no result from ${t.name} within ${Math.round(o.timeoutMs / 1000)} s`, 'raise --timeout, or check the node'));
    }, o.timeoutMs + NODE_GRACE_MS);
  });
  try {
    return await Promise.race([acquire(t, {...o, signal}, onProgress), guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** The result of a target that could not be checked. */
function failed(t: Target, e: TargetError, durationMs: number): TargetResult {
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

/** What a machine with no kubelet is told, in one line (docs/cli.md: exit 3). */
export const NOT_A_NODE =
  'no kubelet on this machine: not a Kubernetes node, or the kubelet is installed elsewhere (name its version with --kubelet-version, or its disk with --root)';

/** What a pass becomes on a node whose output did not all arrive: the verdict rests on part of it. */
const PARTIAL_PASS = "not trusted: the probe's output did not all arrive, so this pass may rest on missing input";

/**
 * Facts, checks and the target's result from the raw output of one node. Output that was cut,
 * malformed or missing a section (`raw.incomplete`) makes the node `error` (exit 3): what arrived
 * is still listed, marked `partial`, and no check passes on it.
 */
export function checkRaw(
  t: Target,
  acquired: {raw: RawSnapshot; transport: TransportKind; name: string},
  o: RunOptions,
  started: number,
  joined?: {facts: Facts; cluster?: ClusterSummary | null},
): {result: TargetResult; facts: Facts} {
  const {raw, transport, name} = acquired;
  const facts = joined?.facts ?? buildFacts(raw, {name, transport, kubeletVersion: o.kubeletVersion});
  const incomplete = facts.probe.incomplete;
  // Stopped by the time limit: reported as such (unreachable, kind timeout), with what arrived.
  const kind = raw.incompleteKind === 'timeout' ? 'timeout' : 'probe-output';
  const node = facts.hostname.collected ? facts.hostname.value.value : name;
  // Decided before the catalogue runs: on a machine with no kubelet there is nothing to evaluate.
  const absent = incomplete ? null : kubeletAbsence(facts);
  if (absent) {
    // One line, its own status, no wall of failures and no fix: there is no kubelet to diagnose.
    return {
      facts,
      result: {
        target: t.name,
        node,
        transport,
        status: 'not-a-node',
        error: {kind: 'not-a-node', message: NOT_A_NODE, hint: `looked for: ${absent.looked.join('; ')}`},
        kubeletVersion: null,
        durationMs: Date.now() - started,
        notes: raw.notes,
        results: [],
      },
    };
  }
  let results = evaluateAll(o.checks, facts, {now: o.now(), expiryWarnDays: o.expiryWarnDays});
  if (incomplete) {
    results = results.map((f) => (f.status === 'pass' ? {...f, status: 'skip' as const, summary: `${PARTIAL_PASS} (${f.summary})`, fix: null} : f));
  }
  return {
    facts,
    result: {
      target: t.name,
      node,
      transport,
      status: !incomplete ? 'ok' : UNREACHABLE_KINDS.has(kind) ? 'unreachable' : 'error',
      error: incomplete
        ? {
            kind,
            message: incomplete,
            hint: "the results below rest on the part of the node's output that arrived; probe the node again (or collect a new snapshot), and look at its shell and disks if it repeats",
          }
        : null,
      kubeletVersion: facts.kubeletVersion.collected ? facts.kubeletVersion.value.value : null,
      durationMs: Date.now() - started,
      notes: raw.notes,
      ...(incomplete ? {partial: true} : {}),
      ...(joined?.cluster !== undefined ? {cluster: joined.cluster} : {}),
      // The installer profile (src/facts/kubelet/profile.ts), for the report's "Installer:" line and JSON `profile`.
      ...(facts.profile?.collected
        ? {
            profile: {
              id: facts.profile.value.id,
              title: facts.profile.value.title,
              evidence: facts.profile.value.evidence,
              note: facts.profile.value.embeddedNote,
            },
          }
        : {}),
      results,
    },
  };
}

/** Check one target; never rejects for a node-side problem. */
export async function runTarget(t: Target, o: RunOptions, onProgress?: (p: SshProgress) => void): Promise<{result: TargetResult; facts: Facts | null}> {
  const started = Date.now();
  try {
    const acquired = await acquireWithin(t, o, onProgress);
    const facts = buildFacts(acquired.raw, {name: acquired.name, transport: acquired.transport, kubeletVersion: o.kubeletVersion});
    if (!o.cluster) return checkRaw(t, acquired, o, started, {facts});
    facts.cluster = await clusterFactsOf(facts, o.cluster);
    return checkRaw(t, acquired, o, started, {facts, cluster: summarizeCluster(facts.cluster)});
  } catch (e) {
    if (!(e instanceof TargetError)) throw e;
    const result = failed(t, e, Date.now() - started);
    const cluster = o.cluster && t.kind !== 'root' && t.kind !== 'snapshot' ? await clusterSummaryByName(t.name, o.cluster) : null;
    return {facts: null, result: cluster ? {...result, cluster} : result};
  }
}

/** How runAll keeps what it learns. */
export interface RunAllOptions {
  /**
   * Keep every node's result for the returned report (the default). `false`: the caller takes
   * each result from the `target-done` event (a streaming reporter) and the report comes back
   * with no targets, only the summary, so a fleet costs memory by concurrency, not node count.
   */
  keep?: boolean;
  /** With `keep: false`: the resident size above which garbage is collected at once (default {@link RSS_BUDGET}). */
  rssBudgetBytes?: number;
}

/**
 * What a streaming fleet run lets the process grow to before it collects garbage itself. What a
 * run holds alive is flat in node count (about 17 MiB of heap at 50 and at 500 nodes, measured
 * with a collection every second), but V8 collects lazily: at 500 nodes it let the heap grow to
 * 90 MiB of mostly garbage, 150 MiB resident, against 113 MiB at 50 nodes. Past this budget one
 * full collection (tens of milliseconds, at most once a second) brings it back.
 */
export const RSS_BUDGET = 120 * 1024 * 1024;

/**
 * A check to call as each node finishes: over `budget` resident bytes, one full garbage
 * collection, at most once a second (so a run whose live data is larger costs a few percent of
 * CPU, never a collection per node). V8's `gc` is not
 * exposed to programs unless the flag is set; it is set for the moment it takes to fetch it
 * (v8.setFlagsFromString, vm), and a Node that refuses leaves the check a no-op.
 */
function heapBudget(budget: number): () => void {
  let gc: (() => void) | null = null;
  try {
    v8.setFlagsFromString('--expose-gc');
    const f: unknown = runInNewContext('gc');
    if (typeof f === 'function') gc = f as () => void;
  } catch {
    gc = null;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
  let last = 0;
  return () => {
    if (gc === null) return;
    const now = Date.now();
    if (now - last < 1000 || process.memoryUsage.rss() <= budget) return;
    last = now;
    gc();
  };
}

/**
 * Run every target with bounded concurrency; results in input order. A slow or dead node holds
 * one slot for at most its timeout; after Ctrl-C (the signal) no new node starts, the running
 * ones close their connections, and the rest are reported as not checked. Each node's facts are
 * dropped as soon as its checks have run.
 */
export async function runAll(targets: Target[], o: RunOptions, onEvent?: (e: RunEvent) => void, how: RunAllOptions = {}): Promise<Report> {
  const startedAt = o.now().toISOString();
  const keep = how.keep !== false;
  const results: TargetResult[] = keep ? new Array(targets.length) : [];
  const summary = emptySummary();
  const budget = keep ? null : heapBudget(how.rssBudgetBytes ?? RSS_BUDGET);
  await eachLimited(targets, o.concurrency, async (t, i) => {
    onEvent?.({type: 'target-start', index: i, target: t.name});
    const result = o.signal?.aborted
      ? failed(t, new TargetError('interrupted', 'not checked: interrupted'), 0)
      : (await runTarget(t, o, (progress) => onEvent?.({type: 'target-progress', index: i, target: t.name, progress}))).result;
    if (keep) results[i] = result;
    else {
      for (const f of result.results) summary[f.status]++;
      budget?.();
    }
    onEvent?.({type: 'target-done', index: i, result});
  });
  return {schema: 1, tool: 'kubelet-doctor', version: TOOL_VERSION, startedAt, targets: results, summary: keep ? summarize(results) : summary};
}
