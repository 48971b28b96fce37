/**
 * The cluster's view of a node: what the API server knows (the Node object, its lease, CSRs,
 * bootstrap tokens, cluster-info, the apiserver version), fetched ONCE per run through
 * @kubernetes/client-node (src/cluster/fetch.ts) as a {@link ClusterView}, then joined with each
 * node's facts by node name ({@link clusterFactsFor}) into `facts.cluster`.
 *
 * Everything here is serialisable and secret-free: a bootstrap token's secret half never enters
 * these types (the fetcher compares it with the `--join-command` token and keeps only the answer).
 */
import {collected, effectiveFlag, notCollected, type Collected, type KubeletArgv, type Source, type Sourced} from '../core.js';

/** One Node condition as the API server reports it. */
export interface NodeCondition {
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: string;
  reason: string | null;
  message: string | null;
  lastHeartbeatTime: string | null;
  lastTransitionTime: string | null;
}

/** One taint on the Node. */
export interface NodeTaint {
  key: string;
  value: string | null;
  effect: string;
  timeAdded: string | null;
}

/** The parts of a Node object the checks read. */
export interface NodeView {
  name: string;
  creationTimestamp: string | null;
  unschedulable: boolean;
  conditions: NodeCondition[];
  taints: NodeTaint[];
  addresses: {type: string; address: string}[];
  nodeInfo: {kubeletVersion: string | null; containerRuntimeVersion: string | null; osImage: string | null; kernelVersion: string | null};
}

/** The node's Lease in kube-node-lease (the kubelet's heartbeat). */
export interface LeaseView {
  holderIdentity: string | null;
  renewTime: string | null;
  leaseDurationSeconds: number | null;
}

/** A CertificateSigningRequest that concerns a node. */
export interface CsrView {
  name: string;
  signerName: string;
  /** Who submitted it: `system:bootstrap:<token-id>` during TLS bootstrap, `system:node:<name>` when rotating. */
  username: string;
  /** The CN the request asks for (`system:node:<name>`), read from the PKCS#10 request; null when unreadable. */
  requestedCommonName: string | null;
  status: 'pending' | 'approved' | 'issued' | 'denied' | 'failed';
  /** The reason/message of the Denied/Failed condition. */
  reason: string | null;
  creationTimestamp: string | null;
}

/** A bootstrap token Secret (`kube-system/bootstrap-token-<id>`), without its secret. */
export interface BootstrapTokenView {
  tokenId: string;
  /** RFC 3339 expiration, or null for a token that never expires. */
  expiration: string | null;
  usages: string[];
  groups: string[];
  description: string | null;
  /**
   * Whether the token secret equals the secret of the `--join-command` token with this id; null
   * when no join command names this id. The secret itself is never kept.
   */
  secretMatchesJoin: boolean | null;
}

/** A certificate in cluster-info's kubeconfig (the cluster CA kubeadm join pins). */
export interface ClusterCaView {
  subject: string;
  notAfter: string;
  /** `sha256:<hex>` of the DER SubjectPublicKeyInfo: what --discovery-token-ca-cert-hash names. */
  pin: string;
}

/** `kube-public/cluster-info`: the anonymous discovery document kubeadm join reads. */
export interface ClusterInfoView {
  /** The server URL in its kubeconfig. */
  server: string | null;
  cas: ClusterCaView[];
  /** Token ids that have a `jws-kubeconfig-<id>` signature (written by the BootstrapSigner). */
  jwsTokenIds: string[];
  /**
   * Whether the `jws-kubeconfig-<id>` signature for the join command's token id verifies with
   * its secret (HS256 over the kubeconfig, as kubeadm join checks it); null when there is no
   * join command or no signature for its id. Tells a wrong secret even without reading Secrets.
   */
  jwsValidForJoin?: boolean | null;
  /** Why the kubeconfig in it could not be read, when it could not. */
  error: string | null;
}

/** The `--join-command` the operator gave, parsed; the token secret is dropped after parsing. */
export interface JoinInput {
  /** The command with the token secret masked (`--token abcdef.****************`). */
  text: string;
  /** `HOST:PORT`. */
  endpoint: string | null;
  /** The token id (before the dot), or null when no token was given. */
  tokenId: string | null;
  /** The token has the `[a-z0-9]{6}.[a-z0-9]{16}` form. */
  tokenFormatValid: boolean;
  /** The `sha256:<hex>` pins given (lower-case). */
  caHashes: string[];
  unsafeSkipCaVerification: boolean;
  /** What is wrong with the command itself (no endpoint, no token, unknown hash type ...). */
  problems: string[];
}

/** Everything fetched from the cluster once per run. Serialisable, secret-free. */
export interface ClusterView {
  /** The API server URL and the kubeconfig context used; empty when no API server was read (only a --join-command). */
  server: string;
  context: string;
  /** When the data was fetched (ISO 8601): lease age is measured against it. */
  fetchedAt: string;
  /** `GET /version` gitVersion (`v1.30.2`). */
  apiserverVersion: Collected<string>;
  /** All Nodes (names are unique). */
  nodes: Collected<NodeView[]>;
  /** Leases in kube-node-lease by name (= node name). */
  leases: Collected<Record<string, LeaseView>>;
  /** Every CSR with a kubelet signer (`kubernetes.io/kube-apiserver-client-kubelet`, `kubernetes.io/kubelet-serving`). */
  csrs: Collected<CsrView[]>;
  /** Bootstrap token Secrets in kube-system. */
  bootstrapTokens: Collected<BootstrapTokenView[]>;
  /** `kube-public/cluster-info`; a collected null when it does not exist. */
  clusterInfo: Collected<ClusterInfoView | null>;
  /** The kubelet-config ConfigMap kubeadm join reads (`kube-system/kubelet-config`, `kubelet-config-1.X` before 1.24); null when absent. */
  kubeletConfigMap: Collected<{name: string} | null>;
  /** The join command given with --join-command, or null. */
  join: JoinInput | null;
}

/** One node's slice of the cluster view: `facts.cluster`. */
export interface ClusterFacts {
  server: string;
  context: string;
  fetchedAt: string;
  /** The node name the slice was selected by (the kubelet's registration name). */
  nodeName: string;
  apiserverVersion: Collected<string>;
  /** The Node object; a collected null when the cluster has no Node of this name. */
  node: Collected<NodeView | null>;
  lease: Collected<LeaseView | null>;
  /** CSRs for this node: requested CN `system:node:<name>` or submitted by `system:node:<name>`. */
  csrs: Collected<CsrView[]>;
  bootstrapTokens: Collected<BootstrapTokenView[]>;
  clusterInfo: Collected<ClusterInfoView | null>;
  kubeletConfigMap: Collected<{name: string} | null>;
  join: JoinInput | null;
}

/** The source of a value read from the API (evidence: `GET /api/v1/nodes/node-1`). */
export const apiSource = (path: string): Source => ({command: `GET ${path}`});

const map = <A, B>(c: Collected<A>, f: (a: A) => B): Collected<B> => (c.collected ? collected(f(c.value)) : notCollected(c.reason));

/** Select one node's part of the cluster view by its registration name. */
export function clusterFactsFor(view: ClusterView, nodeName: string): ClusterFacts {
  const name = nodeName.toLowerCase();
  const identity = `system:node:${name}`;
  return {
    server: view.server,
    context: view.context,
    fetchedAt: view.fetchedAt,
    nodeName: name,
    apiserverVersion: view.apiserverVersion,
    node: map(view.nodes, (ns) => ns.find((n) => n.name === name) ?? null),
    lease: map(view.leases, (ls) => ls[name] ?? null),
    csrs: map(view.csrs, (cs) => cs.filter((c) => c.requestedCommonName === identity || c.username === identity)),
    bootstrapTokens: view.bootstrapTokens,
    clusterInfo: view.clusterInfo,
    kubeletConfigMap: view.kubeletConfigMap,
    join: view.join,
  };
}

/**
 * The name the kubelet registers its Node under (server.go / nodeutil.GetHostname):
 * `--hostname-override`, else the hostname, trimmed and lower-cased; null when neither is known.
 */
export function registrationName(f: {
  hostname: Collected<Sourced<string>>;
  argv: Collected<KubeletArgv>;
}): {name: string; from: '--hostname-override' | 'hostname'; source: Source; text: string} | null {
  const override = f.argv.collected ? effectiveFlag(f.argv.value, 'hostname-override') : undefined;
  if (override && override.value.trim() !== '') {
    return {name: override.value.trim().toLowerCase(), from: '--hostname-override', source: override.source, text: override.text};
  }
  if (f.hostname.collected && f.hostname.value.value.trim() !== '') {
    return {name: f.hostname.value.value.trim().toLowerCase(), from: 'hostname', source: f.hostname.value.source, text: f.hostname.value.text};
  }
  return null;
}
