/**
 * The node reaches its API server the way the kubelet does: the server URL and CA of the
 * kubeconfig in use, a name that resolves, a TCP connection, TLS verified against that CA, and
 * /livez (or /healthz) answering. Each step has its own failure: a stale CA after the control
 * plane was rebuilt says "signed by unknown authority" (kubelet.md R8), a down API server
 * "connection refused" (R3). A proxy in the kubelet's environment that catches the API server's
 * address is reported too: the kubelet would go through it, the probe does not.
 */
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';
import type {Facts} from '../src/facts/types.js';
import type {KubeconfigFile} from '../src/facts/kubeconfig/kubeconfig.js';
import type {ApiserverFacts} from '../src/facts/live/live-apiserver.js';
import type {HttpResult} from '../src/facts/live/live-http.js';
import {proxyFor, type ProxyDecision, type ProxyVar} from '../src/facts/live/live-proxy.js';
import type {Signature} from '../src/catalogue/define.js';

// Go's net and crypto/x509 wording as the kubelet logs it (client-go requests, lease, registration).
const SIGNATURES: Signature[] = [
  {
    id: 'apiserver-connection-refused',
    text: 'E0416 12:04:10.794442    7769 kubelet_node_status.go:96] "Unable to register node with API server" err="Post "https://10.0.0.10:6443/api/v1/nodes": dial tcp 10.0.0.10:6443: connect: connection refused" node="node-1"',
    pattern: /dial tcp [^\s"\\]+:\d+: connect: connection refused/,
    reference: 'kubelet.md R3; kubernetes/kubeadm#1026',
  },
  {
    id: 'apiserver-timeout',
    text: 'E0416 12:04:10.794442    7769 controller.go:145] "Failed to ensure lease exists, will retry" err="Get "https://10.0.0.10:6443/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1?timeout=10s": dial tcp 10.0.0.10:6443: i/o timeout" interval="7s"',
    pattern: /dial tcp [^\s"\\]+:\d+: (?:i\/o timeout|connect: no route to host|connect: network is unreachable)/,
    reference: 'kubelet.md R3 (Go net.OpError wording)',
  },
  {
    id: 'apiserver-dns',
    text: 'E0416 12:04:10.794442    7769 kubelet_node_status.go:96] "Unable to register node with API server" err="Post "https://api.example.com:6443/api/v1/nodes": dial tcp: lookup api.example.com on 127.0.0.53:53: no such host"',
    pattern: /dial tcp: lookup \S+? (?:on \S+: )?(?:no such host|server misbehaving|i\/o timeout)/,
    reference: 'Go net.DNSError wording (src/net/net.go) [mem]',
  },
  {
    id: 'apiserver-unknown-authority',
    text: 'tls: failed to verify certificate: x509: certificate signed by unknown authority (possibly because of "crypto/rsa: verification error" while trying to verify candidate authority certificate "kubernetes")',
    pattern: /x509: certificate signed by unknown authority/,
    reference: 'kubelet.md R8',
  },
  {
    id: 'apiserver-hostname-mismatch',
    text: 'tls: failed to verify certificate: x509: certificate is valid for 10.96.0.1, 10.0.0.10, not 192.168.1.10',
    pattern: /x509: certificate is valid for .+, not \S+/,
    reference: 'Go crypto/x509 HostnameError [mem]',
  },
  {
    id: 'csr-request-failed',
    text: 'E0416 12:04:10.794442    7769 certificate_manager.go:562] "Failed while requesting a signed certificate from the control plane" err="cannot create certificate signing request: Unauthorized" logger="kubernetes.io/kube-apiserver-client-kubelet"',
    pattern: /Failed while requesting a signed certificate from the control plane/,
    reference: 'kubelet.md R9; client-go util/certificate/certificate_manager.go',
  },
  {
    id: 'apiserver-tls-handshake-timeout',
    text: 'Get "https://10.0.0.10:6443/api/v1/nodes/node-1?timeout=10s": net/http: TLS handshake timeout',
    pattern: /net\/http: TLS handshake timeout/,
    reference: 'Go net/http transport wording [mem]',
  },
  {
    id: 'apiserver-proxy-connect',
    text: 'Get "https://10.0.0.10:6443/api/v1/nodes/node-1": proxyconnect tcp: dial tcp 10.0.0.5:3128: connect: connection refused',
    pattern: /proxyconnect tcp: /,
    reference: 'Go net/http transport (proxy CONNECT) wording [mem]',
  },
];

const ev = (v: {source: Evidence['source']; text: string}): Evidence => ({source: v.source, text: v.text});

/** The kubeconfig the kubelet uses now: kubelet.conf once bootstrapped, else the bootstrap file. */
function inUse(facts: Facts): KubeconfigFile | null | 'standalone' {
  if (!facts.kubeconfig.collected) return null;
  const k = facts.kubeconfig.value;
  if (k.state === 'standalone') return 'standalone';
  return k.state === 'bootstrapping' ? k.bootstrap : k.kubeconfig;
}

/** Evidence for the server and CA lines of the kubeconfig in use. */
function configEvidence(f: KubeconfigFile | null): Evidence[] {
  const c = f?.cluster;
  if (!c) return [];
  return [c.server, c.certificateAuthority, c.certificateAuthorityData, c.insecureSkipTlsVerify]
    .filter((x): x is NonNullable<typeof x> => x !== null)
    .map((x) => ({source: x.source, text: x.text.length > 120 ? `${x.text.slice(0, 117)}...` : x.text}));
}

function caWords(a: ApiserverFacts): string {
  switch (a.ca.kind) {
    case 'data':
      return 'the certificate-authority-data in the kubeconfig';
    case 'file':
      return `the CA file ${a.ca.path ?? ''}`;
    case 'insecure':
      return 'nothing (insecure-skip-tls-verify: true)';
    case 'none':
      return "the node's system CA bundle (the kubeconfig names no CA)";
    case 'missing':
      return `no CA: the kubeconfig's CA file ${a.ca.path ?? ''} does not exist`;
    case 'bad-data':
      return 'no CA: the certificate-authority-data does not decode';
  }
}

/** The proxy variables in force: the running kubelet's environment, else the unit's. */
function proxyEnv(facts: Facts, a: ApiserverFacts): Map<string, ProxyVar> {
  const env = new Map<string, ProxyVar>();
  if (a.processProxy !== null) {
    for (const [name, v] of Object.entries(a.processProxy)) env.set(name, {name, value: v.value, source: v.source, text: v.text});
  } else if (facts.unit.collected) {
    for (const [name, v] of Object.entries(facts.unit.value.environment)) {
      if (/^(https?|no)_proxy$/i.test(name)) env.set(name, {name, value: v.value, source: v.source, text: v.text});
    }
  }
  return env;
}

/** The verdict for the request's outcome. */
function outcomeVerdict(a: ApiserverFacts, r: HttpResult, evidence: Evidence[]): Verdict {
  const hp = `${a.host}:${a.port}`;
  switch (r.outcome) {
    case 'ok':
      return pass(`${r.url} answered ok from the node; TLS verified against ${caWords(a)}`, evidence);
    case 'http-error':
      if (r.status === 401 || r.status === 403) {
        return pass(
          `${a.server} is reachable and its certificate verifies against ${caWords(a)}; ${r.url} refused anonymous access (HTTP ${r.status})`,
          evidence,
        );
      }
      return fail(`${r.url} answered ${r.detail}${r.body ? ` (${r.body})` : ''}: the API server is up but unhealthy`, evidence);
    case 'dns':
      return fail(`${a.host} does not resolve on the node (${r.detail}): the kubelet cannot find its API server; fix DNS or the server: URL`, evidence);
    case 'refused':
      return fail(
        `connection to ${hp} refused (${r.detail}): the API server is down, or a load balancer or firewall rejects the node; the kubelet logs "dial tcp ${hp}: connect: connection refused"`,
        evidence,
      );
    case 'unreachable':
      return fail(`no route from the node to ${hp} (${r.detail}): a network or firewall problem`, evidence);
    case 'timeout':
      return fail(`${hp} did not answer in time (${r.detail}): packets are dropped on the way (firewall, security group) or the address is wrong`, evidence);
    case 'tls-unknown-ca':
      return fail(
        `the API server's certificate is not signed by ${caWords(a)} ("certificate signed by unknown authority"): the node's CA is stale, typically because the control plane was rebuilt or its CA rotated; re-join the node or refresh the CA in its kubeconfig`,
        evidence,
      );
    case 'tls-hostname':
      return fail(
        `the API server's certificate is not valid for ${a.host} (${r.detail}): the server: URL names an address the certificate does not list`,
        evidence,
      );
    case 'tls-expired':
      return fail(`the API server's certificate has expired, or the node's clock is ahead (${r.detail})`, evidence);
    case 'tls-not-yet-valid':
      return fail(`the API server's certificate is not valid yet: the node's clock is behind (${r.detail})`, evidence);
    case 'tls':
      return fail(`TLS with ${hp} failed (${r.detail})`, evidence);
    case 'error':
      return fail(`the request to ${r.url} failed: ${r.detail}`, evidence);
  }
}

function proxyVerdict(d: ProxyDecision, a: ApiserverFacts): Verdict {
  const not = d.noProxy ? `${d.noProxy.name}=${d.noProxy.value} does not cover it` : 'no NO_PROXY is set';
  return warn(
    `the kubelet's environment sets ${d.proxy.name}=${d.proxy.value} and ${not}: the kubelet reaches ${a.host} through that proxy, while the probe connected directly; add ${a.host} to NO_PROXY unless the proxy is meant to carry it`,
    [ev(d.proxy), ...(d.noProxy ? [ev(d.noProxy)] : [])],
  );
}

export default defineCheck({
  id: 'apiserver-reachable',
  title: 'the node reaches its API server (DNS, TCP, TLS against the kubeconfig CA, /livez)',
  category: 'network',
  severity: 'critical',
  description:
    "The kubelet registers the node, renews its lease and pulls pod specs through the API server named in its kubeconfig. The probe repeats that connection from the node: the name, the TCP connection, the server's certificate against the kubeconfig's CA, and /livez.",
  needs: ['apiserver', 'kubeconfig', 'unit'],
  explainedBy: ['kubeconfig', 'clock-skew'],
  live: true,
  remediation:
    "Follow the failed step: DNS (`getent hosts <host>`, /etc/resolv.conf), TCP (`curl -v https://<server>/livez` from the node; firewall, load balancer, API server pod), TLS (a stale CA: compare `openssl x509 -noout -fingerprint -in /etc/kubernetes/pki/ca.crt` with the control plane's; re-join with `kubeadm reset` + `kubeadm join` when the cluster was rebuilt). A proxy that should not carry the API server: add its address to NO_PROXY in the kubelet's environment (the drop-in or /etc/default/kubelet), `systemctl daemon-reload && systemctl restart kubelet`.",
  references: [
    'https://kubernetes.io/docs/reference/using-api/health-checks/',
    'https://kubernetes.io/docs/setup/production-environment/tools/kubeadm/troubleshooting-kubeadm/',
    'https://pkg.go.dev/golang.org/x/net/http/httpproxy',
  ],
  signatures: SIGNATURES,
  evaluate(facts) {
    const {apiserver} = facts;
    if (!apiserver.collected) return skip(apiserver.reason);
    const a = apiserver.value;
    const file = inUse(facts);
    if (file === 'standalone') return skip('the kubelet runs standalone (no usable --kubeconfig): it talks to no API server');
    const effective = file?.cluster?.server?.value;
    if (file && effective !== undefined && effective !== a.server) {
      return skip(`not collected: the probe queried ${a.server} (from ${a.kubeconfig}) but the effective server is ${effective} (${file.path.value})`);
    }
    const cfg = configEvidence(file);
    const out: Verdict[] = [];
    const r = a.livez?.status === 404 && a.healthz ? a.healthz : a.livez;
    if (a.dns.status === 'failed') {
      out.push(fail(`${a.host} does not resolve on the node (${a.dns.text}): the kubelet cannot find its API server`, [ev(a.dns), ...cfg]));
    } else if (r === null) {
      return skip('not collected: the probe could not make the request (no curl, wget or openssl on the node)');
    } else if (r.unverifiedClient && (r.outcome === 'tls' || r.outcome === 'error')) {
      return skip(
        `not collected: the node's busybox wget could not talk TLS to ${a.server} (${r.detail}); with curl or openssl on the node the probe can check it`,
      );
    } else {
      out.push(outcomeVerdict(a, r, [ev(r), ...cfg]));
      if (r.tlsVerified === false) {
        const why = a.ca.kind === 'insecure' ? 'the kubeconfig sets insecure-skip-tls-verify: true' : "the node's wget (busybox) cannot verify certificates";
        out.push(warn(`the API server's certificate was not verified: ${why}`, [ev(r), ...cfg]));
      }
    }
    const scheme = a.server.startsWith('http:') ? 'http' : 'https';
    const proxy = proxyFor(proxyEnv(facts, a), scheme, a.host, a.port);
    if (proxy) out.push(proxyVerdict(proxy, a));
    return out;
  },
});
