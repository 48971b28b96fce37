/**
 * Cluster node discovery: `--kubeconfig F [--context C] --all-nodes | -l SELECTOR` lists Nodes
 * through @kubernetes/client-node (CoreV1Api.listNode) and returns each node's name, labels and
 * the address to SSH to. The client library is imported lazily: a run without cluster options
 * never loads it, which keeps the headless start-up small.
 */
import {existsSync} from 'node:fs';
import {homedir} from 'node:os';
import {join} from 'node:path';
import {InputError, TargetError} from '../errors.js';

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
  /** `--kubeconfig`, else $KUBECONFIG (possibly a list), else ~/.kube/config. */
  kubeconfig: string | null;
  context: string | null;
  /** Label selector, sent to the API server as typed; null lists every node. */
  selector: string | null;
  addressType: AddressType;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A network-level error code anywhere in a fetch error's cause chain. */
function causeCode(e: unknown): string | undefined {
  for (let c: unknown = e, i = 0; c && i < 6; c = (c as {cause?: unknown}).cause, i++) {
    const code = (c as {code?: unknown}).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function describeNetError(code: string | undefined, e: unknown): string {
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ENOTFOUND': case 'EAI_AGAIN': return 'cannot resolve the server name';
    case 'UND_ERR_CONNECT_TIMEOUT': case 'ETIMEDOUT': return 'connection timed out';
    case 'EHOSTUNREACH': case 'ENETUNREACH': return 'no route to the server';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT': case 'SELF_SIGNED_CERT_IN_CHAIN': case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY': case 'ERR_TLS_CERT_ALTNAME_INVALID': case 'CERT_HAS_EXPIRED':
      return `the server's TLS certificate is not trusted (${code})`;
    default: {
      const m = (e as Error).message || String(e);
      return code ? `${m} (${code})` : m;
    }
  }
}

/** List the cluster's nodes; every failure is an InputError (bad kubeconfig) or TargetError (cluster unreachable). */
export async function listClusterNodes(q: ClusterQuery): Promise<ClusterNode[]> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  const source = q.kubeconfig ?? process.env['KUBECONFIG'] ?? join(homedir(), '.kube', 'config');
  try {
    if (q.kubeconfig !== null) {
      if (!existsSync(q.kubeconfig)) throw new InputError(`--kubeconfig ${q.kubeconfig}: no such file`);
      kc.loadFromFile(q.kubeconfig);
    } else {
      kc.loadFromDefault();
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${source}: not a usable kubeconfig (${(e as Error).message.split('\n')[0]})`, undefined, {cause: e});
  }
  if (q.context !== null) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(q.context)) {
      throw new InputError(`--context ${q.context}: no such context in ${source}`, names.length ? `contexts there: ${names.join(', ')}` : undefined);
    }
    kc.setCurrentContext(q.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new InputError(`${source}: no cluster for context ${kc.getCurrentContext() || '(none)'}`, 'pick one with --context NAME');
  const where = `${cluster.server} (context ${kc.getCurrentContext()})`;
  const api = kc.makeApiClient(k8s.CoreV1Api);
  const deadline = AbortSignal.timeout(q.timeoutMs);
  const signal = q.signal ? AbortSignal.any([deadline, q.signal]) : deadline;
  let list;
  try {
    list = await api.listNode(
      q.selector !== null ? {labelSelector: q.selector} : {},
      {
        // The object-parameter API takes Observable middleware: set the deadline on the request.
        middleware: [{
          pre: (ctx) => {
            ctx.setSignal(signal);
            return new k8s.Observable(Promise.resolve(ctx));
          },
          post: (res) => new k8s.Observable(Promise.resolve(res)),
        }],
        middlewareMergeStrategy: 'append',
      },
    );
  } catch (e) {
    if (q.signal?.aborted) throw new TargetError('interrupted', 'interrupted while listing nodes');
    if (deadline.aborted) {
      throw new TargetError('timeout', `the API server at ${where} did not list nodes within ${Math.round(q.timeoutMs / 1000)} s`,
        'is the cluster up? raise --timeout for a slow API server');
    }
    if (e instanceof k8s.ApiException) {
      const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? '');
      let msg = '';
      try {
        msg = String((JSON.parse(body) as {message?: unknown}).message ?? '');
      } catch {
        msg = body.slice(0, 200);
      }
      const why = `HTTP ${e.code}${msg ? `: ${msg}` : ''}`;
      if (e.code === 401 || e.code === 403) {
        throw new TargetError('auth', `the API server at ${where} refused to list nodes (${why})`,
          'the kubeconfig user needs permission to list nodes (kubectl auth can-i list nodes)');
      }
      if (e.code === 400 && q.selector !== null) throw new InputError(`-l ${q.selector}: the API server rejected the selector (${why})`);
      throw new TargetError('unreachable', `cannot list nodes from ${where}: ${why}`);
    }
    throw new TargetError('unreachable', `cannot list nodes from ${where}: ${describeNetError(causeCode(e), e)}`,
      'is the API server reachable from here? check --kubeconfig and --context', {cause: e});
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
