/**
 * Deciding whether a run reads the cluster's view, and starting that read: once per run, in the
 * background, while the nodes are probed (src/engine/cluster.ts joins it per node). The
 * `--join-command` is parsed here; its token secret goes only to the fetcher, which compares it
 * with the bootstrap token Secret and keeps the answer.
 */
import {existsSync} from 'node:fs';
import {InputError} from '../../errors.js';
import type {ClusterView} from '../../facts/live/cluster.js';
import {notCollected} from '../../facts/types.js';
import type {ClusterSource} from '../../engine/cluster.js';
import type {RunOptions} from '../../engine/run.js';
import type {Target} from '../../targets/types.js';
import type {ParsedArgs} from '../args.js';

/** The join command: --join-command, else $KUBELET_DOCTOR_JOIN_COMMAND (keeps the token out of shell history). */
export function joinCommandOf(a: ParsedArgs): string | undefined {
  const v = a.values['join-command'];
  return typeof v === 'string' ? v : process.env['KUBELET_DOCTOR_JOIN_COMMAND'] || undefined;
}

/** Longest wait for the cluster view: it must never hold the report back for long. */
const CLUSTER_TIMEOUT_MS = 15_000;

/**
 * Whether to read the cluster: asked for (--kubeconfig, --context, --cluster, --all-nodes,
 * --via pod), or implied by $KUBECONFIG / running in a pod when a live node is checked. Never
 * with --no-cluster; a --root or --snapshot run stays offline unless asked.
 */
export async function wantsClusterView(a: ParsedArgs, targets: readonly Target[]): Promise<boolean> {
  if (a.values['no-cluster'] === true) return false;
  const asked =
    a.values['cluster'] === true ||
    typeof a.values['kubeconfig'] === 'string' ||
    typeof a.values['context'] === 'string' ||
    a.values['all-nodes'] === true ||
    a.values['via'] === 'pod';
  if (asked) return true;
  if (!targets.some((t) => t.kind !== 'root' && t.kind !== 'snapshot')) return false;
  if (process.env['KUBECONFIG']) return true;
  const {inClusterEnv, isInCluster} = await import('../../cluster/kubeconfig.js');
  return isInCluster(inClusterEnv());
}

/** A view with nothing read from an API server: only the join command, for the node-side join checks. */
function joinOnlyView(join: ClusterView['join'], why: string): ClusterView {
  const nc = notCollected(why);
  return {
    server: '',
    context: '',
    fetchedAt: new Date().toISOString(),
    apiserverVersion: nc,
    nodes: nc,
    leases: nc,
    csrs: nc,
    bootstrapTokens: nc,
    clusterInfo: nc,
    kubeletConfigMap: nc,
    join,
  };
}

/**
 * Add the cluster view and the join endpoint to the run options. A missing --kubeconfig file is
 * an InputError here (exit 2, before any node is touched); a kubeconfig that does not load or an
 * unknown context rejects the view (the run ends with exit 2: {@link clusterInputError});
 * everything cluster-side (unreachable, forbidden) becomes reasons inside the view.
 */
export async function withCluster(a: ParsedArgs, opts: RunOptions, targets: readonly Target[], signal?: AbortSignal): Promise<RunOptions> {
  const cmd = joinCommandOf(a);
  const parsed = cmd === undefined ? null : (await import('../../cluster/join-command.js')).parseJoinInput(cmd);
  const joinEndpoint = parsed?.input.endpoint ?? null;
  if (!(await wantsClusterView(a, targets))) {
    if (parsed === null) return opts;
    const view = joinOnlyView(
      parsed.input,
      'no cluster view: pass --kubeconfig FILE (or --cluster) to check the token, the CA pin and cluster-info on the API server',
    );
    return {...opts, joinEndpoint, cluster: {view: Promise.resolve(view)}};
  }
  const str = (k: string): string | null => (typeof a.values[k] === 'string' ? (a.values[k] as string) : null);
  const kubeconfig = str('kubeconfig');
  // The common typo is exit 2 at once; the rest of the kubeconfig is read with the client library,
  // whose import alone takes about half a second: that happens in the background, while the
  // nodes are probed (a bad context then fails the run with exit 2 when it ends: {@link clusterInputError}).
  if (kubeconfig !== null && !existsSync(kubeconfig)) throw new InputError(`--kubeconfig ${kubeconfig}: no such file`);
  const view = import('../../cluster/fetch.js').then(({fetchClusterView}) =>
    fetchClusterView({
      kubeconfig,
      context: str('context'),
      timeoutMs: Math.min(opts.timeoutMs, CLUSTER_TIMEOUT_MS),
      ...(signal ? {signal} : {}),
      join: parsed,
    }),
  );
  view.catch(() => {}); // awaited per node; never an unhandled rejection meanwhile
  const source: ClusterSource = {view};
  return {...opts, joinEndpoint, cluster: source};
}

/**
 * The kubeconfig problem that kept the run from reading the cluster (a context that does not
 * exist, a file that is not a kubeconfig), to end the run with exit 2; null when there was none.
 */
export async function clusterInputError(opts: RunOptions): Promise<InputError | null> {
  if (!opts.cluster) return null;
  try {
    await opts.cluster.view;
    return null;
  } catch (e) {
    return e instanceof InputError ? e : null;
  }
}
