/**
 * Every certificate the kubelet uses: expired, not yet valid (a wrong clock), expiring soon,
 * and whether the client certificate was signed by the CA in its kubeconfig. On a control-plane
 * node, also the kubeadm PKI the way `kubeadm certs check-expiration` lists it (anchors row 51:
 * leaves warn within the expiry window, CAs within a year).
 */
import {posix} from 'node:path';
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {CheckContext, Evidence, Verdict} from '../src/catalogue/define.js';
import type {CertEntry, CertFacts, CertInfo, CertRole} from '../src/facts/pki/certs.js';
import type {ControlPlanePkiFacts, PkiCert} from '../src/facts/pki/control-plane-pki.js';

const DAY = 86_400_000;
/** kubeadm CAs last ten years and `kubeadm certs renew` does not renew them: warn a year ahead (anchors row 51). */
const CA_WARN_DAYS = 365;

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
    return [
      warn(`no serving certificate yet: ${e.path ?? ''} does not exist; approve the node's kubernetes.io/kubelet-serving CSR (kubectl get csr)`, [
        e.ref,
        ...errs,
      ]),
    ];
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
    ? fail(
        `kubelet client certificate is not signed by the kubeconfig CA: ${c.reason}; the node's credentials belong to another cluster (kubelet.md R8)`,
        evidence,
      )
    : fail(
        `kubelet client certificate names the kubeconfig CA as issuer but was not signed by its key: the cluster CA was re-created since the node joined`,
        evidence,
      );
}

/** `control-plane certificate "apiserver"`, `control-plane CA "etcd-ca"`. */
const cpLabel = (p: PkiCert): string => `control-plane ${p.kind === 'ca' ? 'CA' : 'certificate'} "${p.name}"`;

/** A control-plane certificate as evidence: its check-expiration name, validity and CA. */
function cpEv(p: PkiCert, cert: CertInfo): Evidence {
  const ca = p.ca ? ` CA=${p.ca}` : '';
  const ext = p.externallyManaged ? ' (externally managed)' : '';
  return {source: cert.source, text: `${p.name}: subject=${cert.subject} notBefore=${cert.notBefore} notAfter=${cert.notAfter}${ca}${ext}`};
}

/** How to renew a control-plane certificate (kubeadm certs renew takes the check-expiration names). */
function cpRenewal(p: PkiCert): string {
  if (p.kind === 'ca') {
    return '; `kubeadm certs renew` does not renew CAs: rotate it (kubernetes.io/docs/tasks/tls/manual-rotation-of-ca-certificates)';
  }
  if (p.externallyManaged) {
    return `; its CA key is not on this node (${p.ca ?? 'CA'} is externally managed), so kubeadm cannot renew it: have the external CA sign a new one`;
  }
  return `; run \`kubeadm certs renew ${p.name}\` (or \`kubeadm certs renew all\`), then restart the control-plane static pods`;
}

/** Validity of one control-plane certificate; null when it is fine. */
function cpValidity(p: PkiCert, cert: CertInfo, ctx: CheckContext): Verdict | null {
  const now = ctx.now.getTime();
  const nb = Date.parse(cert.notBefore);
  const na = Date.parse(cert.notAfter);
  if (now < nb) {
    return fail(
      `${cpLabel(p)} is not valid until ${cert.notBefore} (in ${inDays(nb - now)}): the node clock may be wrong (check date and NTP)`,
      [cpEv(p, cert)],
      null,
    );
  }
  if (now > na) {
    const ago = now - na >= DAY ? `${plural(Math.floor((now - na) / DAY), 'day')} ago` : 'less than a day ago';
    return fail(`${cpLabel(p)} expired ${ago} (notAfter ${cert.notAfter})${cpRenewal(p)}`, [cpEv(p, cert)], null);
  }
  const window = p.kind === 'ca' ? Math.max(CA_WARN_DAYS, ctx.expiryWarnDays) : ctx.expiryWarnDays;
  if (na - now <= window * DAY) {
    return warn(`${cpLabel(p)} expires in ${inDays(na - now)} (notAfter ${cert.notAfter})${cpRenewal(p)}`, [cpEv(p, cert)], null);
  }
  return null;
}

/** Problems of the control-plane PKI, and the certificates found valid. */
function controlPlane(pki: ControlPlanePkiFacts, judged: Set<string>, ctx: CheckContext): {out: Verdict[]; valid: {p: PkiCert; cert: CertInfo}[]} {
  const out: Verdict[] = [];
  const valid: {p: PkiCert; cert: CertInfo}[] = [];
  for (const p of pki.certs) {
    const errs = p.errors.map((x) => ({source: x.source, text: x.text || x.message}));
    // A missing file is what check-expiration prints as MISSING: external etcd, or super-admin.conf on a joined control plane.
    if (p.status !== 'ok' && p.status !== 'missing' && p.status !== 'not-collected') {
      out.push(warn(`cannot read the ${cpLabel(p)} (${p.path}): ${p.errors[0]?.message ?? p.status}`, errs, null));
    }
    const cert = p.cert;
    if (!cert) continue;
    // The cluster CA is also the kubelet's: its verdict, when it has one, was given above.
    if (judged.has(cert.sha256)) continue;
    const v = cpValidity(p, cert, ctx);
    if (v) out.push(v);
    const foreign = p.issued?.status === 'not-issued' || p.issued?.status === 'bad-signature';
    if (foreign) out.push(warn(`${cpLabel(p)} is not signed by ${p.ca ?? 'its CA'}: ${p.issued?.reason ?? ''}`, [cpEv(p, cert)], null));
    if (!v && !foreign) valid.push({p, cert});
  }
  return {out, valid};
}

const firstToExpire = <T extends {cert: CertInfo}>(all: T[]): T[] => [...all].sort((a, b) => Date.parse(a.cert.notAfter) - Date.parse(b.cert.notAfter));

export default defineCheck({
  id: 'cert-expiry',
  title: 'The kubelet certificates are valid',
  category: 'tls',
  severity: 'critical',
  description:
    'An expired or not-yet-valid client certificate locks the kubelet out of the API server; an expired serving certificate breaks logs and exec; a client certificate from another CA is rejected. On a control-plane node it also covers what `kubeadm certs check-expiration` lists: the kubeadm PKI (apiserver, etcd, front-proxy and the CAs) and the client certificates in admin.conf, super-admin.conf, controller-manager.conf and scheduler.conf.',
  needs: ['certs', 'controlPlanePki'],
  explainedBy: ['kubeconfig'],
  fix: 'cert-expiry-fix',
  remediation:
    "Check the node clock first (date, NTP). Turn on rotateCertificates in /var/lib/kubelet/config.yaml. For an expired client certificate, on a control-plane node run `kubeadm kubeconfig user --org system:nodes --client-name system:node:<node>`, or delete kubelet.conf and bootstrap again with a fresh token; restart the kubelet. For the control-plane certificates, run `kubeadm certs renew all` on each control-plane node, then restart the control-plane static pods: move the manifests out of /etc/kubernetes/manifests, wait until the pods are gone (about 20 s), and move them back; copy the renewed admin.conf to ~/.kube/config. `kubeadm certs renew` renews neither the CAs nor the kubelet's certificates.",
  references: [
    'https://kubernetes.io/docs/tasks/tls/certificate-rotation/',
    'https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-certs/',
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
  evaluate({certs, controlPlanePki}, ctx) {
    if (!certs.collected) return skip(certs.reason);
    const c = certs.value;
    const out: Verdict[] = [];
    const seen = new Map<string, Seen>();
    const judged = new Set<string>();
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
      if (v) {
        out.push(v);
        judged.add(s.cert.sha256);
      }
    }
    const pki = controlPlanePki.collected && controlPlanePki.value.controlPlane ? controlPlanePki.value : null;
    const cp = pki ? controlPlane(pki, judged, ctx) : {out: [], valid: []};
    const left = (cert: CertInfo): string => `on ${cert.notAfter.slice(0, 10)} (in ${inDays(Date.parse(cert.notAfter) - ctx.now.getTime())})`;
    if (out.length > 0 || cp.out.length > 0) {
      // The control-plane certificates that are fine are listed too (details), as check-expiration lists them all.
      const [firstOk] = firstToExpire(cp.valid);
      const others = firstOk
        ? [
            pass(
              `the other ${plural(cp.valid.length, 'control-plane certificate')} ${cp.valid.length === 1 ? 'is' : 'are'} valid (${cp.valid.map((v) => v.p.name).join(', ')}); the first to expire is ${firstOk.p.name} ${left(firstOk.cert)}`,
              cp.valid.map((v) => cpEv(v.p, v.cert)),
            ),
          ]
        : [];
      return [...out, ...cp.out, ...others];
    }
    const all = firstToExpire([...seen.values()]);
    // Certificates the kubelet also uses (the cluster CA) are counted once, under the kubelet.
    const cpOnly = cp.valid.filter((v) => !seen.has(v.cert.sha256));
    const firstKubelet = all[0];
    const firstCp = firstToExpire(cpOnly)[0];
    if (!firstKubelet && !firstCp) return skip('no certificate the kubelet uses could be read');
    const cpFirst = firstCp && (!firstKubelet || Date.parse(firstCp.cert.notAfter) < Date.parse(firstKubelet.cert.notAfter));
    const firstText =
      cpFirst && firstCp ? `the ${cpLabel(firstCp.p)} ${left(firstCp.cert)}` : firstKubelet ? `the ${label(firstKubelet)} ${left(firstKubelet.cert)}` : '';
    const count = pki
      ? `${plural(all.length + cpOnly.length, 'certificate')} valid (${all.length} of the kubelet, ${cpOnly.length} more of the control plane)`
      : `${plural(all.length, 'certificate')} valid`;
    return pass(`${count}; the first to expire is ${firstText}`, [...all.map(certEv), ...cpOnly.map((v) => cpEv(v.p, v.cert))]);
  },
});
