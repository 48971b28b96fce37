import type {InstallerProfile} from './types.js';

/**
 * Amazon EKS optimized AMI, Amazon Linux 2023 (`nodeadm`): kubelet.service in /etc/systemd/system
 * runs `/usr/bin/kubelet $NODEADM_KUBELET_ARGS` from EnvironmentFile=/etc/eks/kubelet/environment;
 * nodeadm writes the JSON KubeletConfiguration /etc/kubernetes/kubelet/config.json (cgroupDriver
 * systemd) and, when the NodeConfig has kubelet config, a drop-in directory config.json.d
 * (--config-dir, 40-nodeadm.conf); the kubeconfig /var/lib/kubelet/kubeconfig uses `aws eks get-token`.
 */
export const eksAl2023: InstallerProfile = {
  id: 'eks-al2023',
  title: 'Amazon EKS AMI, Amazon Linux 2023 (nodeadm)',
  era: {from: '1.25', to: null},
  installer: 'amazon-eks-ami nodeadm',
  unit: {
    unitPath: '/etc/systemd/system/kubelet.service',
    dropIns: [],
    envFiles: [{path: '/etc/eks/kubelet/environment', variables: ['NODEADM_KUBELET_ARGS'], optional: false}],
    executable: '/usr/bin/kubelet',
  },
  kubeletConfig: {path: '/etc/kubernetes/kubelet/config.json', format: 'json', dropInDir: '/etc/kubernetes/kubelet/config.json.d'},
  kubeconfig: '/var/lib/kubelet/kubeconfig',
  bootstrapKubeconfig: null,
  certDir: '/var/lib/kubelet/pki',
  clientCert: null,
  caCert: '/etc/kubernetes/pki/ca.crt',
  runtime: {kind: 'containerd', configPath: '/etc/containerd/config.toml', endpoint: 'unix:///run/containerd/containerd.sock', cgroupDriver: 'systemd'},
  cni: {confDir: '/etc/cni/net.d', binDir: '/opt/cni/bin'},
  signals: [
    {kind: 'unit-file', path: '/etc/eks/kubelet/environment', why: "nodeadm's NODEADM_KUBELET_ARGS file"},
    {kind: 'flag', flag: 'config', value: '/etc/kubernetes/kubelet/config.json', why: "nodeadm's kubelet config"},
    {kind: 'flag', flag: 'config-dir', value: '/etc/kubernetes/kubelet/config.json.d', why: "nodeadm's drop-in directory"},
  ],
  sources: [
    'https://github.com/awslabs/amazon-eks-ami/blob/v20260724/templates/al2023/runtime/rootfs/etc/systemd/system/kubelet.service',
    'https://github.com/awslabs/amazon-eks-ami/blob/v20260724/nodeadm/internal/kubelet/config.go (kubeletConfigRoot, config.json, config.json.d, 40-nodeadm.conf, CgroupDriver systemd)',
    'https://github.com/awslabs/amazon-eks-ami/blob/v20260724/nodeadm/internal/kubelet/environment.go (/etc/eks/kubelet/environment, NODEADM_KUBELET_ARGS)',
    'https://github.com/awslabs/amazon-eks-ami/blob/v20260724/nodeadm/internal/kubelet/kubeconfig.go, kubeconfig.template.yaml, cert.go',
  ],
};
