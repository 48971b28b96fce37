/**
 * What every kubeadm-based profile shares: the files `kubeadm join` and the kubelet's TLS
 * bootstrap write (kubernetes/kubernetes cmd/kubeadm/app/constants/constants.go, v1.30.0:
 * KubeletKubeConfigFileName, KubeletBootstrapKubeConfigFileName, KubeletConfigurationFileName,
 * KubeletEnvFileName; pkg/kubelet/certificate/bootstrap/bootstrap.go for the pki directory).
 */
export const KUBEADM = {
  config: '/var/lib/kubelet/config.yaml',
  flagsEnv: '/var/lib/kubelet/kubeadm-flags.env',
  kubeconfig: '/etc/kubernetes/kubelet.conf',
  bootstrap: '/etc/kubernetes/bootstrap-kubelet.conf',
  pkiDir: '/var/lib/kubelet/pki',
  clientCert: '/var/lib/kubelet/pki/kubelet-client-current.pem',
  ca: '/etc/kubernetes/pki/ca.crt',
  containerd: '/etc/containerd/config.toml',
  containerdSock: 'unix:///var/run/containerd/containerd.sock',
  cni: {confDir: '/etc/cni/net.d', binDir: '/opt/cni/bin'},
} as const;

/** Where the kubernetes/release packages are described. */
export const RELEASE_SOURCES = [
  'https://github.com/kubernetes/release/blob/v0.16.9/cmd/krel/templates/latest/kubeadm/10-kubeadm.conf',
  'https://github.com/kubernetes/release/blob/v0.16.9/cmd/krel/templates/latest/kubelet/kubelet.service',
  'https://kubernetes.io/docs/setup/production-environment/tools/kubeadm/kubelet-integration/',
  'https://kubernetes.io/blog/2023/08/15/pkgs-k8s-io-introduction/',
] as const;
