import type {InstallerProfile} from './types.js';

/**
 * Azure AKS (AgentBaker, parts/linux/cloud-init/artifacts): kubelet.service in /etc/systemd/system
 * runs /usr/local/bin/kubelet with EnvironmentFile=/etc/default/kubelet (KUBELET_FLAGS,
 * KUBELET_NODE_LABELS) and drop-ins that add the TLS bootstrap kubeconfigs
 * (/var/lib/kubelet/kubeconfig, /var/lib/kubelet/bootstrap-kubeconfig), the JSON config file
 * /etc/default/kubeletconfig.json and containerd's endpoint; the CA is /etc/kubernetes/certs/ca.crt.
 */
export const aks: InstallerProfile = {
  id: 'aks',
  title: 'Azure AKS (AgentBaker)',
  era: {from: '1.24', to: null},
  installer: 'AgentBaker (AKS node image)',
  unit: {
    unitPath: '/etc/systemd/system/kubelet.service',
    dropIns: [
      '/etc/systemd/system/kubelet.service.d/10-componentconfig.conf',
      '/etc/systemd/system/kubelet.service.d/10-containerd.conf',
      '/etc/systemd/system/kubelet.service.d/10-tlsbootstrap.conf',
    ],
    envFiles: [{path: '/etc/default/kubelet', variables: ['KUBELET_FLAGS', 'KUBELET_NODE_LABELS'], optional: false}],
    executable: '/usr/local/bin/kubelet',
  },
  kubeletConfig: {path: '/etc/default/kubeletconfig.json', format: 'json', dropInDir: null},
  kubeconfig: '/var/lib/kubelet/kubeconfig',
  bootstrapKubeconfig: '/var/lib/kubelet/bootstrap-kubeconfig',
  certDir: '/var/lib/kubelet/pki',
  clientCert: '/var/lib/kubelet/pki/kubelet-client-current.pem',
  caCert: '/etc/kubernetes/certs/ca.crt',
  runtime: {kind: 'containerd', configPath: '/etc/containerd/config.toml', endpoint: 'unix:///run/containerd/containerd.sock', cgroupDriver: 'systemd'},
  cni: {confDir: '/etc/cni/net.d', binDir: '/opt/cni/bin'},
  signals: [
    {kind: 'flag', flag: 'config', value: '/etc/default/kubeletconfig.json', why: "AgentBaker's KUBELET_CONFIG_FILE_FLAGS"},
    {kind: 'unit-file', path: '/etc/systemd/system/kubelet.service.d/10-tlsbootstrap.conf', why: "AgentBaker's TLS bootstrap drop-in"},
    {kind: 'flag', flag: 'bootstrap-kubeconfig', value: '/var/lib/kubelet/bootstrap-kubeconfig', why: "AgentBaker's bootstrap kubeconfig"},
    {kind: 'file', path: '/etc/kubernetes/certs/ca.crt', why: "AKS's certificate directory"},
  ],
  sources: [
    'https://github.com/Azure/AgentBaker/blob/master/parts/linux/cloud-init/artifacts/kubelet.service',
    'https://github.com/Azure/AgentBaker/blob/master/parts/linux/cloud-init/artifacts/cse_config.sh (KUBELET_CONFIG_JSON_PATH=/etc/default/kubeletconfig.json, /etc/default/kubelet)',
    'https://github.com/Azure/AgentBaker/blob/master/parts/linux/cloud-init/artifacts/ (10-containerd.conf, 10-tlsbootstrap.conf, bootstrap-kubeconfig)',
  ],
};
