import type {InstallerProfile} from './types.js';

/**
 * Kubernetes The Hard Way (kelseyhightower, 2024 edition, kubelet 1.32): a hand-written unit in
 * /etc/systemd/system, the binary in /usr/local/bin, everything else in /var/lib/kubelet
 * (kubelet-config.yaml, a kubeconfig with the client certificate embedded, ca.crt, a serving
 * pair), containerd with SystemdCgroup = true.
 */
export const hardWay: InstallerProfile = {
  id: 'hard-way',
  title: 'Kubernetes The Hard Way',
  era: {from: '1.32', to: null},
  installer: 'by hand (kubernetes-the-hard-way)',
  unit: {unitPath: '/etc/systemd/system/kubelet.service', dropIns: [], envFiles: [], executable: '/usr/local/bin/kubelet'},
  kubeletConfig: {path: '/var/lib/kubelet/kubelet-config.yaml', format: 'yaml', dropInDir: null},
  kubeconfig: '/var/lib/kubelet/kubeconfig',
  bootstrapKubeconfig: null,
  certDir: '/var/lib/kubelet',
  clientCert: '/var/lib/kubelet/kubeconfig#client-certificate-data',
  caCert: '/var/lib/kubelet/ca.crt',
  runtime: {kind: 'containerd', configPath: '/etc/containerd/config.toml', endpoint: 'unix:///var/run/containerd/containerd.sock', cgroupDriver: 'systemd'},
  cni: {confDir: '/etc/cni/net.d', binDir: '/opt/cni/bin'},
  signals: [
    {kind: 'flag', flag: 'config', value: '/var/lib/kubelet/kubelet-config.yaml', why: "the hard way's unit passes this config path"},
    {kind: 'flag', flag: 'kubeconfig', value: '/var/lib/kubelet/kubeconfig', why: 'the node kubeconfig copied into /var/lib/kubelet'},
    {kind: 'executable', path: '/usr/local/bin/kubelet', why: 'the binary moved to /usr/local/bin'},
    {kind: 'unit-file', path: '/etc/systemd/system/kubelet.service', why: 'a hand-written unit'},
    {kind: 'file', path: '/var/lib/kubelet/ca.crt', why: 'the CA copied beside the kubelet config'},
  ],
  sources: [
    'https://github.com/kelseyhightower/kubernetes-the-hard-way/blob/52eb26dad1a3e9e8083a899bc854421eb4842a73/units/kubelet.service',
    'https://github.com/kelseyhightower/kubernetes-the-hard-way/blob/52eb26dad1a3e9e8083a899bc854421eb4842a73/configs/kubelet-config.yaml',
    'https://github.com/kelseyhightower/kubernetes-the-hard-way/blob/52eb26dad1a3e9e8083a899bc854421eb4842a73/configs/containerd-config.toml',
    'https://github.com/kelseyhightower/kubernetes-the-hard-way/blob/52eb26dad1a3e9e8083a899bc854421eb4842a73/docs/09-bootstrapping-kubernetes-workers.md',
  ],
};
