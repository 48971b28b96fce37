/**
 * The one entry from raw probe output to typed facts. Pure: no I/O, no clock. The order below
 * is the kubelet's own: unit → argv → config file → kubeconfig → certificates → runtime.
 */
import {buildUnit, buildUnitState} from './systemd-unit.js';
import {buildArgv} from './kubelet-argv.js';
import {buildKubeletVersion} from './version.js';
import {buildKubeletConfig} from './kubelet-config.js';
import {buildKubeconfig} from './kubeconfig.js';
import {buildCerts} from './certs.js';
import {buildControlPlanePki} from './control-plane-pki.js';
import {buildRuntime, buildCni} from './runtime.js';
import {buildSwap, buildKernel, buildCgroup, buildCapacity, buildStaticPods} from './host.js';
import {buildHealthz} from './live-healthz.js';
import {buildApiserver} from './live-apiserver.js';
import {buildKubeletProcesses, buildLockFile} from './live-kubelet.js';
import {buildListeners} from './live-ports.js';
import {buildFilesystems} from './live-disk.js';
import {buildTimeSync} from './live-time.js';
import {buildJournal} from './journal.js';
import {buildCriSocket} from './live-cri.js';
import {buildJoinEndpoint} from './live-join.js';
import {collected, notCollected, type Collected, type Facts, type RawSnapshot, type Sourced, type TransportKind} from './types.js';

/** What buildFacts needs besides the raw output. */
/** Why cluster checks skip when no kubeconfig was given. */
export const NO_CLUSTER = 'no cluster view: pass --kubeconfig FILE (or set $KUBECONFIG, or --cluster for ~/.kube/config) to read the Node, its lease, CSRs and tokens from the API server';

export interface BuildOptions {
  name: string;
  transport: TransportKind;
  /** `--kubelet-version`, which beats detection. */
  kubeletVersion?: string | null;
}

const NOT_LIVE = 'not collected: the root transport reads files only (commands and /proc need a live node)';

function fromCommand(raw: RawSnapshot, id: string): Collected<Sourced<string>> {
  const c = raw.commands[id];
  if (!raw.live) return notCollected(NOT_LIVE);
  if (!c) return notCollected(`\`${id}\` was not run`);
  if (c.status !== 'ok') return notCollected(`\`${c.command}\` ${c.status}${c.reason ? `: ${c.reason}` : ''}`);
  const value = c.stdout.trim();
  return collected({value, source: {command: id}, text: value});
}

function buildHostname(raw: RawSnapshot): Collected<Sourced<string>> {
  const live = fromCommand(raw, 'hostname');
  if (live.collected && live.value.value) return live;
  const f = raw.files['/etc/hostname'];
  if (f?.status === 'ok' && f.content !== undefined) {
    const lines = f.content.split('\n');
    const i = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    if (i >= 0) return collected({value: lines[i]!.trim(), source: {file: '/etc/hostname', line: i + 1}, text: lines[i]!});
  }
  return live.collected ? notCollected('the node has an empty hostname') : live;
}

/** Build the facts snapshot for one node. */
export function buildFacts(raw: RawSnapshot, opts: BuildOptions): Facts {
  const unit = buildUnit(raw);
  const argv = buildArgv(unit);
  const kubeletVersion = buildKubeletVersion(raw, opts.kubeletVersion ?? undefined);
  const version = kubeletVersion.collected ? kubeletVersion.value.value : null;
  const kubeletConfig = buildKubeletConfig(raw, argv, version);
  const kubeconfig = buildKubeconfig(raw, argv);
  const runtime = buildRuntime(raw, kubeletConfig, argv);
  return {
    target: {name: opts.name, transport: opts.transport, hostRoot: raw.hostRoot, live: raw.live},
    probe: {version: raw.probeVersion, notes: raw.notes},
    hostname: buildHostname(raw),
    nodeTime: fromCommand(raw, 'date'),
    kubeletVersion,
    unit,
    unitState: buildUnitState(raw),
    argv,
    kubeletConfig,
    kubeconfig,
    certs: buildCerts(raw, kubeconfig, kubeletConfig, argv),
    controlPlanePki: buildControlPlanePki(raw),
    runtime,
    cni: buildCni(raw, runtime),
    staticPods: buildStaticPods(raw, kubeletConfig),
    swap: buildSwap(raw),
    kernel: buildKernel(raw),
    cgroup: buildCgroup(raw),
    capacity: buildCapacity(raw),
    kubeletProcesses: buildKubeletProcesses(raw),
    lockFile: buildLockFile(raw),
    healthz: buildHealthz(raw),
    listeners: buildListeners(raw),
    apiserver: buildApiserver(raw),
    filesystems: buildFilesystems(raw),
    timeSync: buildTimeSync(raw),
    journal: buildJournal(raw),
    criSocket: buildCriSocket(raw),
    // Joined in by the engine when a cluster view was fetched (src/engine/run.ts).
    joinEndpoint: buildJoinEndpoint(raw),
    cluster: notCollected(NO_CLUSTER),
  };
}
