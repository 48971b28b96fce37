/**
 * The one entry from raw probe output to typed facts. Pure: no I/O, no clock. The order below
 * is the kubelet's own: unit → argv → config file → kubeconfig → certificates → runtime.
 */
import {buildUnit, buildUnitState, type UnitFacts} from './systemd/systemd-unit.js';
import {DIR_LIST_MAX, UNIT_DIRS} from '../probe/sections.js';
import {buildArgv} from './kubelet/kubelet-argv.js';
import {buildKubeletVersion} from './kubelet/version.js';
import {buildKubeletConfig} from './kubelet/kubelet-config.js';
import {buildKubeconfig} from './kubeconfig/kubeconfig.js';
import {buildCerts} from './pki/certs.js';
import {buildControlPlanePki} from './pki/control-plane-pki.js';
import {buildRuntime, buildCni} from './runtime/runtime.js';
import {buildSwap, buildKernel, buildCgroup, buildCapacity, buildStaticPods} from './host/host.js';
import {buildHealthz} from './live/live-healthz.js';
import {buildApiserver} from './live/live-apiserver.js';
import {buildKubeletProcesses, buildLockFile} from './live/live-kubelet.js';
import {buildListeners} from './live/live-ports.js';
import {buildFilesystems} from './live/live-disk.js';
import {buildTimeSync} from './live/live-time.js';
import {buildJournal} from './host/journal.js';
import {buildCriSocket} from './live/live-cri.js';
import {buildJoinEndpoint} from './live/live-join.js';
import {buildProfile} from './kubelet/profile.js';
import {collected, notCollected, type Collected, type Facts, type RawSnapshot, type Sourced, type TransportKind} from './types.js';

/** What buildFacts needs besides the raw output. */
/** Why cluster checks skip when no kubeconfig was given. */
export const NO_CLUSTER =
  'no cluster view: pass --kubeconfig FILE (or set $KUBECONFIG, or --cluster for ~/.kube/config) to read the Node, its lease, CSRs and tokens from the API server';

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

/**
 * Why the kubelet's effective unit cannot be computed from what the probe read, or null. systemd
 * reads every drop-in in every kubelet.service.d; when the probe listed or read only part of them
 * (a directory with more entries than it lists, a drop-in past its cap or with a name it does not
 * read), a merge of the rest would be a guess: the unit, and everything derived from it, is not
 * collected, with the reason.
 */
export function unitIncomplete(raw: RawSnapshot): string | null {
  let total = 0;
  const cut: string[] = [];
  const unread: string[] = [];
  for (const d of UNIT_DIRS) {
    const rec = raw.dirs[`${d}/kubelet.service.d`];
    if (rec === undefined || rec.status !== 'ok') continue;
    const confs = rec.entries.filter((e) => e.type !== 'dir' && e.name.endsWith('.conf'));
    if (rec.truncated) {
      cut.push(rec.path);
      total += Math.max(rec.total ?? 0, rec.entries.length);
    } else total += confs.length;
    for (const e of confs) {
      const f = raw.files[`${rec.path}/${e.name}`];
      if (f === undefined || f.reason !== undefined) unread.push(`${rec.path}/${e.name}`);
    }
  }
  if (cut.length === 0 && unread.length === 0) return null;
  const why =
    cut.length > 0
      ? `${cut.join(' and ')} hold${cut.length === 1 ? 's' : ''} more entries than the probe lists (${DIR_LIST_MAX} a directory)`
      : `${unread.length} of them were not read (${unread.slice(0, 2).join(', ')}${unread.length > 2 ? ', …' : ''})`;
  return `the kubelet unit has ${total} drop-ins and ${why}: systemd reads every one, so the effective unit (ExecStart, Environment, the kubelet's flags) is not computed from part of them`;
}

/**
 * Why a domain read from whole directories cannot be trusted, or null: one of `dirs` holds more
 * entries than the probe lists, or a file in it was not read (a cap, a name with control
 * characters). A verdict on the part that was read could be wrong (a later sysctl.d file that
 * overrides, a manifest that does not parse), so the domain is not collected, with the reason.
 */
export function partialDirs(raw: RawSnapshot, dirs: readonly string[], what: string): string | null {
  for (const d of dirs) {
    const rec = raw.dirs[d];
    if (rec?.truncated) return `${what} not computed: ${d} holds more entries (${rec.total ?? '?'}) than the probe lists (${DIR_LIST_MAX})`;
    const unread = Object.values(raw.files).filter((f) => f.reason !== undefined && f.path.startsWith(`${d}/`) && !f.path.slice(d.length + 1).includes('/'));
    if (unread.length > 0) return `${what} not computed: ${unread.length} file(s) in ${d} were not read (${unread[0]!.reason})`;
  }
  return null;
}

const KERNEL_DIRS = ['/etc/sysctl.d', '/usr/lib/sysctl.d', '/run/sysctl.d', '/etc/modules-load.d', '/usr/lib/modules-load.d'] as const;

function orPartial<T>(why: string | null, build: () => Collected<T>): Collected<T> {
  return why === null ? build() : notCollected(why);
}

/** The static pod directory the kubelet uses (kubeadm's default when unknown). */
function staticPodDirs(cfg: Facts['kubeletConfig']): string[] {
  const v = cfg.collected ? cfg.value.effective['staticPodPath']?.value : undefined;
  return [typeof v === 'string' && v !== '' ? v.replace(/\/+$/, '') : '/etc/kubernetes/manifests'];
}

/** Build the facts snapshot for one node. */
export function buildFacts(raw: RawSnapshot, opts: BuildOptions): Facts {
  const partialUnit = unitIncomplete(raw);
  const unit = partialUnit === null ? buildUnit(raw) : notCollected<UnitFacts>(partialUnit);
  const argv = buildArgv(unit);
  const kubeletVersion = buildKubeletVersion(raw, opts.kubeletVersion ?? undefined);
  const version = kubeletVersion.collected ? kubeletVersion.value.value : null;
  const kubeletConfig = buildKubeletConfig(raw, argv, version);
  const kubeconfig = buildKubeconfig(raw, argv);
  const runtime = buildRuntime(raw, kubeletConfig, argv, version);
  return {
    target: {name: opts.name, transport: opts.transport, hostRoot: raw.hostRoot, live: raw.live},
    probe: {version: raw.probeVersion, notes: raw.notes, incomplete: raw.incomplete ?? null},
    hostname: buildHostname(raw),
    nodeTime: fromCommand(raw, 'date'),
    kubeletVersion,
    unit,
    unitState: buildUnitState(raw),
    argv,
    kubeletConfig,
    kubeconfig,
    certs: buildCerts(raw, kubeconfig, kubeletConfig, argv),
    controlPlanePki: orPartial(partialDirs(raw, ['/etc/kubernetes', '/etc/kubernetes/pki', '/etc/kubernetes/pki/etcd'], 'the control-plane PKI'), () =>
      buildControlPlanePki(raw),
    ),
    runtime,
    cni: orPartial(partialDirs(raw, ['/etc/cni/net.d'], 'the CNI configuration'), () => buildCni(raw, runtime)),
    staticPods: orPartial(partialDirs(raw, staticPodDirs(kubeletConfig), 'the static pods'), () => buildStaticPods(raw, kubeletConfig)),
    swap: buildSwap(raw),
    kernel: orPartial(partialDirs(raw, KERNEL_DIRS, 'the boot-time kernel settings'), () => buildKernel(raw)),
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
    profile: buildProfile(raw, unit, argv),
  };
}
