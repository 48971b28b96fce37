/**
 * A kubeadm control-plane node for the control-plane PKI tests (facts and cert-expiry): the three
 * CAs, the leaves under /etc/kubernetes/pki and the kubeconfigs with embedded client
 * certificates, as the probe returns them (keys listed in the directories, never read).
 */
import type {RawSnapshot} from '../../src/facts/types.js';
import {rawFrom} from '../helpers/facts.js';
import type {RawOptions} from '../helpers/facts.js';
import {issue, kubeletConf, makeCA} from '../helpers/certs.js';
import type {TestCA, TestCert} from '../helpers/certs.js';

export const PKI = '/etc/kubernetes/pki';
export const APISERVER_MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';

/** check-expiration's leaf names, their files and the CA that signs them. */
export const LEAVES = {
  'admin.conf': {path: '/etc/kubernetes/admin.conf', ca: 'ca', cn: 'kubernetes-admin'},
  apiserver: {path: `${PKI}/apiserver.crt`, ca: 'ca', cn: 'kube-apiserver'},
  'apiserver-etcd-client': {path: `${PKI}/apiserver-etcd-client.crt`, ca: 'etcd-ca', cn: 'kube-apiserver-etcd-client'},
  'apiserver-kubelet-client': {path: `${PKI}/apiserver-kubelet-client.crt`, ca: 'ca', cn: 'kube-apiserver-kubelet-client'},
  'controller-manager.conf': {path: '/etc/kubernetes/controller-manager.conf', ca: 'ca', cn: 'system:kube-controller-manager'},
  'etcd-healthcheck-client': {path: `${PKI}/etcd/healthcheck-client.crt`, ca: 'etcd-ca', cn: 'kube-etcd-healthcheck-client'},
  'etcd-peer': {path: `${PKI}/etcd/peer.crt`, ca: 'etcd-ca', cn: 'cp-1'},
  'etcd-server': {path: `${PKI}/etcd/server.crt`, ca: 'etcd-ca', cn: 'cp-1'},
  'front-proxy-client': {path: `${PKI}/front-proxy-client.crt`, ca: 'front-proxy-ca', cn: 'front-proxy-client'},
  'scheduler.conf': {path: '/etc/kubernetes/scheduler.conf', ca: 'ca', cn: 'system:kube-scheduler'},
  'super-admin.conf': {path: '/etc/kubernetes/super-admin.conf', ca: 'ca', cn: 'kubernetes-super-admin'},
} as const;
export type LeafName = keyof typeof LEAVES;

export const CA_PATHS = {ca: `${PKI}/ca.crt`, 'etcd-ca': `${PKI}/etcd/ca.crt`, 'front-proxy-ca': `${PKI}/front-proxy-ca.crt`} as const;
export type CaName = keyof typeof CA_PATHS;

/** The control plane's certificates. */
export interface ControlPlane {
  cas: Record<CaName, TestCA>;
  leaves: Record<LeafName, TestCert>;
}

type Window = {notBefore?: Date; notAfter?: Date};

/** Make the CAs and leaves; by default leaves are valid 2026-01-01 → 2027-01-01 and CAs 2025-01-01 → 2035. */
export async function makeControlPlane(
  o: {cas?: Partial<Record<CaName, Window>>; leaves?: Partial<Record<LeafName, Window & {signer?: TestCA}>>} = {},
): Promise<ControlPlane> {
  const cas: Record<CaName, TestCA> = {
    ca: await makeCA({cn: 'kubernetes', ...o.cas?.ca}),
    'etcd-ca': await makeCA({cn: 'etcd-ca', ...o.cas?.['etcd-ca']}),
    'front-proxy-ca': await makeCA({cn: 'front-proxy-ca', ...o.cas?.['front-proxy-ca']}),
  };
  const leaves = {} as Record<LeafName, TestCert>;
  for (const [name, l] of Object.entries(LEAVES) as [LeafName, (typeof LEAVES)[LeafName]][]) {
    const w = o.leaves?.[name];
    leaves[name] = await issue(w?.signer ?? cas[l.ca], {
      cn: l.cn,
      notBefore: w?.notBefore ?? new Date('2026-01-01T00:00:00Z'),
      notAfter: w?.notAfter ?? new Date('2027-01-01T00:00:00Z'),
    });
  }
  return {cas, leaves};
}

/** The files of the control plane as the probe sends them (client-key-data already redacted). */
export function controlPlaneFiles(cp: ControlPlane, o: {omit?: string[]} = {}): Record<string, string> {
  const files: Record<string, string> = {
    [APISERVER_MANIFEST]: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\n',
  };
  for (const [name, p] of Object.entries(CA_PATHS) as [CaName, string][]) files[p] = cp.cas[name].pem;
  for (const [name, l] of Object.entries(LEAVES) as [LeafName, (typeof LEAVES)[LeafName]][]) {
    files[l.path] = l.path.endsWith('.conf')
      ? kubeletConf({caData: cp.cas.ca.pem, server: 'https://10.0.0.10:6443', user: {certData: cp.leaves[name].pem, keyData: true}})
      : cp.leaves[name].pem;
  }
  for (const p of o.omit ?? []) delete files[p];
  return files;
}

/**
 * The listings show the keys beside the certificates (the probe lists them, never reads them).
 * `caKeys: false` leaves the CA keys out: kubeadm's "externally managed" CA.
 */
export function listKeys(raw: RawSnapshot, o: {caKeys?: boolean} = {}): RawSnapshot {
  const keys: [string, string][] = [
    [PKI, 'apiserver.key'],
    [PKI, 'apiserver-etcd-client.key'],
    [PKI, 'apiserver-kubelet-client.key'],
    [PKI, 'front-proxy-client.key'],
    [PKI, 'sa.key'],
    [PKI, 'sa.pub'],
    [`${PKI}/etcd`, 'server.key'],
    [`${PKI}/etcd`, 'peer.key'],
    [`${PKI}/etcd`, 'healthcheck-client.key'],
    ...(o.caKeys === false
      ? []
      : ([
          [PKI, 'ca.key'],
          [PKI, 'front-proxy-ca.key'],
          [`${PKI}/etcd`, 'ca.key'],
        ] as [string, string][])),
  ];
  for (const [dir, name] of keys) raw.dirs[dir]?.entries.push({name, type: 'file'});
  return raw;
}

/** A control-plane node's raw snapshot: the control plane's files, plus `extra` (a worker's files), keys listed. */
export function controlPlaneRaw(cp: ControlPlane, o: {extra?: Record<string, string>; omit?: string[]; caKeys?: boolean; opts?: RawOptions} = {}): RawSnapshot {
  return listKeys(rawFrom({...o.extra, ...controlPlaneFiles(cp, {omit: o.omit ?? []})}, o.opts), {caKeys: o.caKeys ?? true});
}
