/**
 * cert-expiry-fix: the right path for the certificate that expired.
 * - The kubelet's client certificate, file-based, issued by the cluster CA: move it aside so the
 *   kubelet bootstraps again with bootstrap-kubelet.conf (kubelet.md F12/F13: it falls back to
 *   the bootstrap kubeconfig when kubelet.conf's certificate is expired or unreadable). Rotation
 *   is turned on if it is off. Without a bootstrap kubeconfig the operator's join command
 *   (`kubeadm token create --print-join-command`) lets us write one; without either, the plan is
 *   the manual steps.
 * - The self-signed serving certificate: move kubelet.crt/kubelet.key aside; the kubelet makes a
 *   new pair at start (server.go InitializeTLS).
 * - Embedded client certificates, CA certificates, a wrong clock, a control-plane node: manual
 *   steps, because no safe automation exists from the node alone.
 */
import {posix} from 'node:path';
import type {CertEntry, CertInfo} from '../../facts/pki/certs.js';
import {setFlagValue} from '../edit/flag-edit.js';
import {notApplicable, type FixPlan, type NotApplicable, type PlanInput, type Step} from '../types.js';
import {bootstrapKubeconfig, caPins, parseJoinCommand} from './cert-bootstrap.js';
import {FileEdits, kubeletConfigPath, restartKubelet} from './common.js';

const DAY = 24 * 60 * 60 * 1000;
const WARN_DAYS = 30;

/** Whether a certificate needs action now: expired, or expiring within the warning window. */
const due = (c: CertInfo, now: Date): boolean => Date.parse(c.notAfter) - now.getTime() <= WARN_DAYS * DAY;
const leaf = (e: CertEntry): CertInfo | undefined => e.certs.find((c) => !c.isCA) ?? e.certs[0];

/** Move a file aside, recording what the probe saw so apply can refuse a file that changed. */
function moveAside(raw: PlanInput['raw'], path: string, why: string): Step[] {
  const rec = raw.files[path];
  if (rec?.status !== 'ok') return [];
  if (rec.realPath && rec.realPath !== path) {
    return [
      {kind: 'remove-file', path, why, link: rec.realPath},
      {kind: 'remove-file', path: rec.realPath, why: `${why} (the file the link points to)`, ...(rec.size === undefined ? {} : {size: rec.size})},
    ];
  }
  return [{kind: 'remove-file', path, why, ...(rec.size === undefined ? {} : {size: rec.size})}];
}

/** Plan the fix for a cert-expiry finding. */
export function planCertExpiry(input: PlanInput): FixPlan | NotApplicable {
  const {facts, raw, now} = input;
  if (!facts.certs.collected) return notApplicable(`certificates were not collected: ${facts.certs.reason}`);
  const certs = facts.certs.value;
  const edits = new FileEdits(raw);
  const moves: Step[] = [];
  const manual: string[] = [];
  const notes: string[] = [];
  const node = facts.hostname.collected ? facts.hostname.value.value : '<node>';
  for (const e of certs.entries) {
    const c = leaf(e);
    if (!c) continue;
    if (Date.parse(c.notBefore) > now.getTime()) {
      manual.push(`the ${e.role} certificate is not valid until ${c.notBefore}: the node clock is wrong; fix it (timedatectl, NTP) before anything else`);
      continue;
    }
    if (!due(c, now)) continue;
    if (e.role === 'kubelet-client' && e.path === null) {
      manual.push(
        `kubelet.conf embeds the client certificate, which rotation never renews: on a control-plane node run \`kubeadm kubeconfig user --org system:nodes --client-name system:node:${node}\`, or point kubelet.conf's client-certificate and client-key at /var/lib/kubelet/pki/kubelet-client-current.pem and re-bootstrap`,
      );
    } else if (e.role === 'kubelet-client' && e.path !== null) {
      if (e.chain?.status === 'not-issued' || e.chain?.status === 'bad-signature') {
        return notApplicable(
          'the client certificate comes from another cluster CA: moving it aside will not help',
          'reset the node and join it again (kubeadm reset; kubeadm join …)',
        );
      }
      moves.push(
        ...moveAside(raw, e.path, `move the expired client certificate (notAfter ${c.notAfter}) into the backup, so the kubelet bootstraps a new one`),
      );
    } else if (e.role === 'kubelet-serving' && e.serving === 'self-signed' && e.path !== null) {
      moves.push(...moveAside(raw, e.path, `move the self-signed serving certificate (notAfter ${c.notAfter}) aside: the kubelet makes a new pair at start`));
      moves.push(...moveAside(raw, posix.join(posix.dirname(e.path), 'kubelet.key'), 'and its key'));
    } else if (e.role === 'kubelet-serving') {
      manual.push(
        `the serving certificate ${e.path ?? ''} expires ${c.notAfter}: approve the node's kubernetes.io/kubelet-serving CSR (kubectl get csr) or replace the tlsCertFile`,
      );
    } else {
      manual.push(
        `the ${e.role} certificate "${c.commonName ?? c.subject}" expires ${c.notAfter}: the cluster CA must be renewed on the control plane (kubeadm certs renew does not renew CAs)`,
      );
    }
  }
  const clientMoved = moves.some((m) => m.kind === 'remove-file' && /kubelet-client/.test(m.path));
  if (clientMoved) {
    const rot = certs.rotateCertificates;
    if (!rot.value) {
      if (rot.text.startsWith('--') && 'file' in rot.source)
        edits.line(rot.source, 'turn client certificate rotation on', (line) => setFlagValue(line, rot.text, 'true'));
      else {
        const cfg = kubeletConfigPath(facts);
        if (cfg)
          edits.yaml(cfg, 'rotateCertificates: true, so the kubelet renews its client certificate itself from now on', [
            {op: 'set', path: ['rotateCertificates'], value: true},
          ]);
      }
    }
    const kc = facts.kubeconfig.collected ? facts.kubeconfig.value : null;
    const bootstrapPath = kc?.bootstrap.path.value ?? '/etc/kubernetes/bootstrap-kubelet.conf';
    if (kc?.bootstrap.status !== 'ok') {
      const join = input.joinCommand ? parseJoinCommand(input.joinCommand) : null;
      if (join && 'reason' in join) return notApplicable(`--join-command: ${join.reason}`);
      const pins = caPins(certs);
      if (join && join.caHashes.length > 0 && pins.length > 0 && !join.caHashes.some((h) => pins.includes(h.toLowerCase()))) {
        return notApplicable("the join command's --discovery-token-ca-cert-hash does not match this node's cluster CA: it is for another cluster");
      }
      const server = kc?.kubeconfig.cluster?.server?.value ?? (join ? `https://${join.endpoint}` : null);
      if (join && server && raw.files['/etc/kubernetes/pki/ca.crt']?.status === 'ok') {
        edits.create(
          bootstrapPath,
          `write the bootstrap kubeconfig with the join token, for ${server}`,
          bootstrapKubeconfig(server, '/etc/kubernetes/pki/ca.crt', join.token),
          0o600,
        );
      } else {
        manual.push(
          `there is no ${bootstrapPath} to bootstrap from: on a control-plane node run \`kubeadm token create --print-join-command\` and pass what it prints with --join-command (or write ${bootstrapPath} by hand)`,
        );
      }
    }
  }
  if (facts.staticPods.collected && facts.staticPods.value.manifests.some((m) => m.name?.startsWith('kube-apiserver'))) {
    notes.push(
      'this is a control-plane node: `kubeadm certs check-expiration` shows the control-plane certificates; renew them with `kubeadm certs renew all` and restart the control-plane static pods',
    );
  }
  if (edits.problem) return notApplicable(`cannot edit safely: ${edits.problem}`);
  const blocked = clientMoved && manual.some((m) => m.includes('bootstrap from'));
  // The bootstrap kubeconfig carries the join token: its diff is shown redacted.
  const marked = edits.steps().map((st) => (st.kind === 'write-file' && /^\s*token:/m.test(st.after) ? {...st, sensitive: true} : st));
  const writes = blocked ? [] : [...marked, ...moves];
  if (writes.length === 0 && manual.length === 0) return notApplicable('no certificate the kubelet uses needs renewing');
  return {
    fixId: 'cert-expiry-fix',
    checkId: 'cert-expiry',
    title: clientMoved ? 'Re-bootstrap the kubelet client certificate' : 'Renew the kubelet certificates',
    steps: [...writes, ...manual.map((text) => ({kind: 'manual' as const, text})), ...(writes.length > 0 ? restartKubelet(facts) : [])],
    ...(notes.length > 0 ? {notes} : {}),
  };
}
