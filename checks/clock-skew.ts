/**
 * The node's clock against the operator's (the machine running kubelet-doctor) and the API
 * server's (the Date of its /livez answer), and whether the node keeps time with NTP.
 *
 * Thresholds: more than 5 minutes fails. kube-controller-manager's CSR signer backdates the
 * certificates it issues by 5 minutes (signer.go: `Backdate: 5 * time.Minute`) to absorb skew;
 * a node further off sees a freshly issued or rotated certificate as "not yet valid" (or an API
 * server certificate as expired) and TLS fails with x509 errors (kubelet.md R7). More than 30
 * seconds warns: NTP keeps clocks within milliseconds, so 30 s means nothing disciplines this
 * clock and it will drift further. The tolerance also absorbs the probe's own delay: `date` runs
 * last on the node, seconds at most before the operator's clock is read.
 */
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';

const ev = (v: {source: Evidence['source']; text: string}): Evidence => ({source: v.source, text: v.text});
/** Beyond this the clock is not synchronised (warn). */
export const WARN_SKEW_S = 30;
/** Beyond this certificates fail (the signers' 5-minute backdate is used up). */
export const FAIL_SKEW_S = 5 * 60;

/** `+3m05s ahead` / `42s behind`. */
function describe(skewS: number): string {
  const abs = Math.abs(Math.round(skewS));
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const s = abs % 60;
  const text = h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
  return `${text} ${skewS >= 0 ? 'ahead of' : 'behind'}`;
}

function judge(skewS: number, other: string, evidence: Evidence[]): Verdict {
  const what = `the node's clock is ${describe(skewS)} ${other}`;
  if (Math.abs(skewS) > FAIL_SKEW_S) {
    return fail(
      `${what}: beyond the 5-minute backdate of issued certificates, so TLS fails with "x509: certificate has expired or is not yet valid"`,
      evidence,
    );
  }
  if (Math.abs(skewS) > WARN_SKEW_S) return warn(`${what}: more than ${WARN_SKEW_S} s, so nothing keeps this clock in sync`, evidence);
  return pass(`${what} (within ${WARN_SKEW_S} s)`, evidence);
}

export default defineCheck({
  id: 'clock-skew',
  title: "the node's clock agrees with the operator's and the API server's",
  category: 'host',
  severity: 'high',
  description:
    'Certificates are checked against the local clock: a node whose clock is minutes off sees fresh certificates as not yet valid or valid ones as expired, and TLS bootstrap, certificate rotation and the API server connection fail with x509 errors. Log lines across nodes stop lining up, too.',
  needs: ['nodeTime', 'apiserver', 'timeSync'],
  appliesTo: {},
  live: true,
  remediation:
    'Turn on time synchronisation: `timedatectl set-ntp true` (systemd-timesyncd) or enable chronyd/ntpd, check `timedatectl status` shows "System clock synchronized: yes" (`chronyc tracking` for chrony), and make sure UDP 123 to the time servers is open. To step a far-off clock at once: `chronyc makestep` or `systemctl restart systemd-timesyncd`. Then restart the kubelet.',
  references: [
    'https://www.freedesktop.org/software/systemd/man/latest/timedatectl.html',
    'https://github.com/kubernetes/kubernetes/blob/master/pkg/controller/certificates/signer/signer.go',
  ],
  signatures: [
    {
      id: 'certificate-not-yet-valid',
      text: 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2026-05-31T23:50:00Z is before 2026-06-01T00:00:00Z',
      pattern: /x509: certificate has expired or is not yet valid: current time \S+ is before \S+/,
      reference: 'kubelet.md R7; Go crypto/x509 CertificateInvalidError ("is before")',
    },
  ],
  evaluate(facts, ctx) {
    const out: Verdict[] = [];
    const {nodeTime, apiserver, timeSync} = facts;
    if (nodeTime.collected) {
      const node = Date.parse(nodeTime.value.value);
      if (facts.target.transport === 'snapshot') {
        out.push(skip(`the snapshot was taken at ${nodeTime.value.value} (node clock); the operator's clock now says nothing about it`));
      } else if (Number.isFinite(node)) {
        const operator: Evidence = {source: {command: "kubelet-doctor (the operator's clock)"}, text: ctx.now.toISOString()};
        out.push(judge((node - ctx.now.getTime()) / 1000, "the operator's", [ev(nodeTime.value), operator]));
      }
    }
    if (apiserver.collected) {
      const a = apiserver.value;
      const r = a.livez?.status === 404 && a.healthz ? a.healthz : a.livez;
      const server = r?.date ? Date.parse(r.date) : NaN;
      if (r && a.nodeEpoch && Number.isFinite(server)) {
        out.push(
          judge(a.nodeEpoch.value - server / 1000, `the API server's (${a.host})`, [ev(a.nodeEpoch), {source: r.source, text: `Date: ${r.date ?? ''}`}]),
        );
      }
    }
    if (timeSync.collected) {
      const t = timeSync.value;
      if (t.synchronized?.value === false) {
        const ntp = t.ntpService?.value === false ? ' and no NTP service is on' : '';
        out.push(
          warn(`the node's clock is not synchronised (${t.synchronized.text})${ntp}: it drifts until time sync is fixed`, [
            ev(t.synchronized),
            ...(t.ntpService ? [ev(t.ntpService)] : []),
          ]),
        );
      } else if (t.synchronized?.value === true && !out.some((v) => v.status !== 'skip')) {
        out.push(pass(`the node's clock is synchronised (${t.synchronized.text})`, [ev(t.synchronized)]));
      }
    }
    if (out.length === 0) return skip(nodeTime.collected ? 'not collected: no clock to compare with' : nodeTime.reason);
    return out;
  },
});
