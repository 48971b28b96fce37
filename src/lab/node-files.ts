/**
 * The files of a healthy kubeadm worker, as text in memory: what the pkgs.k8s.io packages ship,
 * what `kubeadm join` writes, and what the kubelet writes after TLS bootstrap. Pure: the
 * certificates come in ready-made, so scenarios can edit the tree before it touches the disk.
 */
import {containerdConfigToml} from './containerd-toml.js';
import {dpkgStatus, EXTRA_ARGS_ENV} from './dpkg-status.js';

/** Package layout of the node: where the EXTRA_ARGS file lives and whether a dpkg database exists. */
export type Layout = 'deb' | 'rpm';

/** One entry of a node tree, keyed by its absolute path on the node. */
export type TreeEntry = {kind: 'file'; content: string; mode: number} | {kind: 'symlink'; target: string} | {kind: 'dir'};

/** A node's file system in memory: node path → entry. */
export type NodeTree = Map<string, TreeEntry>;

/** Everything the healthy tree is rendered from. */
export interface NodeMaterial {
  layout: Layout;
  hostname: string;
  /** `v1.30.2` form. */
  kubeletVersion: string;
  caPem: string;
  /** The client cert followed by its key, as the kubelet writes `kubelet-client-<ts>.pem`. */
  clientPem: string;
  /** When the client cert was written: names the dated pem file. */
  clientIssuedAt: Date;
  servingCrt: string;
  servingKey: string;
}

/** Paths scenarios and tests refer to. */
export const paths = {
  unit: '/usr/lib/systemd/system/kubelet.service',
  kubeadmDropIn: '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf',
  adminDropInDir: '/etc/systemd/system/kubelet.service.d',
  flagsEnv: '/var/lib/kubelet/kubeadm-flags.env',
  config: '/var/lib/kubelet/config.yaml',
  kubeconfig: '/etc/kubernetes/kubelet.conf',
  caCrt: '/etc/kubernetes/pki/ca.crt',
  pkiDir: '/var/lib/kubelet/pki',
  clientCurrent: '/var/lib/kubelet/pki/kubelet-client-current.pem',
  servingCrt: '/var/lib/kubelet/pki/kubelet.crt',
  servingKey: '/var/lib/kubelet/pki/kubelet.key',
  manifests: '/etc/kubernetes/manifests',
  containerd: '/etc/containerd/config.toml',
  cniConfDir: '/etc/cni/net.d',
  cniConflist: '/etc/cni/net.d/10-flannel.conflist',
  cniBinDir: '/opt/cni/bin',
  fstab: '/etc/fstab',
  dpkgStatus: '/var/lib/dpkg/status',
} as const;

/** The EXTRA_ARGS environment file of a layout (kubeadm.spec rewrites the path for debbuild). */
export function extraArgsPath(layout: Layout): string {
  return layout === 'deb' ? '/etc/default/kubelet' : '/etc/sysconfig/kubelet';
}

/** The dated client pem path, named like the kubelet's certificate store does (2006-01-02-15-04-05). */
export function clientPemPath(issuedAt: Date): string {
  const stamp = issuedAt.toISOString().slice(0, 19).replace(/[T:]/g, '-');
  return `${paths.pkiDir}/kubelet-client-${stamp}.pem`;
}

/** The minor of a `v1.30.2` version (NaN when unparsable): config fields and flags depend on it. */
export function kubeletMinor(version: string): number {
  return Number(version.replace(/^v/, '').split('.')[1]);
}

/** kubelet.service as kubernetes/release packages it (cmd/krel/templates/latest/kubelet/kubelet.service). */
export const KUBELET_SERVICE = `[Unit]
Description=kubelet: The Kubernetes Node Agent
Documentation=https://kubernetes.io/docs/
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
RestartSec=10

[Install]
WantedBy=multi-user.target
`;

/** 10-kubeadm.conf as kubernetes/release packages it (cmd/krel/templates/latest/kubeadm; debbuild swaps the EnvironmentFile path). */
export function kubeadmDropIn(layout: Layout): string {
  return `# Note: This dropin only works with kubeadm and kubelet v1.11+
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
# This is a file that "kubeadm init" and "kubeadm join" generates at runtime, populating the KUBELET_KUBEADM_ARGS variable dynamically
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
# This is a file that the user can use for overrides of the kubelet args as a last resort. Preferably, the user should use
# the .NodeRegistration.KubeletExtraArgs object in the configuration files instead. KUBELET_EXTRA_ARGS should be sourced from this file.
EnvironmentFile=-${extraArgsPath(layout)}
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
`;
}

/** The KubeletConfiguration kubeadm join writes (keys sorted, zero durations spelled out), per minor. */
export function kubeletConfigYaml(minor: number): string {
  const lines = [
    'apiVersion: kubelet.config.k8s.io/v1beta1',
    'authentication:',
    '  anonymous:',
    '    enabled: false',
    '  webhook:',
    '    cacheTTL: 0s',
    '    enabled: true',
    '  x509:',
    '    clientCAFile: /etc/kubernetes/pki/ca.crt',
    'authorization:',
    '  mode: Webhook',
    '  webhook:',
    '    cacheAuthorizedTTL: 0s',
    '    cacheUnauthorizedTTL: 0s',
    'cgroupDriver: systemd',
    'clusterDNS:',
    '- 10.96.0.10',
    'clusterDomain: cluster.local',
    // containerRuntimeEndpoint became a config field in 1.27 (PR #112136).
    ...(minor >= 27 ? ['containerRuntimeEndpoint: ""'] : []),
    'cpuManagerReconcilePeriod: 0s',
    'evictionPressureTransitionPeriod: 0s',
    'fileCheckFrequency: 0s',
    'healthzBindAddress: 127.0.0.1',
    'healthzPort: 10248',
    'httpCheckFrequency: 0s',
    // imageMaximumGCAge arrived with 1.29 (KEP-4210).
    ...(minor >= 29 ? ['imageMaximumGCAge: 0s'] : []),
    'imageMinimumGCAge: 0s',
    'kind: KubeletConfiguration',
    'logging:',
    '  flushFrequency: 0',
    '  options:',
    '    json:',
    '      infoBufferSize: "0"',
    ...(minor >= 30 ? ['    text:', '      infoBufferSize: "0"'] : []),
    '  verbosity: 0',
    'memorySwap: {}',
    'nodeStatusReportFrequency: 0s',
    'nodeStatusUpdateFrequency: 0s',
    'rotateCertificates: true',
    'runtimeRequestTimeout: 0s',
    'shutdownGracePeriod: 0s',
    'shutdownGracePeriodCriticalPods: 0s',
    'staticPodPath: /etc/kubernetes/manifests',
    'streamingConnectionIdleTimeout: 0s',
    'syncFrequency: 0s',
    'volumeStatsAggPeriod: 0s',
  ];
  return `${lines.join('\n')}\n`;
}

// Written by the kubelet after TLS bootstrap (pkg/kubelet/certificate/bootstrap/bootstrap.go):
// default-cluster / default-auth / default-context, the cert and key both the rotating symlink.
function kubeletConf(caPem: string): string {
  return `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}
    server: https://127.0.0.1:6443
  name: default-cluster
contexts:
- context:
    cluster: default-cluster
    namespace: default
    user: default-auth
  name: default-context
current-context: default-context
kind: Config
preferences: {}
users:
- name: default-auth
  user:
    client-certificate: ${paths.clientCurrent}
    client-key: ${paths.clientCurrent}
`;
}

// kube-flannel.yml `cni-conf.json`.
const FLANNEL_CONFLIST = `{
  "name": "cbr0",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "flannel",
      "delegate": {
        "hairpinMode": true,
        "isDefaultGateway": true
      }
    },
    {
      "type": "portmap",
      "capabilities": {
        "portMappings": true
      }
    }
  ]
}
`;

/** The fstab of a cloud image whose swap line the operator commented out before `kubeadm join`. */
export const FSTAB_HEALTHY = `# /etc/fstab: static file system information.
#
# Use 'blkid' to print the universally unique identifier for a
# device; this may be used with UUID= as a more robust way to name devices
# that works even if disks are added and removed. See fstab(5).
#
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
UUID=3f1c2a9e-5b7d-4e21-9c0a-8d6f4b2e7a15 /               ext4    errors=remount-ro 0       1
UUID=7C1E-2B4A  /boot/efi       vfat    umask=0077      0       1
#/swap.img	none	swap	sw	0	0
`;

const CNI_PLUGINS = ['bridge', 'flannel', 'host-local', 'loopback', 'portmap'] as const;

/** Render the healthy node. Scenarios edit the result; nothing here touches the disk. */
export function healthyTree(m: NodeMaterial): NodeTree {
  const tree: NodeTree = new Map();
  const file = (path: string, content: string, mode = 0o644): void => {
    tree.set(path, {kind: 'file', content, mode});
  };
  const minor = kubeletMinor(m.kubeletVersion);
  // kubelet.spec installs the unit with mode 600.
  file(paths.unit, KUBELET_SERVICE, 0o600);
  file(paths.kubeadmDropIn, kubeadmDropIn(m.layout));
  file(extraArgsPath(m.layout), EXTRA_ARGS_ENV);
  file(paths.flagsEnv, 'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock"\n');
  file(paths.config, kubeletConfigYaml(minor));
  file(paths.kubeconfig, kubeletConf(m.caPem), 0o600);
  file(paths.caCrt, m.caPem);
  const dated = clientPemPath(m.clientIssuedAt);
  file(dated, m.clientPem, 0o600);
  // The certificate store links to the dated file by absolute path.
  tree.set(paths.clientCurrent, {kind: 'symlink', target: dated});
  file(paths.servingCrt, m.servingCrt);
  file(paths.servingKey, m.servingKey, 0o600);
  tree.set(paths.manifests, {kind: 'dir'});
  if (m.layout === 'deb') {
    // dpkg-deb keeps no empty directories, so the package ships placeholders (kubelet.spec).
    file('/var/lib/kubelet/.kubelet-keep', '');
    file(`${paths.manifests}/.kubelet-keep`, '');
    file(paths.dpkgStatus, dpkgStatus(m.kubeletVersion));
  }
  file(paths.containerd, containerdConfigToml());
  file(paths.cniConflist, FLANNEL_CONFLIST);
  for (const name of CNI_PLUGINS) {
    file(`${paths.cniBinDir}/${name}`, `#!/bin/sh\n# lab stand-in for the ${name} CNI plugin binary\nexit 0\n`, 0o755);
  }
  file(paths.fstab, FSTAB_HEALTHY);
  file(
    '/etc/sysctl.d/k8s.conf',
    'net.bridge.bridge-nf-call-iptables  = 1\n' + 'net.bridge.bridge-nf-call-ip6tables = 1\n' + 'net.ipv4.ip_forward                 = 1\n',
  );
  file('/etc/modules-load.d/k8s.conf', 'overlay\nbr_netfilter\n');
  file('/etc/hostname', `${m.hostname}\n`);
  file(
    '/etc/crictl.yaml',
    'runtime-endpoint: unix:///var/run/containerd/containerd.sock\n' +
      'image-endpoint: unix:///var/run/containerd/containerd.sock\n' +
      'timeout: 10\n' +
      'debug: false\n',
  );
  return tree;
}
