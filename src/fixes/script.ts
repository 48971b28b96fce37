/**
 * The POSIX sh scripts apply.ts sends to the node, one per phase (backup, write, steps,
 * restore), each as ONE run over the transport. Pure string builders, tested under dash.
 *
 * Safety properties every script has:
 * - The whole body is a function called on the last line: a script cut off in transit (the
 *   connection died) is a syntax error or an uncalled function, never half a script run.
 * - Paths are node paths; `$R` is the host root prefix ('' on a live node).
 * - Output lines starting `KD-` are markers the orchestrator reads; anything else is command output.
 */
import {createHash, randomBytes} from 'node:crypto';
import {posix} from 'node:path';
import type {Step} from './types.js';

/** The backups directory on the node (under the host root). */
export const BACKUP_DIR = '/var/lib/kubelet-doctor/backups';

/** Exit codes the scripts use, by meaning. */
export const EXIT = {
  backupExists: 10,
  backupFailed: 11,
  changed: 20,
  writeFailed: 21,
  noHashTool: 22,
  outsideRoot: 23,
  stepFailed: 30,
  healthzTimeout: 31,
  restoreFailed: 40,
  noBackup: 41,
  /** A backup copy does not match the hash its manifest recorded. */
  badCopy: 42,
  /** The manifest is larger than any manifest kubelet-doctor writes. */
  manifestTooBig: 43,
  /** A file changed since the fix wrote it (a rollback would lose that edit). */
  edited: 44,
  /** The node is locked by another kubelet-doctor. */
  locked: 50,
} as const;

/** The directory kubelet-doctor keeps on the node (backups, the lock). */
export const STATE_DIR = '/var/lib/kubelet-doctor';
/** The lock directory: one fix or rollback at a time per node. */
export const LOCK_DIR = `${STATE_DIR}/lock`;
/** Largest manifest a rollback reads (a real one is well under 1 KiB a file). */
export const MAX_MANIFEST = 64 * 1024;
/** Largest file a refused rollback shows as a diff. */
export const MAX_SHOWN = 256 * 1024;
/** How many changed files a refused rollback shows the diff of. */
export const MAX_DIFFS = 5;

/** Quote a string for sh: single quotes, with embedded quotes spliced. */
export const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** sha256 hex of a text as UTF-8, to compare with the node's `sha256sum`. */
export const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** A node path we are willing to touch: absolute, normalised, no control characters. */
export function checkPath(p: string): string | null {
  if (/[\u0000-\u001f\u007f-\u009f]/.test(p)) return `${JSON.stringify(p)} holds control characters`;
  if (!p.startsWith('/') || posix.normalize(p) !== p || p === '/' || p.endsWith('/') || p.split('/').includes('..'))
    return `${JSON.stringify(p)} is not a plain absolute path`;
  if (p.length > 4096) return 'a path longer than 4096 characters';
  return null;
}

/** Random hex for names no one can predict (temp directories, lock tokens, manifest nonces). */
export const randomHex = (bytes = 16): string => randomBytes(bytes).toString('hex');

function prelude(root: string, ts: string): string {
  const r = root === '/' ? '' : root.replace(/\/+$/, '');
  return `R=${q(r)}
K="$R${STATE_DIR}"
B="$K/backups/${ts}"
L="$R${LOCK_DIR}"
kd_sha() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum | cut -d' ' -f1
  elif command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r | cut -d' ' -f1
  else echo none; fi
}
kd_hash() { kd_sha < "$1"; }
kd_lhash() { readlink "$1" | kd_sha; }
kd_mode() { stat -c '%a %u %g' "$1" 2>/dev/null || echo '644 0 0'; }
kd_perm() { case "$1" in ''|*[!0-7]*) echo 644;; *) printf '%o' $(( 0$1 & 511 ));; esac; }
kd_id() { case "$1" in ''|*[!0-9]*) return 1;; esac; return 0; }
kd_hex() { od -An -v -tx1 | tr -d ' \\n'; }
kd_link() { l=$(readlink "$1"); case "$l" in /*) printf '%s' "$l";; *) printf '%s/%s' "$(dirname "$2")" "$l";; esac; }
kd_inroot() {
  [ -z "$R" ] && return 0
  kd_d=$(dirname "$1")
  while [ "$kd_d" != / ]; do [ -L "$R$kd_d" ] && return 1; kd_d=$(dirname "$kd_d"); done
  return 0
}
kd_nolink() { for x in "$@"; do if [ -L "$x" ]; then echo "KD-UNSAFE \${x#"$R"}"; return 1; fi; done; return 0; }
kd_state() {
  if [ -n "$R" ]; then kd_nolink "$R/var" "$R/var/lib" || return 1; fi
  kd_nolink "$K" "$K/backups" "$L"
}
kd_mkstate() {
  kd_state || return 1
  for x in "$R/var" "$R/var/lib" "$K" "$K/backups"; do
    [ -d "$x" ] || (umask 077; mkdir "$x") 2>/dev/null || [ -d "$x" ] || return 2
    kd_nolink "$x" || return 1
  done
  return 0
}
`;
}

const wrap = (body: string): string => `kd_main() {\n${body}\n}\nkd_main\n`;

/** Ancestors of a node path, deepest first, up to (not including) `/`. */
function ancestors(p: string): string[] {
  const out: string[] = [];
  for (let d = posix.dirname(p); d !== '/'; d = posix.dirname(d)) out.push(d);
  return out;
}

/** Take the node's lock (`/var/lib/kubelet-doctor/lock`, a directory made atomically), or say who holds it. */
export function lockScript(root: string, token: string, owner: string, breakToken: string | null): string {
  const brk =
    breakToken === null
      ? ''
      : `if [ -d "$L" ] && [ ! -L "$L" ] && [ ! -L "$L/owner" ]; then
  t=''; [ -f "$L/owner" ] && t=$(sed -n 's/^token=//p' "$L/owner" | head -n 1)
  [ "$t" = ${q(breakToken)} ] && rm -f "$L/owner" && rmdir "$L" && echo KD-LOCK-BROKEN
fi`;
  return (
    prelude(root, 'x') +
    wrap(`kd_mkstate; rc=$?
[ $rc -eq 1 ] && exit ${EXIT.outsideRoot}
[ $rc -eq 0 ] || exit ${EXIT.backupFailed}
${brk}
if (umask 077; mkdir "$L") 2>/dev/null; then
  printf '%s\\n' ${q(owner)} > "$L/owner" || { rm -f "$L/owner"; rmdir "$L"; exit ${EXIT.backupFailed}; }
  echo "KD-LOCKED ${token}"; exit 0
fi
kd_nolink "$L" || exit ${EXIT.outsideRoot}
echo KD-LOCK-HELD
echo "KD-CLOCK $(date +%s)"
[ -f "$L/owner" ] && [ ! -L "$L/owner" ] && head -c 2048 "$L/owner" | sed -n '1,12s/^/KD-H /p'
exit ${EXIT.locked}`)
  );
}

/** Release the lock, only when it is still ours (its token). */
export function unlockScript(root: string, token: string): string {
  return (
    prelude(root, 'x') +
    wrap(`[ -d "$L" ] && [ ! -L "$L" ] && [ -f "$L/owner" ] && [ ! -L "$L/owner" ] || exit 0
[ "$(sed -n 's/^token=//p' "$L/owner" | head -n 1)" = ${q(token)} ] || exit 0
rm -f "$L/owner" && rmdir "$L" && echo KD-UNLOCKED`)
  );
}

/** What the backup records besides the files: units to restart again and whether to reload. */
export interface BackupMeta {
  units: string[];
  reload: boolean;
  /** A small JSON description of the fix (no file contents). */
  info: string;
  /** Random hex in the manifest's first line: no two manifests hash alike. */
  nonce: string;
}

type FileStep = Extract<Step, {kind: 'write-file' | 'remove-file'}>;

/** What a step leaves at its path: the sha256 of the bytes written, or `absent`. */
export const writtenState = (s: FileStep): string => (s.kind === 'write-file' ? sha256(s.after) : 'absent');

/**
 * Phase 1: copy every file the plan touches into the backup, with a manifest (format 2, one
 * tab-separated line a file: kind, index, mode/uid/gid, sha256 of the copy or link, what the fix
 * writes there, path) and a copy of what the fix writes (`written/N`, for the diff a refused
 * rollback shows). The state directories are never symlinks; the manifest's bytes are printed
 * back (hex) so the operator's machine can record its hash.
 */
export function backupScript(root: string, ts: string, steps: FileStep[], meta: BackupMeta): string {
  const lines = [
    'umask 077',
    `[ "$(printf '' | kd_sha)" = none ] && exit ${EXIT.noHashTool}`,
    `kd_mkstate; rc=$?; [ $rc -eq 1 ] && exit ${EXIT.outsideRoot}; [ $rc -eq 0 ] || exit ${EXIT.backupFailed}`,
    `kd_nolink "$B" || exit ${EXIT.outsideRoot}`,
    `mkdir "$B" 2>/dev/null || exit ${EXIT.backupExists}`,
    `mkdir "$B/files" "$B/written" || exit ${EXIT.backupFailed}`,
    'M="$B/manifest.tmp"',
    `printf 'KD-BACKUP-MANIFEST 2 %s\\n' ${q(meta.nonce)} > "$M" || exit ${EXIT.backupFailed}`,
    `printf '%s\\n' ${q(meta.info)} > "$B/plan.json"`,
  ];
  const dirs: string[] = [];
  steps.forEach((s, i) => {
    const n = i + 1;
    const p = q(s.path);
    const w = writtenState(s);
    lines.push(
      `kd_inroot ${p} || { echo "KD-OUTSIDE "${p}; exit ${EXIT.outsideRoot}; }`,
      `f="$R"${p}`,
      `if [ -L "$f" ]; then cp -P "$f" "$B/files/${n}" || exit ${EXIT.backupFailed}; printf 'L\\t${n}\\t-\\t%s\\t${w}\\t%s\\n' "$(kd_lhash "$f")" ${p} >> "$M" || exit ${EXIT.backupFailed}`,
      `elif [ -f "$f" ]; then cat "$f" > "$B/files/${n}" || exit ${EXIT.backupFailed}; printf 'F\\t${n}\\t%s\\t%s\\t${w}\\t%s\\n' "$(kd_mode "$f")" "$(kd_hash "$B/files/${n}")" ${p} >> "$M" || exit ${EXIT.backupFailed}`,
      `elif [ -e "$f" ]; then echo "KD-NOT-A-FILE "${p}; exit ${EXIT.backupFailed}`,
      `else printf 'A\\t${n}\\t-\\t-\\t${w}\\t%s\\n' ${p} >> "$M" || exit ${EXIT.backupFailed}; fi`,
    );
    // What the fix writes, for the diff a refused rollback shows; never a secret (a bootstrap token).
    if (s.kind === 'write-file' && !s.sensitive) lines.push(`printf '%s' ${q(s.after)} > "$B/written/${n}" || exit ${EXIT.backupFailed}`);
    for (const d of ancestors(s.path)) if (!dirs.includes(d)) dirs.push(d);
  });
  // Directories the write phase may create: recorded deepest first, so a restore removes them in order.
  dirs.sort((a, b) => b.split('/').length - a.split('/').length);
  for (const d of dirs) lines.push(`[ -e "$R"${q(d)} ] || [ -L "$R"${q(d)} ] || printf 'D\\t-\\t-\\t-\\t-\\t%s\\n' ${q(d)} >> "$M"`);
  if (meta.reload) lines.push(`printf 'R\\t-\\t-\\t-\\t-\\tdaemon-reload\\n' >> "$M"`);
  for (const u of meta.units) lines.push(`printf 'U\\t-\\t-\\t-\\t-\\t%s\\n' ${q(u)} >> "$M"`);
  lines.push(`mv "$M" "$B/manifest" || exit ${EXIT.backupFailed}`, `printf 'KD-MANIFEST '; kd_hex < "$B/manifest"; echo`, 'echo KD-BACKUP-OK');
  return prelude(root, ts) + wrap(lines.join('\n'));
}

/** The check that a file is still what the probe saw; on mismatch: marker and exit. */
function expectation(s: FileStep): string {
  const p = q(s.path);
  const changed = `{ echo "KD-CHANGED "${p}; exit ${EXIT.changed}; }`;
  if (s.kind === 'write-file') {
    if (s.before === null) return `{ [ -e "$f" ] || [ -L "$f" ]; } && ${changed}`;
    return `[ -f "$f" ] && [ ! -L "$f" ] || ${changed}\n  h=$(kd_hash "$f"); [ "$h" = none ] && exit ${EXIT.noHashTool}; [ "$h" = ${sha256(s.before)} ] || ${changed}`;
  }
  if (s.link !== undefined) return `[ -L "$f" ] && [ "$(kd_link "$f" ${p})" = ${q(s.link)} ] || ${changed}`;
  const size = s.size === undefined ? '' : ` && [ "$(wc -c < "$f" | tr -d ' ')" = ${s.size} ]`;
  return `{ [ -f "$f" ] && [ ! -L "$f" ]${size}; } || ${changed}`;
}

/**
 * Phase 2: check that every file is still what the probe read (no lost updates), then write each
 * atomically or move it aside. A file is written into a directory made exclusively with an
 * unpredictable name next to the target (`mkdir` never follows a link), given its mode
 * (permission bits only) and owner there, and renamed over the target, which must not be a link
 * or a directory; then its hash is checked. Nothing is written unless every check passes.
 */
export function writeScript(root: string, ts: string, steps: FileStep[], rand: string = randomHex()): string {
  const lines: string[] = [];
  // Under a host root an absolute symlink in a parent directory would lead outside the node's files.
  for (const s of steps) lines.push(`kd_inroot ${q(s.path)} || { echo "KD-OUTSIDE "${q(s.path)}; exit ${EXIT.outsideRoot}; }`);
  for (const s of steps) lines.push(`f="$R"${q(s.path)}`, `  ${expectation(s)}`);
  steps.forEach((s, i) => {
    const p = q(s.path);
    const failed = `{ echo "KD-WRITE-FAILED "${p}; exit ${EXIT.writeFailed}; }`;
    lines.push(`f="$R"${p}`);
    if (s.kind === 'remove-file') {
      lines.push(`if [ -L "$f" ] || [ -f "$f" ]; then rm -f "$f" || ${failed}; fi`, `echo "KD-REMOVED "${p}`);
      return;
    }
    const mode = ((s.mode ?? 0o644) & 0o777).toString(8);
    lines.push(
      `d=$(dirname "$f"); { [ -d "$d" ] || mkdir -p "$d"; } && kd_inroot ${p} || ${failed}`,
      `if [ -f "$f" ] && [ ! -L "$f" ]; then set -- $(kd_mode "$f"); else set -- ${mode} "$(id -u)" "$(id -g)"; fi`,
      `td="$d/.kubelet-doctor.${rand}.${i + 1}"`,
      `(umask 077; mkdir "$td") 2>/dev/null || ${failed}`,
      `if printf '%s' ${q(s.after)} > "$td/f" && chmod "$(kd_perm "$1")" "$td/f" && { kd_id "$2" && kd_id "$3" && chown "$2:$3" "$td/f" 2>/dev/null; true; } && [ ! -L "$f" ] && [ ! -d "$f" ] && mv -f "$td/f" "$f"; then rmdir "$td"; else rm -f "$td/f"; rmdir "$td"; ${failed}; fi`,
      `[ "$(kd_hash "$f")" = ${sha256(s.after)} ] || ${failed}`,
      `echo "KD-WROTE "${p}`,
    );
  });
  lines.push('echo KD-WRITE-OK');
  return prelude(root, ts) + wrap(lines.join('\n'));
}

type LiveStep = Extract<Step, {kind: 'run' | 'daemon-reload' | 'restart-unit' | 'wait-healthz'}>;

/** Phase 3 (live nodes): run the commands in order; stop at the first failure. */
export function stepsScript(steps: LiveStep[]): string {
  const lines = [
    `kd_step() { n=$1; shift; echo "KD-STEP $n"; "$@" 2>&1 < /dev/null; rc=$?; [ $rc -eq 0 ] || { echo "KD-STEP-FAILED $n $rc"; exit ${EXIT.stepFailed}; }; }`,
    `kd_healthz() {
  n=$1; echo "KD-STEP $n"; end=$(( $(date +%s) + $3 ))
  while [ "$(date +%s)" -lt "$end" ]; do
    if command -v curl >/dev/null 2>&1; then out=$(curl -s -m 2 "$2" 2>/dev/null); else out=$(wget -q -T 2 -O - "$2" 2>/dev/null); fi
    [ "$out" = ok ] && { echo "KD-HEALTHZ-OK $n"; return 0; }
    sleep 1
  done
  echo "KD-STEP-FAILED $n healthz"; exit ${EXIT.healthzTimeout}
}`,
  ];
  steps.forEach((s, i) => {
    const n = i + 1;
    if (s.kind === 'run') lines.push(`kd_step ${n} ${s.argv.map(q).join(' ')}`);
    else if (s.kind === 'daemon-reload') lines.push(`kd_step ${n} systemctl daemon-reload`);
    else if (s.kind === 'restart-unit') lines.push(`kd_step ${n} systemctl restart ${q(s.unit)}`);
    else lines.push(`kd_healthz ${n} ${q(s.url)} ${Math.ceil(s.timeoutMs / 1000)}`);
  });
  lines.push('echo KD-STEPS-OK');
  return wrap(lines.join('\n'));
}

/** Read a backup's manifest (bytes as hex), refusing a state directory, backup or manifest that is a symlink. */
export function readManifestScript(root: string, ts: string): string {
  return (
    prelude(root, ts) +
    wrap(`kd_state && kd_nolink "$B" "$B/manifest" || exit ${EXIT.outsideRoot}
[ -d "$B" ] && [ -f "$B/manifest" ] || { echo KD-NO-BACKUP; exit ${EXIT.noBackup}; }
[ "$(wc -c < "$B/manifest" | tr -d ' ')" -le ${MAX_MANIFEST} ] || exit ${EXIT.manifestTooBig}
printf 'KD-MANIFEST '; kd_hex < "$B/manifest"; echo`)
  );
}

/** One validated line of a manifest (restore.ts parses; nothing here trusts the disk). */
export interface ManifestEntry {
  kind: 'F' | 'L' | 'A' | 'D' | 'R' | 'U';
  /** The copy's number under files/ (F, L, A); 0 otherwise. */
  n: number;
  /** F: permission bits only (masked 0777), numeric owner. */
  mode: number;
  uid: number;
  gid: number;
  /** sha256 of the copy (F) or of its link target (L). */
  orig: string | null;
  /** What the fix left at the path: a sha256, or `absent` (F, L, A). */
  written: string | null;
  /** A checked node path; for R `daemon-reload`, for U the unit. */
  path: string;
}

/**
 * Restore a backup from its validated entries (never from the manifest on the disk): first, with
 * nothing changed yet, every copy is checked against its hash and every file classified as the
 * original (left alone), what the fix wrote (restored) or something else: an edit made since,
 * shown (hex) and refused unless `force`. Then files and links go back atomically like writes do,
 * files the fix created are removed, directories it created are removed when empty, each restored
 * file is compared with its recorded hash. `live`: then reload systemd and restart the units the
 * fix restarted, when anything was put back.
 */
export function restoreScript(root: string, ts: string, entries: ManifestEntry[], o: {live: boolean; force: boolean; rand?: string}): string {
  const rand = o.rand ?? randomHex();
  const lines = [
    `kd_state && kd_nolink "$B" "$B/files" "$B/written" "$B/manifest" || exit ${EXIT.outsideRoot}`,
    `[ -d "$B" ] || { echo KD-NO-BACKUP; exit ${EXIT.noBackup}; }`,
    `[ "$(printf '' | kd_sha)" = none ] && exit ${EXIT.noHashTool}`,
    'edited=0; bad=0; changed=0; shown=0',
  ];
  const files = entries.filter((e) => e.kind === 'F' || e.kind === 'L' || e.kind === 'A');
  const isWritten = (e: ManifestEntry) =>
    e.written === 'absent' ? '[ ! -e "$f" ] && [ ! -L "$f" ]' : `[ -f "$f" ] && [ ! -L "$f" ] && [ "$(kd_hash "$f")" = ${e.written} ]`;
  files.forEach((e, k) => {
    const p = q(e.path);
    const c = `"$B/files/${e.n}"`;
    lines.push(`f="$R"${p}`, `kd_inroot ${p} || { echo "KD-OUTSIDE "${p}; exit ${EXIT.outsideRoot}; }`);
    if (e.kind === 'F') lines.push(`[ -f ${c} ] && [ ! -L ${c} ] && [ "$(kd_hash ${c})" = ${e.orig} ] || { echo "KD-BAD-COPY "${p}; exit ${EXIT.badCopy}; }`);
    if (e.kind === 'L') lines.push(`[ -L ${c} ] && [ "$(kd_lhash ${c})" = ${e.orig} ] || { echo "KD-BAD-COPY "${p}; exit ${EXIT.badCopy}; }`);
    const original =
      e.kind === 'F'
        ? `[ -f "$f" ] && [ ! -L "$f" ] && [ "$(kd_hash "$f")" = ${e.orig} ]`
        : e.kind === 'L'
          ? `[ -L "$f" ] && [ "$(kd_lhash "$f")" = ${e.orig} ]`
          : '[ ! -e "$f" ] && [ ! -L "$f" ]';
    lines.push(
      `if ${original}; then s${k}=orig; elif ${isWritten(e)}; then s${k}=written; else s${k}=other; edited=1; echo "KD-EDITED ${k} "${p}; shown=$((shown + 1))`,
      `  if [ $shown -le ${MAX_DIFFS} ] && [ ${o.force ? 1 : 0} -eq 0 ]; then`,
      `    if [ -f "$f" ] && [ ! -L "$f" ]; then printf 'KD-NOW ${k} '; head -c ${MAX_SHOWN} "$f" | kd_hex; echo; elif [ -e "$f" ] || [ -L "$f" ]; then echo "KD-NOW-NOT-FILE ${k}"; fi`,
      `    w="$B/written/${e.n}"; if [ -f "$w" ] && [ ! -L "$w" ]; then printf 'KD-WRITTEN ${k} '; head -c ${MAX_SHOWN} "$w" | kd_hex; echo; fi`,
      '  fi',
      'fi',
    );
  });
  lines.push(`[ $edited -eq 1 ] && [ ${o.force ? 1 : 0} -eq 0 ] && exit ${EXIT.edited}`);
  files.forEach((e, k) => {
    const p = q(e.path);
    const failed = `{ echo "KD-RESTORE-FAILED "${p}; bad=1; }`;
    lines.push(`f="$R"${p}`, `if [ "$s${k}" = orig ]; then echo "KD-INTACT "${p}`);
    if (e.kind === 'A') {
      lines.push(
        `elif [ -L "$f" ] || [ -f "$f" ]; then if rm -f "$f"; then echo "KD-REMOVED "${p}; changed=1; else ${failed}; fi`,
        `elif [ -e "$f" ]; then ${failed}; fi`,
      );
      return;
    }
    const td = `"$d/.kubelet-doctor.${rand}.r${k + 1}"`;
    const put =
      e.kind === 'F'
        ? `cat "$B/files/${e.n}" > ${td}/f && chmod ${(e.mode & 0o777).toString(8)} ${td}/f && { chown ${e.uid}:${e.gid} ${td}/f 2>/dev/null; true; }`
        : `cp -P "$B/files/${e.n}" ${td}/f`;
    const check = e.kind === 'F' ? `[ -f "$f" ] && [ ! -L "$f" ] && [ "$(kd_hash "$f")" = ${e.orig} ]` : `[ -L "$f" ] && [ "$(kd_lhash "$f")" = ${e.orig} ]`;
    lines.push(
      `else d=$(dirname "$f")`,
      `  if { [ -d "$d" ] || mkdir -p "$d"; } && kd_inroot ${p} && (umask 077; mkdir ${td}) 2>/dev/null; then`,
      `    if ${put} && { [ ! -L "$f" ] || rm -f "$f"; } && [ ! -d "$f" ] && mv -f ${td}/f "$f" && ${check}; then echo "KD-RESTORED "${p}; changed=1; else ${failed}; fi`,
      `    rm -f ${td}/f; rmdir ${td}`,
      `  else ${failed}; fi`,
      'fi',
    );
  });
  for (const e of entries.filter((x) => x.kind === 'D')) {
    const p = q(e.path);
    lines.push(`d="$R"${p}; kd_inroot ${p} && [ -d "$d" ] && [ ! -L "$d" ] && rmdir "$d" 2>/dev/null && echo "KD-RMDIR "${p}`);
  }
  lines.push(`[ $bad -eq 0 ] || exit ${EXIT.restoreFailed}`, `rm -f "$B/restored-at"; (set -C; date -u +%Y%m%dT%H%M%SZ > "$B/restored-at") 2>/dev/null`);
  if (o.live) {
    const reload = entries.some((e) => e.kind === 'R') ? 'systemctl daemon-reload 2>&1 || echo KD-RELOAD-FAILED; ' : '';
    const units = entries
      .filter((e) => e.kind === 'U')
      .map((e) => `systemctl restart ${q(e.path)} 2>&1 || echo "KD-UNIT-FAILED "${q(e.path)}; `)
      .join('');
    if (reload || units) lines.push(`if [ $changed -eq 1 ]; then ${reload}${units}:; fi`);
  }
  lines.push('echo KD-RESTORE-OK');
  return prelude(root, ts) + wrap(lines.join('\n'));
}

/** List the backups on the node (names only; restore.ts keeps those that are backup ids). */
export function listScript(root: string): string {
  return (
    prelude(root, 'x') +
    wrap(`kd_state || exit ${EXIT.outsideRoot}
ls -1 "$K/backups" 2>/dev/null | while IFS= read -r b; do case "$b" in *[!0-9TZ-]*) continue;; esac; [ -f "$K/backups/$b/manifest" ] && echo "KD-BACKUP $b"; done; :`)
  );
}
