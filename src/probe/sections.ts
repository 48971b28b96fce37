/**
 * What the probe reads and runs on a node: data, not code. script.ts turns this into one POSIX
 * sh script; adding a fact usually means adding a line here and a builder in facts/.
 */

/** A file to read (capped), optionally only on a live node (/proc, /sys). */
export interface FileSection {
  path: string;
  live?: boolean;
  /** Byte cap; defaults to {@link DEFAULT_FILE_CAP}. */
  maxBytes?: number;
}

/** A directory to list; `read: true` also reads its files whose names match the probe's extensions. */
export interface DirSection {
  path: string;
  read: boolean;
  live?: boolean;
  /** Read only the files whose names match this sh `case` pattern (`*.crt`: the certificates, never the keys beside them). */
  only?: string;
  /** A kubelet.service.d directory: its drop-ins are read before the file cap counts ({@link DROPIN_READ_MAX}). */
  unit?: boolean;
}

/** A command run on a live node (never under --root), with a time cap. */
export interface CommandSection {
  id: string;
  argv: string[];
  timeoutS: number;
  maxBytes?: number;
  /**
   * Run after everything else, live checks included: the node clock (`date`) is read last so
   * it is taken as close as possible to the moment the operator's side reads its own clock.
   */
  runLast?: boolean;
}

/** Default byte cap per file: config files are small; anything bigger is reported as too large. */
export const DEFAULT_FILE_CAP = 1024 * 1024;
/** Byte cap per command's output. */
export const DEFAULT_COMMAND_CAP = 256 * 1024;
/** How many files the dynamic discovery may read at most (bounds a hostile or odd node). */
export const DISCOVERY_MAX_FILES = 300;
/** Entries listed per directory (every entry is counted; the record says when there are more). */
export const DIR_LIST_MAX = 500;
/**
 * Files read from the fixed directories of {@link DIRS} (manifests, PKI, CNI, sysctl.d …): a
 * budget of their own, so a directory of thousands of files never starves the files the kubelet's
 * configuration names ({@link DISCOVERY_MAX_FILES}).
 */
export const DIR_READ_MAX = 300;
/** Entries visited across all listings (bounds a node with huge directories). */
export const DIR_VISIT_MAX = 50_000;
/**
 * Unit drop-ins read per kubelet.service.d directory, before the file cap counts: the kubelet's
 * own files come first. systemd reads every drop-in; with more than this the facts say the
 * effective unit was not computed instead of guessing it from part of them.
 */
export const DROPIN_READ_MAX = 100;
/** Matches one discovery glob expands, and globbed matches in all. */
export const GLOB_MAX = 100;
export const GLOB_TOTAL_MAX = 1000;
/** Records of files not read past the file cap (then discovery stops). */
export const CAPPED_RECORDS_MAX = 100;
/** Discovery rounds: unit → config.yaml → kubeconfig → certificates. */
export const DISCOVERY_ROUNDS = 3;

/** Extensions of files worth reading when a path is named in another file or found in a listed dir. */
export const READ_EXTENSIONS = ['yaml', 'yml', 'conf', 'conflist', 'json', 'toml', 'crt', 'pem', 'key', 'env', 'kubeconfig', 'service', 'cfg'] as const;

/** Directories never listed by discovery (too broad to be what a setting names). */
export const DISCOVERY_DENY_DIRS = [
  '/',
  '/etc',
  '/var',
  '/usr',
  '/opt',
  '/run',
  '/var/lib',
  '/var/run',
  '/usr/lib',
  '/lib',
  '/home',
  '/root',
  '/tmp',
  '/proc',
  '/sys',
  '/dev',
  '/bin',
  '/sbin',
  '/usr/bin',
  '/usr/sbin',
  '/usr/local',
  '/usr/local/bin',
  '/boot',
] as const;

/**
 * kubeadm's control-plane private keys: discovery never reads them, even when a static pod
 * manifest names them (`--tls-private-key-file=/etc/kubernetes/pki/apiserver.key`). No check
 * needs them, and a key that is not read cannot leave the node. sh `case` patterns.
 */
export const NEVER_READ = [
  '/etc/kubernetes/pki/ca.key',
  '/etc/kubernetes/pki/sa.key',
  '/etc/kubernetes/pki/apiserver*.key',
  '/etc/kubernetes/pki/front-proxy-*.key',
  '/etc/kubernetes/pki/etcd/*.key',
] as const;

/** systemd system unit directories, highest priority first (systemd.unit(5)). */
export const UNIT_DIRS = [
  '/etc/systemd/system',
  '/run/systemd/system',
  '/usr/local/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/lib/systemd/system',
] as const;

import {withProfilePaths} from './profile-paths.js';

/** Files read on every node; then each installer profile's fixed paths not named here (src/probe/profile-paths.ts). */
export const FILES: readonly FileSection[] = withProfilePaths([
  ...UNIT_DIRS.map((d) => ({path: `${d}/kubelet.service`})),
  {path: '/etc/default/kubelet'},
  {path: '/etc/sysconfig/kubelet'},
  {path: '/var/lib/kubelet/kubeadm-flags.env'},
  {path: '/var/lib/kubelet/config.yaml'},
  {path: '/var/lib/kubelet/instance-config.yaml'},
  {path: '/etc/kubernetes/kubelet.conf'},
  {path: '/etc/kubernetes/bootstrap-kubelet.conf'},
  {path: '/etc/kubernetes/pki/ca.crt'},
  {path: '/etc/containerd/config.toml'},
  {path: '/etc/crio/crio.conf'},
  {path: '/etc/docker/daemon.json'},
  // dockerd's own flags (`--exec-opt native.cgroupdriver=...`) live in docker.service and the
  // environment files its distribution units name; cri-dockerd's units say it serves the kubelet.
  ...UNIT_DIRS.flatMap((d) => ['docker.service', 'cri-docker.service', 'cri-docker.socket'].map((u) => ({path: `${d}/${u}`}))),
  {path: '/etc/sysconfig/docker'},
  {path: '/etc/sysconfig/docker-storage'},
  {path: '/etc/sysconfig/docker-network'},
  {path: '/etc/default/docker'},
  {path: '/etc/crictl.yaml'},
  {path: '/etc/fstab'},
  {path: '/etc/sysctl.conf'},
  {path: '/etc/modules'},
  {path: '/etc/hostname'},
  {path: '/proc/swaps', live: true},
  {path: '/proc/meminfo', live: true},
  {path: '/proc/cmdline', live: true},
  {path: '/proc/modules', live: true},
  {path: '/proc/sys/net/bridge/bridge-nf-call-iptables', live: true},
  {path: '/proc/sys/net/bridge/bridge-nf-call-ip6tables', live: true},
  {path: '/proc/sys/net/ipv4/ip_forward', live: true},
  {path: '/sys/fs/cgroup/cgroup.controllers', live: true},
]);

/** Directories listed on every node (and read when `read`). */
export const DIRS: readonly DirSection[] = [
  ...UNIT_DIRS.map((d) => ({path: `${d}/kubelet.service.d`, read: true, unit: true})),
  {path: '/var/lib/kubelet/pki', read: true},
  {path: '/etc/kubernetes/manifests', read: true},
  // Control-plane PKI, as `kubeadm certs check-expiration` sees it: the certificates and the
  // kubeconfigs with embedded client certificates (admin.conf, super-admin.conf,
  // controller-manager.conf, scheduler.conf). The listings tell whether a CA key exists; the keys
  // themselves are never read. Listed before discovery, so a manifest naming these directories
  // does not read them whole.
  {path: '/etc/kubernetes', read: true, only: '*.conf'},
  {path: '/etc/kubernetes/pki', read: true, only: '*.crt'},
  {path: '/etc/kubernetes/pki/etcd', read: true, only: '*.crt'},
  {path: '/etc/containerd/conf.d', read: true},
  {path: '/etc/crio/crio.conf.d', read: true},
  ...UNIT_DIRS.map((d) => ({path: `${d}/docker.service.d`, read: true, only: '*.conf'})),
  {path: '/etc/cni/net.d', read: true},
  {path: '/opt/cni/bin', read: false},
  {path: '/etc/sysctl.d', read: true},
  {path: '/usr/lib/sysctl.d', read: true},
  {path: '/run/sysctl.d', read: true},
  {path: '/etc/modules-load.d', read: true},
  {path: '/usr/lib/modules-load.d', read: true},
  {path: '/run/containerd', read: false, live: true},
  {path: '/var/run/crio', read: false, live: true},
  {path: '/run', read: false, live: true},
];

/** Commands run on a live node. `{root}` in an argument stands for the host root. */
export const COMMANDS: readonly CommandSection[] = [
  {id: 'kubelet-version', argv: ['kubelet', '--version'], timeoutS: 5},
  {
    id: 'systemctl-show',
    argv: [
      'systemctl',
      'show',
      'kubelet',
      '--no-pager',
      '-p',
      'LoadState,ActiveState,SubState,NRestarts,ExecMainStatus,ExecMainCode,UnitFileState,NeedDaemonReload,FragmentPath,DropInPaths,ExecMainStartTimestamp',
    ],
    timeoutS: 5,
  },
  {id: 'hostname', argv: ['hostname'], timeoutS: 2},
  {id: 'date', argv: ['date', '-u', '+%Y-%m-%dT%H:%M:%SZ'], timeoutS: 2, runLast: true},
  {id: 'cgroup-fs', argv: ['stat', '-fc', '%T', '{root}/sys/fs/cgroup'], timeoutS: 2},
  {id: 'nproc', argv: ['nproc'], timeoutS: 2},
  {id: 'df-kubelet', argv: ['df', '-kP', '{root}/var/lib/kubelet'], timeoutS: 5},
  {id: 'dfi-kubelet', argv: ['df', '-iP', '{root}/var/lib/kubelet'], timeoutS: 5},
  {id: 'crictl-info', argv: ['crictl', 'info'], timeoutS: 8},
];

/**
 * Caps and time limits of the live checks the probe runs itself (script-live.ts): they need
 * shell logic (the effective healthz port, the kubeconfig's server and CA) rather than one argv.
 */
export const LIVE = {
  /** journalctl -n: the kubelet's recent history, enough for a crash loop's last few runs. */
  journalLines: 300,
  /** The newest bytes of the journal kept (the cap keeps the end, not the start). */
  journalCap: 256 * 1024,
  journalTimeoutS: 5,
  /** Connect timeout for healthz and the API server; the whole request gets two seconds more. */
  httpConnectS: 3,
  /** Kubelet processes listed at most (a node with more is broken in a way the list shows). */
  maxKubeletProcesses: 16,
  /** Where image filesystems live, first existing one wins: containerd, CRI-O (containers/storage), dockerd. */
  imagefsDirs: ['/var/lib/containerd', '/var/lib/containers/storage', '/var/lib/docker'],
} as const;
