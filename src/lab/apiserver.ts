/**
 * A small stand-in kube-apiserver for the tests and the lab's demo cluster: HTTPS on loopback with client-certificate auth
 * (certificates from src/lab/pki.ts; bearer tokens too when configured), in the real JSON wire
 * format. It serves `/version`, `/livez`, Nodes (list with `labelSelector`, get), Leases in
 * kube-node-lease, CertificateSigningRequests (real PKCS#10 requests), Secrets (list with
 * `fieldSelector`: bootstrap tokens as kubeadm writes them), and ConfigMaps (`kube-public/cluster-info`
 * with a real kubeconfig and detached JWS signatures, `kube-system/kubelet-config`). Reached through
 * a generated kubeconfig and @kubernetes/client-node exactly as a real cluster would be.
 *
 * Other helpers add endpoints with {@link ApiRoute}s (consulted first, any method, and WebSocket
 * upgrades). Non-GET requests no route answers get 405, but `PATCH /api/v1/nodes/{name}/status`
 * (what `check --publish` sends): a strategic merge patch merges `status.conditions` by `type`
 * as the real server does, a JSON merge patch replaces the list (RFC 7386), JSON Patch and
 * apply patches get 415 here; later reads of the node show the result.
 *
 * With `rbac`, every request (routes and upgrades too) is authorized against those rules with
 * the API server's request attributes (src/cluster/rbac.ts) and refused with its 403 Status when
 * none allows it; {@link ApiServer.calls} records each request with its attributes and verdict.
 */
import 'reflect-metadata';
import {createHmac, type webcrypto} from 'node:crypto';
import {writeFile} from 'node:fs/promises';
import type {IncomingMessage, ServerResponse} from 'node:http';
import {createServer, type Server} from 'node:https';
import type {Duplex} from 'node:stream';
import type {TLSSocket} from 'node:tls';
import * as x509 from '@peculiar/x509';
import {createClusterCa, generateKeyPair, issueKubeletClientCert, issueServingCert, type ClusterCa, type IssuedCert} from './pki.js';
import {matchesSelector, parseSelector} from '../targets/selector.js';
import {requestAttributes, whichRule, type RequestAttributes, type ScopedRules} from '../cluster/rbac.js';

/** A node's Lease in kube-node-lease. */
export interface FakeLease {
  /** RFC 3339 (default: when the server started). */
  renewTime?: string;
  /** Default: the node name. */
  holderIdentity?: string;
  /** Default: 40. */
  leaseDurationSeconds?: number;
  /** A running kubelet renews its lease every 10 s: renewTime follows the clock (the lab's healthy nodes). */
  renewing?: boolean;
}

/** A node the stand-in serves. */
export interface FakeNode {
  name: string;
  labels?: Record<string, string>;
  /** Default: InternalIP 127.0.0.1 and Hostname <name> (loopback only, always). */
  addresses?: {type: string; address: string}[];
  kubeletVersion?: string;
  /** Default: Ready True (KubeletReady). */
  conditions?: {type: string; status: string; reason?: string; message?: string; lastHeartbeatTime?: string; lastTransitionTime?: string}[];
  taints?: {key: string; value?: string; effect: string; timeAdded?: string}[];
  unschedulable?: boolean;
  nodeInfo?: {containerRuntimeVersion?: string; osImage?: string; kernelVersion?: string};
  /** Default: renewed when the server started, held by the node; null: the node has no Lease. */
  lease?: FakeLease | null;
}

/** A CertificateSigningRequest; its `spec.request` is a real PKCS#10 request with this CN. */
export interface FakeCsr {
  name: string;
  /** The subject CN requested (`system:node:<name>`), O=system:nodes. */
  commonName: string;
  /** Who submitted it. Default: `system:bootstrap:abcdef`. */
  username?: string;
  /** Default: kubernetes.io/kube-apiserver-client-kubelet. */
  signerName?: string;
  /** Default: pending. `issued` carries a real certificate. */
  status?: 'pending' | 'approved' | 'issued' | 'denied' | 'failed';
  /** The Denied/Failed condition's message. */
  reason?: string;
  creationTimestamp?: string;
}

/** A bootstrap token Secret (`kube-system/bootstrap-token-<id>`) as kubeadm writes it. */
export interface FakeBootstrapToken {
  id: string;
  secret: string;
  /** RFC 3339; absent: never expires. */
  expiration?: string;
  /** Default: authentication, signing. */
  usages?: string[];
  /** Default: system:bootstrappers:kubeadm:default-node-token. */
  groups?: string[];
  description?: string;
}

/** Resources that can be made forbidden (RBAC says no to every verb on them). */
export type ApiResource = 'nodes' | 'leases' | 'certificatesigningrequests' | 'secrets' | 'configmaps' | 'version';

/**
 * An extra route, consulted before the built-in ones for any method. `handle` returns true when
 * it answered the request (it owns `res` then); `upgrade` (WebSocket) likewise for upgrade
 * requests, after the client certificate was checked. `user` is the client certificate's CN.
 */
export interface ApiRoute {
  handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, user: string): boolean | Promise<boolean>;
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): boolean;
}

/** Options for the stand-in. */
export interface ApiServerOptions {
  nodes: FakeNode[];
  /** Extra routes (pods, exec ...), consulted first. */
  routes?: ApiRoute[];
  /** `true`: 403 to the node list (RBAC says no); a list: 403 to everything on those resources. */
  forbidden?: boolean | ApiResource[];
  /** `GET /version` gitVersion. Default v1.30.2. */
  gitVersion?: string;
  csrs?: FakeCsr[];
  bootstrapTokens?: FakeBootstrapToken[];
  /**
   * `kube-public/cluster-info`: false for none; `signWith` names the tokens with a `jws-kubeconfig-<id>`
   * entry (default: the bootstrap tokens with the signing usage).
   */
  clusterInfo?: boolean | {signWith?: {id: string; secret: string}[]};
  /** The name of the kubelet-config ConfigMap in kube-system; null for none. Default `kubelet-config`. */
  kubeletConfigMap?: string | null;
  /** Accept connections and requests and never answer (deadline tests). */
  hang?: boolean;
  /** Bearer tokens accepted besides client certificates (token -> user name), e.g. for in-cluster config. */
  bearerTokens?: Record<string, string>;
  /** The cluster CA to serve with (the lab's, so cluster-info pins the nodes' CA). Default: a new one. */
  ca?: ClusterCa;
  /** Enforce these RBAC rules on every request (any user); absent: everything is allowed. */
  rbac?: ScopedRules[];
}

/** One request as the authorizer saw it. */
export interface ApiCall {
  method: string;
  url: string;
  upgrade: boolean;
  attributes: RequestAttributes;
  /** The rule that allowed it ([role, rule] in the `rbac` option), null: refused; undefined: no `rbac`. */
  rule?: [number, number] | null;
}

/** One `PATCH nodes/{name}/status`, as received. */
export interface NodeStatusPatch {
  node: string;
  contentType: string;
  body: unknown;
}

/** A running stand-in. */
export interface ApiServer {
  url: string;
  ca: ClusterCa;
  /** Request lines received (`GET /api/v1/nodes?labelSelector=…`), for assertions. */
  requests: string[];
  /** Every request with its RBAC attributes (and verdict with `rbac`). */
  calls: ApiCall[];
  /** Status patches applied to nodes. */
  nodePatches: NodeStatusPatch[];
  /** Write a kubeconfig for this server; `ca` overrides the CA the client trusts. */
  kubeconfig(path: string, opts?: {context?: string; caPem?: string}): Promise<string>;
  close(): Promise<void>;
}

const DAY = 86_400_000;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');
const STARTED = '2024-05-01T10:00:00Z';
const microTime = (iso: string) => new Date(iso).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code});
}

function nodeObject(n: FakeNode, i: number): object {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(1000 + i),
      creationTimestamp: STARTED,
      labels: {'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', ...(n.labels ?? {})},
    },
    spec: {
      podCIDR: `10.244.${i}.0/24`,
      podCIDRs: [`10.244.${i}.0/24`],
      ...(n.unschedulable ? {unschedulable: true} : {}),
      ...(n.taints ? {taints: n.taints} : {}),
    },
    status: {
      addresses: n.addresses ?? [
        {type: 'InternalIP', address: '127.0.0.1'},
        {type: 'Hostname', address: n.name},
      ],
      conditions: (n.conditions ?? [{type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status'}]).map((c) => ({
        lastHeartbeatTime: STARTED,
        lastTransitionTime: STARTED,
        ...c,
      })),
      nodeInfo: {
        kubeletVersion: n.kubeletVersion ?? 'v1.30.2',
        kubeProxyVersion: '',
        containerRuntimeVersion: 'containerd://1.7.13',
        osImage: 'Ubuntu 22.04.4 LTS',
        kernelVersion: '5.15.0-105-generic',
        operatingSystem: 'linux',
        architecture: 'amd64',
        machineID: '',
        systemUUID: '',
        bootID: '',
        ...(n.nodeInfo ?? {}),
      },
    },
  };
}

function leaseObject(name: string, l: FakeLease, now: string): object {
  const spec: Record<string, unknown> = {
    holderIdentity: l.holderIdentity ?? name,
    leaseDurationSeconds: l.leaseDurationSeconds ?? 40,
    renewTime: microTime(l.renewTime ?? now),
  };
  // Serialised at every request: the last 10-second renewal before now.
  if (l.renewing)
    Object.defineProperty(spec, 'renewTime', {enumerable: true, get: () => microTime(new Date(Math.floor(Date.now() / 10_000) * 10_000).toISOString())});
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {name, namespace: 'kube-node-lease', creationTimestamp: STARTED, resourceVersion: '2000'},
    spec,
  };
}

/** A PEM PKCS#10 request as the kubelet sends it (O=system:nodes, CN=…), ECDSA P-256. */
async function csrRequestPem(keys: webcrypto.CryptoKeyPair, commonName: string): Promise<string> {
  const req = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{O: ['system:nodes']}, {CN: [commonName]}],
    keys,
    signingAlgorithm: {name: 'ECDSA', hash: 'SHA-256'},
  });
  return `${req.toString('pem').replace(/\r\n/g, '\n')}\n`;
}

async function csrObject(c: FakeCsr, keys: webcrypto.CryptoKeyPair, ca: ClusterCa, validity: {notBefore: Date; notAfter: Date}): Promise<object> {
  const st = c.status ?? 'pending';
  const signerName = c.signerName ?? 'kubernetes.io/kube-apiserver-client-kubelet';
  const cond = (type: string, reason: string, message: string) => ({
    type,
    status: 'True',
    reason,
    message,
    lastUpdateTime: STARTED,
    lastTransitionTime: STARTED,
  });
  const conditions = [
    ...(st === 'approved' || st === 'issued' || st === 'failed'
      ? [cond('Approved', 'AutoApproved', 'Auto approving kubelet client certificate after SubjectAccessReview.')]
      : []),
    ...(st === 'denied' ? [cond('Denied', 'Denied', c.reason ?? 'denied by the operator')] : []),
    ...(st === 'failed' ? [cond('Failed', 'SignerValidationFailure', c.reason ?? 'the signer could not sign it')] : []),
  ];
  const certificate = st === 'issued' ? b64((await issueKubeletClientCert(ca, c.commonName.replace(/^system:node:/, ''), validity)).certPem) : undefined;
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: {name: c.name, creationTimestamp: c.creationTimestamp ?? STARTED, resourceVersion: '3000'},
    spec: {
      request: b64(await csrRequestPem(keys, c.commonName)),
      signerName,
      usages: signerName.endsWith('kubelet-serving') ? ['digital signature', 'server auth'] : ['digital signature', 'client auth'],
      username: c.username ?? 'system:bootstrap:abcdef',
      groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'],
    },
    status: {...(conditions.length ? {conditions} : {}), ...(certificate ? {certificate} : {})},
  };
}

function secretObjects(tokens: FakeBootstrapToken[]): object[] {
  const tokenSecrets = tokens.map((t) => {
    const data: Record<string, string> = {'token-id': b64(t.id), 'token-secret': b64(t.secret)};
    if (t.expiration) data['expiration'] = b64(t.expiration);
    for (const u of t.usages ?? ['authentication', 'signing']) data[`usage-bootstrap-${u}`] = b64('true');
    data['auth-extra-groups'] = b64((t.groups ?? ['system:bootstrappers:kubeadm:default-node-token']).join(','));
    if (t.description) data['description'] = b64(t.description);
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'bootstrap.kubernetes.io/token',
      data,
      metadata: {name: `bootstrap-token-${t.id}`, namespace: 'kube-system', creationTimestamp: STARTED},
    };
  });
  // Something the field selector must leave out.
  const other = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    data: {note: b64('not a bootstrap token')},
    metadata: {name: 'unrelated', namespace: 'kube-system', creationTimestamp: STARTED},
  };
  return [...tokenSecrets, other];
}

/** The kubeconfig in cluster-info, as kubeadm writes it (CA data, server, no user). */
function clusterInfoKubeconfig(server: string, caPem: string): string {
  return [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${b64(caPem)}`,
    `    server: ${server}`,
    '  name: ""',
    'contexts: null',
    'current-context: ""',
    'kind: Config',
    'preferences: {}',
    'users: null',
    '',
  ].join('\n');
}

/** A detached JWS (`header..signature`, HS256 with the token secret), as the BootstrapSigner writes. */
export function detachedJws(content: string, tokenId: string, tokenSecret: string): string {
  const header = b64url(JSON.stringify({alg: 'HS256', kid: tokenId}));
  const sig = createHmac('sha256', tokenSecret)
    .update(`${header}.${b64url(content)}`)
    .digest();
  return `${header}..${b64url(sig)}`;
}

function configMapObjects(o: ApiServerOptions, url: string, ca: ClusterCa): object[] {
  const cms: object[] = [];
  const cm = (namespace: string, name: string, data: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {name, namespace, creationTimestamp: STARTED},
    data,
  });
  if (o.clusterInfo !== false) {
    const kubeconfig = clusterInfoKubeconfig(url, ca.certPem);
    const signers =
      (typeof o.clusterInfo === 'object' ? o.clusterInfo.signWith : undefined) ??
      (o.bootstrapTokens ?? []).filter((t) => (t.usages ?? ['signing']).includes('signing'));
    const data: Record<string, string> = {kubeconfig};
    for (const s of signers) data[`jws-kubeconfig-${s.id}`] = detachedJws(kubeconfig, s.id, s.secret);
    cms.push(cm('kube-public', 'cluster-info', data));
  }
  const kc = o.kubeletConfigMap === undefined ? 'kubelet-config' : o.kubeletConfigMap;
  if (kc !== null) {
    cms.push(cm('kube-system', kc, {kubelet: 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n'}));
  }
  return cms;
}

/** `type=X,metadata.name!=Y` → a predicate over objects; null when unsupported (400). */
function fieldFilter(sel: string | null): ((o: object) => boolean) | null {
  if (!sel) return () => true;
  const terms = sel.split(',').map((t) => /^(type|metadata\.name|metadata\.namespace)(==|=|!=)(.*)$/.exec(t));
  if (terms.some((t) => t === null)) return null;
  const get = (o: object, f: string): unknown => f.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o);
  return (o) => terms.every((t) => (get(o, t![1]!) === t![3]) === (t![2] !== '!='));
}

interface Collection {
  resource: ApiResource;
  group: string;
  namespaced: boolean;
  listKind: string;
  items: object[];
}

const PATH = /^\/(?:api\/v1|apis\/([^/]+)\/v1)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/;

/** Start the stand-in on a free loopback port. */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const now = new Date();
  const validity = {notBefore: new Date(now.getTime() - DAY), notAfter: new Date(now.getTime() + 30 * DAY)};
  const ca = opts.ca ?? (await createClusterCa(now));
  const serving = await issueServingCert(ca, {commonName: 'kube-apiserver', dnsNames: ['localhost', 'kubernetes'], ips: ['127.0.0.1'], validity});
  const client: IssuedCert = await issueKubeletClientCert(ca, 'operator', validity);
  const csrKeys = await generateKeyPair();
  const csrs = await Promise.all((opts.csrs ?? []).map((c) => csrObject(c, csrKeys, ca, validity)));
  const forbidden = new Set<ApiResource>(opts.forbidden === true ? ['nodes'] : opts.forbidden || []);
  const gitVersion = opts.gitVersion ?? 'v1.30.2';
  const requests: string[] = [];
  const calls: ApiCall[] = [];
  const nodePatches: NodeStatusPatch[] = [];
  let collections: Collection[] = [];

  /** Record the request; with `rbac`, the 403 message when no rule allows it (else null). */
  const authorize = (req: IncomingMessage, upgrade: boolean, user: string): string | null => {
    const attributes = requestAttributes(req.method ?? 'GET', req.url ?? '/', upgrade);
    const call: ApiCall = {method: req.method ?? 'GET', url: req.url ?? '/', upgrade, attributes};
    calls.push(call);
    if (!opts.rbac) return null;
    call.rule = whichRule(opts.rbac, attributes);
    if (call.rule !== null) return null;
    if (attributes.kind === 'non-resource') return `forbidden: User "${user}" cannot ${attributes.verb} path "${attributes.path}"`;
    const scope = attributes.namespace ? `in the namespace "${attributes.namespace}"` : 'at the cluster scope';
    const [res] = attributes.resource.split('/');
    return `${res}${attributes.name ? ` "${attributes.name}"` : ''} is forbidden: User "${user}" cannot ${attributes.verb} resource "${attributes.resource}" in API group "${attributes.apiGroup}" ${scope}`;
  };

  /** `PATCH /api/v1/nodes/{name}/status`: true when it answered. */
  const patchNodeStatus = (req: IncomingMessage, url: URL, body: Buffer, send: (code: number, body: string) => void): boolean => {
    const m = /^\/api\/v1\/nodes\/([^/]+)\/status$/.exec(url.pathname);
    if (!m || req.method !== 'PATCH') return false;
    const name = decodeURIComponent(m[1]!);
    const node = collections[0]!.items.find((o) => (o as {metadata: {name: string}}).metadata.name === name) as
      | {status: {conditions: {type: string}[]} & Record<string, unknown>}
      | undefined;
    if (!node) {
      send(404, JSON.stringify({...JSON.parse(status(404, 'NotFound', `nodes "${name}" not found`)), details: {name, kind: 'nodes'}}));
      return true;
    }
    const contentType = String(req.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    let patch: {status?: Record<string, unknown>};
    try {
      patch = JSON.parse(body.toString('utf8')) as typeof patch;
    } catch {
      send(400, status(400, 'BadRequest', 'the body of the request was in an unknown format'));
      return true;
    }
    if (contentType !== 'application/strategic-merge-patch+json' && contentType !== 'application/merge-patch+json') {
      send(415, status(415, 'UnsupportedMediaType', `the stand-in does not apply ${contentType || 'this'} patches to nodes/status`));
      return true;
    }
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      send(422, status(422, 'Invalid', 'the patch is not an object'));
      return true;
    }
    nodePatches.push({node: name, contentType, body: patch});
    for (const [k, v] of Object.entries(patch.status ?? {})) {
      if (k === 'conditions' && contentType === 'application/strategic-merge-patch+json' && Array.isArray(v)) {
        // patchMergeKey "type": each patched condition replaces fields of the one with its type, or is appended.
        for (const c of v as {type: string}[]) {
          const at = node.status.conditions.findIndex((x) => x.type === c.type);
          if (at >= 0) node.status.conditions[at] = {...node.status.conditions[at], ...c};
          else node.status.conditions.push(c);
        }
      } else {
        node.status[k] = v; // JSON merge patch: a list is replaced whole
      }
    }
    send(200, JSON.stringify(node));
    return true;
  };

  const userOf = (req: IncomingMessage): string | null => {
    const sock = req.socket as TLSSocket;
    if (sock.authorized) return String(sock.getPeerCertificate().subject?.CN ?? 'unknown');
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    return bearer !== undefined ? (opts.bearerTokens?.[bearer] ?? null) : null;
  };

  const serveBuiltIn = (req: IncomingMessage, url: URL, user: string, send: (code: number, body: string) => void): void => {
    if (req.method !== 'GET') return send(405, status(405, 'MethodNotAllowed', 'the server does not allow this method'));
    if (url.pathname === '/version') {
      if (forbidden.has('version')) return send(403, status(403, 'Forbidden', `forbidden: User "${user}" cannot get path "/version"`));
      const [, major, minor] = /^v(\d+)\.(\d+)/.exec(gitVersion) ?? [];
      return send(
        200,
        JSON.stringify({
          major: major ?? '',
          minor: minor ?? '',
          gitVersion,
          gitCommit: '',
          gitTreeState: 'clean',
          buildDate: STARTED,
          goVersion: 'go1.22.4',
          compiler: 'gc',
          platform: 'linux/amd64',
        }),
      );
    }
    const m = PATH.exec(url.pathname);
    const col = m ? collections.find((c) => c.resource === m[3] && c.group === (m[1] ?? '')) : undefined;
    if (!m || !col || (m[2] !== undefined) !== col.namespaced) return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const [, group = '', ns, , name] = m;
    const verb = name ? 'get' : 'list';
    if (forbidden.has(col.resource)) {
      const scope = ns ? `in the namespace "${ns}"` : 'at the cluster scope';
      return send(
        403,
        status(
          403,
          'Forbidden',
          `${col.resource}${name ? ` "${name}"` : ''} is forbidden: User "${user}" cannot ${verb} resource "${col.resource}" in API group "${group}" ${scope}`,
        ),
      );
    }
    let items = col.items.filter((o) => !ns || (o as {metadata: {namespace?: string}}).metadata.namespace === ns);
    if (name) {
      const one = items.find((o) => (o as {metadata: {name: string}}).metadata.name === name);
      if (!one)
        return send(
          404,
          JSON.stringify({...JSON.parse(status(404, 'NotFound', `${col.resource} "${name}" not found`)), details: {name, group, kind: col.resource}}),
        );
      return send(200, JSON.stringify(one));
    }
    const labels = url.searchParams.get('labelSelector');
    if (labels) {
      try {
        const sel = parseSelector(labels);
        items = items.filter((o) => matchesSelector(sel, (o as {metadata: {labels?: Record<string, string>}}).metadata.labels ?? {}));
      } catch {
        return send(400, status(400, 'BadRequest', `unable to parse requirement: ${labels}`));
      }
    }
    const fields = fieldFilter(url.searchParams.get('fieldSelector'));
    if (!fields) return send(400, status(400, 'BadRequest', `field label not supported: ${url.searchParams.get('fieldSelector')}`));
    return send(
      200,
      JSON.stringify({kind: col.listKind, apiVersion: group ? `${group}/v1` : 'v1', metadata: {resourceVersion: '4242'}, items: items.filter(fields)}),
    );
  };

  const server: Server = createServer(
    {key: serving.keyPem, cert: serving.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: false},
    (req, res) => {
      requests.push(`${req.method} ${req.url}`);
      if (opts.hang) return; // accepted, never answered
      const url = new URL(req.url ?? '/', 'https://localhost');
      const send = (code: number, body: string) => {
        res.writeHead(code, {'content-type': 'application/json'});
        res.end(body);
      };
      const user = userOf(req);
      if (user === null) return send(401, status(401, 'Unauthorized', 'Unauthorized'));
      const denied = authorize(req, false, user);
      if (denied !== null) return send(403, status(403, 'Forbidden', denied));
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          for (const r of opts.routes ?? []) if (await r.handle(req, res, url, Buffer.concat(chunks), user)) return;
          if (patchNodeStatus(req, url, Buffer.concat(chunks), send)) return;
          if (url.pathname === '/livez' || url.pathname === '/healthz') {
            res.writeHead(200, {'content-type': 'text/plain'});
            res.end('ok');
          } else {
            serveBuiltIn(req, url, user, send);
          }
        })().catch((e: unknown) => {
          if (!res.headersSent) send(500, status(500, 'InternalError', String((e as Error).message)));
          else res.destroy();
        });
      });
    },
  );
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    requests.push(`${req.method} ${req.url}`);
    if (opts.hang) return;
    const user = userOf(req);
    if (user === null) return void socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n');
    if (authorize(req, true, user) !== null) return void socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
    const url = new URL(req.url ?? '/', 'https://localhost');
    for (const r of opts.routes ?? []) if (r.upgrade?.(req, socket, head, url)) return;
    socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
  });
  const sockets = new Set<Duplex>();
  server.on('secureConnection', (s: TLSSocket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const url = `https://127.0.0.1:${(server.address() as {port: number}).port}`;
  const leases = opts.nodes.flatMap((n) => (n.lease === null ? [] : [leaseObject(n.name, n.lease ?? {}, now.toISOString())]));
  collections = [
    {resource: 'nodes', group: '', namespaced: false, listKind: 'NodeList', items: opts.nodes.map(nodeObject)},
    {resource: 'leases', group: 'coordination.k8s.io', namespaced: true, listKind: 'LeaseList', items: leases},
    {resource: 'certificatesigningrequests', group: 'certificates.k8s.io', namespaced: false, listKind: 'CertificateSigningRequestList', items: csrs},
    {resource: 'secrets', group: '', namespaced: true, listKind: 'SecretList', items: secretObjects(opts.bootstrapTokens ?? [])},
    {resource: 'configmaps', group: '', namespaced: true, listKind: 'ConfigMapList', items: configMapObjects(opts, url, ca)},
  ];
  return {
    url,
    ca,
    requests,
    calls,
    nodePatches,
    async kubeconfig(path, o = {}) {
      const ctx = o.context ?? 'lab';
      await writeFile(
        path,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          `- name: lab`,
          '  cluster:',
          `    server: ${url}`,
          `    certificate-authority-data: ${b64(o.caPem ?? ca.certPem)}`,
          'users:',
          '- name: operator',
          '  user:',
          `    client-certificate-data: ${b64(client.certPem)}`,
          `    client-key-data: ${b64(client.keyPem)}`,
          'contexts:',
          `- name: ${ctx}`,
          '  context:',
          '    cluster: lab',
          '    user: operator',
          `current-context: ${ctx}`,
          '',
        ].join('\n'),
        {mode: 0o600},
      );
      return path;
    },
    close: () =>
      new Promise<void>((res) => {
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}
