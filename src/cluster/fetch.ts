/**
 * The cluster view, fetched once per run through @kubernetes/client-node: the apiserver version,
 * Nodes, node Leases, kubelet CSRs, bootstrap tokens, cluster-info and the kubelet-config ConfigMap,
 * all requested in parallel under one deadline. Each piece that cannot be read becomes
 * `notCollected` with a one-line reason the operator can act on (forbidden: which `kubectl auth
 * can-i`; unreachable; too slow). Only a bad kubeconfig or an unknown context throws (InputError):
 * nothing on the cluster side does, and a silent server is given up on at the deadline.
 */
import type {ApiException} from '@kubernetes/client-node';
import type {ClusterView, JoinInput} from '../facts/live/cluster.js';
import {collected, notCollected, type Collected} from '../facts/types.js';
import {minorOf} from '../facts/kubelet/version.js';
import {parseClusterInfo} from './cluster-info.js';
import {
  causeCode,
  deadlineSignal,
  describeApiException,
  describeNetError,
  loadKubeconfig,
  withSignal,
  type KubeconfigQuery,
  type LoadedKubeconfig,
} from './kubeconfig.js';
import {bootstrapTokenView, csrViews, leaseViews, nodeView} from './views.js';

/** What to fetch from where. */
export interface ClusterViewQuery extends KubeconfigQuery {
  /** The deadline for the whole fetch. */
  timeoutMs: number;
  /** Ctrl-C: gives up like the deadline does. */
  signal?: AbortSignal;
  /** The parsed `--join-command` (its token secret is only compared, never kept), or null. */
  join: {input: JoinInput; tokenSecret: string | null} | null;
}

/** What a request does, for the reason when it fails. */
interface Action {
  verb: 'get' | 'list';
  /** `certificatesigningrequests`, `configmap kube-public/cluster-info`. */
  what: string;
  /** The `kubectl auth can-i` arguments that ask the same question. */
  canI: string;
}

/** Turns a failed request into a one-line reason. */
type Explain = (e: unknown, a: Action) => string;

function explainer(lk: LoadedKubeconfig, timeoutMs: number, deadline: AbortSignal, outer: AbortSignal | undefined): Explain {
  return (e, a) => {
    if (outer?.aborted) return 'interrupted before the API server answered';
    if (deadline.aborted) return `the API server at ${lk.where} did not answer within ${Math.max(1, Math.round(timeoutMs / 1000))} s`;
    if (e instanceof lk.k8s.ApiException) {
      const code = (e as ApiException<unknown>).code;
      if (code === 401) return `unauthorized: the API server at ${lk.where} does not accept the kubeconfig's credentials`;
      if (code === 403) return `forbidden: the kubeconfig user cannot ${a.verb} ${a.what} (kubectl auth can-i ${a.canI})`;
      return `the API server at ${lk.where} answered ${describeApiException(e as ApiException<unknown>)} to ${a.verb} ${a.what}`;
    }
    const code = causeCode(e);
    if (code !== undefined) return `cannot reach the API server at ${lk.where}: ${describeNetError(code, e)}`;
    return `could not ${a.verb} ${a.what} from ${lk.where}: ${describeNetError(undefined, e)}`;
  };
}

/** `p`, or a rejection as soon as `signal` aborts: a request the client cannot cancel still cannot stall us. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, {once: true});
  });
  return Promise.race([p, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}

/** Fetch the cluster view (see the module comment); never rejects for a cluster-side problem. */
export async function fetchClusterView(q: ClusterViewQuery): Promise<ClusterView> {
  const lk = await loadKubeconfig(q);
  const {k8s, kc} = lk;
  const {deadline, signal} = deadlineSignal(q.timeoutMs, q.signal);
  const explain = explainer(lk, q.timeoutMs, deadline, q.signal);
  const opts = withSignal(k8s, signal);
  const core = kc.makeApiClient(k8s.CoreV1Api);

  const piece = <T>(a: Action, run: () => Promise<T>): Promise<Collected<T>> =>
    untilAborted(run(), signal).then(
      (v) => collected(v),
      (e: unknown) => notCollected(explain(e, a)),
    );
  /** A get whose 404 is an answer (absent), not a failure. */
  const orNull = async <T>(run: () => Promise<T>): Promise<T | null> => {
    try {
      return await run();
    } catch (e) {
      if (e instanceof k8s.ApiException && e.code === 404) return null;
      throw e;
    }
  };

  const version = piece(
    {verb: 'get', what: '/version', canI: 'get /version'},
    async () => (await kc.makeApiClient(k8s.VersionApi).getCode({}, opts)).gitVersion,
  );
  const nodes = piece({verb: 'list', what: 'nodes', canI: 'list nodes'}, async () => (await core.listNode({}, opts)).items.map(nodeView));
  let leasesAt: string | null = null;
  const leases = piece({verb: 'list', what: 'leases in kube-node-lease', canI: 'list leases -n kube-node-lease'}, async () => {
    const list = await kc.makeApiClient(k8s.CoordinationV1Api).listNamespacedLease({namespace: 'kube-node-lease'}, opts);
    leasesAt = new Date().toISOString();
    return leaseViews(list.items);
  });
  const csrs = piece({verb: 'list', what: 'certificatesigningrequests', canI: 'list csr'}, async () =>
    csrViews((await kc.makeApiClient(k8s.CertificatesV1Api).listCertificateSigningRequest({}, opts)).items),
  );
  const joinToken = q.join ? {tokenId: q.join.input.tokenId, tokenSecret: q.join.tokenSecret} : null;
  const tokens = piece({verb: 'list', what: 'secrets in kube-system', canI: 'list secrets -n kube-system'}, async () => {
    const list = await core.listNamespacedSecret({namespace: 'kube-system', fieldSelector: 'type=bootstrap.kubernetes.io/token'}, opts);
    return list.items.filter((s) => s.type === 'bootstrap.kubernetes.io/token').map((s) => bootstrapTokenView(s, joinToken));
  });
  const clusterInfo = piece({verb: 'get', what: 'configmap kube-public/cluster-info', canI: 'get configmap/cluster-info -n kube-public'}, async () => {
    const cm = await orNull(() => core.readNamespacedConfigMap({name: 'cluster-info', namespace: 'kube-public'}, opts));
    return cm === null ? null : parseClusterInfo(cm.data, joinToken);
  });
  const readCm = (name: string) => orNull(() => core.readNamespacedConfigMap({name, namespace: 'kube-system'}, opts));
  const kubeletConfigMap = piece({verb: 'get', what: 'configmap kube-system/kubelet-config', canI: 'get configmap/kubelet-config -n kube-system'}, async () => {
    if (await readCm('kubelet-config')) return {name: 'kubelet-config'};
    // Before 1.24 kubeadm named it after the control plane's minor version.
    const v = await version;
    const minor = v.collected ? minorOf(v.value) : null;
    const legacy = minor === null ? null : `kubelet-config-${minor}`;
    return legacy !== null && (await readCm(legacy)) ? {name: legacy} : null;
  });

  const all = await Promise.all([version, nodes, leases, csrs, tokens, clusterInfo, kubeletConfigMap]);
  return {
    server: lk.server,
    context: lk.context,
    fetchedAt: leasesAt ?? new Date().toISOString(),
    apiserverVersion: all[0],
    nodes: all[1],
    leases: all[2],
    csrs: all[3],
    bootstrapTokens: all[4],
    clusterInfo: all[5],
    kubeletConfigMap: all[6],
    join: q.join?.input ?? null,
  };
}
