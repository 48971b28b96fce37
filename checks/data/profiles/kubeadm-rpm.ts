import type {InstallerProfile} from './types.js';
import {KUBEADM, RELEASE_SOURCES} from './kubeadm-common.js';

/** kubeadm from the pkgs.k8s.io RPM repository: unit and drop-in under /usr/lib, extra args in /etc/sysconfig/kubelet. */
export const kubeadmRpm: InstallerProfile = {
  id: 'kubeadm-rpm',
  title: 'kubeadm, RPM from pkgs.k8s.io',
  era: {from: '1.28', to: null},
  installer: 'kubeadm + kubelet .rpm (pkgs.k8s.io)',
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
    {kind: 'content', path: '/etc/yum.repos.d/kubernetes.repo', pattern: 'pkgs.k8s.io', why: 'the yum repository is the community one'},
    {kind: 'unit-file', path: '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf', why: 'the package ships the kubeadm drop-in under /usr/lib'},
    {kind: 'unit-file', path: '/etc/sysconfig/kubelet', why: 'the drop-in reads /etc/sysconfig/kubelet (RPM layout)'},
    {kind: 'flag', flag: 'config', value: KUBEADM.config, why: 'kubeadm writes the KubeletConfiguration there'},
  ],
  sources: RELEASE_SOURCES,
};
