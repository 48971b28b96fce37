/**
 * Every certificate the kubelet uses: expired, not yet valid (a wrong clock), expiring soon,
 * and whether the client certificate was signed by the CA in its kubeconfig.
 */
import {posix} from 'node:path';
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {CheckContext, Evidence, Verdict} from '../src/catalogue/define.js';
import type {CertEntry, CertFacts, CertInfo, CertRole} from '../src/facts/certs.js';

const DAY = 86_400_000;

const ROLE: Record<CertRole, string> = {
  'kubelet-client': 'kubelet client',
  'kubelet-serving': 'kubelet serving',
  'client-ca': 'client CA',
  'kubeconfig-ca': 'kubeconfig CA',
  'bootstrap-ca': 'bootstrap kubeconfig CA',
};

/** One certificate and every place the kubelet uses it (a CA is often both client CA and kubeconfig CA). */
interface Seen {
  cert: CertInfo;
  entries: CertEntry[];
}

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;
const inDays = (ms: number): string => (ms >= DAY ? plural(Math.floor(ms / DAY), 'day') : 'less than a day');

/** "kubelet client certificate", or `client CA / kubeconfig CA certificate "kubernetes"` for CAs and bundles. */
function label(s: Seen): string {
  const roles = [...new Set(s.entries.map((e) => ROLE[e.role]))].join(' / ');
  const named = s.cert.isCA || s.entries.some((e) => e.certs.length > 1);
  return `${roles} certificate${named && s.cert.commonName ? ` "${s.cert.commonName}"` : ''}`;
}

/** The certificate as evidence: where it is (through the symlink, when there is one) and its validity. */
function certEv(s: Seen): Evidence {
  const real = s.entries.find((e) => e.realPath)?.realPath;
  const via = real ? ` (→ ${posix.basename(real)})` : '';
  return {source: s.cert.source, text: `subject=${s.cert.subject} notBefore=${s.cert.notBefore} notAfter=${s.cert.notAfter}${via}`};
}

/** Why the certificate will not renew itself, for client and self-signed serving certificates. */
function renewal(s: Seen, certs: CertFacts, now: number): {note: string; evidence: Evidence[]} {
  const rot = certs.rotateCertificates;
  if (s.entries.some((e) => e.role === 'kubelet-client' && e.path === null)) {
    return {note: '; it is embedded in the kubeconfig, so rotation never renews it', evidence: []};
  }
  if (s.entries.some((e) => e.role === 'kubelet-client')) {
    if (!rot.value) return {note: `; certificate rotation is off (${rot.text}), so the kubelet will not renew it`, evidence: [rot]};
    // kubelet.md §7: with rotation on the kubelet renews at ~70-90 % of the lifetime (jittered).
    const start = Date.parse(s.cert.notBefore);
    const life = Date.parse(s.cert.notAfter) - start;
    if (life > 0 && (now - start) / life > 0.9) {
      return {note: '; rotation is on but has not renewed it: look for certificate_manager errors in the kubelet log and Pending CSRs', evidence: [rot]};
    }
  }
  if (s.entries.some((e) => e.serving === 'self-signed')) {
    // kubelet.md §7: the self-signed kubelet.crt is never renewed; the kubelet makes a new one when the files are gone.
    return {note: '; the kubelet never renews its self-signed certificate: delete kubelet.crt and kubelet.key and restart it', evidence: []};
  }
  return {note: '', evidence: []};
}

function validity(s: Seen, certs: CertFacts, ctx: CheckContext): Verdict | null {
  const now = ctx.now.getTime();
  const nb = Date.parse(s.cert.notBefore);
  const na = Date.parse(s.cert.notAfter);
  if (now < nb) {
    return fail(`${label(s)} is not valid until ${s.cert.notBefore} (in ${inDays(nb - now)}): the node clock may be wrong (check date and NTP)`, [certEv(s)]);
  }
  if (now > na) {
    const r = renewal(s, certs, now);
    const ago = now - na >= DAY ? `${plural(Math.floor((now - na) / DAY), 'day')} ago` : 'less than a day ago';
    return fail(`${label(s)} expired ${ago} (notAfter ${s.cert.notAfter})${r.note}`, [certEv(s), ...r.evidence]);
  }
  if (na - now <= ctx.expiryWarnDays * DAY) {
    const r = renewal(s, certs, now);
    return warn(`${label(s)} expires in ${inDays(na - now)} (notAfter ${s.cert.notAfter})${r.note}`, [certEv(s), ...r.evidence]);
  }
  return null;
}

/** Files that could not be read, and configured files that do not exist. */
function fileVerdicts(e: CertEntry): Verdict[] {
  const what = `${ROLE[e.role]} certificate ${e.path ?? 'data'}`;
  const errs = e.errors.map((x) => ({source: x.source, text: x.text || x.message}));
  if (e.status === 'parse-error' || e.status === 'binary' || e.status === 'unreadable' || (e.status === 'ok' && e.errors.length > 0)) {
    return [warn(`cannot read the ${what}: ${e.errors[0]?.message ?? e.status}`, [e.ref, ...errs])];
  }
  if (e.status !== 'missing') return [];
  if (e.serving === 'server-tls-bootstrap') {
    // kubelet.md R11: serving CSRs are never auto-approved by kube-controller-manager.
    return [warn(`no serving certificate yet: ${e.path ?? ''} does not exist; approve the node's kubernetes.io/kubelet-serving CSR (kubectl get csr)`, [e.ref, ...errs])];
  }
  if (e.serving === 'tls-cert-file' || e.role === 'client-ca') {
    return [fail(`the ${what} does not exist`, [e.ref, ...errs])];
  }
  // Client, kubeconfig CA and bootstrap CA files are the kubeconfig check's; kubelet.crt is made at start.
  return [];
}

/** The client certificate must chain to the kubeconfig's CA (kubeadm: one cluster CA). */
function chainVerdict(e: CertEntry): Verdict | null {
  const leaf = e.certs.find((c) => !c.isCA) ?? e.certs[0];
  const c = e.chain;
  if (!leaf || !c || (c.status !== 'not-issued' && c.status !== 'bad-signature')) return null;
  const caEv: Evidence[] = c.ca ? [{source: c.ca.source, text: `CA subject=${c.ca.subject}`}] : [];
  const evidence: Evidence[] = [{source: leaf.source, text: `subject=${leaf.subject} issuer=${leaf.issuer}`}, ...caEv];
  return c.status === 'not-issued'
    ? fail(`kubelet client certificate is not signed by the kubeconfig CA: ${c.reason}; the node's credentials belong to another cluster (kubelet.md R8)`, evidence)
    : fail(`kubelet client certificate names the kubeconfig CA as issuer but was not signed by its key: the cluster CA was re-created since the node joined`, evidence);
}

export default defineCheck({
  id: 'cert-expiry',
  title: 'The kubelet certificates are valid',
  category: 'tls',
  severity: 'critical',
  description:
    'An expired or not-yet-valid client certificate locks the kubelet out of the API server; an expired serving certificate breaks logs and exec; a client certificate from another CA is rejected.',
  needs: ['certs'],
  explainedBy: ['kubeconfig'],
  fix: 'cert-expiry-fix',
  remediation:
    'Check the node clock first (date, NTP). Turn on rotateCertificates in /var/lib/kubelet/config.yaml. For an expired client certificate, on a control-plane node run `kubeadm kubeconfig user --org system:nodes --client-name system:node:<node>`, or delete kubelet.conf and bootstrap again with a fresh token; restart the kubelet.',
  references: [
    'https://kubernetes.io/docs/tasks/tls/certificate-rotation/',
    'https://kubernetes.io/docs/setup/production-environment/tools/kubeadm/troubleshooting-kubeadm/#kubelet-client-cert',
  ],
  signatures: [
    {
      id: 'x509-certificate-expired',
      text: 'x509: certificate has expired or is not yet valid: current time 2026-06-01T00:00:00Z is after 2026-05-20T00:00:00Z',
      pattern: /x509: certificate has expired or is not yet valid/,
      reference: 'kubelet.md R7 (Go crypto/x509 wording)',
    },
    {
      id: 'bootstrap-client-cert-expired',
      text: 'part of the existing bootstrap client certificate in /etc/kubernetes/kubelet.conf is expired: 2026-05-20 00:00:00 +0000 UTC',
      pattern: /part of the existing bootstrap client certificate in \S+ is expired/,
      reference: 'kubelet.md F13; pkg/kubelet/certificate/bootstrap/bootstrap.go',
    },
    {
      id: 'client-cert-expired-server-unresponsive',
      text: 'The currently active client certificate has expired, but the server is not responsive. A restart may be necessary to retrieve new initial credentials.',
      pattern: /currently active client certificate has expired|since a valid client cert was found, but the server is not responsive/,
      reference: 'kubelet.md R10; kubernetes/kubernetes#96256',
    },
    {
      id: 'serving-cert-pending',
      text: 'http: TLS handshake error from 10.0.0.10:51234: no serving certificate available for the kubelet',
      pattern: /no serving certificate available for the kubelet/,
      reference: 'kubelet.md R11; kubernetes/kubernetes#73356',
    },
  ],
  evaluate({certs}, ctx) {
    if (!certs.collected) return skip(certs.reason);
    const c = certs.value;
    const out: Verdict[] = [];
    const seen = new Map<string, Seen>();
    for (const e of c.entries) {
      out.push(...fileVerdicts(e));
      for (const cert of e.certs) {
        const s = seen.get(cert.sha256);
        if (s) s.entries.push(e);
        else seen.set(cert.sha256, {cert, entries: [e]});
      }
      const chain = e.role === 'kubelet-client' ? chainVerdict(e) : null;
      if (chain) out.push(chain);
    }
    for (const s of seen.values()) {
      const v = validity(s, c, ctx);
      if (v) out.push(v);
    }
    if (out.length > 0) return out;
    const all = [...seen.values()].sort((a, b) => Date.parse(a.cert.notAfter) - Date.parse(b.cert.notAfter));
    const first = all[0];
    if (!first) return skip('no certificate the kubelet uses could be read');
    const left = Date.parse(first.cert.notAfter) - ctx.now.getTime();
    return pass(
      `${plural(all.length, 'certificate')} valid; the first to expire is the ${label(first)} on ${first.cert.notAfter.slice(0, 10)} (in ${inDays(left)})`,
      all.map(certEv),
    );
  },
});
