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

/**
 * Where the pkgs.k8s.io packages are described: one spec for DEB and RPM (debbuild on OBS), so
 * both install 10-kubeadm.conf in %{_unitdir}/kubelet.service.d (/usr/lib/systemd/system).
 */
export const RELEASE_SOURCES = [
  'https://github.com/kubernetes/release/blob/f618b2a308bc76e90e987e45ab17c85778dd5993/cmd/krel/templates/latest/kubeadm/kubeadm.spec (10-kubeadm.conf in %{_unitdir}/kubelet.service.d)',
  'https://github.com/kubernetes/release/blob/f618b2a308bc76e90e987e45ab17c85778dd5993/cmd/krel/templates/latest/kubeadm/10-kubeadm.conf',
  'https://github.com/kubernetes/release/blob/f618b2a308bc76e90e987e45ab17c85778dd5993/cmd/krel/templates/latest/kubelet/kubelet.service',
  'https://kubernetes.io/docs/setup/production-environment/tools/kubeadm/kubelet-integration/',
  'https://kubernetes.io/blog/2023/08/15/pkgs-k8s-io-introduction/',
] as const;

/**
 * The legacy (apt.kubernetes.io / yum) packages' build files, before the move to krel: the DEB put
 * the unit in lib/systemd/system and 10-kubeadm.conf in etc/systemd/system/kubelet.service.d; the
 * RPM used %{_unitdir} for both.
 */
export const LEGACY_RELEASE_SOURCES = [
  'https://github.com/kubernetes/release/blob/061e95d8cca03b0d25bf9694cfd5137963d285a8/build/debs/templates/latest/kubeadm/debian/kubeadm.install',
  'https://github.com/kubernetes/release/blob/061e95d8cca03b0d25bf9694cfd5137963d285a8/build/debs/templates/latest/kubelet/debian/kubelet.install',
  'https://github.com/kubernetes/release/blob/061e95d8cca03b0d25bf9694cfd5137963d285a8/build/rpms/templates/latest/kubeadm/kubeadm.spec',
  'https://kubernetes.io/blog/2023/08/31/legacy-package-repository-deprecation/',
] as const;
