import type {InstallerProfile} from './types.js';
import {KUBEADM, LEGACY_RELEASE_SOURCES} from './kubeadm-common.js';

/**
 * kubeadm from the Google-hosted yum repository (packages.cloud.google.com/yum, frozen in 2023):
 * the same file layout as the pkgs.k8s.io RPMs; only the repository file tells them apart.
 */
export const kubeadmRpmLegacy: InstallerProfile = {
  id: 'kubeadm-rpm-legacy',
  title: 'kubeadm, RPM from packages.cloud.google.com (legacy)',
  era: {from: '1.24', to: '1.28'},
  installer: 'kubeadm + kubelet .rpm (yum.kubernetes.io)',
  unit: {
    unitPath: '/usr/lib/systemd/system/kubelet.service',
    dropIns: ['/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf'],
    envFiles: [
      {path: KUBEADM.flagsEnv, variables: ['KUBELET_KUBEADM_ARGS'], optional: true},
      {path: '/etc/sysconfig/kubelet', variables: ['KUBELET_EXTRA_ARGS'], optional: true},
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
    {kind: 'content', path: '/etc/yum.repos.d/kubernetes.repo', pattern: 'packages.cloud.google.com', why: 'the yum repository is the legacy Google one'},
    {kind: 'unit-file', path: '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf', why: 'the package ships the kubeadm drop-in under /usr/lib'},
    {kind: 'unit-file', path: '/etc/sysconfig/kubelet', why: 'the drop-in reads /etc/sysconfig/kubelet (RPM layout)'},
    {kind: 'flag', flag: 'config', value: KUBEADM.config, why: 'kubeadm writes the KubeletConfiguration there'},
  ],
  sources: LEGACY_RELEASE_SOURCES,
};
