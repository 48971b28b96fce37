/**
 * Restoring a backup: after a failed verification (apply.ts) and by hand with
 * `kubelet-doctor fix TARGET --rollback TIMESTAMP`. The manifest on the node says what to put
 * back, but it is read as hostile input: its bytes are hashed here and compared with what this
 * tool recorded when it wrote it (the audit log; skipped only with --force), every line is
 * validated (paths plain, absolute and inside the root; modes permission bits only; owners
 * numeric), and the restore script is built from the validated entries, never from the disk.
 */
import {createHash} from 'node:crypto';
import {redactText} from '../facts/secrets/redact.js';
import type {Transport} from '../transport/types.js';
import {unifiedDiff} from './diff.js';
import {EXIT, MAX_DIFFS, STATE_DIR, checkPath, listScript, readManifestScript, restoreScript, type ManifestEntry} from './script.js';

/** How a restore ended. */
export type RestoreStatus =
  /** Files were put back (and all of them verified). */
  | 'restored'
  /** Nothing to put back: every file is already as it was before the fix (compared by hash). */
  | 'intact'
  /** No such backup on the node. */
  | 'missing'
  /** Refused: a symlink in the state directories or on a path, or a manifest line that is not safe to follow. */
  | 'unsafe'
  /** Refused: the manifest or a backup copy is not what kubelet-doctor wrote. */
  | 'tampered'
  /** Refused: a file changed since the fix wrote it (pass force to restore anyway). Nothing was changed. */
  | 'edited'
  /** Some file could not be restored. */
  | 'failed';

/** What a restore did. */
export interface RestoreResult {
  /** restored or intact. */
  ok: boolean;
  status: RestoreStatus;
  /** The backup does not exist on the node. */
  missing: boolean;
  restored: string[];
  /** Files the fix had created, removed again. */
  removed: string[];
  /** Files already as they were before the fix. */
  intact: string[];
  failed: string[];
  /** Files changed since the fix wrote them, with the diff from what it wrote to what is there (redacted, unsanitised). */
  edited: {path: string; diff: string}[];
  /** Units restarted again / systemd reload problems (live nodes). */
  problems: string[];
  message: string;
  hint?: string;
}

/** What a restore trusts. */
export interface RestoreOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** The sha256 the manifest must have (what this tool recorded writing); null: not checked (--force). */
  manifests: readonly string[] | null;
  /** Restore files that changed since the fix wrote them too (--force). */
  force: boolean;
}

/** A backup id is a timestamp (with an optional -N suffix): nothing else reaches a path. */
export const isBackupId = (s: string): boolean => /^\d{8}T\d{6}Z(-\d{1,2})?$/.test(s);

const SHA = /^[0-9a-f]{64}$/;
const INDEX = /^[1-9]\d{0,3}$/;
/** systemd unit names (with their \\x2d escapes); they reach the script quoted. */
const UNIT = /^[A-Za-z0-9@._:\\-]{1,255}$/;

/** sha256 hex of bytes. */
export const sha256Bytes = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * Parse and validate a manifest (format 2). Every line must be one kubelet-doctor writes; any
 * other is an error naming the line number (its text is hostile and not repeated).
 */
export function parseManifest(bytes: Buffer): {entries: ManifestEntry[]} | {error: string} {
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) return {error: 'the manifest is not UTF-8 text'};
  const lines = text.split('\n');
  if (lines.pop() !== '') return {error: 'the manifest does not end with a newline'};
  if (!/^KD-BACKUP-MANIFEST 2 [0-9a-f]{32}$/.test(lines[0] ?? '')) return {error: 'the manifest is not one this version of kubelet-doctor writes (format 2)'};
  if (lines.length > 1000) return {error: 'the manifest has more lines than any backup kubelet-doctor takes'};
  const entries: ManifestEntry[] = [];
  const paths = new Set<string>();
  const numbers = new Set<number>();
  for (let i = 1; i < lines.length; i++) {
    const bad = (why: string) => ({error: `manifest line ${i + 1}: ${why}`});
    const f = lines[i]!.split('\t');
    if (f.length !== 6) return bad('not six tab-separated fields');
    const [kind, n, meta, orig, written, path] = f as [string, string, string, string, string, string];
    const e: ManifestEntry = {kind: kind as ManifestEntry['kind'], n: 0, mode: 0o644, uid: 0, gid: 0, orig: null, written: null, path};
    if (kind === 'F' || kind === 'L' || kind === 'A') {
      if (!INDEX.test(n)) return bad('the copy number is not a number');
      e.n = Number(n);
      if (numbers.has(e.n)) return bad('a copy number used twice');
      numbers.add(e.n);
      if (!SHA.test(written) && written !== 'absent') return bad('what the fix wrote is not a sha256');
      e.written = written;
      const why = checkPath(path);
      if (why) return bad(why);
      if (path === STATE_DIR || path.startsWith(`${STATE_DIR}/`)) return bad(`${path} is kubelet-doctor's own directory`);
      if (paths.has(path)) return bad('a path listed twice');
      paths.add(path);
      if (kind === 'F') {
        const m = /^([0-7]{1,4}) (\d{1,10}) (\d{1,10})$/.exec(meta);
        if (!m || Number(m[2]) >= 0xffffffff || Number(m[3]) >= 0xffffffff) return bad('mode and owner are not "MODE UID GID" in numbers');
        // Permission bits only: a manifest never sets setuid, setgid or sticky bits.
        e.mode = parseInt(m[1]!, 8) & 0o777;
        e.uid = Number(m[2]);
        e.gid = Number(m[3]);
      } else if (meta !== '-') return bad('a mode on a line that has none');
      if (kind === 'A' ? orig !== '-' : !SHA.test(orig)) return bad("the copy's sha256 is missing or malformed");
      if (kind !== 'A') e.orig = orig;
    } else if (kind === 'D' || kind === 'R' || kind === 'U') {
      if (n !== '-' || meta !== '-' || orig !== '-' || written !== '-') return bad('fields that must be "-"');
      if (kind === 'D') {
        const why = checkPath(path);
        if (why) return bad(why);
      } else if (kind === 'R' ? path !== 'daemon-reload' : !UNIT.test(path) || path.startsWith('-')) return bad('not a systemd unit name');
    } else return bad('an unknown kind of line');
    entries.push(e);
  }
  return {entries};
}

/** The backup ids on the node that look like ids, oldest first (names from the disk: callers show only recorded ones). */
export async function listBackups(t: Transport, o: {timeoutMs: number; signal?: AbortSignal}): Promise<string[]> {
  const r = await t.run({script: listScript(t.hostRoot), timeoutMs: o.timeoutMs, ...(o.signal ? {signal: o.signal} : {})});
  return r.stdout
    .toString('utf8')
    .split('\n')
    .filter((l) => l.startsWith('KD-BACKUP '))
    .map((l) => l.slice(10))
    .filter(isBackupId)
    .sort();
}

const fromHex = (h: string | undefined): Buffer | null => (h !== undefined && /^([0-9a-f]{2})*$/.test(h) ? Buffer.from(h, 'hex') : null);

const base = (status: RestoreStatus, message: string, extra: Partial<RestoreResult> = {}): RestoreResult => ({
  ok: status === 'restored' || status === 'intact',
  status,
  missing: status === 'missing',
  restored: [],
  removed: [],
  intact: [],
  failed: [],
  edited: [],
  problems: [],
  message,
  ...extra,
});

const UNSAFE_HINT = "kubelet-doctor never follows a link or a path out of the node's files; look at the backup on the node by hand";

/** Why a script refused a symlink, from its KD-UNSAFE / KD-OUTSIDE line. */
function unsafeMessage(lines: string[], ts: string): string {
  const link = lines.find((l) => l.startsWith('KD-UNSAFE '))?.slice(10);
  if (link !== undefined) return `${link} is a symlink: refusing to use backup ${ts} through it`;
  const out = lines.find((l) => l.startsWith('KD-OUTSIDE '))?.slice(11);
  return `${out ?? 'a path'}: a directory on its path is a symlink, which under the host root would lead outside the node's files: refusing to restore backup ${ts}`;
}

/** Restore backup `ts` on the node (rejects with TargetError when the node cannot be reached). */
export async function runRestore(t: Transport, ts: string, o: RestoreOptions): Promise<RestoreResult> {
  if (!isBackupId(ts)) return base('unsafe', `${ts} is not a backup id`);
  const run = async (script: string) => {
    const r = await t.run({script, timeoutMs: o.timeoutMs, ...(o.signal ? {signal: o.signal} : {})});
    return {...r, lines: r.stdout.toString('utf8').split('\n')};
  };
  const tail = (r: {stderr: string}) => r.stderr.trim().split('\n').pop() ?? '';
  // 1. The manifest's bytes.
  const m = await run(readManifestScript(t.hostRoot, ts));
  if (m.exitCode === EXIT.noBackup) return base('missing', `no backup ${ts} on the node`);
  if (m.exitCode === EXIT.outsideRoot) return base('unsafe', unsafeMessage(m.lines, ts), {hint: UNSAFE_HINT});
  if (m.exitCode === EXIT.manifestTooBig)
    return base('unsafe', `the manifest of backup ${ts} is larger than any kubelet-doctor writes: refusing to follow it`, {hint: UNSAFE_HINT});
  const bytes = fromHex(m.lines.find((l) => l.startsWith('KD-MANIFEST '))?.slice(12));
  if (m.exitCode !== 0 || bytes === null) return base('failed', `could not read the manifest of backup ${ts} (exit ${m.exitCode ?? m.signal}): ${tail(m)}`);
  // 2. Is it the manifest this tool wrote?
  if (o.manifests !== null && !o.manifests.includes(sha256Bytes(bytes))) {
    return base(
      'tampered',
      `the manifest of backup ${ts} changed since kubelet-doctor wrote it (its sha256 is not the one in the audit log): refusing to follow it`,
      {
        hint: 'nothing was changed; if you changed it on purpose, --force restores it after checking every path in it',
      },
    );
  }
  const parsed = parseManifest(bytes);
  if ('error' in parsed) return base('unsafe', `backup ${ts}: ${parsed.error}: refusing to follow it`, {hint: UNSAFE_HINT});
  // 3. Check and restore, from the validated entries.
  const r = await run(restoreScript(t.hostRoot, ts, parsed.entries, {live: t.live, force: o.force}));
  const pick = (prefix: string) => r.lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
  const files = parsed.entries.filter((e) => e.kind === 'F' || e.kind === 'L' || e.kind === 'A');
  if (r.exitCode === EXIT.noBackup) return base('missing', `no backup ${ts} on the node`);
  if (r.exitCode === EXIT.outsideRoot) return base('unsafe', unsafeMessage(r.lines, ts), {hint: UNSAFE_HINT});
  if (r.exitCode === EXIT.badCopy) {
    return base(
      'tampered',
      `the backup copy of ${pick('KD-BAD-COPY ')[0] ?? 'a file'} does not match the hash its manifest recorded: refusing to restore backup ${ts}`,
      {hint: UNSAFE_HINT},
    );
  }
  if (r.exitCode === EXIT.noHashTool) return base('failed', 'the node has neither sha256sum nor openssl, so the backup cannot be checked: nothing was changed');
  const edited = pick('KD-EDITED ')
    .slice(0, MAX_DIFFS)
    .flatMap((l) => {
      const k = Number(l.split(' ')[0]);
      const e = files[k];
      if (!e) return [];
      const now = r.lines.includes(`KD-NOW-NOT-FILE ${k}`) ? '(not a regular file now)\n' : (fromHex(pick(`KD-NOW ${k} `)[0])?.toString('utf8') ?? null);
      const wrote = e.written === 'absent' ? null : (fromHex(pick(`KD-WRITTEN ${k} `)[0])?.toString('utf8') ?? "(the fix's copy is not in the backup)\n");
      return [{path: e.path, diff: redactText(unifiedDiff(e.path, wrote, now))}];
    });
  if (r.exitCode === EXIT.edited) {
    const all = pick('KD-EDITED ').map((l) => files[Number(l.split(' ')[0])]?.path ?? '?');
    return base(
      'edited',
      `${all.join(', ')} changed since the fix wrote ${all.length === 1 ? 'it' : 'them'}: restoring backup ${ts} would lose that change, so nothing was changed`,
      {
        edited,
        hint: '--force restores the backup anyway (the later change is lost)',
      },
    );
  }
  const restored = pick('KD-RESTORED ');
  const removed = pick('KD-REMOVED ');
  const intact = pick('KD-INTACT ');
  const failed = pick('KD-RESTORE-FAILED ');
  const problems = [
    ...pick('KD-UNIT-FAILED ').map((u) => `systemctl restart ${u} failed`),
    ...(r.lines.includes('KD-RELOAD-FAILED') ? ['systemctl daemon-reload failed'] : []),
  ];
  const lists = {restored, removed, intact, failed, problems, edited};
  if (r.exitCode !== 0 || !r.lines.includes('KD-RESTORE-OK'))
    return base('failed', `the restore script failed (exit ${r.exitCode ?? r.signal})${failed.length ? ` on ${failed.join(', ')}` : ''}: ${tail(r)}`, lists);
  if (restored.length + removed.length === 0)
    return base('intact', `nothing to restore: every file is as it was before the fix (compared by sha256 with backup ${ts})`, lists);
  return base('restored', 'restored', lists);
}
