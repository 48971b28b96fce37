/**
 * `kubelet-doctor fix TARGET --rollback TIMESTAMP [--force]`: put a backup back by hand (after a
 * fix that verified but turned out wrong, or when an automatic rollback could not finish). On a
 * live node systemd is reloaded and the units the fix restarted are restarted again.
 *
 * The backup is on the node's disk, which is not trusted: only a backup this machine's audit log
 * records is restored, while its manifest still has the recorded sha256 (--force skips that
 * check, never the path, symlink and mode checks); a file changed since the fix wrote it is not
 * overwritten without --force (exit 1, with the diff); the node is locked meanwhile. Exit 0
 * restored (or nothing to restore), 1 not restored, 2 refused (unrecorded, tampered or unsafe
 * backup, the node locked, a malformed id), 3 the node could not be reached.
 */
import {transportFor} from '../../engine/run.js';
import {InputError, UsageError} from '../../errors.js';
import {appendAudit, auditPath, recordedBackups} from '../../fixes/audit.js';
import {acquireLock, releaseLock} from '../../fixes/lock.js';
import {isBackupId, runRestore} from '../../fixes/restore.js';
import type {Target} from '../../targets/types.js';
import {sanitizeLine} from '../../text/sanitize.js';

const out = (s: string): void => void process.stdout.write(`${sanitizeLine(s)}\n`);
const err = (s: string): void => void process.stderr.write(`${sanitizeLine(s)}\n`);

/** Restore backup `ts` on the target; returns the exit code. */
export async function rollbackCommand(target: Target, ts: string, o: {timeoutMs: number; signal: AbortSignal; force: boolean}): Promise<number> {
  if (!isBackupId(ts))
    throw new UsageError(`--rollback ${ts}: not a backup id`, 'backup ids look like 20261123T114233Z; the fix printed its id, and the audit log records it');
  const recorded = await recordedBackups();
  const rec = recorded.get(ts);
  // Ids to suggest come from this machine's audit log, never from the node's disk.
  const mine = [...recorded]
    .filter(([, v]) => v.targets.includes(target.name))
    .map(([id]) => id)
    .sort()
    .slice(-5);
  const known = mine.length > 0 ? `backups recorded for ${target.name}: ${mine.join(', ')}` : `no backups are recorded for ${target.name}`;
  if (!rec && !o.force) {
    throw new InputError(
      `no backup ${ts} in this machine's audit log (${auditPath()}): kubelet-doctor restores only backups it recorded taking`,
      `${known}; to restore a backup taken elsewhere, look at it on the node and pass --force (its paths, links and modes are still checked)`,
    );
  }
  const transport = (await transportFor(target))!;
  try {
    const lock = await acquireLock(transport, {action: `rollback ${ts}`, force: o.force, timeoutMs: o.timeoutMs, signal: o.signal, node: target.name});
    if (!lock.ok) throw new InputError(lock.message, lock.hint);
    if (lock.note) err(`note: ${lock.note}`);
    let r;
    try {
      r = await runRestore(transport, ts, {timeoutMs: o.timeoutMs, signal: o.signal, manifests: o.force || !rec ? null : rec.manifests, force: o.force});
    } finally {
      await releaseLock(transport, lock.token, o.timeoutMs);
    }
    if (r.status === 'missing') throw new InputError(`no backup ${ts} on ${target.name}`, known);
    await appendAudit({
      target: target.name,
      transport: transport.kind,
      action: 'rollback',
      fixId: null,
      checkId: null,
      choice: null,
      backup: ts,
      result: r.ok ? 'restored' : r.status === 'failed' ? 'rollback-failed' : `refused-${r.status}`,
      message: r.message,
      files: [...r.restored, ...r.removed],
    });
    if (r.status === 'unsafe' || r.status === 'tampered') throw new InputError(r.message, r.hint);
    if (r.status === 'edited') {
      for (const e of r.edited) {
        out(`${e.path} changed since the fix wrote it (what the fix wrote, then what is there now):`);
        for (const line of e.diff.trimEnd().split('\n')) out(`  ${line}`);
      }
      out(`Not restored: ${r.message}.`);
      err(`hint: ${r.hint ?? '--force restores the backup anyway'}`);
      return 1;
    }
    for (const p of r.restored) out(`restored ${p}`);
    for (const p of r.removed) out(`removed ${p} (the fix had created it)`);
    for (const p of r.intact) out(`unchanged ${p} (already as before the fix)`);
    for (const p of r.failed) out(`FAILED to restore ${p}`);
    for (const p of r.problems) out(`warning: ${p}`);
    out(
      r.ok
        ? `Backup ${ts} restored on ${target.name}${r.status === 'intact' ? ' (nothing had to change)' : ''}.`
        : `Restoring backup ${ts} failed: ${r.message}`,
    );
    if (r.ok && !transport.live) out('Offline: reload systemd and restart the kubelet when the node boots (it does so by itself at boot).');
    return r.ok ? 0 : 1;
  } finally {
    await transport.close();
  }
}
