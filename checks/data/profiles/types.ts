/**
 * The shape of an installer profile: what one installer, in one era, writes on a node (paths,
 * file formats, defaults, unit layout). Data only; a leaf module that imports nothing, so the
 * facts (discovery), the probe (paths to read) and the lab (healthy trees) can all use it.
 */

/** A KubeletConfiguration file's format: kubeadm and most installers write YAML, EKS and AKS JSON. */
export type ConfigFormat = 'yaml' | 'json';

/** The container runtime the installer sets up. */
export type RuntimeKind = 'containerd' | 'docker' | 'cri-dockerd';

/** A cgroup driver as the kubelet and the runtimes name it. */
export type CgroupDriver = 'systemd' | 'cgroupfs';

/** An environment file a unit reads, and the variables the installer puts in it. */
export interface EnvFile {
  path: string;
  variables: readonly string[];
  /** `EnvironmentFile=-path`: the unit starts without it. */
  optional: boolean;
}

/** How the installer starts the kubelet under systemd. */
export interface UnitLayout {
  /** The unit file the installer writes (or the package ships). */
  unitPath: string;
  /** The drop-ins it writes, by full path, in the order systemd reads them. */
  dropIns: readonly string[];
  envFiles: readonly EnvFile[];
  /** The kubelet binary ExecStart runs. */
  executable: string;
}

/**
 * One thing on a node that tells this installer apart, most specific first. `reference`s are
 * what the kubelet's own unit points at (a flag value, the unit's or an env file's path) and are
 * weighed before `file`s that merely exist and `content` found in a file. A profile whose
 * signals include `required` ones matches only when at least one of those is found: what sets
 * it apart from the layout it builds on (dockershim's --network-plugin over the legacy DEB files).
 */
export type Signal = (
  | {kind: 'flag'; flag: string; value: string}
  | {kind: 'executable'; path: string}
  | {kind: 'unit-file'; path: string}
  | {kind: 'file'; path: string}
  | {kind: 'content'; path: string; pattern: string}
) & {why: string; required?: boolean};

/** A kubelet that runs inside another program (k3s, RKE2): no kubelet.service, flags passed in-process. */
export interface EmbeddedKubelet {
  /** The unit that runs the server or agent holding the kubelet. */
  service: string;
  /** Where the operator sets kubelet arguments (`kubelet-arg:` in the config file). */
  configPath: string;
  /** What the tool can check on such a node. */
  checked: readonly string[];
  /** What does not apply (the kubelet has no unit, flags or config file of its own). */
  notChecked: readonly string[];
}

/** One installer, in one era. */
export interface InstallerProfile {
  /** Stable id, reported in JSON (`kubeadm-deb`, `eks-al2023`, …). */
  id: string;
  title: string;
  /** The kubelet minor versions this layout is found with (inclusive); `to: null` while current. */
  era: {from: string; to: string | null};
  /** The package or tool that lays the node out. */
  installer: string;
  /** null when the kubelet is embedded in another program's unit. */
  unit: UnitLayout | null;
  kubeletConfig: {path: string | null; format: ConfigFormat; dropInDir: string | null};
  kubeconfig: string;
  bootstrapKubeconfig: string | null;
  /** The directory holding the kubelet's certificates. */
  certDir: string;
  /** The client certificate the kubeconfig names; null when the kubelet authenticates another way (an exec plugin). */
  clientCert: string | null;
  /** The cluster CA the kubelet trusts (clientCAFile / certificate-authority). */
  caCert: string;
  runtime: {kind: RuntimeKind; configPath: string; endpoint: string; cgroupDriver: CgroupDriver};
  cni: {confDir: string; binDir: string};
  /** What identifies this installer on a node, most specific first. */
  signals: readonly Signal[];
  embeddedKubelet?: EmbeddedKubelet;
  /** Where each fact above comes from: URLs, or repository paths at a tag. */
  sources: readonly string[];
}
