/**
 * The audit log on the operator's machine: one JSON line per fix or rollback, saying who changed
 * what on which node, when, under which backup id, and how it ended. It never holds file
 * contents, so no secret a fix writes (a bootstrap token) can reach it.
 */
import {appendFile, mkdir, readFile} from 'node:fs/promises';
import {homedir, hostname, userInfo} from 'node:os';
import {dirname, join} from 'node:path';
import {redactText} from '../facts/secrets/redact.js';

/** One line of the audit log. */
export interface AuditEntry {
  time: string;
  /** The operator's login name and machine. */
  user: string;
  host: string;
  target: string;
  transport: string;
  action: 'apply' | 'rollback';
  fixId: string | null;
  checkId: string | null;
  choice: string | null;
  backup: string | null;
  /** started, backed-up, verified, rolled-back, refused, rollback-failed, lost; rollbacks: restored, rollback-failed, refused-edited/-unsafe/-tampered. */
  result: string;
  message: string;
  /** Node paths the action changed. */
  files: string[];
  /**
   * sha256 of the backup's manifest as the fix wrote it: `fix --rollback` restores only a backup
   * recorded here, and only while its manifest still has this hash (docs/fixes.md).
   */
  manifest?: string | null;
}

/**
 * Where the log is: $KUBELET_DOCTOR_AUDIT_LOG, else $XDG_STATE_HOME/kubelet-doctor/audit.log,
 * else ~/.local/state/kubelet-doctor/audit.log (the XDG base directory default).
 */
export function auditPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env['KUBELET_DOCTOR_AUDIT_LOG']) return env['KUBELET_DOCTOR_AUDIT_LOG'];
  const state = env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state');
  return join(state, 'kubelet-doctor', 'audit.log');
}

/** Who is running this, as the log records it. */
export function operator(): {user: string; host: string} {
  let user = process.env['USER'] ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (a container with an arbitrary uid): keep $USER.
  }
  return {user, host: hostname()};
}

/** Append one entry (creating the directory, mode 0700, and the file, mode 0600). */
export async function appendAudit(entry: Omit<AuditEntry, 'time' | 'user' | 'host'> & {time?: string}, path: string = auditPath()): Promise<void> {
  const who = operator();
  const line: AuditEntry = {...who, ...entry, time: entry.time ?? new Date().toISOString(), message: redactText(entry.message)};
  await mkdir(dirname(path), {recursive: true, mode: 0o700});
  await appendFile(path, `${JSON.stringify(line)}\n`, {mode: 0o600});
}

/** A backup this tool recorded taking: the manifest hashes and the targets it was taken on. */
export interface RecordedBackup {
  manifests: string[];
  targets: string[];
}

/**
 * The backups the audit log records (apply lines with a backup id and a manifest hash), by id.
 * A missing or unreadable log records none; malformed lines are skipped.
 */
export async function recordedBackups(path: string = auditPath()): Promise<Map<string, RecordedBackup>> {
  const out = new Map<string, RecordedBackup>();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let e: Partial<AuditEntry>;
    try {
      e = JSON.parse(line) as Partial<AuditEntry>;
    } catch {
      continue;
    }
    if (e.action !== 'apply' || typeof e.backup !== 'string' || typeof e.manifest !== 'string' || !/^[0-9a-f]{64}$/.test(e.manifest)) continue;
    const r = out.get(e.backup) ?? {manifests: [], targets: []};
    if (!r.manifests.includes(e.manifest)) r.manifests.push(e.manifest);
    if (typeof e.target === 'string' && !r.targets.includes(e.target)) r.targets.push(e.target);
    out.set(e.backup, r);
  }
  return out;
}

/** The part of an audit line that says how a fix ended: its backup (and manifest hash), result, message and files. */
export function outcomeOf(r: {
  backup: string | null;
  manifest?: string;
  status: string;
  message: string;
  changed: string[];
}): Pick<AuditEntry, 'backup' | 'manifest' | 'result' | 'message' | 'files'> {
  return {backup: r.backup, manifest: r.manifest ?? null, result: r.status, message: r.message, files: r.changed};
}
