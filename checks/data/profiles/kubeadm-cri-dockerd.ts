import type {InstallerProfile} from './types.js';
import {KUBEADM, RELEASE_SOURCES} from './kubeadm-common.js';

/**
 * kubeadm (1.24 on) with Docker Engine through Mirantis cri-dockerd: the kubelet's runtime
 * endpoint is cri-dockerd's socket (cri-docker.socket listens on %t/cri-dockerd.sock, i.e.
 * /run/cri-dockerd.sock), and Docker's cgroup driver is set in /etc/docker/daemon.json.
 */
export const kubeadmCriDockerd: InstallerProfile = {
  id: 'kubeadm-cri-dockerd',
  title: 'kubeadm with Docker through cri-dockerd',
  era: {from: '1.24', to: null},
  installer: 'kubeadm + kubelet .deb (pkgs.k8s.io) + docker-ce + cri-dockerd',
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
  runtime: {kind: 'cri-dockerd', configPath: '/etc/docker/daemon.json', endpoint: 'unix:///var/run/cri-dockerd.sock', cgroupDriver: 'systemd'},
  cni: KUBEADM.cni,
  signals: [
    {
      kind: 'flag',
      flag: 'container-runtime-endpoint',
      value: 'unix:///var/run/cri-dockerd.sock',
      why: "the kubelet talks to cri-dockerd's socket",
      required: true,
    },
    {kind: 'flag', flag: 'container-runtime-endpoint', value: 'unix:///run/cri-dockerd.sock', why: "the kubelet talks to cri-dockerd's socket", required: true},
    {kind: 'file', path: '/lib/systemd/system/cri-docker.service', why: "cri-dockerd's package unit"},
    {kind: 'file', path: '/usr/lib/systemd/system/cri-docker.service', why: "cri-dockerd's package unit"},
    {kind: 'file', path: '/etc/systemd/system/cri-docker.service', why: 'cri-dockerd installed from source (packaging/systemd)'},
    {kind: 'unit-file', path: '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf', why: 'the package ships the kubeadm drop-in under /usr/lib'},
    {kind: 'unit-file', path: '/etc/default/kubelet', why: "the drop-in reads Debian's /etc/default/kubelet"},
    {kind: 'flag', flag: 'config', value: KUBEADM.config, why: 'kubeadm writes the KubeletConfiguration there'},
    {kind: 'content', path: '/etc/apt/sources.list.d/kubernetes.list', pattern: 'pkgs.k8s.io', why: 'the apt source is the community repository'},
  ],
  sources: [
    ...RELEASE_SOURCES,
    'https://github.com/Mirantis/cri-dockerd/blob/v0.3.15/packaging/systemd/cri-docker.service',
    'https://github.com/Mirantis/cri-dockerd/blob/v0.3.15/packaging/systemd/cri-docker.socket',
  ],
};
