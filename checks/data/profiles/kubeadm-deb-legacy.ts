import type {InstallerProfile} from './types.js';
import {KUBEADM, LEGACY_RELEASE_SOURCES} from './kubeadm-common.js';

/**
 * kubeadm from the Google-hosted apt.kubernetes.io repository (frozen in September 2023, gone
 * in 2024): the unit went to /lib/systemd/system and the kubeadm drop-in to
 * /etc/systemd/system/kubelet.service.d (kubernetes/release build/debs/templates/latest/kubeadm/debian/kubeadm.install, kubelet.install).
 */
export const kubeadmDebLegacy: InstallerProfile = {
  id: 'kubeadm-deb-legacy',
  title: 'kubeadm, DEB from apt.kubernetes.io (legacy)',
  era: {from: '1.24', to: '1.28'},
  installer: 'kubeadm + kubelet .deb (apt.kubernetes.io)',
  unit: {
    unitPath: '/lib/systemd/system/kubelet.service',
    dropIns: ['/etc/systemd/system/kubelet.service.d/10-kubeadm.conf'],
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
    {kind: 'content', path: '/etc/apt/sources.list.d/kubernetes.list', pattern: 'apt.kubernetes.io', why: 'the apt source is the legacy Google repository'},
    {kind: 'unit-file', path: '/etc/systemd/system/kubelet.service.d/10-kubeadm.conf', why: 'the legacy package put the kubeadm drop-in under /etc'},
    {kind: 'unit-file', path: '/lib/systemd/system/kubelet.service', why: 'the legacy package put the unit under /lib'},
    {kind: 'unit-file', path: '/etc/default/kubelet', why: "the drop-in reads Debian's /etc/default/kubelet"},
    {kind: 'flag', flag: 'config', value: KUBEADM.config, why: 'kubeadm writes the KubeletConfiguration there'},
  ],
  sources: LEGACY_RELEASE_SOURCES,
};
