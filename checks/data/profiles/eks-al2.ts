import type {InstallerProfile} from './types.js';

/**
 * Amazon EKS optimized AMI, Amazon Linux 2 (`/etc/eks/bootstrap.sh`): bootstrap.sh copies
 * kubelet-containerd.service to /etc/systemd/system/kubelet.service (paths as flags), writes
 * KUBELET_ARGS to kubelet.service.d/10-kubelet-args.conf (and 30-kubelet-extra-args.conf),
 * sets `"cgroupDriver": "systemd"` in the JSON /etc/kubernetes/kubelet/kubelet-config.json, and
 * the kubeconfig authenticates with an exec plugin (no client certificate).
 */
export const eksAl2: InstallerProfile = {
  id: 'eks-al2',
  title: 'Amazon EKS AMI, Amazon Linux 2 (bootstrap.sh)',
  era: {from: '1.24', to: '1.32'},
  installer: 'amazon-eks-ami templates/al2 (bootstrap.sh)',
  unit: {
    unitPath: '/etc/systemd/system/kubelet.service',
    dropIns: ['/etc/systemd/system/kubelet.service.d/10-kubelet-args.conf', '/etc/systemd/system/kubelet.service.d/30-kubelet-extra-args.conf'],
    envFiles: [],
    executable: '/usr/bin/kubelet',
  },
  kubeletConfig: {path: '/etc/kubernetes/kubelet/kubelet-config.json', format: 'json', dropInDir: null},
  kubeconfig: '/var/lib/kubelet/kubeconfig',
  bootstrapKubeconfig: null,
  certDir: '/var/lib/kubelet/pki',
  clientCert: null,
  caCert: '/etc/kubernetes/pki/ca.crt',
  runtime: {kind: 'containerd', configPath: '/etc/containerd/config.toml', endpoint: 'unix:///run/containerd/containerd.sock', cgroupDriver: 'systemd'},
  cni: {confDir: '/etc/cni/net.d', binDir: '/opt/cni/bin'},
  signals: [
    {kind: 'flag', flag: 'config', value: '/etc/kubernetes/kubelet/kubelet-config.json', why: "the AL2 unit's --config"},
    {kind: 'unit-file', path: '/etc/systemd/system/kubelet.service.d/10-kubelet-args.conf', why: 'bootstrap.sh writes KUBELET_ARGS there'},
    {kind: 'file', path: '/etc/eks/bootstrap.sh', why: 'the AL2 bootstrap script'},
  ],
  sources: [
    'https://github.com/awslabs/amazon-eks-ami/blob/v20260304/templates/al2/runtime/kubelet-containerd.service',
    'https://github.com/awslabs/amazon-eks-ami/blob/v20260304/templates/al2/runtime/kubelet-config.json',
    'https://github.com/awslabs/amazon-eks-ami/blob/v20260304/templates/al2/runtime/kubelet-kubeconfig',
    'https://github.com/awslabs/amazon-eks-ami/blob/v20260304/templates/al2/runtime/bootstrap.sh (10-kubelet-args.conf, cgroupDriver systemd, containerd-config.toml)',
  ],
};
