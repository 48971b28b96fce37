/**
 * The facts snapshot: everything the checks may look at, typed and with provenance.
 * Checks never see bytes or paths they have to re-parse; every value knows where it came from.
 * The primitives live in the leaf module core.ts (re-exported here); each domain type lives beside
 * its builder in facts/<domain>/.
 */

export * from './core.js';
import type {Collected, KubeletArgv, KubeletConfigFacts, Sourced} from './core.js';

import type {UnitFacts, UnitState} from './systemd/systemd-unit.js';
import type {KubeconfigFacts} from './kubeconfig/kubeconfig.js';
import type {CertFacts} from './pki/certs.js';
import type {ControlPlanePkiFacts} from './pki/control-plane-pki.js';
import type {RuntimeFacts, CniFacts} from './runtime/runtime.js';
import type {StaticPodsFacts, SwapFacts, KernelFacts, CgroupFacts, CapacityFacts} from './host/host.js';
import type {HealthzFacts} from './live/live-healthz.js';
import type {ApiserverFacts} from './live/live-apiserver.js';
import type {KubeletProcess, LockFileFacts} from './live/live-kubelet.js';
import type {ListenerFacts} from './live/live-ports.js';
import type {FilesystemFacts} from './live/live-disk.js';
import type {TimeSyncFacts} from './live/live-time.js';
import type {JournalFacts} from './host/journal.js';
import type {CriSocketFacts} from './live/live-cri.js';
import type {ClusterFacts} from './live/cluster.js';
import type {JoinEndpointFacts} from './live/live-join.js';
import type {ProfileFacts} from './kubelet/profile.js';

/** How the node was reached. */
export type TransportKind = 'ssh' | 'local' | 'root' | 'snapshot' | 'pod';

/** Everything the checks may read about one node. Serialisable, redacted, pure data. */
export interface Facts {
  target: {name: string; transport: TransportKind; hostRoot: string; live: boolean};
  probe: {
    version: number;
    notes: string[];
    /** Why the probe's output is not whole (cut, malformed, a section missing); null or absent when whole. */
    incomplete?: string | null;
  };
  /** The node's hostname (live: `hostname`; offline: /etc/hostname). */
  hostname: Collected<Sourced<string>>;
  /** The node's clock when the probe ran (live only). */
  nodeTime: Collected<Sourced<string>>;
  /** `v1.30.2`: `--kubelet-version`, `kubelet --version`, or the dpkg database. */
  kubeletVersion: Collected<Sourced<string>>;
  /** kubelet.service and its drop-ins merged the way systemd merges them. */
  unit: Collected<UnitFacts>;
  /** Live unit state from `systemctl show kubelet`. */
  unitState: Collected<UnitState>;
  /** The effective kubelet command line. */
  argv: Collected<KubeletArgv>;
  /** The effective KubeletConfiguration. */
  kubeletConfig: Collected<KubeletConfigFacts>;
  /** kubelet.conf / bootstrap-kubelet.conf. */
  kubeconfig: Collected<KubeconfigFacts>;
  /** Every certificate the kubelet uses. */
  certs: Collected<CertFacts>;
  /** Control-plane nodes: the kubeadm PKI and the kubeconfigs' embedded certificates (`kubeadm certs check-expiration`). */
  controlPlanePki: Collected<ControlPlanePkiFacts>;
  /** The container runtime's configuration. */
  runtime: Collected<RuntimeFacts>;
  /** CNI configuration and plugin binaries. */
  cni: Collected<CniFacts>;
  /** Static pod manifests under staticPodPath. */
  staticPods: Collected<StaticPodsFacts>;
  swap: Collected<SwapFacts>;
  kernel: Collected<KernelFacts>;
  cgroup: Collected<CgroupFacts>;
  capacity: Collected<CapacityFacts>;
  /** Live: every process named kubelet, with its command line. */
  kubeletProcesses: Collected<KubeletProcess[]>;
  /** Live: the `--lock-file` the probe found and who holds or waits for it. */
  lockFile: Collected<LockFileFacts>;
  /** Live: the healthz endpoint the probe queried and its answer. */
  healthz: Collected<HealthzFacts>;
  /** Live: listening TCP sockets and their processes. */
  listeners: Collected<ListenerFacts>;
  /** Live: DNS, TLS and /livez of the API server in the kubeconfig, from the node. */
  apiserver: Collected<ApiserverFacts>;
  /** Live: nodefs and imagefs space and inodes. */
  filesystems: Collected<FilesystemFacts>;
  /** Live: whether the node's clock is synchronised (timedatectl). */
  timeSync: Collected<TimeSyncFacts>;
  /** Live: the kubelet's recent journal lines. */
  journal: Collected<JournalFacts>;
  /** Live, without crictl: the CRI v1 Version call on the runtime's socket. */
  criSocket: Collected<CriSocketFacts>;
  /** Live, with --join-command: the join endpoint's cluster-info, fetched from the node. */
  joinEndpoint: Collected<JoinEndpointFacts>;
  /** The cluster's view of this node (Node object, lease, CSRs, tokens, versions): only with a kubeconfig. */
  cluster: Collected<ClusterFacts>;
  /** The installer profile the node's files match (checks/data/profiles), with evidence; `unknown` when none does. */
  profile: Collected<ProfileFacts>;
}
