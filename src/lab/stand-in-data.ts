/**
 * What the lab's stand-ins print that is more than a line: containerd 1.6's `crictl info`
 * JSON and `crictl version`, the CRI error of a containerd without its CRI plugin, and
 * `systemctl status kubelet`.
 */
import {criError, systemdTimestamp} from './journal.js';
import {CONTAINERD_PID, type RuntimeState} from './live-state.js';

/**
 * crictl's fatal message (logrus `msg="…"` quoting) when the runtime has no CRI or is not
 * running (kubelet.md §4.1 F16/F17, cri-tools#578); null when it answers.
 */
export function crictlFatal(runtime: RuntimeState): string | null {
  const err = criError(runtime);
  return err === null ? null : err.replace(/["\\]/g, (c) => `\\${c}`);
}

/** `containerd` unit properties for `systemctl show containerd`. */
export function containerdProperties(runtime: RuntimeState): [string, string][] {
  const up = runtime.kind !== 'not-running';
  return [
    ['LoadState', 'loaded'],
    ['ActiveState', up ? 'active' : 'activating'],
    ['SubState', up ? 'running' : 'auto-restart'],
    ['Result', up ? 'success' : 'exit-code'],
    ['NRestarts', up ? '0' : '27'],
    ['MainPID', up ? String(CONTAINERD_PID) : '0'],
    ['ExecMainCode', up ? '0' : '1'],
    ['ExecMainStatus', up ? '0' : '1'],
    ['FragmentPath', '/lib/systemd/system/containerd.service'],
    ['UnitFileState', 'enabled'],
  ];
}

/** `crictl info` of Debian 12's containerd 1.6 with the lab's config.toml. */
export function crictlInfo(o: {systemdCgroup: boolean; networkReady: boolean}): string {
  const cniFailure = 'cni config load failed: no network config found in /etc/cni/net.d: cni plugin not initialized: failed to load cni config';
  const info = {
    status: {
      conditions: [
        {type: 'RuntimeReady', status: true, reason: '', message: ''},
        o.networkReady
          ? {type: 'NetworkReady', status: true, reason: '', message: ''}
          : {type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'Network plugin returns error: cni plugin not initialized'},
      ],
    },
    cniconfig: {PluginDirs: ['/opt/cni/bin'], PluginConfDir: '/etc/cni/net.d', PluginMaxConfNum: 1, Prefix: 'eth', Networks: []},
    config: {
      containerd: {
        snapshotter: 'overlayfs',
        defaultRuntimeName: 'runc',
        runtimes: {
          runc: {
            runtimeType: 'io.containerd.runc.v2',
            runtimePath: '',
            runtimeEngine: '',
            PodAnnotations: null,
            ContainerAnnotations: null,
            runtimeRoot: '',
            options: {
              BinaryName: '',
              CriuImagePath: '',
              CriuPath: '',
              CriuWorkPath: '',
              IoGid: 0,
              IoUid: 0,
              NoNewKeyring: false,
              NoPivotRoot: false,
              Root: '',
              ShimCgroup: '',
              SystemdCgroup: o.systemdCgroup,
            },
            privileged_without_host_devices: false,
            baseRuntimeSpec: '',
            cniConfDir: '',
            cniMaxConfNum: 0,
          },
        },
        noPivot: false,
        disableSnapshotAnnotations: true,
        discardUnpackedLayers: false,
      },
      cni: {binDir: '/opt/cni/bin', confDir: '/etc/cni/net.d', maxConfNum: 1, confTemplate: '', ipPref: ''},
      enableSelinux: false,
      sandboxImage: 'registry.k8s.io/pause:3.9',
      systemdCgroup: false,
      containerdRootDir: '/var/lib/containerd',
      containerdEndpoint: '/run/containerd/containerd.sock',
      rootDir: '/var/lib/containerd/io.containerd.grpc.v1.cri',
      stateDir: '/run/containerd/io.containerd.grpc.v1.cri',
    },
    golang: 'go1.19.8',
    lastCNILoadStatus: o.networkReady ? 'OK' : cniFailure,
    'lastCNILoadStatus.default': o.networkReady ? 'OK' : cniFailure,
  };
  return `${JSON.stringify(info, null, 2)}\n`;
}

/** `crictl version` against containerd 1.6. */
export function crictlVersion(): string {
  return 'Version:  0.1.0\nRuntimeName:  containerd\nRuntimeVersion:  1.6.20~ds1\nRuntimeApiVersion:  v1\n';
}

/** What `systemctl status kubelet` is rendered from. */
export interface StatusInput {
  props: Map<string, string>;
  fragment: string;
  dropIns: string[];
  now: Date;
  started: Date | null;
  /** The last journal lines, already in `short` format. */
  journalTail: string;
}

function ago(now: Date, then: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}min ago` : `${Math.floor(s / 3600)}h ago`;
}

/** `systemctl status kubelet` as systemd 252 prints it (no colour, no pager). */
export function systemctlStatus(i: StatusInput): string {
  const p = (k: string): string => i.props.get(k) ?? '';
  const load = p('LoadState');
  const lines = ['● kubelet.service - kubelet: The Kubernetes Node Agent'];
  lines.push(
    load === 'loaded'
      ? `     Loaded: loaded (${i.fragment}; ${p('UnitFileState')}; preset: enabled)`
      : `     Loaded: ${load} (Reason: Unit kubelet.service has a bad unit file setting.)`,
  );
  const byDir = new Map<string, string[]>();
  for (const d of i.dropIns) {
    const dir = d.slice(0, d.lastIndexOf('/'));
    byDir.set(dir, [...(byDir.get(dir) ?? []), d.slice(d.lastIndexOf('/') + 1)]);
  }
  let first = true;
  for (const [dir, names] of byDir) {
    lines.push(`${first ? '    Drop-In: ' : '             '}${dir}`);
    lines.push(`             └─${names.join(', ')}`);
    first = false;
  }
  const since = i.started ? ` since ${systemdTimestamp(i.started)}; ${ago(i.now, i.started)}` : '';
  const active = p('ActiveState');
  if (active === 'active') lines.push(`     Active: active (running)${since}`);
  else if (active === 'activating') lines.push(`     Active: activating (auto-restart) (Result: exit-code)${since}`);
  else lines.push('     Active: inactive (dead)');
  lines.push('       Docs: https://kubernetes.io/docs/');
  if (active === 'active') lines.push(`   Main PID: ${p('MainPID')} (kubelet)`);
  if (active === 'activating') {
    lines.push(
      `    Process: ${p('ExecMainPID')} ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS (code=exited, status=1/FAILURE)`,
    );
    lines.push(`   Main PID: ${p('ExecMainPID')} (code=exited, status=1/FAILURE)`);
  }
  return `${lines.join('\n')}\n\n${i.journalTail}`;
}
