import type {InstallerProfile} from './types.js';

/**
 * kOps nodeup (nodeup/pkg/model/kubelet.go): a generated kubelet.service whose ExecStart is
 * `/usr/local/bin/kubelet "$DAEMON_ARGS"` with EnvironmentFile=/etc/sysconfig/kubelet, almost
 * every setting a flag in DAEMON_ARGS (--cgroup-driver among them), a small KubeletConfiguration
 * at /var/lib/kubelet/kubelet.conf (--config), the kubeconfig at /var/lib/kubelet/kubeconfig and
 * the CA under /srv/kubernetes.
 */
export const kops: InstallerProfile = {
  id: 'kops',
  title: 'kOps (nodeup)',
  era: {from: '1.24', to: null},
  installer: 'kOps nodeup',
  unit: {
    unitPath: '/lib/systemd/system/kubelet.service',
    dropIns: [],
    envFiles: [{path: '/etc/sysconfig/kubelet', variables: ['DAEMON_ARGS', 'HOME'], optional: false}],
    executable: '/usr/local/bin/kubelet',
  },
  kubeletConfig: {path: '/var/lib/kubelet/kubelet.conf', format: 'yaml', dropInDir: null},
  kubeconfig: '/var/lib/kubelet/kubeconfig',
  bootstrapKubeconfig: '/var/lib/kubelet/bootstrap-kubeconfig',
  certDir: '/var/lib/kubelet/pki',
  clientCert: '/var/lib/kubelet/pki/kubelet-client-current.pem',
  caCert: '/srv/kubernetes/ca.crt',
  runtime: {kind: 'containerd', configPath: '/etc/containerd/config.toml', endpoint: 'unix:///run/containerd/containerd.sock', cgroupDriver: 'systemd'},
  cni: {confDir: '/etc/cni/net.d', binDir: '/opt/cni/bin'},
  signals: [
    {kind: 'flag', flag: 'config', value: '/var/lib/kubelet/kubelet.conf', why: "nodeup's kubeletConfigFilePath"},
    {kind: 'unit-file', path: '/etc/sysconfig/kubelet', why: 'nodeup writes DAEMON_ARGS there'},
    {kind: 'content', path: '/etc/sysconfig/kubelet', pattern: 'DAEMON_ARGS=', why: "nodeup's one variable"},
    {kind: 'flag', flag: 'kubeconfig', value: '/var/lib/kubelet/kubeconfig', why: "nodeup's KubeletKubeConfig"},
    {kind: 'file', path: '/srv/kubernetes/ca.crt', why: "kOps's /srv/kubernetes"},
  ],
  sources: [
    'https://github.com/kubernetes/kops/blob/v1.30.0/nodeup/pkg/model/kubelet.go (buildSystemdEnvironmentFile, buildSystemdService, kubeletConfigFilePath)',
    'https://github.com/kubernetes/kops/blob/v1.30.0/nodeup/pkg/model/context.go (KubeletKubeConfig, PathSrvKubernetes)',
  ],
};
