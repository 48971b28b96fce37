/**
 * Restoring a backup: after a failed verification (apply.ts) and by hand with
 * `kubelet-doctor fix TARGET --rollback TIMESTAMP`. The manifest on the node says what to put
 * back, so a restore needs nothing from the run that took the backup.
 */
import type {Transport} from '../transport/types.js';
import {EXIT, listScript, restoreScript} from './script.js';

/** What a restore did. */
export interface RestoreResult {
  ok: boolean;
  /** The backup does not exist on the node. */
  missing: boolean;
  restored: string[];
  /** Files the fix had created, removed again. */
  removed: string[];
  failed: string[];
  /** Units restarted again / systemd reload problems (live nodes). */
  problems: string[];
  message: string;
}

/** The backup ids on the node, oldest first. */
export async function listBackups(t: Transport, o: {timeoutMs: number; signal?: AbortSignal}): Promise<string[]> {
  const r = await t.run({script: listScript(t.hostRoot), timeoutMs: o.timeoutMs, ...(o.signal ? {signal: o.signal} : {})});
  return r.stdout.toString('utf8').split('\n').filter((l) => l.startsWith('KD-BACKUP ')).map((l) => l.slice(10)).sort();
}

/** A backup id is a timestamp (with an optional -N suffix): nothing else reaches a path. */
export const isBackupId = (s: string): boolean => /^\d{8}T\d{6}Z(-\d+)?$/.test(s);

/** Restore backup `ts` on the node (rejects with TargetError when the node cannot be reached). */
export async function runRestore(t: Transport, ts: string, o: {timeoutMs: number; signal?: AbortSignal}): Promise<RestoreResult> {
  const r = await t.run({script: restoreScript(t.hostRoot, ts, t.live), timeoutMs: o.timeoutMs, ...(o.signal ? {signal: o.signal} : {})});
  const lines = r.stdout.toString('utf8').split('\n');
  const pick = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
  const missing = r.exitCode === EXIT.noBackup;
  const ok = r.exitCode === 0 && lines.includes('KD-RESTORE-OK');
  const problems = [...pick('KD-UNIT-FAILED ').map((u) => `systemctl restart ${u} failed`), ...(lines.includes('KD-RELOAD-FAILED') ? ['systemctl daemon-reload failed'] : [])];
  return {
    ok,
    missing,
    restored: pick('KD-RESTORED '),
    removed: pick('KD-REMOVED '),
    failed: pick('KD-RESTORE-FAILED '),
    problems,
    message: missing ? `no backup ${ts} on the node` : ok ? 'restored' : `the restore script failed (exit ${r.exitCode ?? r.signal}): ${r.stderr.trim().split('\n').pop() ?? ''}`,
  };
}
