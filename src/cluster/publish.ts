/**
 * `check --publish`: each checked node's verdict written to its Node object as the condition
 * `KubeletDoctorProblem`, shaped as node-problem-detector writes its own (type, status, reason,
 * message, lastHeartbeatTime, lastTransitionTime), so existing alerting on
 * `kube_node_status_condition` (kube-state-metrics) sees it (docs/in-cluster.md).
 *
 * - A node with a failing check: status True, reason = the first cause's check id in CamelCase
 *   (`cgroup-driver-match` → `CgroupDriverMatch`: the format metav1.Condition requires of a
 *   reason, `^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$`; NodeCondition does not enforce it, tools
 *   expect it), message = that finding (one line, escapes stripped, at most 1,024 characters,
 *   withheld if it matches a secret pattern). A waived failure does not count.
 * - A node with no failing check: status False, reason `KubeletDoctorOK`.
 * - lastTransitionTime changes only when the status flips (the node is read first);
 *   lastHeartbeatTime is now.
 * - A node that was not checked (unreachable, error, not a node) is left as it was, and a line says so.
 *
 * The write is a strategic merge patch of `status.conditions` on `nodes/{name}/status`: conditions
 * merge by `type` there, so the kubelet's own conditions are untouched (a JSON merge patch would
 * replace the whole list, and client-node 2.x sends JSON Patch unless the Content-Type is set).
 * A refusal (403) or any other failure is one line per node on stderr; the run goes on, and the
 * exit code becomes 3 (something could not be done for a node), as for a node not checked.
 */
import type {TargetResult, Finding} from '../report/types.js';
import type {Target} from '../targets/types.js';
import {causeGroups} from '../report/causes.js';
import {sanitizeLine} from '../text/sanitize.js';
import {UsageError} from '../errors.js';
import {findSecret} from '../facts/secrets/redact.js';
import {causeCode, describeApiException, describeNetError, loadKubeconfig, withSignal, type KubeconfigQuery, type LoadedKubeconfig} from './kubeconfig.js';

export const CONDITION_TYPE = 'KubeletDoctorProblem';
export const OK_REASON = 'KubeletDoctorOK';
/** Longest condition message written (node-problem-detector's messages are a line too). */
export const MAX_MESSAGE = 1024;
/** Nodes published at once. */
const IN_FLIGHT = 8;
/** One node's read and patch. */
const CALL_TIMEOUT_MS = 15_000;

/** The condition as written. */
export interface NodeCondition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastHeartbeatTime: string;
  lastTransitionTime: string;
}

/** `cgroup-driver-match` → `CgroupDriverMatch`: a check id as a condition reason. */
export function reasonOf(checkId: string): string {
  const r = checkId
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
  return /^[A-Za-z]/.test(r) ? r : `Check${r}`;
}

/** One line, no escapes, bounded, no secret. */
export function conditionMessage(text: string): string {
  let m = sanitizeLine(text).replace(/\s+/g, ' ').trim();
  if (m.length > MAX_MESSAGE) m = `${m.slice(0, MAX_MESSAGE - 1)}…`;
  return findSecret(m) === null ? m : 'kubelet-doctor found a problem (message withheld: it looked like a secret); run kubelet-doctor check on the node';
}

/** The verdict for a checked node: the first cause, or none. */
export function verdictOf(t: TargetResult): {status: 'True' | 'False'; reason: string; message: string} {
  const counted: Finding[] = t.results.map((f) => (f.waived && !f.waived.expired && f.status === 'fail' ? {...f, status: 'pass'} : f));
  const groups = causeGroups(counted);
  const first = groups[0];
  if (!first) return {status: 'False', reason: OK_REASON, message: `kubelet-doctor found no failing check (${t.results.length} checks)`};
  const more =
    groups.length > 1
      ? ` (and ${groups.length - 1} more: ${groups
          .slice(1, 4)
          .map((g) => g.cause.id)
          .join(', ')}${groups.length > 4 ? ', …' : ''})`
      : '';
  return {status: 'True', reason: reasonOf(first.cause.id), message: conditionMessage(`${first.cause.id}: ${first.cause.summary}${more}`)};
}

/** The condition to write, given the one the node has (its lastTransitionTime is kept when the status stays). */
export function nextCondition(v: ReturnType<typeof verdictOf>, prior: {status?: string; lastTransitionTime?: unknown} | undefined, now: Date): NodeCondition {
  const at = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const kept = prior?.status === v.status && prior.lastTransitionTime ? new Date(prior.lastTransitionTime as string | Date) : null;
  const transition = kept && !Number.isNaN(kept.getTime()) ? kept.toISOString().replace(/\.\d{3}Z$/, 'Z') : at;
  return {type: CONDITION_TYPE, status: v.status, reason: v.reason, message: v.message, lastHeartbeatTime: at, lastTransitionTime: transition};
}

/** The Node a target is: the pod target's node, else the target's name (as `--all-nodes` names them). */
export function nodeNameOf(t: Target): string {
  return t.kind === 'pod' ? t.node : t.name;
}

/** Where to publish. */
export interface PublishQuery extends KubeconfigQuery {
  signal?: AbortSignal;
  /** A line for the operator (stderr by default). */
  onLine?: (line: string) => void;
  now?: () => Date;
}

/** Takes each node's result as it finishes; {@link Publisher.finish} waits for the writes. */
export interface Publisher {
  add(result: TargetResult): void;
  /** Waits for the writes; resolves to the run's exit code: 3 when a node could not be published, else `exitCode`. */
  finish(exitCode: number): Promise<number>;
}

/**
 * The publisher for `check --publish`, or null without it. It needs a cluster: --all-nodes, -l,
 * --kubeconfig, --context or --via pod (a UsageError otherwise, before anything runs).
 */
export function publisherFor(a: {values: Record<string, unknown>}, targets: readonly Target[], signal?: AbortSignal): Publisher | null {
  const v = a.values;
  if (v['publish'] !== true) return null;
  const str = (k: string): string | null => (typeof v[k] === 'string' ? (v[k] as string) : null);
  if (!(v['all-nodes'] === true || str('selector') !== null || str('kubeconfig') !== null || str('context') !== null || v['via'] === 'pod')) {
    throw new UsageError('--publish writes Node conditions: it needs a cluster', 'add --all-nodes (or -l, --kubeconfig FILE, --via pod)');
  }
  if (v['no-cluster'] === true) throw new UsageError('--publish and --no-cluster exclude each other');
  return publisher(targets, {kubeconfig: str('kubeconfig'), context: str('context'), ...(signal ? {signal} : {})});
}

/** A publisher for these targets (the client library is loaded on the first node). */
export function publisher(targets: readonly Target[], q: PublishQuery): Publisher {
  const byName = new Map(targets.map((t) => [t.name, t]));
  const line = q.onLine ?? ((l: string) => void process.stderr.write(`${l}\n`));
  const say = (l: string) => line(sanitizeLine(l));
  const now = q.now ?? (() => new Date());
  let client: Promise<LoadedKubeconfig> | null = null;
  let failed = 0;
  let running = 0;
  const queue: (() => Promise<void>)[] = [];
  const all: Promise<void>[] = [];

  const pump = () => {
    while (running < IN_FLIGHT && queue.length > 0) {
      const job = queue.shift()!;
      running++;
      void job().finally(() => {
        running--;
        pump();
      });
    }
  };

  const publishOne = async (node: string, t: TargetResult): Promise<void> => {
    let lk: LoadedKubeconfig;
    try {
      lk = await (client ??= loadKubeconfig(q));
    } catch (e) {
      failed++;
      return say(`kubelet-doctor: cannot publish the ${CONDITION_TYPE} condition on node ${node}: ${(e as Error).message}`);
    }
    const {k8s, kc, where} = lk;
    const api = kc.makeApiClient(k8s.CoreV1Api);
    const signal = q.signal ? AbortSignal.any([q.signal, AbortSignal.timeout(CALL_TIMEOUT_MS)]) : AbortSignal.timeout(CALL_TIMEOUT_MS);
    const fail = (what: string, verb: string, e: unknown): void => {
      failed++;
      let why: string;
      if (e instanceof k8s.ApiException) {
        why =
          e.code === 403
            ? `forbidden (the service account or kubeconfig user needs: kubectl auth can-i ${verb})`
            : e.code === 404
              ? `no Node named ${node} at ${where}`
              : describeApiException(e);
      } else if (signal.aborted) {
        why = q.signal?.aborted ? 'interrupted' : `the API server at ${where} did not answer within ${CALL_TIMEOUT_MS / 1000} s`;
      } else {
        why = `cannot reach the API server at ${where}: ${describeNetError(causeCode(e), e)}`;
      }
      say(`kubelet-doctor: cannot publish the ${CONDITION_TYPE} condition on node ${node} (${what}): ${why}`);
    };
    let prior;
    try {
      const n = await api.readNode({name: node}, withSignal(k8s, signal));
      prior = n.status?.conditions?.find((c) => c.type === CONDITION_TYPE);
    } catch (e) {
      return fail('reading the node', 'get nodes', e);
    }
    const cond = nextCondition(verdictOf(t), prior, now());
    try {
      await api.patchNodeStatus(
        {name: node, body: {status: {conditions: [cond]}}},
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch, withSignal(k8s, signal)),
      );
    } catch (e) {
      return fail('patching its status', 'patch nodes/status', e);
    }
  };

  return {
    add(t) {
      const target = byName.get(t.target);
      const node = target ? nodeNameOf(target) : t.target;
      if (t.status !== 'ok') {
        failed++;
        say(`kubelet-doctor: node ${node} was not checked (${t.status}): its ${CONDITION_TYPE} condition is left as it was`);
        return;
      }
      all.push(
        new Promise<void>((resolve) => {
          queue.push(() => publishOne(node, t).then(resolve, resolve));
          pump();
        }),
      );
    },
    async finish(exitCode) {
      await Promise.all(all);
      return failed > 0 ? 3 : exitCode;
    },
  };
}
