/**
 * One fix or rollback at a time per node: a lock directory on the node
 * (`/var/lib/kubelet-doctor/lock`, under the host root), made with `mkdir` (atomic, never through
 * a symlink) and holding who took it: a random token, the pid, user and host of the kubelet-doctor
 * that holds it, when, and what for. A second fix exits 2 naming the holder. A lock whose holder
 * is gone (same machine, pid not running) is broken by itself; one older than {@link STALE_AFTER_S}
 * is reported stale and broken only with --force. Only the token's owner releases it.
 */
import {hostname, userInfo} from 'node:os';
import type {Transport} from '../transport/types.js';
import {EXIT, LOCK_DIR, lockScript, randomHex, unlockScript} from './script.js';

/** A lock older than this is stale whoever holds it (a fix takes minutes; this is generous). */
export const STALE_AFTER_S = 6 * 3600;

/** Who holds a lock, as its owner file says (each field validated; null when missing or malformed). */
export interface LockHolder {
  token: string | null;
  pid: number | null;
  host: string | null;
  user: string | null;
  started: number | null;
  action: string | null;
}

/** The lock taken, or why not. */
export type LockResult =
  | {ok: true; token: string /** Set when a stale lock was broken first. */; note?: string}
  | {ok: false; refusal: 'locked' | 'unsafe' | 'failed'; message: string; hint: string};

const word = (s: string): string => s.replace(/[^A-Za-z0-9._@-]/g, '_').slice(0, 64) || '_';
const FIELDS: Record<keyof LockHolder, RegExp> = {
  token: /^[0-9a-f]{32}$/,
  pid: /^\d{1,10}$/,
  host: /^[A-Za-z0-9._@-]{1,64}$/,
  user: /^[A-Za-z0-9._@-]{1,64}$/,
  started: /^\d{1,12}$/,
  action: /^[A-Za-z0-9 ._:-]{1,80}$/,
};

/** Parse the holder's lines (`KD-H key=value`). */
export function parseHolder(lines: string[]): LockHolder {
  const h: LockHolder = {token: null, pid: null, host: null, user: null, started: null, action: null};
  for (const l of lines) {
    const m = /^KD-H ([a-z]+)=(.*)$/.exec(l);
    if (!m || !(m[1]! in FIELDS) || !FIELDS[m[1] as keyof LockHolder].test(m[2]!)) continue;
    const k = m[1] as keyof LockHolder;
    if (k === 'pid' || k === 'started') h[k] = Number(m[2]);
    else h[k] = m[2]!;
  }
  return h;
}

function me(): {user: string; host: string} {
  let user = process.env['USER'] ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry: keep $USER.
  }
  return {user: word(user), host: word(hostname())};
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Whether a holder is stale, and why (null: it may still be working). */
export function staleness(h: LockHolder, nowS: number): {why: string; certain: boolean} | null {
  if (h.host !== null && h.host === me().host && h.pid !== null && !alive(h.pid))
    return {why: `pid ${h.pid} is no longer running on this machine`, certain: true};
  if (h.started !== null && nowS - h.started > STALE_AFTER_S) return {why: `it was taken ${Math.floor((nowS - h.started) / 3600)} hours ago`, certain: false};
  return null;
}

const describe = (h: LockHolder): string => {
  if (h.token === null && h.pid === null) return 'an unknown holder (the lock has no owner file)';
  const since = h.started !== null ? ` since ${new Date(h.started * 1000).toISOString()}` : '';
  return `${h.action ?? 'a kubelet-doctor run'} by ${h.user ?? '?'}@${h.host ?? '?'} (pid ${h.pid ?? '?'})${since}`;
};

/**
 * Take the node's lock for `action` (`fix kubelet-config`, `rollback ID`). `force` breaks a stale
 * lock (never one whose holder may still be working). Rejects with TargetError when the node
 * cannot be reached.
 */
export async function acquireLock(
  t: Transport,
  o: {action: string; force: boolean; timeoutMs: number; signal?: AbortSignal; node: string},
): Promise<LockResult> {
  const token = randomHex();
  const who = me();
  const owner = [
    `token=${token}`,
    `pid=${process.pid}`,
    `host=${who.host}`,
    `user=${who.user}`,
    `started=${Math.floor(Date.now() / 1000)}`,
    `action=${o.action.replace(/[^A-Za-z0-9 ._:-]/g, '_').slice(0, 80)}`,
  ].join('\n');
  const attempt = async (breakToken: string | null) => {
    const r = await t.run({script: lockScript(t.hostRoot, token, owner, breakToken), timeoutMs: o.timeoutMs, ...(o.signal ? {signal: o.signal} : {})});
    return {...r, lines: r.stdout.toString('utf8').split('\n')};
  };
  let r = await attempt(null);
  let note: string | undefined;
  if (r.exitCode === EXIT.locked) {
    const h = parseHolder(r.lines);
    const clock = Number(r.lines.find((l) => /^KD-CLOCK \d+$/.test(l))?.slice(9) ?? Date.now() / 1000);
    const stale = staleness(h, clock);
    if (stale && (stale.certain || o.force) && (h.token !== null || (h.pid === null && o.force))) {
      r = await attempt(h.token ?? '');
      note = `broke a stale lock on ${o.node}: ${describe(h)}: ${stale.why}`;
    } else if (stale) {
      return {
        ok: false,
        refusal: 'locked',
        message: `${o.node} holds a stale lock: ${describe(h)}: ${stale.why}`,
        hint: `if no kubelet-doctor is working on this node any more, pass --force to break the lock (${LOCK_DIR} on the node)`,
      };
    } else {
      return {
        ok: false,
        refusal: 'locked',
        message: `${o.node} is being changed by another kubelet-doctor: ${describe(h)} holds its lock`,
        hint: `wait for it to finish and run this again (one fix at a time per node; the lock is ${LOCK_DIR} on the node)${h.token === null ? '; --force breaks a lock with no owner file' : ''}`,
      };
    }
  }
  if (r.exitCode === 0 && r.lines.includes(`KD-LOCKED ${token}`)) return {ok: true, token, ...(note ? {note} : {})};
  if (r.exitCode === EXIT.outsideRoot) {
    const link = r.lines.find((l) => l.startsWith('KD-UNSAFE '))?.slice(10) ?? LOCK_DIR;
    return {
      ok: false,
      refusal: 'unsafe',
      message: `${link} on ${o.node} is a symlink: kubelet-doctor keeps its lock and backups there and never follows a link out of the node's files`,
      hint: 'look at that link on the node; remove it if it is not meant to be there',
    };
  }
  if (r.exitCode === EXIT.locked)
    return {
      ok: false,
      refusal: 'locked',
      message: `${o.node} is being changed by another kubelet-doctor: ${describe(parseHolder(r.lines))} took its lock just now`,
      hint: 'wait for it to finish and run this again',
    };
  return {
    ok: false,
    refusal: 'failed',
    message: `could not take the lock on ${o.node} (exit ${r.exitCode ?? r.signal}): ${r.stderr.trim().split('\n').pop() ?? ''}`,
    hint: `is ${LOCK_DIR.replace(/\/lock$/, '')} writable on the node?`,
  };
}

/** Release the lock if it is still ours; never aborted (Ctrl-C must still leave the node unlocked), never throws. */
export async function releaseLock(t: Transport, token: string, timeoutMs: number): Promise<void> {
  try {
    await t.run({script: unlockScript(t.hostRoot, token), timeoutMs});
  } catch {
    // The node is gone: the lock is left, and reported stale once its holder has exited.
  }
}
