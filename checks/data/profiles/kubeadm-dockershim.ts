import type {InstallerProfile} from './types.js';
import {KUBEADM, LEGACY_RELEASE_SOURCES} from './kubeadm-common.js';

/**
 * kubeadm in the dockershim era (kubelet 1.17 to 1.23): Docker Engine as the runtime, reached
 * through the kubelet's built-in dockershim; kubeadm-flags.env carries --network-plugin=cni and
 * the pause image; the kubeadm docs of the era told operators to set
 * `"exec-opts": ["native.cgroupdriver=systemd"]` in /etc/docker/daemon.json. Packages came from
 * apt.kubernetes.io, so the unit layout is the legacy DEB one.
 */
export const kubeadmDockershim: InstallerProfile = {
  id: 'kubeadm-dockershim',
  title: 'kubeadm with Docker (dockershim era, 1.17-1.23)',
  era: {from: '1.17', to: '1.23'},
  installer: 'kubeadm + kubelet .deb (apt.kubernetes.io) + docker-ce',
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
  runtime: {kind: 'docker', configPath: '/etc/docker/daemon.json', endpoint: 'unix:///var/run/dockershim.sock', cgroupDriver: 'systemd'},
  cni: KUBEADM.cni,
  signals: [
    {kind: 'flag', flag: 'network-plugin', value: 'cni', why: 'kubeadm-flags.env of the dockershim era passes --network-plugin=cni', required: true},
    {
      kind: 'content',
      path: '/etc/docker/daemon.json',
      pattern: 'native.cgroupdriver',
      why: "Docker's cgroup driver set the way the kubeadm docs of the era said",
      required: true,
    },
    {kind: 'unit-file', path: '/etc/systemd/system/kubelet.service.d/10-kubeadm.conf', why: 'the legacy package put the kubeadm drop-in under /etc'},
    {kind: 'unit-file', path: '/lib/systemd/system/kubelet.service', why: 'the legacy package put the unit under /lib'},
    {kind: 'unit-file', path: '/etc/default/kubelet', why: "the drop-in reads Debian's /etc/default/kubelet"},
    {kind: 'flag', flag: 'config', value: KUBEADM.config, why: 'kubeadm writes the KubeletConfiguration there'},
    {kind: 'content', path: '/etc/apt/sources.list.d/kubernetes.list', pattern: 'apt.kubernetes.io', why: 'the apt source is the legacy Google repository'},
  ],
  sources: [
    ...LEGACY_RELEASE_SOURCES,
    'https://v1-23.docs.kubernetes.io/docs/setup/production-environment/container-runtimes/#docker',
    'https://github.com/kubernetes/kubernetes/blob/v1.23.17/cmd/kubeadm/app/phases/kubelet/flags.go',
  ],
};
