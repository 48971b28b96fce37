/**
 * API objects (as @kubernetes/client-node deserialises them) → the secret-free view types of
 * src/facts/live/cluster.ts. Pure: no I/O. A bootstrap token's secret is decoded only to compare it with
 * the join command's, in constant time, and is never returned.
 */
import {createHash, timingSafeEqual} from 'node:crypto';
import type {V1CertificateSigningRequest, V1Lease, V1Node, V1Secret} from '@kubernetes/client-node';
import type {BootstrapTokenView, CsrView, LeaseView, NodeView} from '../facts/live/cluster.js';
import {requestedCommonName} from './csr-request.js';

/** The signers of kubelet certificates: the CSRs the view keeps. */
export const KUBELET_SIGNERS: readonly string[] = ['kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving'];

/** An API timestamp (the client gives Dates) as RFC 3339, without zero milliseconds. */
export function timestamp(v: unknown): string | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString().replace('.000Z', 'Z');
  return typeof v === 'string' && v !== '' ? v : null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** A Node as the checks read it. */
export function nodeView(n: V1Node): NodeView {
  const info = n.status?.nodeInfo;
  return {
    name: n.metadata?.name ?? '',
    creationTimestamp: timestamp(n.metadata?.creationTimestamp),
    unschedulable: n.spec?.unschedulable === true,
    conditions: (n.status?.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      reason: str(c.reason),
      message: str(c.message),
      lastHeartbeatTime: timestamp(c.lastHeartbeatTime),
      lastTransitionTime: timestamp(c.lastTransitionTime),
    })),
    taints: (n.spec?.taints ?? []).map((t) => ({key: t.key, value: str(t.value), effect: t.effect, timeAdded: timestamp(t.timeAdded)})),
    addresses: (n.status?.addresses ?? []).map((a) => ({type: a.type, address: a.address})),
    nodeInfo: {
      kubeletVersion: str(info?.kubeletVersion),
      containerRuntimeVersion: str(info?.containerRuntimeVersion),
      osImage: str(info?.osImage),
      kernelVersion: str(info?.kernelVersion),
    },
  };
}

/** Leases by name (the node name). */
export function leaseViews(items: V1Lease[]): Record<string, LeaseView> {
  const out: Record<string, LeaseView> = {};
  for (const l of items) {
    const name = l.metadata?.name;
    if (!name) continue;
    out[name] = {
      holderIdentity: str(l.spec?.holderIdentity),
      renewTime: timestamp(l.spec?.renewTime),
      leaseDurationSeconds: typeof l.spec?.leaseDurationSeconds === 'number' ? l.spec.leaseDurationSeconds : null,
    };
  }
  return out;
}

/** A CSR's state from its conditions (Denied/Failed win) and whether a certificate was issued. */
function csrStatus(c: V1CertificateSigningRequest): {status: CsrView['status']; reason: string | null} {
  const conds = (c.status?.conditions ?? []).filter((x) => x.status !== 'False');
  const find = (type: string) => conds.find((x) => x.type === type);
  const denied = find('Denied');
  if (denied) return {status: 'denied', reason: str(denied.message) ?? str(denied.reason)};
  const failed = find('Failed');
  if (failed) return {status: 'failed', reason: str(failed.message) ?? str(failed.reason)};
  if (str(c.status?.certificate)) return {status: 'issued', reason: null};
  return {status: find('Approved') ? 'approved' : 'pending', reason: null};
}

/** The kubelet CSRs (client and serving signers), mapped. */
export function csrViews(items: V1CertificateSigningRequest[]): CsrView[] {
  return items
    .filter((c) => KUBELET_SIGNERS.includes(c.spec?.signerName ?? ''))
    .map((c) => ({
      name: c.metadata?.name ?? '',
      signerName: c.spec.signerName,
      username: c.spec.username ?? '',
      requestedCommonName: requestedCommonName(c.spec.request),
      ...csrStatus(c),
      creationTimestamp: timestamp(c.metadata?.creationTimestamp),
    }));
}

/** Equal secrets, compared in constant time (over their hashes, so lengths may differ). */
function sameSecret(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

/**
 * A bootstrap token Secret without its secret. `join` is the `--join-command` token (id and secret):
 * when its id is this token's, `secretMatchesJoin` says whether the secrets are equal.
 */
export function bootstrapTokenView(s: V1Secret, join: {tokenId: string | null; tokenSecret: string | null} | null): BootstrapTokenView {
  const data = s.data ?? {};
  const field = (k: string): string | null => (data[k] !== undefined ? Buffer.from(data[k], 'base64').toString('utf8') : null);
  const tokenId = field('token-id') ?? (s.metadata?.name ?? '').replace(/^bootstrap-token-/, '');
  let secretMatchesJoin: boolean | null = null;
  if (join?.tokenId === tokenId && join.tokenSecret !== null) secretMatchesJoin = sameSecret(field('token-secret') ?? '', join.tokenSecret);
  return {
    tokenId,
    expiration: field('expiration'),
    usages: Object.keys(data)
      .filter((k) => k.startsWith('usage-bootstrap-') && field(k) === 'true')
      .map((k) => k.slice('usage-bootstrap-'.length))
      .sort(),
    groups: (field('auth-extra-groups') ?? '')
      .split(',')
      .map((g) => g.trim())
      .filter((g) => g !== ''),
    description: field('description'),
    secretMatchesJoin,
  };
}
