import type {InstallerProfile} from './types.js';
import {KUBEADM, RELEASE_SOURCES} from './kubeadm-common.js';

/**
 * kubeadm from the community-owned pkgs.k8s.io DEB repository (1.28 on): the unit and the
 * kubeadm drop-in are shipped under /usr/lib/systemd/system, the extra-args file is
 * /etc/default/kubelet (debbuild rewrites the spec's /etc/sysconfig path).
 */
export const kubeadmDeb: InstallerProfile = {
  id: 'kubeadm-deb',
  title: 'kubeadm, DEB from pkgs.k8s.io',
  era: {from: '1.28', to: null},
  installer: 'kubeadm + kubelet .deb (pkgs.k8s.io)',
  unit: {
    unitPath: '/usr/lib/systemd/system/kubelet.service',
    dropIns: ['/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf'],
    envFiles: [
      {path: KUBEADM.flagsEnv, variables: ['KUBELET_KUBEADM_ARGS'], optional: true},
      {path: '/etc/default/kubelet', variables: ['KUBELET_EXTRA_ARGS'], optional: true},
    ],
    executable: '/usr/bin/kubelet',
  },
  kubeletConfig: {path: KUBEADM.config, format: 'yaml', dropInDir: null},
  kubeconfig: KUBEADM.kubeconfig,
  bootstrapKubeconfig: KUBEADM.bootstrap,
  certDir: KUBEADM.pkiDir,
  clientCert: KUBEADM.clientCert,
  caCert: KUBEADM.ca,
  runtime: {kind: 'containerd', configPath: KUBEADM.containerd, endpoint: KUBEADM.containerdSock, cgroupDriver: 'systemd'},
  cni: KUBEADM.cni,
  signals: [
    {kind: 'content', path: '/etc/apt/sources.list.d/kubernetes.list', pattern: 'pkgs.k8s.io', why: 'the apt source is the community repository'},
    {kind: 'unit-file', path: '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf', why: 'the package ships the kubeadm drop-in under /usr/lib'},
    {kind: 'unit-file', path: '/etc/default/kubelet', why: "the drop-in reads Debian's /etc/default/kubelet"},
    {kind: 'flag', flag: 'config', value: KUBEADM.config, why: 'kubeadm writes the KubeletConfiguration there'},
    {kind: 'file', path: '/var/lib/dpkg/status', why: 'a dpkg database'},
  ],
  sources: RELEASE_SOURCES,
};
