import type {InstallerProfile} from './types.js';

/** What an embedded kubelet leaves for the tool to check. */
export const EMBEDDED_CHECKED = ['container-runtime', 'swap', 'kernel-prereqs', 'cgroup-version', 'clock-skew', 'ports'] as const;
/**
 * Not judged on an embedded kubelet (skipped with the reason): they read a standalone kubelet's
 * unit, flags, config file, kubeconfig and certificate paths, which k3s/RKE2 keep elsewhere
 * (kubelet-arg: in config.yaml, /var/lib/rancher/<k3s|rke2>/agent). Reading those is open work.
 */
export const EMBEDDED_NOT_CHECKED = [
  'systemd-dropin',
  'kubelet-flags',
  'kubelet-config',
  'kubeconfig',
  'cert-expiry',
  'cgroup-driver-match',
  'cni-config',
  'lock-file',
  'static-pods',
  'node-allocatable',
  'node-identity',
  'kubelet-logs',
] as const;

/**
 * k3s (k3s-io/k3s, install.sh): one `k3s` binary runs the kubelet in-process; the unit is
 * /etc/systemd/system/k3s.service (server) or k3s-agent.service, kubelet arguments come from
 * `kubelet-arg:` in /etc/rancher/k3s/config.yaml, the embedded containerd's config is generated
 * at /var/lib/rancher/k3s/agent/etc/containerd/config.toml (socket /run/k3s/containerd/containerd.sock),
 * certificates and the kubelet kubeconfig live in /var/lib/rancher/k3s/agent.
 */
export const k3s: InstallerProfile = {
  id: 'k3s',
  title: 'k3s (embedded kubelet)',
  era: {from: '1.24', to: null},
  installer: 'k3s install.sh',
  unit: null,
  kubeletConfig: {path: null, format: 'yaml', dropInDir: null},
  kubeconfig: '/var/lib/rancher/k3s/agent/kubelet.kubeconfig',
  bootstrapKubeconfig: null,
  certDir: '/var/lib/rancher/k3s/agent',
  clientCert: '/var/lib/rancher/k3s/agent/client-kubelet.crt',
  caCert: '/var/lib/rancher/k3s/agent/client-ca.crt',
  runtime: {
    kind: 'containerd',
    configPath: '/var/lib/rancher/k3s/agent/etc/containerd/config.toml',
    endpoint: 'unix:///run/k3s/containerd/containerd.sock',
    cgroupDriver: 'systemd',
  },
  cni: {confDir: '/var/lib/rancher/k3s/agent/etc/cni/net.d', binDir: '/var/lib/rancher/k3s/data/current/bin'},
  signals: [
    {kind: 'file', path: '/etc/systemd/system/k3s.service', why: "install.sh's server unit"},
    {kind: 'file', path: '/etc/systemd/system/k3s-agent.service', why: "install.sh's agent unit"},
    {kind: 'file', path: '/etc/rancher/k3s/config.yaml', why: "k3s's config file"},
    {kind: 'file', path: '/var/lib/rancher/k3s/agent/kubelet.kubeconfig', why: "the embedded kubelet's kubeconfig"},
  ],
  embeddedKubelet: {
    service: 'k3s.service or k3s-agent.service',
    configPath: '/etc/rancher/k3s/config.yaml',
    checked: EMBEDDED_CHECKED,
    notChecked: EMBEDDED_NOT_CHECKED,
  },
  sources: [
    'https://github.com/k3s-io/k3s/blob/v1.30.4%2Bk3s1/install.sh (k3s.service, k3s-agent.service in /etc/systemd/system)',
    'https://github.com/k3s-io/k3s/blob/v1.30.4%2Bk3s1/pkg/daemons/agent/agent_linux.go (kubelet args: --kubeconfig, --client-ca-file, --cgroup-driver)',
    'https://github.com/k3s-io/k3s/blob/v1.30.4%2Bk3s1/pkg/agent/config/config.go (agent/client-kubelet.crt, agent/etc/containerd/config.toml)',
    'https://docs.k3s.io/installation/configuration#configuration-file',
  ],
};
