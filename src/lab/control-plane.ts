/**
 * A kubeadm control-plane node's extra files, added to a lab tree: the PKI under
 * /etc/kubernetes/pki (cluster, etcd and front-proxy CAs with their keys, the apiserver, etcd and
 * front-proxy leaves, the service-account key pair), the kubeconfigs `kubeadm init` writes with
 * embedded client certificates and keys, and the four static pod manifests. Real certificates,
 * made at generation time, any of them expired or expiring on request.
 */
import {
  createControlPlaneCa,
  createServiceAccountKeys,
  issueControlPlaneCert,
  type ClusterCa,
  type ControlPlaneCertSpec,
  type IssuedCert,
  type Validity,
} from './pki.js';
import type {NodeTree} from './node-files.js';

/** The names `kubeadm certs check-expiration` prints for the leaves, and the two CAs made here. */
export type ControlPlaneCertName =
  | 'admin.conf'
  | 'apiserver'
  | 'apiserver-etcd-client'
  | 'apiserver-kubelet-client'
  | 'controller-manager.conf'
  | 'etcd-healthcheck-client'
  | 'etcd-peer'
  | 'etcd-server'
  | 'front-proxy-client'
  | 'scheduler.conf'
  | 'super-admin.conf'
  | 'etcd-ca'
  | 'front-proxy-ca';

/** How to build the control plane. */
export interface ControlPlaneOptions {
  /**
   * Days from the generation clock to notAfter, by check-expiration name (`apiserver: -3`:
   * expired three days ago; `admin.conf: 10`: expires in ten days). The others keep kubeadm's
   * validity: a year from `kubeadm init` (a month ago), ten years for the CAs. The cluster CA is
   * the node's own (shared with the kubelet) and keeps its validity.
   */
  notAfterDays?: Partial<Record<ControlPlaneCertName, number>>;
  /** The node's advertise address (default 10.0.0.10). */
  address?: string;
}

/** What building the control plane needs from the node. */
export interface ControlPlaneContext {
  now: Date;
  hostname: string;
  kubeletVersion: string;
  ca: ClusterCa;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const PKI = '/etc/kubernetes/pki';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** A kubeconfig as kubeadm's kubeconfig phase writes it: embedded CA, client certificate and key. */
function kubeconfig(o: {server: string; caPem: string; user: string; cert: IssuedCert}): string {
  return `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${b64(o.caPem)}
    server: ${o.server}
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: ${o.user}
  name: ${o.user}@kubernetes
current-context: ${o.user}@kubernetes
kind: Config
preferences: {}
users:
- name: ${o.user}
  user:
    client-certificate-data: ${b64(o.cert.certPem)}
    client-key-data: ${b64(o.cert.keyPem)}
`;
}

/** One static pod manifest, trimmed to what kubeadm's has that a reader (and the probe's discovery) sees. */
function manifest(name: string, image: string, command: string[], hostPaths: string[]): string {
  const mounts = hostPaths.map((p, i) => `    - mountPath: ${p}\n      name: vol-${i}\n      readOnly: true\n`).join('');
  const volumes = hostPaths
    .map((p, i) => `  - hostPath:\n      path: ${p}\n      type: ${p.endsWith('.conf') ? 'FileOrCreate' : 'DirectoryOrCreate'}\n    name: vol-${i}\n`)
    .join('');
  return `apiVersion: v1
kind: Pod
metadata:
  creationTimestamp: null
  labels:
    component: ${name}
    tier: control-plane
  name: ${name}
  namespace: kube-system
spec:
  containers:
  - command:
${command.map((c) => `    - ${c}\n`).join('')}    image: ${image}
    imagePullPolicy: IfNotPresent
    name: ${name}
    volumeMounts:
${mounts}  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  volumes:
${volumes}status: {}
`;
}

/**
 * Add a kubeadm control plane (stacked etcd) to a node tree, as `kubeadm init` leaves it.
 * The private keys are written like kubeadm writes them (mode 0600), so tests can check that
 * none of them leaves the node.
 */
export async function addControlPlane(tree: NodeTree, ctx: ControlPlaneContext, opts: ControlPlaneOptions = {}): Promise<void> {
  const {now, hostname, ca} = ctx;
  const ip = opts.address ?? '10.0.0.10';
  const initAt = new Date(now.getTime() - 30 * DAY_MS);
  const days = opts.notAfterDays ?? {};
  const validity = (name: ControlPlaneCertName, years: number): Validity => {
    const d = days[name];
    if (d === undefined) return {notBefore: initAt, notAfter: new Date(initAt.getTime() + years * 365 * DAY_MS)};
    const notAfter = new Date(now.getTime() + d * DAY_MS);
    return {notBefore: new Date(notAfter.getTime() - years * 365 * DAY_MS), notAfter};
  };
  const [etcdCa, proxyCa, sa] = await Promise.all([
    createControlPlaneCa('etcd-ca', validity('etcd-ca', 10)),
    createControlPlaneCa('front-proxy-ca', validity('front-proxy-ca', 10)),
    createServiceAccountKeys(),
  ]);
  const leaf = (name: ControlPlaneCertName, by: ClusterCa, spec: Omit<ControlPlaneCertSpec, 'validity'>) =>
    issueControlPlaneCert(by, {...spec, validity: validity(name, 1)});
  const etcdNames = {dnsNames: [hostname, 'localhost'], ips: [ip, '127.0.0.1', '::1']};
  const [apiserver, kubeletClient, etcdClient, proxyClient, etcdServer, etcdPeer, healthcheck, admin, superAdmin, kcm, scheduler] = await Promise.all([
    leaf('apiserver', ca, {
      commonName: 'kube-apiserver',
      usage: 'server',
      dnsNames: [hostname, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
      ips: ['10.96.0.1', ip],
    }),
    leaf('apiserver-kubelet-client', ca, {commonName: 'kube-apiserver-kubelet-client', organizations: ['kubeadm:cluster-admins'], usage: 'client'}),
    leaf('apiserver-etcd-client', etcdCa, {commonName: 'kube-apiserver-etcd-client', usage: 'client'}),
    leaf('front-proxy-client', proxyCa, {commonName: 'front-proxy-client', usage: 'client'}),
    leaf('etcd-server', etcdCa, {commonName: hostname, usage: 'peer', ...etcdNames}),
    leaf('etcd-peer', etcdCa, {commonName: hostname, usage: 'peer', ...etcdNames}),
    leaf('etcd-healthcheck-client', etcdCa, {commonName: 'kube-etcd-healthcheck-client', usage: 'client'}),
    leaf('admin.conf', ca, {commonName: 'kubernetes-admin', organizations: ['kubeadm:cluster-admins'], usage: 'client'}),
    leaf('super-admin.conf', ca, {commonName: 'kubernetes-super-admin', organizations: ['system:masters'], usage: 'client'}),
    leaf('controller-manager.conf', ca, {commonName: 'system:kube-controller-manager', usage: 'client'}),
    leaf('scheduler.conf', ca, {commonName: 'system:kube-scheduler', usage: 'client'}),
  ]);
  const file = (path: string, content: string, mode = 0o644): void => void tree.set(path, {kind: 'file', content, mode});
  const pair = (base: string, c: {certPem: string; keyPem: string}): void => {
    file(`${base}.crt`, c.certPem);
    file(`${base}.key`, c.keyPem, 0o600);
  };
  // ca.crt is already there (the worker tree has it); kubeadm init also leaves its key.
  file(`${PKI}/ca.key`, ca.keyPem, 0o600);
  pair(`${PKI}/apiserver`, apiserver);
  pair(`${PKI}/apiserver-kubelet-client`, kubeletClient);
  pair(`${PKI}/apiserver-etcd-client`, etcdClient);
  pair(`${PKI}/front-proxy-ca`, proxyCa);
  pair(`${PKI}/front-proxy-client`, proxyClient);
  file(`${PKI}/sa.key`, sa.keyPem, 0o600);
  file(`${PKI}/sa.pub`, sa.pubPem);
  pair(`${PKI}/etcd/ca`, etcdCa);
  pair(`${PKI}/etcd/server`, etcdServer);
  pair(`${PKI}/etcd/peer`, etcdPeer);
  pair(`${PKI}/etcd/healthcheck-client`, healthcheck);
  const server = `https://${ip}:6443`;
  const conf = (name: string, user: string, cert: IssuedCert): void =>
    file(`/etc/kubernetes/${name}`, kubeconfig({server, caPem: ca.certPem, user, cert}), 0o600);
  conf('admin.conf', 'kubernetes-admin', admin);
  conf('super-admin.conf', 'kubernetes-super-admin', superAdmin);
  conf('controller-manager.conf', 'system:kube-controller-manager', kcm);
  conf('scheduler.conf', 'system:kube-scheduler', scheduler);

  const image = (name: string): string => `registry.k8s.io/${name}:${ctx.kubeletVersion}`;
  const m = '/etc/kubernetes/manifests';
  file(
    `${m}/kube-apiserver.yaml`,
    manifest(
      'kube-apiserver',
      image('kube-apiserver'),
      [
        'kube-apiserver',
        `--advertise-address=${ip}`,
        '--allow-privileged=true',
        '--authorization-mode=Node,RBAC',
        `--client-ca-file=${PKI}/ca.crt`,
        '--enable-admission-plugins=NodeRestriction',
        '--enable-bootstrap-token-auth=true',
        `--etcd-cafile=${PKI}/etcd/ca.crt`,
        `--etcd-certfile=${PKI}/apiserver-etcd-client.crt`,
        `--etcd-keyfile=${PKI}/apiserver-etcd-client.key`,
        '--etcd-servers=https://127.0.0.1:2379',
        `--kubelet-client-certificate=${PKI}/apiserver-kubelet-client.crt`,
        `--kubelet-client-key=${PKI}/apiserver-kubelet-client.key`,
        `--proxy-client-cert-file=${PKI}/front-proxy-client.crt`,
        `--proxy-client-key-file=${PKI}/front-proxy-client.key`,
        '--requestheader-allowed-names=front-proxy-client',
        `--requestheader-client-ca-file=${PKI}/front-proxy-ca.crt`,
        '--secure-port=6443',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${PKI}/sa.pub`,
        `--service-account-signing-key-file=${PKI}/sa.key`,
        '--service-cluster-ip-range=10.96.0.0/12',
        `--tls-cert-file=${PKI}/apiserver.crt`,
        `--tls-private-key-file=${PKI}/apiserver.key`,
      ],
      ['/etc/ssl/certs', PKI],
    ),
    0o600,
  );
  file(
    `${m}/kube-controller-manager.yaml`,
    manifest(
      'kube-controller-manager',
      image('kube-controller-manager'),
      [
        'kube-controller-manager',
        '--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf',
        '--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf',
        `--client-ca-file=${PKI}/ca.crt`,
        `--cluster-signing-cert-file=${PKI}/ca.crt`,
        `--cluster-signing-key-file=${PKI}/ca.key`,
        '--kubeconfig=/etc/kubernetes/controller-manager.conf',
        `--requestheader-client-ca-file=${PKI}/front-proxy-ca.crt`,
        `--root-ca-file=${PKI}/ca.crt`,
        `--service-account-private-key-file=${PKI}/sa.key`,
        '--use-service-account-credentials=true',
      ],
      ['/etc/ssl/certs', PKI, '/etc/kubernetes/controller-manager.conf'],
    ),
    0o600,
  );
  file(
    `${m}/kube-scheduler.yaml`,
    manifest(
      'kube-scheduler',
      image('kube-scheduler'),
      [
        'kube-scheduler',
        '--authentication-kubeconfig=/etc/kubernetes/scheduler.conf',
        '--authorization-kubeconfig=/etc/kubernetes/scheduler.conf',
        '--kubeconfig=/etc/kubernetes/scheduler.conf',
      ],
      ['/etc/kubernetes/scheduler.conf'],
    ),
    0o600,
  );
  file(
    `${m}/etcd.yaml`,
    manifest(
      'etcd',
      'registry.k8s.io/etcd:3.5.12-0',
      [
        'etcd',
        `--advertise-client-urls=https://${ip}:2379`,
        `--cert-file=${PKI}/etcd/server.crt`,
        '--client-cert-auth=true',
        '--data-dir=/var/lib/etcd',
        `--key-file=${PKI}/etcd/server.key`,
        `--name=${hostname}`,
        `--peer-cert-file=${PKI}/etcd/peer.crt`,
        '--peer-client-cert-auth=true',
        `--peer-key-file=${PKI}/etcd/peer.key`,
        `--peer-trusted-ca-file=${PKI}/etcd/ca.crt`,
        `--trusted-ca-file=${PKI}/etcd/ca.crt`,
      ],
      ['/var/lib/etcd', `${PKI}/etcd`],
    ),
    0o600,
  );
}
