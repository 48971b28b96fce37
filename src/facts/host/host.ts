/**
 * Host facts the kubelet depends on: swap, kernel modules and sysctls, the cgroup hierarchy,
 * machine capacity, and the static pod manifests. Live values come from /proc and commands;
 * under the root transport the builders fall back to the files that configure the next boot.
 */
import {collected, notCollected} from '../core.js';
import type {Collected, RawSnapshot, Source, Sourced} from '../core.js';

export {buildSwap} from './host-swap.js';
export {buildKernel} from './host-kernel.js';
export {buildStaticPods} from '../kubelet/static-pods.js';

/** The reason live-only host facts carry under the root transport. */
export const NOT_LIVE = 'root transport: commands and /proc are not collected';

/** One swap area: active in /proc/swaps (live) or configured in /etc/fstab. */
export interface SwapEntry {
  /** Device or file, as written. */
  device: string;
  /** zram is a compressed RAM device: still swap to the kubelet. */
  kind: 'partition' | 'file' | 'zram';
  /** Size in KiB (/proc/swaps only). */
  sizeKiB: number | null;
  /** fstab `noauto`: not activated at boot. */
  noauto: boolean;
  source: Source;
  text: string;
}

/** Swap on the node. */
export interface SwapFacts {
  /** `proc-swaps`: what is on now (live); `fstab`: what the next boot turns on (offline). */
  basis: 'proc-swaps' | 'fstab';
  /** The file read (evidence when no entry is found). */
  checked: Source;
  /** Active swap (live) or fstab swap entries (offline). */
  entries: SwapEntry[];
  /** fstab swap entries (also collected live: `swapoff -a` alone does not survive a reboot). */
  fstab: SwapEntry[];
  /** What could not be looked at (systemd swap units, zram-generator). */
  notes: string[];
  /**
   * Why the live input (/proc/swaps) is not there, when the verdict is the offline judgement
   * (`basis: 'fstab'`): `root transport`, or `not collected by the probe` on a live node.
   */
  offlineBecause?: string;
}

/** Kernel prerequisites: sysctls and modules, now and at boot. */
export interface KernelFacts {
  live: boolean;
  /**
   * Live values from /proc/sys, keyed by sysctl name (`net.ipv4.ip_forward`). A null value
   * means the /proc/sys file does not exist (the bridge keys appear only with br_netfilter).
   */
  sysctl: Record<string, Sourced<string | null>>;
  /** The winning persisted value per key (sysctl.d(5) order, then /etc/sysctl.conf). */
  persisted: Record<string, Sourced<string>>;
  /** Loaded modules from /proc/modules (null when not collected). */
  loadedModules: Record<string, Sourced<string>> | null;
  /** Modules loaded at boot (modules-load.d(5), /etc/modules). */
  bootModules: Record<string, Sourced<string>>;
  /** Configuration files read, in processing order. */
  files: string[];
}

/** The cgroup hierarchy the node booted with. */
export interface CgroupFacts {
  /** 2 for cgroup2fs; 1 for tmpfs (v1 or hybrid). */
  version: Sourced<1 | 2>;
  /** Filesystem type of /sys/fs/cgroup. */
  fsType: string;
  /** v2: controllers available at the root (/sys/fs/cgroup/cgroup.controllers). */
  controllers: Sourced<string[]> | null;
  /** The kernel command line switch selecting the hierarchy, if any. */
  cmdline: Sourced<string> | null;
}

/** Machine capacity as the kubelet measures it (cAdvisor: MemTotal, cores, the kubelet root fs). */
export interface CapacityFacts {
  /** CPU cores (`nproc`). */
  cpu: Sourced<number> | null;
  /** Bytes of RAM (MemTotal). */
  memory: Sourced<number> | null;
  /** Bytes available now (MemAvailable). */
  memoryAvailable: Sourced<number> | null;
  /** Bytes of the filesystem holding /var/lib/kubelet (ephemeral-storage capacity). */
  ephemeralStorage: Sourced<number> | null;
  /** Bytes free on it. */
  ephemeralStorageAvailable: Sourced<number> | null;
  /** Inodes of that filesystem, and how many are free. */
  inodes: Sourced<number> | null;
  inodesFree: Sourced<number> | null;
}

/** One static pod manifest in staticPodPath. */
export interface StaticPodManifest {
  path: string;
  status: 'ok' | 'missing' | 'unreadable' | 'binary' | 'too-large' | 'not-collected' | 'parse-error' | 'not-a-pod';
  /** metadata.name / metadata.namespace when found. */
  name?: string;
  namespace?: string;
  error?: string;
  /** The line of the error, or of `name:` for a good manifest. */
  line?: number;
  text?: string;
}

/** The kubelet's static pod source (pkg/kubelet/config/file.go). */
export interface StaticPodsFacts {
  /** The effective staticPodPath and where it was set; `""` disables static pods. */
  path: Sourced<string>;
  /** What the path is on the node. */
  kind: 'dir' | 'file' | 'missing' | 'unreadable' | 'not-collected' | 'disabled';
  manifests: StaticPodManifest[];
  /** Entries the kubelet skips: hidden files (`.kubelet-keep`) and subdirectories. */
  ignored: string[];
}

function commandOutput(raw: RawSnapshot, id: string): {ok: true; stdout: string; source: Source} | {ok: false; reason: string} {
  const c = raw.commands[id];
  if (!c) return {ok: false, reason: `\`${id}\` was not run by the probe`};
  if (c.status !== 'ok') return {ok: false, reason: `\`${c.command}\` ${c.status}${c.reason ? `: ${c.reason}` : ''}`};
  return {ok: true, stdout: c.stdout, source: {command: c.command}};
}

function fileContent(raw: RawSnapshot, path: string): string | null {
  const f = raw.files[path];
  return f?.status === 'ok' && f.content !== undefined && !f.binary ? f.content : null;
}

/**
 * The cgroup version from `stat -fc %T /sys/fs/cgroup` (cgroup2fs = v2, tmpfs = v1/hybrid),
 * with the root controllers and any `systemd.unified_cgroup_hierarchy` / `cgroup_no_v1`
 * switch on the kernel command line. Offline it is not collected: the hierarchy is a property
 * of the running kernel, not of a file.
 */
export function buildCgroup(raw: RawSnapshot): Collected<CgroupFacts> {
  if (!raw.live) return notCollected(`${NOT_LIVE}: the cgroup version is a property of the running kernel`);
  const out = commandOutput(raw, 'cgroup-fs');
  if (!out.ok) return notCollected(out.reason);
  const fsType = out.stdout.trim();
  const version = fsType === 'cgroup2fs' ? 2 : fsType === 'tmpfs' ? 1 : null;
  if (version === null) return notCollected(`unexpected filesystem type "${fsType}" on /sys/fs/cgroup`);
  const ctrl = fileContent(raw, '/sys/fs/cgroup/cgroup.controllers');
  const cmd = fileContent(raw, '/proc/cmdline');
  const switchWord = cmd?.split(/\s+/).find((w) => /^(systemd\.unified_cgroup_hierarchy|cgroup_no_v1|systemd\.legacy_systemd_cgroup_controller)=/.test(w));
  return collected({
    version: {value: version, source: out.source, text: fsType},
    fsType,
    controllers:
      ctrl === null ? null : {value: ctrl.trim().split(/\s+/).filter(Boolean), source: {file: '/sys/fs/cgroup/cgroup.controllers', line: 1}, text: ctrl.trim()},
    cmdline: switchWord ? {value: switchWord, source: {file: '/proc/cmdline', line: 1}, text: switchWord} : null,
  });
}

function meminfo(content: string | null, key: string): Sourced<number> | null {
  if (content === null) return null;
  const lines = content.split('\n');
  const i = lines.findIndex((l) => l.startsWith(`${key}:`));
  // <1:kB value>
  const m = i < 0 ? null : /:\s*(\d+)\s*kB/.exec(lines[i] ?? '');
  return m?.[1] ? {value: Number(m[1]) * 1024, source: {file: '/proc/meminfo', line: i + 1}, text: (lines[i] ?? '').trim()} : null;
}

function dfColumn(raw: RawSnapshot, id: string, column: number, scale: number): Sourced<number> | null {
  const out = commandOutput(raw, id);
  if (!out.ok) return null;
  // POSIX df -P: a header, then one line: filesystem, total, used, available/free, capacity, mount.
  const line = out.stdout
    .split('\n')
    .slice(1)
    .find((l) => l.trim() !== '');
  const value = Number(line?.trim().split(/\s+/)[column]);
  return line && Number.isFinite(value) ? {value: value * scale, source: out.source, text: line.trim()} : null;
}

/** Capacity as the kubelet reports it (live only): cores, MemTotal, the kubelet root filesystem. */
export function buildCapacity(raw: RawSnapshot): Collected<CapacityFacts> {
  if (!raw.live) return notCollected(`${NOT_LIVE}: capacity is measured on the running node`);
  const mem = fileContent(raw, '/proc/meminfo');
  const nproc = commandOutput(raw, 'nproc');
  const cores = nproc.ok ? Number(nproc.stdout.trim()) : NaN;
  const facts: CapacityFacts = {
    cpu: nproc.ok && Number.isInteger(cores) && cores > 0 ? {value: cores, source: nproc.source, text: nproc.stdout.trim()} : null,
    memory: meminfo(mem, 'MemTotal'),
    memoryAvailable: meminfo(mem, 'MemAvailable'),
    ephemeralStorage: dfColumn(raw, 'df-kubelet', 1, 1024),
    ephemeralStorageAvailable: dfColumn(raw, 'df-kubelet', 3, 1024),
    inodes: dfColumn(raw, 'dfi-kubelet', 1, 1),
    inodesFree: dfColumn(raw, 'dfi-kubelet', 3, 1),
  };
  if (!facts.cpu && !facts.memory && !facts.ephemeralStorage) {
    return notCollected('none of /proc/meminfo, `nproc`, `df -kP /var/lib/kubelet` gave a value');
  }
  return collected(facts);
}
