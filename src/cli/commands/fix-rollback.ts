/**
 * `kubelet-doctor fix TARGET --rollback TIMESTAMP`: put a backup back by hand (after a fix that
 * verified but turned out wrong, or when an automatic rollback could not finish). On a live node
 * systemd is reloaded and the units the fix restarted are restarted again.
 */
import {transportFor} from '../../engine/run.js';
import {InputError, UsageError} from '../../errors.js';
import {appendAudit} from '../../fixes/audit.js';
import {isBackupId, listBackups, runRestore} from '../../fixes/restore.js';
import type {Target} from '../../targets/types.js';
import {sanitizeLine} from '../../text/sanitize.js';

const out = (s: string): void => void process.stdout.write(`${sanitizeLine(s)}\n`);

/** Restore backup `ts` on the target; returns the exit code. */
export async function rollbackCommand(target: Target, ts: string, timeoutMs: number, signal: AbortSignal): Promise<number> {
  if (!isBackupId(ts)) throw new UsageError(`--rollback ${ts}: not a backup id`, 'backup ids look like 20261123T114233Z; the fix printed its id, and they are listed under /var/lib/kubelet-doctor/backups on the node');
  const transport = (await transportFor(target))!;
  try {
    const r = await runRestore(transport, ts, {timeoutMs, signal});
    if (r.missing) {
      const all = await listBackups(transport, {timeoutMs, signal});
      throw new InputError(`no backup ${ts} on ${target.name}`, all.length > 0 ? `backups there: ${all.slice(-10).join(', ')}` : 'there are no kubelet-doctor backups on this node');
    }
    await appendAudit({
      target: target.name, transport: transport.kind, action: 'rollback', fixId: null, checkId: null, choice: null, backup: ts,
      result: r.ok ? 'restored' : 'rollback-failed', message: r.message, files: [...r.restored, ...r.removed],
    });
    for (const p of r.restored) out(`restored ${p}`);
    for (const p of r.removed) out(`removed ${p} (the fix had created it)`);
    for (const p of r.failed) out(`FAILED to restore ${p}`);
    for (const p of r.problems) out(`warning: ${p}`);
    out(r.ok ? `Backup ${ts} restored on ${target.name}.` : `Restoring backup ${ts} failed: ${r.message}`);
    if (r.ok && !transport.live) out('Offline: reload systemd and restart the kubelet when the node boots (it does so by itself at boot).');
    return r.ok ? 0 : 1;
  } finally {
    await transport.close();
  }
}
