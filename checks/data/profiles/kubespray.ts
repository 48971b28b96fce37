import type {InstallerProfile} from './types.js';

/**
 * kubespray (roles/kubernetes/node): its own kubelet.service in /etc/systemd/system reading
 * /etc/kubernetes/kubelet.env (KUBELET_ARGS and friends), the binary in bin_dir
 * (/usr/local/bin), the KubeletConfiguration in kube_config_dir (/etc/kubernetes/kubelet-config.yaml),
 * and the CA in kube_cert_dir (/etc/kubernetes/ssl). cgroupDriver defaults to systemd.
 */
export const kubespray: InstallerProfile = {
  id: 'kubespray',
  title: 'kubespray',
  era: {from: '1.24', to: null},
  installer: 'kubespray (Ansible)',
  unit: {
    unitPath: '/etc/systemd/system/kubelet.service',
    dropIns: [],
    envFiles: [
      {
        path: '/etc/kubernetes/kubelet.env',
        variables: ['KUBE_LOG_LEVEL', 'KUBELET_ADDRESS', 'KUBELET_HOSTNAME', 'KUBELET_ARGS', 'KUBELET_CLOUDPROVIDER'],
        optional: true,
      },
    ],
    executable: '/usr/local/bin/kubelet',
  },
  kubeletConfig: {path: '/etc/kubernetes/kubelet-config.yaml', format: 'yaml', dropInDir: null},
  kubeconfig: '/etc/kubernetes/kubelet.conf',
  bootstrapKubeconfig: '/etc/kubernetes/bootstrap-kubelet.conf',
  certDir: '/var/lib/kubelet/pki',
  clientCert: '/var/lib/kubelet/pki/kubelet-client-current.pem',
  caCert: '/etc/kubernetes/ssl/ca.crt',
  runtime: {kind: 'containerd', configPath: '/etc/containerd/config.toml', endpoint: 'unix:///var/run/containerd/containerd.sock', cgroupDriver: 'systemd'},
  cni: {confDir: '/etc/cni/net.d', binDir: '/opt/cni/bin'},
  signals: [
    {kind: 'flag', flag: 'config', value: '/etc/kubernetes/kubelet-config.yaml', why: "kubespray's kubelet.env passes its config path"},
    {kind: 'unit-file', path: '/etc/kubernetes/kubelet.env', why: "kubespray's unit reads kubelet.env"},
    {kind: 'executable', path: '/usr/local/bin/kubelet', why: 'kubespray installs the kubelet in bin_dir'},
    {kind: 'file', path: '/etc/kubernetes/ssl/ca.crt', why: "kubespray's kube_cert_dir"},
  ],
  sources: [
    'https://github.com/kubernetes-sigs/kubespray/blob/v2.31.0/roles/kubernetes/node/templates/kubelet.service.j2',
    'https://github.com/kubernetes-sigs/kubespray/blob/v2.31.0/roles/kubernetes/node/templates/kubelet.env.v1beta1.j2',
    'https://github.com/kubernetes-sigs/kubespray/blob/v2.31.0/roles/kubernetes/node/templates/kubelet-config.v1beta1.yaml.j2',
    'https://github.com/kubernetes-sigs/kubespray/blob/v2.31.0/roles/kubespray_defaults/defaults/main/main.yml (bin_dir, kube_config_dir, kube_cert_dir)',
    'https://github.com/kubernetes-sigs/kubespray/blob/v2.31.0/roles/kubernetes/preinstall/tasks/0050-create_directories.yml (kube_manifest_dir created on every node)',
  ],
};
