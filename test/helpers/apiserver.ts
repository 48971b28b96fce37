/**
 * A small stand-in kube-apiserver for tests: HTTPS on loopback with client-certificate auth
 * (certificates from src/lab/pki.ts), serving `GET /api/v1/nodes` (with `labelSelector`) in the
 * real NodeList wire format, plus `/version` and `/livez`. Reached through a generated
 * kubeconfig and @kubernetes/client-node exactly as a real cluster would be.
 */
import {writeFile} from 'node:fs/promises';
import {createServer, type Server} from 'node:https';
import type {TLSSocket} from 'node:tls';
import {createClusterCa, issueKubeletClientCert, issueServingCert, type ClusterCa, type IssuedCert} from '../../src/lab/pki.js';
import {matchesSelector, parseSelector} from '../../src/targets/selector.js';

/** A node the stand-in serves. */
export interface FakeNode {
  name: string;
  labels?: Record<string, string>;
  /** Default: InternalIP 127.0.0.1 and Hostname <name> (loopback only, always). */
  addresses?: {type: string; address: string}[];
  kubeletVersion?: string;
}

/** A running stand-in. */
export interface ApiServer {
  url: string;
  ca: ClusterCa;
  /** Request lines received (`GET /api/v1/nodes?labelSelector=…`), for assertions. */
  requests: string[];
  /** Write a kubeconfig for this server; `ca` overrides the CA the client trusts. */
  kubeconfig(path: string, opts?: {context?: string; caPem?: string}): Promise<string>;
  close(): Promise<void>;
}

/** Options for the stand-in. */
export interface ApiServerOptions {
  nodes: FakeNode[];
  /** Answer 403 to the node list (RBAC says no). */
  forbidden?: boolean;
}

const DAY = 86_400_000;
const b64 = (s: string) => Buffer.from(s).toString('base64');

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code});
}

function nodeObject(n: FakeNode, i: number): object {
  return {
    metadata: {
      name: n.name, uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, resourceVersion: String(1000 + i),
      creationTimestamp: '2024-05-01T10:00:00Z',
      labels: {'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', ...(n.labels ?? {})},
    },
    spec: {podCIDR: `10.244.${i}.0/24`, podCIDRs: [`10.244.${i}.0/24`]},
    status: {
      addresses: n.addresses ?? [{type: 'InternalIP', address: '127.0.0.1'}, {type: 'Hostname', address: n.name}],
      conditions: [{type: 'Ready', status: 'True', lastHeartbeatTime: '2024-05-01T10:00:00Z', lastTransitionTime: '2024-05-01T10:00:00Z', reason: 'KubeletReady', message: 'kubelet is posting ready status'}],
      nodeInfo: {kubeletVersion: n.kubeletVersion ?? 'v1.30.2', containerRuntimeVersion: 'containerd://1.7.13', operatingSystem: 'linux', architecture: 'amd64'},
    },
  };
}

/** Start the stand-in on a free loopback port. */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const now = new Date();
  const validity = {notBefore: new Date(now.getTime() - DAY), notAfter: new Date(now.getTime() + 30 * DAY)};
  const ca = await createClusterCa(now);
  const serving = await issueServingCert(ca, {commonName: 'kube-apiserver', dnsNames: ['localhost', 'kubernetes'], ips: ['127.0.0.1'], validity});
  const client: IssuedCert = await issueKubeletClientCert(ca, 'operator', validity);
  const requests: string[] = [];
  const server: Server = createServer({key: serving.keyPem, cert: serving.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true}, (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? '/', 'https://localhost');
    const user = (req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? 'unknown';
    const send = (code: number, body: string) => {
      res.writeHead(code, {'content-type': 'application/json'});
      res.end(body);
    };
    if (req.method !== 'GET') return send(405, status(405, 'MethodNotAllowed', 'the server does not allow this method'));
    if (url.pathname === '/livez' || url.pathname === '/healthz') {
      res.writeHead(200, {'content-type': 'text/plain'});
      return res.end('ok');
    }
    if (url.pathname === '/version') {
      return send(200, JSON.stringify({major: '1', minor: '30', gitVersion: 'v1.30.2', platform: 'linux/amd64'}));
    }
    if (url.pathname === '/api/v1/nodes') {
      if (opts.forbidden) {
        return send(403, status(403, 'Forbidden', `nodes is forbidden: User "${String(user)}" cannot list resource "nodes" in API group "" at the cluster scope`));
      }
      let nodes = opts.nodes;
      const sel = url.searchParams.get('labelSelector');
      if (sel) {
        try {
          const req = parseSelector(sel);
          nodes = nodes.filter((n, i) => matchesSelector(req, (nodeObject(n, i) as {metadata: {labels: Record<string, string>}}).metadata.labels));
        } catch {
          return send(400, status(400, 'BadRequest', `unable to parse requirement: ${sel}`));
        }
      }
      return send(200, JSON.stringify({
        kind: 'NodeList', apiVersion: 'v1', metadata: {resourceVersion: '4242'},
        items: nodes.map((n) => nodeObject(n, opts.nodes.indexOf(n))),
      }));
    }
    return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const url = `https://127.0.0.1:${(server.address() as {port: number}).port}`;
  return {
    url, ca, requests,
    async kubeconfig(path, o = {}) {
      const ctx = o.context ?? 'lab';
      await writeFile(path, [
        'apiVersion: v1', 'kind: Config',
        'clusters:', `- name: lab`, '  cluster:', `    server: ${url}`, `    certificate-authority-data: ${b64(o.caPem ?? ca.certPem)}`,
        'users:', '- name: operator', '  user:', `    client-certificate-data: ${b64(client.certPem)}`, `    client-key-data: ${b64(client.keyPem)}`,
        'contexts:', `- name: ${ctx}`, '  context:', '    cluster: lab', '    user: operator',
        `current-context: ${ctx}`, '',
      ].join('\n'), {mode: 0o600});
      return path;
    },
    close: () => new Promise<void>((res) => {
      server.closeAllConnections();
      server.close(() => res());
    }),
  };
}
