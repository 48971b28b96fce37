/**
 * The filesystems the kubelet's eviction manager watches: nodefs (the one holding the kubelet's
 * root dir, /var/lib/kubelet) and imagefs (the container runtime's root), each with bytes and
 * inodes total and free, from `df -kP` / `df -iP` on the node.
 */
import {collected, notCollected, type Collected, type RawSnapshot, type Source} from '../core.js';
import {lastValue, liveValues, oneLine} from './live-records.js';

/** Space and inodes of one filesystem. */
export interface FsUsage {
  /** The directory measured (`/var/lib/kubelet`, `/var/lib/containerd`). */
  path: string;
  /** The device (`/dev/sda1`) and where it is mounted (the host root prefix removed). */
  filesystem: string;
  mount: string;
  /** Bytes: total (f_blocks) and available to non-root (f_bavail, what the kubelet counts). */
  capacity: number;
  available: number;
  source: Source;
  text: string;
  /** Inodes total and free, null when `df -iP` gave nothing (some filesystems have no inode count). */
  inodes: number | null;
  inodesFree: number | null;
  inodeSource: Source | null;
  inodeText: string | null;
}

/** nodefs and imagefs. */
export interface FilesystemFacts {
  nodefs: FsUsage | null;
  imagefs: FsUsage | null;
  /** Why a filesystem is missing (no runtime root found, df failed). */
  notes: string[];
}

/** The data line of POSIX `df -P` output (a long device name may wrap onto a second line). */
function dfLine(stdout: string): string[] | null {
  const words = stdout.split('\n').slice(1).join(' ').trim().split(/\s+/);
  return words.length >= 6 ? words : null;
}

function usage(raw: RawSnapshot, path: string, kId: string, iId: string, notes: string[]): FsUsage | null {
  const k = raw.commands[kId];
  if (k?.status !== 'ok') {
    notes.push(`\`df -kP ${path}\` ${k ? `${k.status}${k.reason ? `: ${oneLine(k.reason)}` : ''}` : 'was not run'}`);
    return null;
  }
  const f = dfLine(k.stdout);
  const capacity = Number(f?.[1]);
  const available = Number(f?.[3]);
  if (!f || !Number.isFinite(capacity) || !Number.isFinite(available)) {
    notes.push(`\`df -kP ${path}\` printed no usable line`);
    return null;
  }
  const prefix = raw.hostRoot === '/' ? '' : raw.hostRoot.replace(/\/+$/, '');
  const mount = f.slice(5).join(' ');
  const i = raw.commands[iId];
  const fi = i?.status === 'ok' ? dfLine(i.stdout) : null;
  const inodes = Number(fi?.[1]);
  const inodesFree = Number(fi?.[3]);
  const haveInodes = fi !== null && Number.isFinite(inodes) && Number.isFinite(inodesFree) && inodes > 0;
  return {
    path,
    filesystem: f[0] ?? '',
    mount: prefix && mount.startsWith(prefix) ? mount.slice(prefix.length) || '/' : mount,
    capacity: capacity * 1024,
    available: available * 1024,
    source: {command: `df -kP ${path}`},
    text: oneLine(k.stdout.split('\n').slice(1).join(' ')),
    inodes: haveInodes ? inodes : null,
    inodesFree: haveInodes ? inodesFree : null,
    inodeSource: haveInodes ? {command: `df -iP ${path}`} : null,
    inodeText: haveInodes && i ? oneLine(i.stdout.split('\n').slice(1).join(' ')) : null,
  };
}

/** Build nodefs (df-kubelet, dfi-kubelet) and imagefs (df-imagefs, dfi-imagefs). */
export function buildFilesystems(raw: RawSnapshot): Collected<FilesystemFacts> {
  const live = liveValues(raw);
  if (!live.ok) return notCollected(live.reason);
  const notes: string[] = [];
  const nodefs = usage(raw, '/var/lib/kubelet', 'df-kubelet', 'dfi-kubelet', notes);
  const imagefsPath = lastValue(live.values, 'imagefs.path');
  const imagefs = imagefsPath === undefined ? null : usage(raw, imagefsPath, 'df-imagefs', 'dfi-imagefs', notes);
  if (imagefsPath === undefined) notes.push('no container runtime root (/var/lib/containerd, /var/lib/containers/storage, /var/lib/docker) on the node');
  if (!nodefs && !imagefs) return notCollected(`not collected: ${notes.join('; ')}`);
  return collected({nodefs, imagefs, notes});
}
