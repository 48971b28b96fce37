/**
 * kubelet.conf / bootstrap-kubelet.conf: the TLS bootstrap state, the files they reference,
 * whether the client key belongs to the client certificate, and the server URL.
 */
import {posix} from 'node:path';
import {defineCheck, fail, note, pass, skip, warn} from '../src/catalogue/define.js';
import {profileById} from './data/profiles/index.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';
import type {CertFacts} from '../src/facts/pki/certs.js';
import type {KubeconfigFacts, KubeconfigFile, KubeconfigUser} from '../src/facts/kubeconfig/kubeconfig.js';
import type {Collected, KubeletArgv, Sourced} from '../src/facts/types.js';

const ev = (s: {source: Evidence['source']; text: string}): Evidence => ({source: s.source, text: s.text});
const name = (f: KubeconfigFile): string => posix.basename(f.path.value);
/** The file itself as evidence: its path, and what named it. */
const fileEv = (f: KubeconfigFile): Evidence => ({source: {file: f.path.value}, text: f.status === 'ok' ? 'exists' : (f.error ?? f.status)});
const present = (f: KubeconfigFile): boolean => f.status !== 'missing' && f.status !== 'not-collected';

/** A server URL the kubelet can use with its certificates: present and https. */
function serverVerdict(f: KubeconfigFile): Verdict | null {
  const s = f.cluster?.server;
  if (!s) return null;
  return s.value.startsWith('https://') ? null : fail(`${name(f)}: server ${s.value} is not https, so the kubelet cannot authenticate with TLS`, [s]);
}

function standalone(k: KubeconfigFacts, argv: Collected<KubeletArgv>): Verdict {
  const kc = k.kubeconfig;
  if (kc.pathOrigin === 'default') {
    // server.go: without --kubeconfig the kubelet runs in standalone mode and never registers.
    const exists = kc.status === 'ok' ? `; ${kc.path.value} exists but is not passed to it` : '';
    const evidence: Evidence[] = argv.collected ? [ev(argv.value.executable)] : [];
    if (kc.status === 'ok') evidence.push(fileEv(kc));
    return warn(`standalone: the kubelet has no --kubeconfig flag, so it will not register with the API server${exists}`, evidence);
  }
  const unknown = [kc, k.bootstrap].find((f) => f.status === 'not-collected' && f.pathOrigin !== 'default');
  if (unknown) return warn(`cannot tell the bootstrap state: ${unknown.error ?? unknown.path.value}`, [ev(unknown.path)]);
  const flags = [kc, k.bootstrap].filter((f) => f.pathOrigin !== 'default').map((f) => ev(f.path));
  // kubelet.md F12 / F15: with --kubeconfig set and no file to load, the kubelet exits at start.
  return fail(
    `neither ${kc.path.value} nor ${k.bootstrap.path.value} exists: the kubelet exits with "unable to load bootstrap kubeconfig" (F12); re-run kubeadm join or restore kubelet.conf`,
    flags,
  );
}

const hasToken = (u: KubeconfigUser | null): boolean => Boolean(u && (u.token || u.tokenFile));

function bootstrapping(k: KubeconfigFacts): Verdict[] {
  const {kubeconfig: kc, bootstrap: b} = k;
  if (b.pathOrigin === 'default') {
    return [
      fail(`${kc.path.value} does not exist and --bootstrap-kubeconfig is not set, so the kubelet has no credentials ("invalid kubeconfig", F15)`, [
        ev(kc.path),
        fileEv(b),
      ]),
    ];
  }
  const out: Verdict[] = b.problems.filter((p) => p.kind !== 'credentials').map((p) => fail(`${name(b)}: ${p.message}`, [p]));
  if (b.status === 'ok' && !hasToken(b.user) && !b.user?.clientCertificate && !b.user?.clientCertificateData) {
    // kubeadm design doc: TLS bootstrap authenticates with the bootstrap token (system:bootstrappers).
    out.push(fail(`${name(b)} has no token: the kubelet cannot authenticate to request its client certificate`, [b.context ?? fileEv(b)]));
  }
  const server = serverVerdict(b);
  if (server) out.push(server);
  if (out.length > 0) return out;
  const url = b.cluster?.server?.value ?? '';
  const evidence: Evidence[] = [ev(kc.path), ...(b.user?.token ? [ev(b.user.token)] : []), ...(b.cluster?.server ? [ev(b.cluster.server)] : [])];
  return [
    warn(
      `bootstrapping: ${kc.path.value} does not exist yet; the kubelet creates it after TLS bootstrap with the token in ${name(b)} (server ${url}). If it never appears, look for a Pending CSR (kubectl get csr)`,
      evidence,
    ),
  ];
}

/** What kubelet.conf authenticates with, for the pass summary. */
function credentials(u: KubeconfigUser | null, certs: Collected<CertFacts>): string {
  if (u?.clientCertificate) {
    const entry = certs.collected ? certs.value.entries.find((e) => e.role === 'kubelet-client') : undefined;
    const target = entry?.realPath ? ` (→ ${posix.basename(entry.realPath)})` : '';
    return `${u.clientCertificate.value}${target}`;
  }
  if (u?.clientCertificateData) return 'embedded client-certificate-data';
  if (hasToken(u)) return 'a bearer token';
  if (u?.exec) return `exec ${u.exec.value}`;
  return u?.authProvider ? `auth-provider ${u.authProvider.value}` : 'no credentials';
}

function bootstrapped(k: KubeconfigFacts, certs: Collected<CertFacts>, byDesign: string | null): Verdict[] {
  const kc = k.kubeconfig;
  // bootstrap.go LoadClientCert: an unusable kubelet.conf is replaced by a new TLS bootstrap when one is configured.
  const retry = present(k.bootstrap) && k.bootstrap.pathOrigin !== 'default' ? ` (${name(k.bootstrap)} is present, so the kubelet will bootstrap again)` : '';
  const out: Verdict[] = kc.problems.map((p) => fail(`${name(kc)}: ${p.message}${retry}`, [p]));
  const server = serverVerdict(kc);
  if (server) out.push(server);
  const client = certs.collected ? certs.value.entries.find((e) => e.role === 'kubelet-client') : undefined;
  const certEv: Evidence[] = client ? [client.certs[0] ? ev(client.certs[0]) : ev(client.ref)] : [];
  if (client && (client.status === 'parse-error' || client.status === 'binary' || client.status === 'unreadable')) {
    // bootstrap.go F14: "unable to read TLS certificates from existing bootstrap client config".
    const err = client.errors[0];
    out.push(fail(`${name(kc)}: the client certificate cannot be read: ${err?.message ?? client.status}`, [ev(client.ref), ...(err ? [ev(err)] : [])]));
  }
  if (client?.status === 'not-collected' && kc.user?.clientCertificate) {
    // A pass is only as good as what was read: the certificate never arrived, so no verdict on it.
    out.push(skip(`${name(kc)}: client-certificate ${kc.user.clientCertificate.value} was not collected, so whether the kubelet can authenticate is unknown`));
  }
  const key = client?.key;
  if (key?.status === 'mismatch') out.push(fail(`${name(kc)}: the client key does not match the client certificate: ${key.reason}`, [ev(key), ...certEv]));
  if (key?.status === 'no-key') out.push(fail(`${name(kc)}: no usable client key: ${key.reason}`, [ev(key), ...certEv]));
  if (key?.status === 'unknown') out.push(warn(`${name(kc)}: cannot tell whether the client key matches its certificate: ${key.reason}`, [ev(key), ...certEv]));
  const data = kc.user?.clientCertificateData;
  if (data) out.push(embeddedWarning(kc, data, client?.certs[0]?.notAfter, certs, byDesign));
  if (out.length > 0) return out;
  const srv = kc.cluster?.server;
  const evidence: Evidence[] = [...(kc.user?.clientCertificate ? [ev(kc.user.clientCertificate)] : []), ...(srv ? [ev(srv)] : [])];
  return [pass(`bootstrapped: ${name(kc)} uses ${credentials(kc.user, certs)}, server ${srv?.value ?? ''}`, evidence)];
}

/** kubelet.md §7 / F13: embedded client data is never rotated, so the node drops out after a year. */
function embeddedWarning(
  kc: KubeconfigFile,
  data: Sourced<string>,
  notAfter: string | undefined,
  certs: Collected<CertFacts>,
  byDesign: string | null,
): Verdict {
  const dir = certs.collected ? certs.value.certDir.value : '/var/lib/kubelet/pki';
  const until = notAfter ? ` (it expires ${notAfter})` : '';
  if (byDesign) {
    // The installer's own layout (Kubernetes The Hard Way embeds the certificate): nothing to change now.
    return note(
      `${name(kc)} embeds client-certificate-data, as ${byDesign} does by design; the kubelet never rotates it${until}, so re-issue it before then (cert-expiry warns 30 days ahead by default)`,
      [ev(data)],
    );
  }
  return warn(
    `${name(kc)} embeds client-certificate-data, which the kubelet never rotates${until}: point client-certificate and client-key at ${dir}/kubelet-client-current.pem`,
    [ev(data)],
  );
}

export default defineCheck({
  id: 'kubeconfig',
  title: 'The kubelet has a usable kubeconfig',
  category: 'tls',
  severity: 'critical',
  description:
    'The kubelet reaches the API server with kubelet.conf, or creates it by TLS bootstrap from bootstrap-kubelet.conf. A missing file, a key that does not belong to its certificate or a wrong server keeps the node from registering.',
  needs: ['argv', 'kubeconfig', 'certs', 'profile'],
  appliesTo: {},
  explainedBy: ['systemd-dropin'],
  remediation:
    "Restore /etc/kubernetes/kubelet.conf so that client-certificate and client-key point at /var/lib/kubelet/pki/kubelet-client-current.pem and server is the API server's https URL; if the node's credentials are lost, run `kubeadm reset` and `kubeadm join` again.",
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/',
    'https://kubernetes.io/docs/setup/production-environment/tools/kubeadm/troubleshooting-kubeadm/#kubelet-client-cert',
  ],
  signatures: [
    {
      id: 'bootstrap-kubeconfig-missing',
      text: 'unable to load bootstrap kubeconfig: stat /etc/kubernetes/bootstrap-kubelet.conf: no such file or directory',
      pattern: /unable to load bootstrap kubeconfig/,
      reference: 'kubelet.md F12; kubernetes/minikube#6062',
    },
    {
      id: 'bootstrap-client-cert-unreadable',
      text: 'unable to read TLS certificates from existing bootstrap client config read from /etc/kubernetes/kubelet.conf',
      pattern: /unable to read TLS certificates from existing bootstrap client config/,
      reference: 'kubelet.md F14; pkg/kubelet/certificate/bootstrap/bootstrap.go',
    },
    {id: 'invalid-kubeconfig', text: 'invalid kubeconfig: ...', pattern: /invalid kubeconfig:/, reference: 'kubelet.md F15; cmd/kubelet/app/server.go'},
    // Without --kubeconfig the kubelet runs standalone: no API client, so the node never registers
    // and no status is sent. kubernetes/kubernetes@001332b0 cmd/kubelet/app/server.go run()
    // (logger.Info "Standalone mode, no API client"; klog.Warningf "standalone mode, no API client"
    // up to v1.20, e.g. `W1230 server.go:558] standalone mode, no API client` on v1.20.1) and
    // pkg/kubelet/kubelet.go Run() ("No API server defined - no node status update will be sent";
    // "No api server defined - ... sent." in older releases).
    {
      id: 'standalone-no-api-client',
      text: 'Standalone mode, no API client',
      pattern: /[Ss]tandalone mode, no API client/,
      reference: 'kubernetes/kubernetes cmd/kubelet/app/server.go run() (v1.33: logger.Info; <= v1.20: klog.Warningf)',
    },
    {
      id: 'no-api-server-defined',
      text: 'No API server defined - no node status update will be sent',
      pattern: /No (?:API|api) server defined - no (?:node status update|events) will be sent/,
      reference:
        'kubernetes/kubernetes pkg/kubelet/kubelet.go Kubelet.Run(); "... - no events will be sent to API server" from cmd/kubelet/app/server.go makeEventRecorder (kubernetes#115824)',
    },
    {
      id: 'register-as-anonymous',
      text: 'Unable to register node with API server err="nodes is forbidden: User \\"system:anonymous\\" cannot create resource \\"nodes\\""',
      pattern: /Unable to register node with API server.*system:anonymous/,
      reference: 'kubelet.md R4; kubernetes-sigs/cluster-api#8631',
    },
  ],
  evaluate({argv, kubeconfig, certs, profile}) {
    if (!kubeconfig.collected) return skip(kubeconfig.reason);
    const k = kubeconfig.value;
    if (k.state === 'standalone') return standalone(k, argv);
    if (k.state === 'bootstrapping') return bootstrapping(k);
    // An installer whose client certificate lives inside the kubeconfig (profile clientCert `…#client-certificate-data`).
    const p = profile.collected ? profileById(profile.value.id) : undefined;
    return bootstrapped(k, certs, p?.clientCert?.endsWith('#client-certificate-data') ? p.title : null);
  },
});
