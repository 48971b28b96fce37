/**
 * The kubelet as it runs: every process named `kubelet` with its command line, and who holds
 * (or waits for) the `--lock-file` lock, read from /proc/locks by inode. Two kubelets on one
 * node fight over ports, containers and the node object (kubelet.md F20).
 */
import {collected, notCollected, type Collected, type RawSnapshot, type Source} from '../core.js';
import {lastValue, liveValues, oneLine} from './live-records.js';

/** One running kubelet process. */
export interface KubeletProcess {
  pid: number;
  /** argv[0] and the arguments, as /proc/<pid>/cmdline holds them. */
  argv: string[];
  source: Source;
  /** The command line on one line (capped), for evidence. */
  text: string;
}

/** A process holding or waiting for the lock file's flock. */
export interface LockOwner {
  pid: number;
  /** The process name (/proc/<pid>/comm), `?` when it had already gone. */
  comm: string;
  /** Blocked in flock(2) waiting for the lock (a `->` line in /proc/locks). */
  waiting: boolean;
  source: Source;
  text: string;
}

/** The lock file the probe found in the kubelet's flags, and its holders. */
export interface LockFileFacts {
  /** The `--lock-file` path the probe found (unit, env files, running kubelet), or null. */
  path: string | null;
  /** Whether the file exists; null when no path was found. */
  exists: boolean | null;
  owners: LockOwner[];
  /** What went wrong reading it (a symlink loop), or null. */
  error: string | null;
}

const PROCS: Source = {command: 'kubelet processes (/proc/*/comm, /proc/<pid>/cmdline)'};
const LOCKS: Source = {file: '/proc/locks'};

/** Every process named `kubelet`, from the probe's `kubelet-procs` record. */
export function buildKubeletProcesses(raw: RawSnapshot): Collected<KubeletProcess[]> {
  const live = liveValues(raw);
  if (!live.ok) return notCollected(live.reason);
  const rec = raw.commands['kubelet-procs'];
  if (!rec) return notCollected('not collected: the probe did not list processes');
  const out: KubeletProcess[] = [];
  let cur: KubeletProcess | null = null;
  for (const line of rec.stdout.split('\n')) {
    // <1:pid>
    const m = /^--pid (\d+)$/.exec(line);
    if (m?.[1]) {
      cur = {pid: Number(m[1]), argv: [], source: PROCS, text: ''};
      out.push(cur);
    } else if (cur && line !== '') {
      cur.argv.push(line);
    }
  }
  for (const p of out) p.text = oneLine(`pid ${p.pid}: ${p.argv.join(' ')}`, 400);
  return collected(out);
}

/** The lock file and its holders, from the `live` record's `lock.*` lines. */
export function buildLockFile(raw: RawSnapshot): Collected<LockFileFacts> {
  const live = liveValues(raw);
  if (!live.ok) return notCollected(live.reason);
  const v = live.values;
  const path = lastValue(v, 'lock.path') ?? null;
  const existsText = lastValue(v, 'lock.exists');
  const owners: LockOwner[] = [];
  for (const kind of ['holder', 'waiter'] as const) {
    for (const entry of v.get(`lock.${kind}`) ?? []) {
      // <1:pid> <2:lock type> <3:comm>
      const m = /^(\d+) (\S+) ?(.*)$/.exec(entry);
      if (!m?.[1]) continue;
      const comm = m[3] || '?';
      owners.push({
        pid: Number(m[1]),
        comm,
        waiting: kind === 'waiter',
        source: LOCKS,
        text: oneLine(`${kind === 'waiter' ? 'waiting' : 'holding'}: pid ${m[1]} (${comm}), ${m[2]} lock`),
      });
    }
  }
  return collected({
    path,
    exists: path === null ? null : existsText === undefined ? null : existsText === '1',
    owners,
    error: lastValue(v, 'lock.error') ?? null,
  });
}
