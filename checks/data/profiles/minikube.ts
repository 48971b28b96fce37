import type {InstallerProfile} from './types.js';

/**
 * minikube (kubeadm-based): its own 10-kubeadm.conf in /etc/systemd/system/kubelet.service.d
 * whose ExecStart runs the kubelet from /var/lib/minikube/binaries/<version>/ with every path as
 * a flag, kubeadm's config.yaml and kubelet.conf, and the cluster CA in /var/lib/minikube/certs.
 */
export const minikube: InstallerProfile = {
  id: 'minikube',
  title: 'minikube',
  era: {from: '1.20', to: null},
  installer: 'minikube (kubeadm bootstrapper)',
  unit: {
    unitPath: '/lib/systemd/system/kubelet.service',
    dropIns: ['/etc/systemd/system/kubelet.service.d/10-kubeadm.conf'],
    envFiles: [],
    executable: '/var/lib/minikube/binaries/*/kubelet',
  },
  kubeletConfig: {path: '/var/lib/kubelet/config.yaml', format: 'yaml', dropInDir: null},
  kubeconfig: '/etc/kubernetes/kubelet.conf',
  bootstrapKubeconfig: '/etc/kubernetes/bootstrap-kubelet.conf',
  certDir: '/var/lib/kubelet/pki',
  clientCert: '/var/lib/kubelet/pki/kubelet-client-current.pem',
  caCert: '/var/lib/minikube/certs/ca.crt',
  runtime: {kind: 'containerd', configPath: '/etc/containerd/config.toml', endpoint: 'unix:///run/containerd/containerd.sock', cgroupDriver: 'systemd'},
  cni: {confDir: '/etc/cni/net.d', binDir: '/opt/cni/bin'},
  signals: [
    {kind: 'executable', path: '/var/lib/minikube/binaries/*/kubelet', why: 'minikube runs the kubelet from its binaries cache', required: true},
    {kind: 'unit-file', path: '/etc/systemd/system/kubelet.service.d/10-kubeadm.conf', why: "minikube's own kubeadm drop-in"},
    {kind: 'unit-file', path: '/lib/systemd/system/kubelet.service', why: 'the kicbase image keeps the unit under /lib'},
    {kind: 'flag', flag: 'config', value: '/var/lib/kubelet/config.yaml', why: "kubeadm's KubeletConfiguration, named on minikube's ExecStart"},
    {kind: 'flag', flag: 'kubeconfig', value: '/etc/kubernetes/kubelet.conf', why: "kubeadm's kubelet.conf, named on minikube's ExecStart"},
    {kind: 'file', path: '/var/lib/minikube/certs/ca.crt', why: "minikube's certificate directory"},
  ],
  sources: [
    'https://github.com/kubernetes/minikube/blob/v1.34.0/pkg/minikube/bootstrapper/bsutil/kubelet.go (NewKubeletService, kubelet flags)',
    'https://github.com/kubernetes/minikube/blob/v1.34.0/pkg/minikube/bootstrapper/bsutil/paths.go (KubeletSystemdConfFile, KubeletServiceFile)',
    'https://github.com/kubernetes/minikube/blob/v1.34.0/pkg/minikube/vmpath/constants.go (GuestPersistentDir /var/lib/minikube)',
  ],
};
