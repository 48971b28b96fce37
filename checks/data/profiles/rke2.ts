import type {InstallerProfile} from './types.js';
import {EMBEDDED_CHECKED, EMBEDDED_NOT_CHECKED} from './k3s.js';

/**
 * RKE2 (rancher/rke2, built on k3s): rke2-server.service / rke2-agent.service (tarball installs
 * under /usr/local/lib/systemd/system, RPMs under /usr/lib/systemd/system), configuration in
 * /etc/rancher/rke2/config.yaml, the kubelet as a child process configured by rke2, its
 * certificates in /var/lib/rancher/rke2/agent, containerd config generated under
 * /var/lib/rancher/rke2/agent/etc/containerd.
 */
export const rke2: InstallerProfile = {
  id: 'rke2',
  title: 'RKE2 (managed kubelet)',
  era: {from: '1.24', to: null},
  installer: 'rke2 install.sh',
  unit: null,
  kubeletConfig: {path: null, format: 'yaml', dropInDir: null},
  kubeconfig: '/var/lib/rancher/rke2/agent/kubelet.kubeconfig',
  bootstrapKubeconfig: null,
  certDir: '/var/lib/rancher/rke2/agent',
  clientCert: '/var/lib/rancher/rke2/agent/client-kubelet.crt',
  caCert: '/var/lib/rancher/rke2/agent/client-ca.crt',
  runtime: {
    kind: 'containerd',
    configPath: '/var/lib/rancher/rke2/agent/etc/containerd/config.toml',
    endpoint: 'unix:///run/k3s/containerd/containerd.sock',
    cgroupDriver: 'systemd',
  },
  cni: {confDir: '/etc/cni/net.d', binDir: '/opt/cni/bin'},
  signals: [
    {kind: 'file', path: '/usr/local/lib/systemd/system/rke2-server.service', why: "the tarball install's server unit"},
    {kind: 'file', path: '/usr/local/lib/systemd/system/rke2-agent.service', why: "the tarball install's agent unit"},
    {kind: 'file', path: '/usr/lib/systemd/system/rke2-agent.service', why: "the RPM install's agent unit"},
    {kind: 'file', path: '/etc/rancher/rke2/config.yaml', why: "RKE2's config file"},
    {kind: 'file', path: '/var/lib/rancher/rke2/agent/kubelet.kubeconfig', why: "the managed kubelet's kubeconfig"},
  ],
  embeddedKubelet: {
    service: 'rke2-server.service or rke2-agent.service',
    configPath: '/etc/rancher/rke2/config.yaml',
    checked: EMBEDDED_CHECKED,
    notChecked: EMBEDDED_NOT_CHECKED,
  },
  sources: [
    'https://github.com/rancher/rke2/blob/v1.30.4%2Brke2r1/install.sh (rke2-server.service, /usr/local/lib/systemd/system)',
    'https://docs.rke2.io/install/configuration#configuration-file',
    'https://docs.rke2.io/advanced#configuring-containerd',
  ],
};
