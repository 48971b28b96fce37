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
import {createHash} from 'node:crypto';
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
} as const;

/** Quote a string for sh: single quotes, with embedded quotes spliced. */
export const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** sha256 hex of a text as UTF-8, to compare with the node's `sha256sum`. */
export const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** A node path we are willing to touch: absolute, normalised, no control characters. */
export function checkPath(p: string): string | null {
  if (!p.startsWith('/') || posix.normalize(p) !== p || p === '/') return `${JSON.stringify(p)} is not a plain absolute path`;
  if (/[\u0000-\u001f\u007f]/.test(p)) return `${JSON.stringify(p)} holds control characters`;
  return null;
}

function prelude(root: string, ts: string): string {
  const r = root === '/' ? '' : root.replace(/\/+$/, '');
  return `R=${q(r)}
B="$R${BACKUP_DIR}/${ts}"
kd_hash() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum < "$1" | cut -d' ' -f1
  elif command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r < "$1" | cut -d' ' -f1
  else echo none; fi
}
kd_mode() { stat -c '%a %u %g' "$1" 2>/dev/null || echo '644 0 0'; }
kd_link() { l=$(readlink "$1"); case "$l" in /*) printf '%s' "$l";; *) printf '%s/%s' "$(dirname "$2")" "$l";; esac; }
kd_inroot() {
  [ -z "$R" ] && return 0
  d=$(dirname "$1")
  while [ "$d" != / ]; do [ -L "$R$d" ] && return 1; d=$(dirname "$d"); done
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

/** What the backup records besides the files: units to restart again and whether to reload. */
export interface BackupMeta {
  units: string[];
  reload: boolean;
  /** A small JSON description of the fix (no file contents). */
  info: string;
}

/** Phase 1: copy every file the plan touches into the backup, with mode and owner in a manifest. */
export function backupScript(root: string, ts: string, paths: string[], meta: BackupMeta): string {
  const lines = [
    'umask 077',
    `mkdir -p "$R${BACKUP_DIR}" || exit ${EXIT.backupFailed}`,
    `mkdir "$B" 2>/dev/null || exit ${EXIT.backupExists}`,
    `mkdir "$B/files" && : > "$B/manifest.tmp" || exit ${EXIT.backupFailed}`,
    `printf '%s\\n' ${q(meta.info)} > "$B/plan.json"`,
  ];
  const dirs: string[] = [];
  paths.forEach((p, i) => {
    const n = i + 1;
    lines.push(
      `f="$R"${q(p)}`,
      `if [ -L "$f" ]; then cp -P "$f" "$B/files/${n}" || exit ${EXIT.backupFailed}; printf 'L\\t%s\\t-\\t%s\\n' ${n} ${q(p)} >> "$B/manifest.tmp"`,
      `elif [ -f "$f" ]; then cp -p "$f" "$B/files/${n}" || exit ${EXIT.backupFailed}; printf 'F\\t%s\\t%s\\t%s\\n' ${n} "$(kd_mode "$f")" ${q(p)} >> "$B/manifest.tmp"`,
      `elif [ -e "$f" ]; then echo "KD-NOT-A-FILE ${p.replace(/["$`\\]/g, '')}"; exit ${EXIT.backupFailed}`,
      `else printf 'A\\t%s\\t-\\t%s\\n' ${n} ${q(p)} >> "$B/manifest.tmp"; fi`,
    );
    for (const d of ancestors(p)) if (!dirs.includes(d)) dirs.push(d);
  });
  // Directories the write phase may create: recorded deepest first, so a restore removes them in order.
  dirs.sort((a, b) => b.split('/').length - a.split('/').length);
  for (const d of dirs) lines.push(`[ -e "$R"${q(d)} ] || printf 'D\\t-\\t-\\t%s\\n' ${q(d)} >> "$B/manifest.tmp"`);
  if (meta.reload) lines.push(`printf 'R\\t-\\t-\\tdaemon-reload\\n' >> "$B/manifest.tmp"`);
  for (const u of meta.units) lines.push(`printf 'U\\t-\\t-\\t%s\\n' ${q(u)} >> "$B/manifest.tmp"`);
  lines.push(`mv "$B/manifest.tmp" "$B/manifest" || exit ${EXIT.backupFailed}`, 'echo KD-BACKUP-OK');
  return prelude(root, ts) + wrap(lines.join('\n'));
}

type FileStep = Extract<Step, {kind: 'write-file' | 'remove-file'}>;

/** The check that a file is still what the probe saw; on mismatch: marker and exit. */
function expectation(s: FileStep): string {
  const p = q(s.path);
  const changed = `{ echo "KD-CHANGED "${p}; exit ${EXIT.changed}; }`;
  if (s.kind === 'write-file') {
    if (s.before === null) return `{ [ -e "$f" ] || [ -L "$f" ]; } && ${changed}`;
    return `[ -f "$f" ] && [ ! -L "$f" ] || ${changed}\n  h=$(kd_hash "$f"); [ "$h" = none ] && exit ${EXIT.noHashTool}; [ "$h" = ${s.before === null ? "''" : sha256(s.before)} ] || ${changed}`;
  }
  if (s.link !== undefined) return `[ -L "$f" ] && [ "$(kd_link "$f" ${p})" = ${q(s.link)} ] || ${changed}`;
  const size = s.size === undefined ? '' : ` && [ "$(wc -c < "$f" | tr -d ' ')" = ${s.size} ]`;
  return `{ [ -f "$f" ] && [ ! -L "$f" ]${size}; } || ${changed}`;
}

/**
 * Phase 2: check that every file is still what the probe read (no lost updates), then write each
 * atomically (temp file in the same directory, mode and owner copied, `mv`) or move it aside.
 * Nothing is written unless every check passes.
 */
export function writeScript(root: string, ts: string, steps: FileStep[]): string {
  const lines: string[] = [];
  // Under a host root an absolute symlink in a parent directory would lead outside the node's files.
  for (const s of steps) lines.push(`kd_inroot ${q(s.path)} || { echo "KD-OUTSIDE "${q(s.path)}; exit ${EXIT.outsideRoot}; }`);
  for (const s of steps) lines.push(`f="$R"${q(s.path)}`, `  ${expectation(s)}`);
  steps.forEach((s, i) => {
    lines.push(`f="$R"${q(s.path)}`);
    if (s.kind === 'remove-file') {
      lines.push(`rm -f "$f" || exit ${EXIT.writeFailed}`, `echo "KD-REMOVED "${q(s.path)}`);
      return;
    }
    const mode = (s.mode ?? 0o644).toString(8);
    lines.push(
      `d=$(dirname "$f"); mkdir -p "$d" || exit ${EXIT.writeFailed}`,
      `if [ -f "$f" ]; then set -- $(kd_mode "$f"); else set -- ${mode} "$(id -u)" "$(id -g)"; fi`,
      `t="$d/.kubelet-doctor.$$.${i + 1}.tmp"`,
      `printf '%s' ${q(s.after)} > "$t" || { rm -f "$t"; exit ${EXIT.writeFailed}; }`,
      `chmod "$1" "$t" && { chown "$2:$3" "$t" 2>/dev/null || true; } && mv -f "$t" "$f" || { rm -f "$t"; exit ${EXIT.writeFailed}; }`,
      `echo "KD-WROTE "${q(s.path)}`,
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

/**
 * Restore a backup from its manifest: files and links back atomically with their mode and owner,
 * files the fix created removed, directories it created removed when empty; each restored file
 * is compared with its backup copy. `live`: then reload systemd and restart the units the fix
 * restarted, so the old configuration runs again.
 */
export function restoreScript(root: string, ts: string, live: boolean): string {
  const body = `[ -f "$B/manifest" ] || { echo KD-NO-BACKUP; exit ${EXIT.noBackup}; }
bad=0; reload=0; units=''
TAB=$(printf '\\t')
while IFS="$TAB" read -r kind i meta p; do
  f="$R$p"
  case "$kind" in F|L|A|D) kd_inroot "$p" || { echo "KD-RESTORE-FAILED $p"; bad=1; continue; };; esac
  case "$kind" in
  F) d=$(dirname "$f"); mkdir -p "$d"; t="$d/.kubelet-doctor.$$.restore.tmp"
     set -- $meta
     if cp -p "$B/files/$i" "$t" && chmod "$1" "$t" && { chown "$2:$3" "$t" 2>/dev/null || true; } && mv -f "$t" "$f" && [ "$(kd_hash "$f")" = "$(kd_hash "$B/files/$i")" ]; then echo "KD-RESTORED $p"; else rm -f "$t"; echo "KD-RESTORE-FAILED $p"; bad=1; fi;;
  L) d=$(dirname "$f"); mkdir -p "$d"; t="$d/.kubelet-doctor.$$.restore.tmp"; rm -f "$t"
     if cp -P "$B/files/$i" "$t" && mv -f "$t" "$f"; then echo "KD-RESTORED $p"; else rm -f "$t"; echo "KD-RESTORE-FAILED $p"; bad=1; fi;;
  A) if rm -f "$f"; then echo "KD-REMOVED $p"; else echo "KD-RESTORE-FAILED $p"; bad=1; fi;;
  D) rmdir "$f" 2>/dev/null && echo "KD-RMDIR $p";;
  R) reload=1;;
  U) units="$units $p";;
  esac
done < "$B/manifest"
[ $bad -eq 0 ] || exit ${EXIT.restoreFailed}
date -u +%Y%m%dT%H%M%SZ > "$B/restored-at"
${live ? `[ $reload -eq 1 ] && { systemctl daemon-reload 2>&1 || echo "KD-RELOAD-FAILED"; }
for u in $units; do systemctl restart "$u" 2>&1 || echo "KD-UNIT-FAILED $u"; done` : ':'}
echo KD-RESTORE-OK`;
  return prelude(root, ts) + wrap(body);
}

/** List the backups on the node, newest last. */
export function listScript(root: string): string {
  return prelude(root, 'x') + wrap(`ls -1 "$R${BACKUP_DIR}" 2>/dev/null | while read -r b; do [ -f "$R${BACKUP_DIR}/$b/manifest" ] && echo "KD-BACKUP $b"; done; :`);
}
