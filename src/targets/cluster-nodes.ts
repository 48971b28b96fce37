/**
 * Cluster node discovery: `--kubeconfig F [--context C] --all-nodes | -l SELECTOR` lists Nodes
 * through @kubernetes/client-node (CoreV1Api.listNode) and returns each node's name, labels and
 * the address to SSH to. The client library is imported lazily: a run without cluster options
 * never loads it, which keeps the headless start-up small.
 */
import {InputError, TargetError} from '../errors.js';
import {causeCode, deadlineSignal, describeApiException, describeNetError, loadKubeconfig, withSignal, type InClusterEnv} from '../cluster/kubeconfig.js';

/** Which node address to connect to (Node.status.addresses[].type). */
export type AddressType = 'InternalIP' | 'ExternalIP' | 'Hostname';

/** The address types `--address` accepts. */
export const ADDRESS_TYPES: readonly AddressType[] = ['InternalIP', 'ExternalIP', 'Hostname'];

/** One listed node. */
export interface ClusterNode {
  name: string;
  /** The address of the wanted type, or null when the node has none (the name is used then). */
  address: string | null;
  labels: Record<string, string>;
}

/** What to list and from where. */
export interface ClusterQuery {
  /** `--kubeconfig`, else $KUBECONFIG (possibly a list), else in-cluster, else ~/.kube/config. */
  kubeconfig: string | null;
  context: string | null;
  /** Override the in-cluster environment (tests); null disables in-cluster config. */
  inCluster?: InClusterEnv | null;
  /** Label selector, sent to the API server as typed; null lists every node. */
  selector: string | null;
  addressType: AddressType;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** List the cluster's nodes; every failure is an InputError (bad kubeconfig) or TargetError (cluster unreachable). */
export async function listClusterNodes(q: ClusterQuery): Promise<ClusterNode[]> {
  const {k8s, kc, where} = await loadKubeconfig(q);
  const api = kc.makeApiClient(k8s.CoreV1Api);
  const {deadline, signal} = deadlineSignal(q.timeoutMs, q.signal);
  let list;
  try {
    list = await api.listNode(q.selector !== null ? {labelSelector: q.selector} : {}, withSignal(k8s, signal));
  } catch (e) {
    if (q.signal?.aborted) throw new TargetError('interrupted', 'interrupted while listing nodes');
    if (deadline.aborted) {
      throw new TargetError(
        'timeout',
        `the API server at ${where} did not list nodes within ${Math.round(q.timeoutMs / 1000)} s`,
        'is the cluster up? raise --timeout for a slow API server',
      );
    }
    if (e instanceof k8s.ApiException) {
      const why = describeApiException(e);
      if (e.code === 401 || e.code === 403) {
        throw new TargetError(
          'auth',
          `the API server at ${where} refused to list nodes (${why})`,
          'the kubeconfig user needs permission to list nodes (kubectl auth can-i list nodes)',
        );
      }
      if (e.code === 400 && q.selector !== null) throw new InputError(`-l ${q.selector}: the API server rejected the selector (${why})`);
      throw new TargetError('unreachable', `cannot list nodes from ${where}: ${why}`);
    }
    throw new TargetError(
      'unreachable',
      `cannot list nodes from ${where}: ${describeNetError(causeCode(e), e)}`,
      'is the API server reachable from here? check --kubeconfig and --context',
      {cause: e},
    );
  }
  const nodes = list.items.map((n): ClusterNode => {
    const addrs = n.status?.addresses ?? [];
    return {
      name: n.metadata?.name ?? '(unnamed)',
      address: addrs.find((a) => a.type === q.addressType)?.address ?? null,
      labels: {...(n.metadata?.labels ?? {})},
    };
  });
  if (nodes.length === 0) {
    throw new InputError(q.selector !== null ? `no node in ${where} matches -l ${q.selector}` : `the cluster at ${where} has no nodes`);
  }
  return nodes;
}
