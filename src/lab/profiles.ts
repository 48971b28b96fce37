/**
 * Lab nodes per installer profile: one healthy node tree for each profile in
 * checks/data/profiles, laid out with that installer's own paths, formats and unit layout, with
 * real certificates (pki.ts); plus three injected failures per profile, each in that installer's
 * own files: a cgroup driver mismatch, an expired certificate, an invalid kubelet config value.
 * kubeadm-based profiles start from the kubeadm worker (node-files.ts) and move its files where
 * that package or tool puts them; the others are written from the profile data.
 */
import {mkdir, rm, symlink, writeFile, chmod} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {profileById} from '../../checks/data/profiles/index.js';
import type {InstallerProfile} from '../../checks/data/profiles/types.js';
import {containerdConfigToml} from './containerd-toml.js';
import {clientPemPath, FSTAB_HEALTHY, healthyTree, paths, type NodeTree, type TreeEntry} from './node-files.js';
import {createClusterCa, createControlPlaneCa, createKubeletServingPair, issueKubeletClientCert, type ClusterCa} from './pki.js';

/** What is broken on a profile node. */
export type Injection = 'healthy' | 'cgroup-driver' | 'certificate' | 'config';

/** The injections and the check that must fail first on each. */
export const INJECTIONS: readonly {id: Exclude<Injection, 'healthy'>; breaks: string; detail: string}[] = [
  {id: 'cgroup-driver', breaks: 'cgroup-driver-match', detail: "the kubelet's and the runtime's cgroup drivers differ, set in the installer's own file"},
  {id: 'certificate', breaks: 'cert-expiry', detail: "the kubelet's client certificate (or, with exec authentication, the cluster CA) expired 10 days ago"},
  {id: 'config', breaks: 'kubelet-config', detail: "an invalid value (maxPods: lots) in the installer's kubelet configuration"},
];

/** The kubelet version each profile's lab node runs: inside the profile's era. */
export const LAB_VERSIONS: Readonly<Record<string, string>> = {
  'kubeadm-deb': 'v1.30.2',
  'kubeadm-deb-legacy': 'v1.27.16',
  'kubeadm-rpm': 'v1.30.2',
  'kubeadm-rpm-legacy': 'v1.27.16',
  'kubeadm-dockershim': 'v1.23.17',
  'kubeadm-cri-dockerd': 'v1.30.2',
  kubespray: 'v1.30.2',
  'hard-way': 'v1.32.3',
  kops: 'v1.30.2',
  minikube: 'v1.30.2',
  'eks-al2': 'v1.30.2',
  'eks-al2023': 'v1.31.0',
  aks: 'v1.30.2',
  'gke-cos': 'v1.30.2',
  k3s: 'v1.30.4',
  rke2: 'v1.30.4',
};

/** How to build one profile node. */
export interface ProfileNodeOptions {
  profile: string;
  hostname: string;
  injection?: Injection;
  now?: Date;
  ca?: ClusterCa;
}

/** What was written. */
export interface ProfileNodeInfo {
  root: string;
  profile: string;
  hostname: string;
  kubeletVersion: string;
  injection: Injection;
  files: string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The material every tree is rendered from. */
interface Material {
  p: InstallerProfile;
  hostname: string;
  version: string;
  minor: number;
  ca: ClusterCa;
  /** The kubelet's client certificate followed by its key (the kubelet's pem layout). */
  client: {certPem: string; keyPem: string};
  clientIssuedAt: Date;
  serving: {crtPem: string; keyPem: string};
}

type Tree = NodeTree;

const put = (t: Tree, path: string, content: string, mode = 0o644): void => {
  t.set(path, {kind: 'file', content, mode});
};

function move(t: Tree, from: string, to: string): void {
  const e = t.get(from);
  if (e === undefined) throw new Error(`lab: ${from} is not in the tree`);
  t.delete(from);
  t.set(to, e);
}

function fileOf(t: Tree, path: string): Extract<TreeEntry, {kind: 'file'}> {
  const e = t.get(path);
  if (e?.kind !== 'file') throw new Error(`lab: ${path} is not a file in the tree`);
  return e;
}

/** Replace one literal; the healthy tree must hold it (a lab bug otherwise). */
function edit(t: Tree, path: string, from: string, to: string): void {
  const e = fileOf(t, path);
  if (!e.content.includes(from)) throw new Error(`lab: ${path} does not contain ${JSON.stringify(from)}`);
  t.set(path, {...e, content: e.content.replace(from, to)});
}

const minorOf = (v: string): number => Number(v.replace(/^v/, '').split('.')[1]);

// ------------------------------------------------------------------------------------------
// Shared pieces
// ------------------------------------------------------------------------------------------

const FLANNEL = `{
  "name": "cbr0",
  "cniVersion": "0.3.1",
  "plugins": [
    {"type": "flannel", "delegate": {"hairpinMode": true, "isDefaultGateway": true}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
`;

/** Host files every node has: hostname, fstab without swap, sysctl and modules for bridged traffic, CNI. */
function hostFiles(t: Tree, m: Material): void {
  put(t, '/etc/hostname', `${m.hostname}\n`);
  put(t, paths.fstab, FSTAB_HEALTHY);
  put(
    t,
    '/etc/sysctl.d/k8s.conf',
    'net.bridge.bridge-nf-call-iptables  = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.ip_forward                 = 1\n',
  );
  put(t, '/etc/modules-load.d/k8s.conf', 'overlay\nbr_netfilter\n');
  put(t, `${m.p.cni.confDir}/10-flannel.conflist`, FLANNEL);
  for (const name of ['bridge', 'flannel', 'host-local', 'loopback', 'portmap']) {
    put(t, `${m.p.cni.binDir}/${name}`, `#!/bin/sh\n# lab stand-in for the ${name} CNI plugin binary\nexit 0\n`, 0o755);
  }
}

/** The kubelet's TLS-bootstrapped client pem: a dated file and the `-current` symlink to it. */
function bootstrappedClient(t: Tree, m: Material, current: string): void {
  const dir = dirname(current);
  const dated = `${dir}/${clientPemPath(m.clientIssuedAt).split('/').pop()}`;
  put(t, dated, m.client.certPem + m.client.keyPem, 0o600);
  t.set(current, {kind: 'symlink', target: dated});
  put(t, `${dir}/kubelet.crt`, m.serving.crtPem);
  put(t, `${dir}/kubelet.key`, m.serving.keyPem, 0o600);
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** A kubeconfig: the CA by path or inline, the user by client cert files, inline data, or an exec plugin. */
function kubeconfig(o: {
  server: string;
  caPath?: string;
  caPem?: string;
  user: {certPath: string; keyPath: string} | {certPem: string; keyPem: string} | {exec: string[]};
}): string {
  const ca = o.caPath !== undefined ? `    certificate-authority: ${o.caPath}` : `    certificate-authority-data: ${b64(o.caPem ?? '')}`;
  let user: string;
  if ('exec' in o.user) {
    const [command, ...args] = o.user.exec;
    user = `      exec:\n        apiVersion: client.authentication.k8s.io/v1beta1\n        command: ${command}\n        args:\n${args.map((a) => `          - ${JSON.stringify(a)}`).join('\n')}\n`;
  } else if ('certPath' in o.user) {
    user = `      client-certificate: ${o.user.certPath}\n      client-key: ${o.user.keyPath}\n`;
  } else {
    user = `      client-certificate-data: ${b64(o.user.certPem)}\n      client-key-data: ${b64(o.user.keyPem)}\n`;
  }
  return `apiVersion: v1
kind: Config
clusters:
- cluster:
${ca}
    server: ${o.server}
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: kubelet
  name: kubelet
current-context: kubelet
users:
- name: kubelet
  user:
${user}`;
}

/** A KubeletConfiguration as the installer writes it, in its format. */
function kubeletConfig(m: Material, extra: Record<string, unknown> = {}): string {
  const body: Record<string, unknown> = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    authentication: {anonymous: {enabled: false}, webhook: {enabled: true}, x509: {clientCAFile: m.p.caCert}},
    authorization: {mode: 'Webhook'},
    cgroupDriver: m.p.runtime.cgroupDriver,
    clusterDNS: ['10.96.0.10'],
    clusterDomain: 'cluster.local',
    ...(m.minor >= 27 ? {containerRuntimeEndpoint: m.p.runtime.endpoint} : {}),
    rotateCertificates: true,
    ...extra,
  };
  if (m.p.kubeletConfig.format === 'json') return `${JSON.stringify(body, null, 2)}\n`;
  return yamlOf(body, '');
}

/** Small YAML writer for the plain maps, lists and scalars a KubeletConfiguration holds. */
function yamlOf(v: Record<string, unknown>, ind: string): string {
  let out = '';
  for (const [k, x] of Object.entries(v)) {
    if (Array.isArray(x)) out += `${ind}${k}:\n${x.map((i) => `${ind}- ${String(i)}\n`).join('')}`;
    else if (x !== null && typeof x === 'object') out += `${ind}${k}:\n${yamlOf(x as Record<string, unknown>, `${ind}  `)}`;
    else out += `${ind}${k}: ${typeof x === 'string' && (x === '' || /^[\d.]+$|[:#]/.test(x)) ? JSON.stringify(x) : String(x)}\n`;
  }
  return out;
}

/** containerd's config with the profile's CNI directories (GKE keeps the plugins in /home/kubernetes/bin). */
function containerdToml(m: Material): string {
  return containerdConfigToml()
    .replace('bin_dir = "/opt/cni/bin"', `bin_dir = "${m.p.cni.binDir}"`)
    .replace('conf_dir = "/etc/cni/net.d"', `conf_dir = "${m.p.cni.confDir}"`);
}

function containerd(t: Tree, m: Material): void {
  put(t, m.p.runtime.configPath, containerdToml(m));
  put(t, '/etc/crictl.yaml', `runtime-endpoint: ${m.p.runtime.endpoint}\nimage-endpoint: ${m.p.runtime.endpoint}\ntimeout: 10\ndebug: false\n`);
}

/** /etc/docker/daemon.json as the kubeadm docs of the dockershim era and cri-dockerd setups write it. */
const dockerDaemonJson = (driver: string): string =>
  `{\n  "exec-opts": ["native.cgroupdriver=${driver}"],\n  "log-driver": "json-file",\n  "log-opts": {\n    "max-size": "100m"\n  },\n  "storage-driver": "overlay2"\n}\n`;

// ------------------------------------------------------------------------------------------
// kubeadm-based profiles: the kubeadm worker, moved into each package's or tool's layout
// ------------------------------------------------------------------------------------------

function kubeadmBase(m: Material, layout: 'deb' | 'rpm'): Tree {
  return healthyTree({
    layout,
    hostname: m.hostname,
    kubeletVersion: m.version,
    caPem: m.ca.certPem,
    clientPem: m.client.certPem + m.client.keyPem,
    clientIssuedAt: m.clientIssuedAt,
    servingCrt: m.serving.crtPem,
    servingKey: m.serving.keyPem,
  });
}

/** The legacy DEB layout: the unit under /lib, the kubeadm drop-in under /etc. */
function legacyDebLayout(t: Tree): void {
  move(t, paths.unit, '/lib/systemd/system/kubelet.service');
  move(t, paths.kubeadmDropIn, '/etc/systemd/system/kubelet.service.d/10-kubeadm.conf');
}

const APT_PKGS = (minor: number): string =>
  `deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.${minor}/deb/ /\n`;
const APT_LEGACY = 'deb [signed-by=/etc/apt/keyrings/kubernetes-archive-keyring.gpg] https://apt.kubernetes.io/ kubernetes-xenial main\n';
const YUM_PKGS = (minor: number): string =>
  `[kubernetes]\nname=Kubernetes\nbaseurl=https://pkgs.k8s.io/core:/stable:/v1.${minor}/rpm/\nenabled=1\ngpgcheck=1\ngpgkey=https://pkgs.k8s.io/core:/stable:/v1.${minor}/rpm/repodata/repomd.xml.key\nexclude=kubelet kubeadm kubectl cri-tools kubernetes-cni\n`;
const YUM_LEGACY =
  '[kubernetes]\nname=Kubernetes\nbaseurl=https://packages.cloud.google.com/yum/repos/kubernetes-el7-$basearch\nenabled=1\ngpgcheck=1\ngpgkey=https://packages.cloud.google.com/yum/doc/rpm-package-key.gpg\nexclude=kubelet kubeadm kubectl\n';

/** Docker Engine as the runtime: its daemon.json, and no containerd CRI config (containerd.io ships CRI disabled). */
function dockerRuntime(t: Tree, endpoint: string): void {
  t.delete(paths.containerd);
  put(t, '/etc/docker/daemon.json', dockerDaemonJson('systemd'));
  put(t, '/etc/crictl.yaml', `runtime-endpoint: ${endpoint}\nimage-endpoint: ${endpoint}\ntimeout: 10\ndebug: false\n`);
}

// minikube's drop-in (pkg/minikube/bootstrapper/bsutil/kubelet.go): every path a flag on ExecStart.
const minikubeDropIn = (version: string, hostname: string): string => `[Unit]
Wants=containerd.service

[Service]
ExecStart=
ExecStart=/var/lib/minikube/binaries/${version}/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --config=/var/lib/kubelet/config.yaml --hostname-override=${hostname} --kubeconfig=/etc/kubernetes/kubelet.conf --node-ip=192.168.49.2

[Install]
`;

const KUBEADM_BUILDERS: Record<string, (m: Material) => Tree> = {
  'kubeadm-deb': (m) => {
    const t = kubeadmBase(m, 'deb');
    put(t, '/etc/apt/sources.list.d/kubernetes.list', APT_PKGS(m.minor));
    return t;
  },
  'kubeadm-deb-legacy': (m) => {
    const t = kubeadmBase(m, 'deb');
    legacyDebLayout(t);
    put(t, '/etc/apt/sources.list.d/kubernetes.list', APT_LEGACY);
    return t;
  },
  'kubeadm-rpm': (m) => {
    const t = kubeadmBase(m, 'rpm');
    put(t, '/etc/yum.repos.d/kubernetes.repo', YUM_PKGS(m.minor));
    return t;
  },
  'kubeadm-rpm-legacy': (m) => {
    const t = kubeadmBase(m, 'rpm');
    put(t, '/etc/yum.repos.d/kubernetes.repo', YUM_LEGACY);
    return t;
  },
  'kubeadm-dockershim': (m) => {
    const t = kubeadmBase(m, 'deb');
    legacyDebLayout(t);
    put(t, '/etc/apt/sources.list.d/kubernetes.list', APT_LEGACY);
    // kubeadm 1.23 (phases/kubelet/flags.go): Docker means --network-plugin=cni and the pause image.
    put(t, paths.flagsEnv, 'KUBELET_KUBEADM_ARGS="--network-plugin=cni --pod-infra-container-image=k8s.gcr.io/pause:3.6"\n');
    dockerRuntime(t, 'unix:///var/run/dockershim.sock');
    return t;
  },
  'kubeadm-cri-dockerd': (m) => {
    const t = kubeadmBase(m, 'deb');
    put(t, '/etc/apt/sources.list.d/kubernetes.list', APT_PKGS(m.minor));
    put(
      t,
      paths.flagsEnv,
      'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/cri-dockerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.9"\n',
    );
    dockerRuntime(t, 'unix:///var/run/cri-dockerd.sock');
    // Mirantis/cri-dockerd packaging/systemd, as the .deb installs them.
    put(
      t,
      '/lib/systemd/system/cri-docker.service',
      '[Unit]\nDescription=CRI Interface for Docker Application Container Engine\nAfter=network-online.target firewalld.service docker.service\nWants=network-online.target\nRequires=cri-docker.socket\n\n[Service]\nType=notify\nExecStart=/usr/bin/cri-dockerd --container-runtime-endpoint fd://\nRestart=always\n\n[Install]\nWantedBy=multi-user.target\n',
    );
    put(
      t,
      '/lib/systemd/system/cri-docker.socket',
      '[Unit]\nDescription=CRI Docker Socket for the API\nPartOf=cri-docker.service\n\n[Socket]\nListenStream=%t/cri-dockerd.sock\nSocketMode=0660\nSocketUser=root\nSocketGroup=docker\n\n[Install]\nWantedBy=sockets.target\n',
    );
    return t;
  },
  minikube: (m) => {
    const t = kubeadmBase(m, 'deb');
    legacyDebLayout(t);
    put(t, '/etc/systemd/system/kubelet.service.d/10-kubeadm.conf', minikubeDropIn(m.version, m.hostname));
    // The kicbase image has no kubelet package and no kubeadm env files: minikube passes everything as flags.
    for (const p of [paths.dpkgStatus, '/etc/default/kubelet', paths.flagsEnv, '/var/lib/kubelet/.kubelet-keep', `${paths.manifests}/.kubelet-keep`])
      t.delete(p);
    move(t, paths.caCrt, '/var/lib/minikube/certs/ca.crt');
    edit(t, paths.config, `clientCAFile: ${paths.caCrt}`, 'clientCAFile: /var/lib/minikube/certs/ca.crt');
    edit(t, paths.config, 'containerRuntimeEndpoint: ""', 'containerRuntimeEndpoint: unix:///run/containerd/containerd.sock');
    put(t, '/etc/crictl.yaml', 'runtime-endpoint: unix:///run/containerd/containerd.sock\n');
    return t;
  },
};

// ------------------------------------------------------------------------------------------
// Profiles with their own layout
// ------------------------------------------------------------------------------------------

const SERVER = 'https://10.0.0.10:6443';

/** A profile whose kubelet runs from its own unit, config and kubeconfig (not kubeadm's). */
function ownLayout(m: Material, unitFiles: Record<string, string>, configExtra: Record<string, unknown> = {}): Tree {
  const t: Tree = new Map();
  const p = m.p;
  for (const [path, text] of Object.entries(unitFiles)) put(t, path, text);
  if (p.kubeletConfig.path) put(t, p.kubeletConfig.path, kubeletConfig(m, configExtra));
  put(t, p.caCert, m.ca.certPem);
  if (p.clientCert?.startsWith('/var/lib/kubelet/pki/')) {
    bootstrappedClient(t, m, p.clientCert);
    put(t, p.kubeconfig, kubeconfig({server: SERVER, caPath: p.caCert, user: {certPath: p.clientCert, keyPath: p.clientCert}}), 0o600);
  }
  containerd(t, m);
  hostFiles(t, m);
  return t;
}

const OWN_BUILDERS: Record<string, (m: Material) => Tree> = {
  kubespray: (m) => {
    const t = ownLayout(
      m,
      {
        '/etc/systemd/system/kubelet.service': `[Unit]
Description=Kubernetes Kubelet Server
Documentation=https://github.com/GoogleCloudPlatform/kubernetes
After=containerd.service
Wants=containerd.service

[Service]
EnvironmentFile=-/etc/kubernetes/kubelet.env
ExecStart=/usr/local/bin/kubelet \\
		$KUBE_LOGTOSTDERR \\
		$KUBE_LOG_LEVEL \\
		$KUBELET_API_SERVER \\
		$KUBELET_ADDRESS \\
		$KUBELET_PORT \\
		$KUBELET_HOSTNAME \\
		$KUBELET_ARGS \\
		$DOCKER_SOCKET \\
		$KUBELET_NETWORK_PLUGIN \\
		$KUBELET_VOLUME_PLUGIN \\
		$KUBELET_CLOUDPROVIDER
Restart=always
RestartSec=10s

[Install]
WantedBy=multi-user.target
`,
        '/etc/kubernetes/kubelet.env': `KUBE_LOG_LEVEL="--v=2"
KUBELET_ADDRESS="--node-ip=10.0.0.21"
KUBELET_HOSTNAME="--hostname-override=${m.hostname}"

KUBELET_ARGS="--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf \\
--config=/etc/kubernetes/kubelet-config.yaml \\
--kubeconfig=/etc/kubernetes/kubelet.conf \\
--runtime-cgroups=/system.slice/containerd.service \\
 "
KUBELET_CLOUDPROVIDER=""

PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
`,
      },
      {staticPodPath: '/etc/kubernetes/manifests', failSwapOn: true},
    );
    // roles/kubernetes/preinstall/tasks/0050-create_directories.yml creates kube_manifest_dir on every node.
    t.set('/etc/kubernetes/manifests', {kind: 'dir'});
    return t;
  },
  'hard-way': (m) => {
    const t = ownLayout(
      m,
      {
        '/etc/systemd/system/kubelet.service': `[Unit]
Description=Kubernetes Kubelet
Documentation=https://github.com/kubernetes/kubernetes
After=containerd.service
Requires=containerd.service

[Service]
ExecStart=/usr/local/bin/kubelet \\
  --config=/var/lib/kubelet/kubelet-config.yaml \\
  --kubeconfig=/var/lib/kubelet/kubeconfig \\
  --v=2
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
`,
      },
      {tlsCertFile: '/var/lib/kubelet/kubelet.crt', tlsPrivateKeyFile: '/var/lib/kubelet/kubelet.key'},
    );
    // `kubectl config set-credentials --embed-certs=true` (docs/05): the client pair inline.
    put(
      t,
      m.p.kubeconfig,
      kubeconfig({server: 'https://server.kubernetes.local:6443', caPem: m.ca.certPem, user: {certPem: m.client.certPem, keyPem: m.client.keyPem}}),
      0o600,
    );
    put(t, '/var/lib/kubelet/kubelet.crt', m.serving.crtPem);
    put(t, '/var/lib/kubelet/kubelet.key', m.serving.keyPem, 0o600);
    return t;
  },
  kops: (m) => {
    const t = ownLayout(m, {
      '/lib/systemd/system/kubelet.service': `[Unit]
Description=Kubernetes Kubelet Server
Documentation=https://github.com/kubernetes/kubernetes
After=containerd.service

[Service]
EnvironmentFile=/etc/sysconfig/kubelet
ExecStart=/usr/local/bin/kubelet "$DAEMON_ARGS"
Restart=always
RestartSec=2s
StartLimitInterval=0
KillMode=process
User=root
CPUAccounting=true
MemoryAccounting=true

[Install]
WantedBy=multi-user.target
`,
      '/etc/sysconfig/kubelet': `DAEMON_ARGS="--bootstrap-kubeconfig=/var/lib/kubelet/bootstrap-kubeconfig --cgroup-driver=systemd --cgroup-root=/ --client-ca-file=/srv/kubernetes/ca.crt --cloud-provider=external --cluster-dns=100.64.0.10 --cluster-domain=cluster.local --enable-debugging-handlers=true --eviction-hard=memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<10%,imagefs.inodesFree<5% --hostname-override=${m.hostname} --kubeconfig=/var/lib/kubelet/kubeconfig --pod-manifest-path=/etc/kubernetes/manifests --register-schedulable=true --v=2 --runtime-request-timeout=15m --container-runtime-endpoint=unix:///run/containerd/containerd.sock --config=/var/lib/kubelet/kubelet.conf"
HOME="/root"
`,
    });
    // nodeup's component config holds only what has no flag (buildKubeletComponentConfig).
    put(
      t,
      '/var/lib/kubelet/kubelet.conf',
      'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nshutdownGracePeriod: 30s\nshutdownGracePeriodCriticalPods: 10s\n',
    );
    t.set('/etc/kubernetes/manifests', {kind: 'dir'});
    return t;
  },
  'eks-al2': (m) => {
    const t = ownLayout(
      m,
      {
        '/etc/systemd/system/kubelet.service': `[Unit]
Description=Kubernetes Kubelet
Documentation=https://github.com/kubernetes/kubernetes
After=containerd.service sandbox-image.service
Requires=containerd.service sandbox-image.service

[Service]
Slice=runtime.slice
ExecStartPre=/sbin/iptables -P FORWARD ACCEPT -w 5
ExecStart=/usr/bin/kubelet \\
    --config /etc/kubernetes/kubelet/kubelet-config.json \\
    --kubeconfig /var/lib/kubelet/kubeconfig \\
    --container-runtime-endpoint unix:///run/containerd/containerd.sock \\
    --image-credential-provider-config /etc/eks/image-credential-provider/config.json \\
    --image-credential-provider-bin-dir /etc/eks/image-credential-provider \\
    $KUBELET_ARGS \\
    $KUBELET_EXTRA_ARGS

Restart=on-failure
RestartForceExitStatus=SIGPIPE
RestartSec=5
KillMode=process
CPUAccounting=true
MemoryAccounting=true

[Install]
WantedBy=multi-user.target
`,
        '/etc/systemd/system/kubelet.service.d/10-kubelet-args.conf': `[Service]
Environment='KUBELET_ARGS=--node-ip=10.0.0.21 --pod-infra-container-image=602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/pause:3.5 --v=2 --hostname-override=${m.hostname} --cloud-provider=external'
`,
        '/etc/eks/bootstrap.sh': '#!/usr/bin/env bash\n# lab stand-in for the EKS AL2 bootstrap script\n',
      },
      {
        kubeReserved: {cpu: '70m', memory: '442Mi', 'ephemeral-storage': '1Gi'},
        evictionHard: {'memory.available': '100Mi', 'nodefs.available': '10%', 'nodefs.inodesFree': '5%'},
      },
    );
    put(
      t,
      m.p.kubeconfig,
      kubeconfig({server: SERVER, caPath: m.p.caCert, user: {exec: ['/usr/bin/aws-iam-authenticator', 'token', '-i', 'lab', '--region', 'us-west-2']}}),
    );
    return t;
  },
  'eks-al2023': (m) => {
    const t = ownLayout(
      m,
      {
        '/etc/systemd/system/kubelet.service': `[Unit]
Description=Kubernetes Kubelet
Documentation=https://github.com/kubernetes/kubernetes
After=containerd.service
Wants=containerd.service

[Service]
Slice=runtime.slice
EnvironmentFile=/etc/eks/kubelet/environment
ExecStartPre=/sbin/iptables -P FORWARD ACCEPT -w 5
ExecStart=/usr/bin/kubelet $NODEADM_KUBELET_ARGS

Restart=on-failure
RestartForceExitStatus=SIGPIPE
RestartSec=5
KillMode=process
CPUAccounting=true
MemoryAccounting=true

[Install]
WantedBy=multi-user.target
`,
        '/etc/eks/kubelet/environment': `NODEADM_KUBELET_ARGS="--cloud-provider=external --config=/etc/kubernetes/kubelet/config.json --hostname-override=${m.hostname} --image-credential-provider-bin-dir=/etc/eks/image-credential-provider --image-credential-provider-config=/etc/eks/image-credential-provider/config.json --kubeconfig=/var/lib/kubelet/kubeconfig --node-ip=10.0.0.21 --node-labels= --runtime-cgroups=/runtime.slice/containerd.service --v=2"\n`,
      },
      {
        kubeReserved: {cpu: '70m', memory: '442Mi', 'ephemeral-storage': '1Gi'},
        evictionHard: {'memory.available': '100Mi', 'nodefs.available': '10%', 'nodefs.inodesFree': '5%'},
      },
    );
    put(
      t,
      m.p.kubeconfig,
      kubeconfig({server: SERVER, caPath: m.p.caCert, user: {exec: ['aws', 'eks', 'get-token', '--cluster-name', 'lab', '--region', 'us-west-2']}}),
    );
    return t;
  },
  aks: (m) =>
    ownLayout(
      m,
      {
        '/etc/systemd/system/kubelet.service': `[Unit]
Description=Kubelet
ConditionPathExists=/usr/local/bin/kubelet
Wants=network-online.target containerd.service
After=network-online.target containerd.service

[Service]
Restart=always
RestartSec=2
EnvironmentFile=/etc/default/kubelet
ExecStart=/usr/local/bin/kubelet \\
        --enable-server \\
        --node-labels="\${KUBELET_NODE_LABELS}" \\
        --v=2 \\
        $KUBELET_TLS_BOOTSTRAP_FLAGS \\
        $KUBELET_CONFIG_FILE_FLAGS \\
        $KUBELET_CONTAINERD_FLAGS \\
        $KUBELET_FLAGS

[Install]
WantedBy=multi-user.target
`,
        '/etc/default/kubelet': `KUBELET_FLAGS=--cloud-provider=external --pod-infra-container-image=mcr.microsoft.com/oss/kubernetes/pause:3.6
KUBELET_NODE_LABELS=kubernetes.azure.com/role=agent,agentpool=nodepool1
`,
        '/etc/systemd/system/kubelet.service.d/10-componentconfig.conf':
          '[Service]\nEnvironment="KUBELET_CONFIG_FILE_FLAGS=--config /etc/default/kubeletconfig.json"\n',
        '/etc/systemd/system/kubelet.service.d/10-containerd.conf':
          '[Service]\nEnvironment="KUBELET_CONTAINERD_FLAGS=--runtime-request-timeout=15m --container-runtime-endpoint=unix:///run/containerd/containerd.sock"\n',
        '/etc/systemd/system/kubelet.service.d/10-tlsbootstrap.conf':
          '[Service]\nEnvironment="KUBELET_TLS_BOOTSTRAP_FLAGS=--kubeconfig /var/lib/kubelet/kubeconfig --bootstrap-kubeconfig /var/lib/kubelet/bootstrap-kubeconfig"\n',
      },
      {kubeReserved: {cpu: '100m', memory: '1638Mi'}, evictionHard: {'memory.available': '750Mi', 'nodefs.available': '10%', 'nodefs.inodesFree': '5%'}},
    ),
  'gke-cos': (m) =>
    ownLayout(m, {
      '/etc/systemd/system/kubelet.service': `[Unit]
Description=Kubernetes kubelet
Requires=network-online.target
After=network-online.target

[Service]
Restart=always
RestartSec=10
EnvironmentFile=/etc/default/kubelet
ExecStart=/home/kubernetes/bin/kubelet $KUBELET_OPTS

[Install]
WantedBy=multi-user.target
`,
      '/etc/default/kubelet': `KUBELET_OPTS="--v=2 --cloud-provider=external --experimental-mounter-path=/home/kubernetes/containerized_mounter/mounter --cert-dir=/var/lib/kubelet/pki/ --kubeconfig=/var/lib/kubelet/kubeconfig --bootstrap-kubeconfig=/var/lib/kubelet/bootstrap-kubeconfig --container-runtime-endpoint=unix:///run/containerd/containerd.sock --config=/home/kubernetes/kubelet-config.yaml"\n`,
    }),
};

// ------------------------------------------------------------------------------------------
// Embedded kubelets (k3s, RKE2)
// ------------------------------------------------------------------------------------------

function embedded(m: Material): Tree {
  const t: Tree = new Map();
  const p = m.p;
  const k3s = p.id === 'k3s';
  const agent = p.certDir;
  const unitPath = k3s ? '/etc/systemd/system/k3s-agent.service' : '/usr/local/lib/systemd/system/rke2-agent.service';
  const bin = k3s ? '/usr/local/bin/k3s agent' : '/usr/local/bin/rke2 agent';
  put(
    t,
    unitPath,
    `[Unit]\nDescription=${k3s ? 'Lightweight Kubernetes' : 'Rancher Kubernetes Engine v2 (agent)'}\nWants=network-online.target\nAfter=network-online.target\n\n[Service]\nType=notify\nEnvironmentFile=-/etc/default/%N\nEnvironmentFile=-/etc/sysconfig/%N\nKillMode=process\nDelegate=yes\nLimitNOFILE=1048576\nTimeoutStartSec=0\nRestart=always\nRestartSec=5s\nExecStart=${bin}\n\n[Install]\nWantedBy=multi-user.target\n`,
  );
  put(
    t,
    p.embeddedKubelet!.configPath,
    `server: https://10.0.0.10:${k3s ? 6443 : 9345}\ntoken: K10REDACTED::server:REDACTED\nkubelet-arg:\n  - "max-pods=110"\n`,
    0o600,
  );
  put(t, p.caCert, m.ca.certPem);
  put(t, `${agent}/server-ca.crt`, m.ca.certPem);
  put(t, `${agent}/client-kubelet.crt`, m.client.certPem);
  put(t, `${agent}/client-kubelet.key`, m.client.keyPem, 0o600);
  put(t, `${agent}/serving-kubelet.crt`, m.serving.crtPem);
  put(t, `${agent}/serving-kubelet.key`, m.serving.keyPem, 0o600);
  put(
    t,
    p.kubeconfig,
    kubeconfig({
      server: 'https://127.0.0.1:6444',
      caPath: `${agent}/server-ca.crt`,
      user: {certPath: `${agent}/client-kubelet.crt`, keyPath: `${agent}/client-kubelet.key`},
    }),
    0o600,
  );
  put(t, p.runtime.configPath, containerdToml(m));
  hostFiles(t, m);
  return t;
}

// ------------------------------------------------------------------------------------------
// Injections
// ------------------------------------------------------------------------------------------

/** Where the kubelet's cgroup driver is set on this profile's node, and how to flip it to cgroupfs. */
function injectCgroupDriver(t: Tree, m: Material): void {
  const p = m.p;
  if (p.runtime.kind !== 'containerd') {
    // Docker profiles: the runtime side, in daemon.json (the file the kubeadm docs told operators to edit).
    edit(t, '/etc/docker/daemon.json', 'native.cgroupdriver=systemd', 'native.cgroupdriver=cgroupfs');
    return;
  }
  if (p.embeddedKubelet) {
    edit(t, p.embeddedKubelet.configPath, 'kubelet-arg:\n', 'kubelet-arg:\n  - "cgroup-driver=cgroupfs"\n');
    return;
  }
  if (p.id === 'kops') {
    edit(t, '/etc/sysconfig/kubelet', '--cgroup-driver=systemd', '--cgroup-driver=cgroupfs');
    return;
  }
  const path = p.kubeletConfig.path!;
  if (p.kubeletConfig.format === 'json') edit(t, path, '"cgroupDriver": "systemd"', '"cgroupDriver": "cgroupfs"');
  else edit(t, path, 'cgroupDriver: systemd', 'cgroupDriver: cgroupfs');
}

async function injectCertificate(t: Tree, m: Material, now: Date): Promise<void> {
  const notAfter = new Date(now.getTime() - 10 * DAY_MS);
  const issuedAt = new Date(notAfter.getTime() - 365 * DAY_MS);
  const validity = {notBefore: new Date(issuedAt.getTime() - 5 * 60 * 1000), notAfter};
  const p = m.p;
  if (p.clientCert === null) {
    // Exec authentication (EKS): no client certificate; the cluster CA the kubeconfig and clientCAFile name expired.
    const ca = await createControlPlaneCa('kubernetes', validity);
    put(t, p.caCert, ca.certPem);
    return;
  }
  const cert = await issueKubeletClientCert(m.ca, m.hostname, validity);
  if (p.embeddedKubelet) {
    put(t, `${p.certDir}/client-kubelet.crt`, cert.certPem);
    put(t, `${p.certDir}/client-kubelet.key`, cert.keyPem, 0o600);
    return;
  }
  if (p.clientCert.includes('#')) {
    const e = fileOf(t, p.kubeconfig);
    const content = e.content
      .replace(/client-certificate-data: .*/, `client-certificate-data: ${b64(cert.certPem)}`)
      .replace(/client-key-data: .*/, `client-key-data: ${b64(cert.keyPem)}`);
    t.set(p.kubeconfig, {...e, content});
    return;
  }
  const link = t.get(p.clientCert);
  if (link?.kind === 'symlink') t.delete(link.target);
  const dated = `${dirname(p.clientCert)}/${clientPemPath(issuedAt).split('/').pop()}`;
  put(t, dated, cert.certPem + cert.keyPem, 0o600);
  t.set(p.clientCert, {kind: 'symlink', target: dated});
}

function injectConfig(t: Tree, m: Material): void {
  const p = m.p;
  if (p.embeddedKubelet) {
    edit(t, p.embeddedKubelet.configPath, '"max-pods=110"', '"max-pods=lots"');
    return;
  }
  const path = p.kubeletConfig.path!;
  const e = fileOf(t, path);
  const content =
    p.kubeletConfig.format === 'json'
      ? e.content.replace(/\n}\n$/, ',\n  "maxPods": "lots"\n}\n')
      : e.content.replace(/(kind: KubeletConfiguration\n)/, '$1maxPods: lots\n');
  if (content === e.content) throw new Error(`lab: could not inject into ${path}`);
  t.set(path, {...e, content});
}

// ------------------------------------------------------------------------------------------
// Writing
// ------------------------------------------------------------------------------------------

async function writeTree(root: string, tree: Tree): Promise<string[]> {
  const written: string[] = [];
  for (const [path, entry] of [...tree].sort(([a], [b]) => a.localeCompare(b))) {
    const onDisk = join(root, path);
    if (entry.kind === 'dir') {
      await mkdir(onDisk, {recursive: true});
      continue;
    }
    await mkdir(dirname(onDisk), {recursive: true});
    await rm(onDisk, {force: true});
    if (entry.kind === 'symlink') await symlink(entry.target, onDisk);
    else {
      await writeFile(onDisk, entry.content, {mode: entry.mode});
      await chmod(onDisk, entry.mode);
    }
    written.push(path);
  }
  return written;
}

/** The healthy tree of a profile, then its injection, in memory. */
export async function buildProfileTree(opts: ProfileNodeOptions): Promise<{tree: Tree; kubeletVersion: string}> {
  const p = profileById(opts.profile);
  if (!p) throw new Error(`lab: no profile ${opts.profile}`);
  const now = opts.now ?? new Date();
  const ca = opts.ca ?? (await createClusterCa(now));
  const version = LAB_VERSIONS[p.id] ?? 'v1.30.2';
  const joinedAt = new Date(now.getTime() - 30 * DAY_MS);
  const [client, serving] = await Promise.all([
    issueKubeletClientCert(ca, opts.hostname, {notBefore: new Date(joinedAt.getTime() - 5 * 60 * 1000), notAfter: new Date(joinedAt.getTime() + 365 * DAY_MS)}),
    createKubeletServingPair(opts.hostname, joinedAt),
  ]);
  const m: Material = {p, hostname: opts.hostname, version, minor: minorOf(version), ca, client, clientIssuedAt: joinedAt, serving};
  const build = KUBEADM_BUILDERS[p.id] ?? OWN_BUILDERS[p.id] ?? (p.embeddedKubelet ? embedded : undefined);
  if (!build) throw new Error(`lab: no builder for profile ${p.id}`);
  const tree = build(m);
  const injection = opts.injection ?? 'healthy';
  if (injection === 'cgroup-driver') injectCgroupDriver(tree, m);
  else if (injection === 'certificate') await injectCertificate(tree, m, now);
  else if (injection === 'config') injectConfig(tree, m);
  return {tree, kubeletVersion: version};
}

/**
 * Write one profile node under `dir` (its `/`). Why: the corpus test and the demo need a healthy
 * node of every installer, and the same node with one failure injected in that installer's files.
 */
export async function writeProfileNode(dir: string, opts: ProfileNodeOptions): Promise<ProfileNodeInfo> {
  const {tree, kubeletVersion} = await buildProfileTree(opts);
  await mkdir(dir, {recursive: true});
  const files = await writeTree(dir, tree);
  return {root: dir, profile: opts.profile, hostname: opts.hostname, kubeletVersion, injection: opts.injection ?? 'healthy', files};
}
