import type {InstallerProfile} from './types.js';

/**
 * GKE on Container-Optimized OS (kubernetes cluster/gce/gci/configure-helper.sh, start-kubelet):
 * /etc/systemd/system/kubelet.service runs /home/kubernetes/bin/kubelet $KUBELET_OPTS, with
 * KUBELET_OPTS in /etc/default/kubelet naming /home/kubernetes/kubelet-config.yaml,
 * /var/lib/kubelet/kubeconfig and /var/lib/kubelet/bootstrap-kubeconfig; the CA is
 * /etc/srv/kubernetes/pki/ca-certificates.crt; CNI plugins live in /home/kubernetes/bin.
 */
export const gkeCos: InstallerProfile = {
  id: 'gke-cos',
  title: 'GKE on Container-Optimized OS',
  era: {from: '1.24', to: null},
  installer: 'cluster/gce/gci configure-helper.sh',
  unit: {
    unitPath: '/etc/systemd/system/kubelet.service',
    dropIns: [],
    envFiles: [{path: '/etc/default/kubelet', variables: ['KUBELET_OPTS'], optional: false}],
    executable: '/home/kubernetes/bin/kubelet',
  },
  kubeletConfig: {path: '/home/kubernetes/kubelet-config.yaml', format: 'yaml', dropInDir: null},
  kubeconfig: '/var/lib/kubelet/kubeconfig',
  bootstrapKubeconfig: '/var/lib/kubelet/bootstrap-kubeconfig',
  certDir: '/var/lib/kubelet/pki',
  clientCert: '/var/lib/kubelet/pki/kubelet-client-current.pem',
  caCert: '/etc/srv/kubernetes/pki/ca-certificates.crt',
  runtime: {kind: 'containerd', configPath: '/etc/containerd/config.toml', endpoint: 'unix:///run/containerd/containerd.sock', cgroupDriver: 'systemd'},
  cni: {confDir: '/etc/cni/net.d', binDir: '/home/kubernetes/bin'},
  signals: [
    {kind: 'executable', path: '/home/kubernetes/bin/kubelet', why: 'COS keeps the kubelet on the writable /home'},
    {kind: 'flag', flag: 'config', value: '/home/kubernetes/kubelet-config.yaml', why: "configure-helper.sh's kubelet config"},
    {kind: 'content', path: '/etc/default/kubelet', pattern: 'KUBELET_OPTS=', why: 'configure-helper.sh writes KUBELET_OPTS'},
    {kind: 'file', path: '/etc/srv/kubernetes/pki/ca-certificates.crt', why: "GCE's CA bundle path"},
  ],
  sources: [
    'https://github.com/kubernetes/kubernetes/blob/v1.30.0/cluster/gce/gci/configure-helper.sh (start-kubelet, KUBELET_OPTS, /etc/default/kubelet)',
    'https://github.com/kubernetes/kubernetes/blob/v1.30.0/cluster/gce/util.sh (construct-linux-kubelet-flags: --kubeconfig, --bootstrap-kubeconfig, --config)',
  ],
};
