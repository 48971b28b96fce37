/**
 * What a lab node looks like while it runs: the kubelet unit's state, whether the kubelet
 * process is up (healthz, ports), what the container runtime answers and what the kernel shows.
 * One row per scenario, so the live checks see the same fault the node's files carry, the way
 * it shows on a real node (a removed flag is a crash loop, a missing CNI config is a running
 * kubelet whose runtime network is not ready).
 */
import type {ScenarioId} from './scenarios.js';

/** How the kubelet unit is doing. */
export type KubeletRun =
  /** active (running): healthz answers, 10250 and 10248 are held by the kubelet. */
  | 'running'
  /** activating (auto-restart): the kubelet exits at start-up and systemd restarts it every 10 s. */
  | 'crash-loop'
  /** The unit failed to load (bad-setting): systemd never starts the kubelet. */
  | 'not-loaded';

/**
 * containerd as it runs with the node's config.toml. A version 2 config whose disabled_plugins
 * holds a short name ("cri", as Docker's containerd.io ships it in a version 1 file) does not
 * load: containerd 1.6 exits with `invalid disabled plugin URI "cri" expect io.containerd.x.vx`
 * (services/server/config ValidateV2). In a version 1 file the CRI plugin is simply off and every
 * CRI call answers Unimplemented (kubelet.md §4.1 F16).
 */
export type RuntimeState = {kind: 'running'} | {kind: 'no-cri'} | {kind: 'not-running'; reason: string};

/** How containerd runs with this config.toml (see {@link RuntimeState}). */
export function runtimeState(configToml: string): RuntimeState {
  // <1:version>
  const version = Number(/^\s*version\s*=\s*(\d+)/m.exec(configToml)?.[1] ?? '1');
  // <1:the list's items>
  const list = /^\s*disabled_plugins\s*=\s*\[([^\]]*)\]/m.exec(configToml)?.[1] ?? '';
  const names = [...list.matchAll(/["']([^"']+)["']/g)].map((m) => m[1]!);
  const bad = version >= 2 ? names.find((n) => (version === 2 ? n.split('.').length < 4 : !n.includes('.'))) : undefined;
  if (bad !== undefined) {
    return {
      kind: 'not-running',
      reason: `failed to load TOML from /etc/containerd/config.toml: invalid disabled plugin URI "${bad}" expect io.containerd.x.vx`,
    };
  }
  if (names.includes('cri') || names.includes('io.containerd.grpc.v1.cri')) return {kind: 'no-cri'};
  return {kind: 'running'};
}

/** The live side of one scenario. */
export interface LiveProfile {
  kubelet: KubeletRun;
  /** The runtime reports NetworkReady (false while no CNI config is installed). */
  networkReady: boolean;
  /** /swap.img is active in /proc/swaps. */
  swapOn: boolean;
}

const running: LiveProfile = {kubelet: 'running', networkReady: true, swapOn: false};
const crashLoop: LiveProfile = {...running, kubelet: 'crash-loop'};

/**
 * Every scenario's live profile. A `Record` over the scenario union, so adding a scenario
 * without saying how it runs is a compile error.
 */
export const LIVE_PROFILES: Readonly<Record<ScenarioId, LiveProfile>> = {
  healthy: running,
  // kubelet.md §4.2 R14: with containerd the kubelet keeps running; sandboxes fail to start.
  'cgroup-driver-mismatch': running,
  // kubelet.md §4.1 F1: pflag rejects the flag before anything else runs.
  'removed-flag': crashLoop,
  // F13 then F12: the expired cert sends the kubelet to a bootstrap file kubeadm already deleted.
  'expired-client-cert': crashLoop,
  // R21: lenient decoding drops the unknown field and the kubelet runs.
  'config-typo': running,
  // F3.
  'missing-config': crashLoop,
  // systemd.service(5): more than one ExecStart= is refused at load time (LoadState=bad-setting).
  'dropin-no-reset': {...running, kubelet: 'not-loaded'},
  // F10: failSwapOn (default true) with swap active.
  'swap-on': {...crashLoop, swapOn: true},
  // R1: the kubelet runs; the runtime reports NetworkReady=false.
  'no-cni': {...running, networkReady: false},
  // F16 or F17: the kubelet cannot reach the CRI (see runtimeState for which one).
  'cri-disabled': crashLoop,
  // The certificate store cannot pair the key with the certificate.
  'key-mismatch': crashLoop,
};

/** How many times systemd has restarted a crash-looping kubelet when the lab starts. */
export const LAB_RESTARTS = 42;

/** `systemctl show kubelet` properties for a profile (systemd.exec(5), org.freedesktop.systemd1(5) names). */
export function unitProperties(p: LiveProfile, o: {fragmentPath: string; dropInPaths: string[]; startedAt: string}): [string, string][] {
  const base: [string, string][] = [
    ['Type', 'simple'],
    ['Restart', 'always'],
    ['NeedDaemonReload', 'no'],
    ['FragmentPath', o.fragmentPath],
    ['DropInPaths', o.dropInPaths.join(' ')],
    ['UnitFileState', 'enabled'],
    ['UnitFilePreset', 'enabled'],
  ];
  switch (p.kubelet) {
    case 'running':
      return [
        ['LoadState', 'loaded'],
        ['ActiveState', 'active'],
        ['SubState', 'running'],
        ['Result', 'success'],
        ['NRestarts', '0'],
        ['MainPID', String(KUBELET_PID)],
        ['ExecMainPID', String(KUBELET_PID)],
        ['ExecMainCode', '0'],
        ['ExecMainStatus', '0'],
        ['ExecMainStartTimestamp', o.startedAt],
        ...base,
      ];
    case 'crash-loop':
      // ExecMainCode 1 is CLD_EXITED: the process exited with ExecMainStatus.
      return [
        ['LoadState', 'loaded'],
        ['ActiveState', 'activating'],
        ['SubState', 'auto-restart'],
        ['Result', 'exit-code'],
        ['NRestarts', String(LAB_RESTARTS)],
        ['MainPID', '0'],
        ['ExecMainPID', String(KUBELET_PID + LAB_RESTARTS)],
        ['ExecMainCode', '1'],
        ['ExecMainStatus', '1'],
        ['ExecMainStartTimestamp', o.startedAt],
        ...base,
      ];
    case 'not-loaded':
      return [
        ['LoadState', 'bad-setting'],
        ['ActiveState', 'inactive'],
        ['SubState', 'dead'],
        ['Result', 'success'],
        ['NRestarts', '0'],
        ['MainPID', '0'],
        ['ExecMainPID', '0'],
        ['ExecMainCode', '0'],
        ['ExecMainStatus', '0'],
        ['ExecMainStartTimestamp', ''],
        ...base,
      ];
  }
}

/** The kubelet's pid on a running lab node (the crash loop's pids count up from it). */
export const KUBELET_PID = 2392;
/** containerd's pid on every lab node. */
export const CONTAINERD_PID = 671;

/** The kubelet command line systemd runs on a kubeadm lab node (what `ps` and /proc/<pid>/cmdline show). */
export const KUBELET_ARGV: readonly string[] = [
  '/usr/bin/kubelet',
  '--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf',
  '--kubeconfig=/etc/kubernetes/kubelet.conf',
  '--config=/var/lib/kubelet/config.yaml',
  '--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock',
];
