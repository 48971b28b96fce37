/**
 * Turns probe/sections.ts into ONE POSIX sh script (dash and busybox sh; no bash-isms) that
 * gathers every fact in a single run and prints framed records (see frame.ts).
 *
 * Safety on the node: every command reads /dev/null (the script itself arrives on stdin),
 * runs under a time cap (see the watchdog below), files are read with a byte cap, and private
 * keys never leave the node: their blocks are blanked line by line and only the SHA-256 of the
 * public key is sent.
 *
 * The time cap: one background watchdog for the whole probe instead of a timeout(1) process per
 * command. Every exec costs the node a fork and an exec (1–2 ms each on a small VM, and a fleet
 * pays it on every node); the watchdog costs one `sleep 1` per second of probe. `bg` starts a
 * command in the background and writes the watchdog tick by which it must end to $T/w.PID;
 * each second the watchdog sends TERM to a command past its cap, KILL two seconds later, and
 * leaves $T/x.PID so `reap` reports status "timeout". A command is stopped between its cap and
 * one second more.
 */
import {
  COMMANDS,
  DIRS,
  FILES,
  DEFAULT_FILE_CAP,
  DEFAULT_COMMAND_CAP,
  DISCOVERY_MAX_FILES,
  DISCOVERY_ROUNDS,
  DIR_LIST_MAX,
  DIR_VISIT_MAX,
  DIR_READ_MAX,
  DROPIN_READ_MAX,
  GLOB_MAX,
  GLOB_TOTAL_MAX,
  CAPPED_RECORDS_MAX,
  READ_EXTENSIONS,
  DISCOVERY_DENY_DIRS,
  NEVER_READ,
  type CommandSection,
} from './sections.js';
import {READ_LIB, scrubAwk} from './script-read.js';
import {LIVE_CALLS, liveLibrary} from './script-live.js';

/**
 * Bumped when the framing or record meaning changes. 2: the `@@KD2` mark, every name, attribute
 * value and listing entry escaped (`%XX` outside [A-Za-z0-9._/+,:@~-]), listing totals, records of
 * files not read (`why=name|cap`).
 */
export const PROBE_VERSION = 2;

/** How the script is parameterised. */
export interface ScriptOptions {
  /** Where the node's files are ("/" for a live node). */
  hostRoot: string;
  /** Run commands and read /proc (false under --root). */
  live: boolean;
  /** `HOST:PORT` of a `kubeadm join` endpoint to try from the node (live only; --join-command). */
  joinEndpoint?: string | null;
}

/** Single-quote a string for sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

// The library of shell functions. Kept as one literal so it reads as the shell it is.
// Record framing (frame.ts): "\n@@KD2 <kind> <status> <length> <attrs> <name>\n" then <length>
// bytes; <name> and the values in <attrs> are escaped (esc), so no name can end a header early.
const LIB = String.raw`
umask 077
T=$(mktemp -d 2>/dev/null) || { T=/tmp/kd.$$; mkdir -m 700 "$T" || exit 70; }
# cleanup: stop any command still running (its w.PID file is not empty) and remove the files.
# Run on exit, and by the watchdog if the probe dies. The watchdog sees the directory gone and
# ends at its next tick (killing it would make busybox sh print "Terminated").
cleanup() {
  for _f in "$T"/w.*; do [ -s "$_f" ] && kill -s TERM "${'$'}{_f##*.}" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE
have() { command -v "$1" >/dev/null 2>&1; }
# The watchdog (see the file comment): $T/tick counts its seconds, $T/w.PID holds the tick after
# which PID is stopped (empty once it is done). It holds none of the probe's output: it never
# keeps the session open. When the probe is gone (killed, or its session dropped) it
# stops what the probe left running and removes the probe's files.
wdog() {
  _wn=0
  while sleep 1; do
    [ -d "$T" ] || exit 0
    kill -0 $$ 2>/dev/null || { cleanup; exit 0; }
    _wn=$((_wn + 1)); echo "$_wn" > "$T/tick"
    for _wf in "$T"/w.*; do
      [ -s "$_wf" ] || continue
      _wd=; { read -r _wd < "$_wf"; } 2>/dev/null
      [ -n "$_wd" ] && [ "$_wn" -gt "$_wd" ] || continue
      _wp=${'$'}{_wf##*.}
      # Finished, whether reaped by the shell already or a zombie waiting for collect: not a timeout.
      kill -0 "$_wp" 2>/dev/null || continue
      _ws=; { read -r _ws < "/proc/$_wp/stat"; } 2>/dev/null
      case ${'$'}{_ws##*) } in Z*) continue;; esac
      : > "$T/x.$_wp"
      if [ "$_wn" -gt $((_wd + 2)) ]; then kill -s KILL "$_wp"; else kill -s TERM "$_wp"; fi 2>/dev/null
    done
  done
}
# A subshell, not "wdog < /dev/null ... &": dash runs a redirected function with copies of the
# original stdout and stderr kept open (fds 10-12), and sshd would wait for the watchdog to end.
TO=; [ "$LIVE" = 1 ] && have sleep && { TO=1; (wdog) < /dev/null > /dev/null 2>&1 & }
CIN=/dev/null
SSL=; have openssl && SSL=openssl
NF=0; ND=0; QB=0; LN=0; FR=0; SEEN='|'; NOCAP=; DIRB=; CAPN=0; DV=0; GX=0
# esc S: S with every byte outside [A-Za-z0-9._/+,:@~-] written as %XX, in $E. Names, link targets
# and listing entries go into headers and listing lines escaped, so none can hold a space, a
# newline or a record mark. A plain name costs no process; only an odd one costs one awk.
esc() {
  case $1 in
    *[!A-Za-z0-9._/+,:@~-]*) E=$(_e=$1 awk 'BEGIN { for (i = 1; i < 256; i++) o[sprintf("%c", i)] = i; s = ENVIRON["_e"]; n = length(s)
      for (i = 1; i <= n; i++) { c = substr(s, i, 1); if (c ~ /^[A-Za-z0-9._\/+,:@~-]$/) printf "%s", c; else printf "%%%02X", o[c] } }');;
    *) E=$1;;
  esac
}
# hasctl ESCAPED: the name holds a control character (0x01-0x1f, 0x7f): it is listed, never read.
hasctl() { case $1 in *%[01]?*|*%7F*) return 0;; esac; return 1; }
# emit0 KIND STATUS ATTRS NAME: a record with no body (ATTRS already escaped, NAME as it is).
emit0() { esc "$4"; printf '\n@@KD2 %s %s 0 %s %s\n' "$1" "$2" "$3" "$E"; }
# A file holding a NUL byte is binary: its content is withheld (it could be a DER key).
if have cmp; then isbin() { ! tr -d '\000' < "$1" | cmp -s - "$1"; }
else isbin() { [ "$(tr -d '\000' < "$1" | wc -c)" -ne "$(wc -c < "$1")" ]; }; fi
# seen ESCAPED-NAME: true when already handled (escaped names hold no "|").
seen() { case $SEEN in *"|$1|"*) return 0;; esac; SEEN="$SEEN$1|"; return 1; }
# rec KIND STATUS NAME TEXT: a record whose TEXT is ASCII (byte length = character count): no process.
rec() { esc "$3"; printf '\n@@KD2 %s %s %s - %s\n%s' "$1" "$2" "${'$'}{#4}" "$E" "$4"; }
note() { rec N ok note "$1"; }
# The version record comes first: the client reads nothing before it.
rec V ok probe @VERSION@
[ "$LIVE" = 1 ] && [ -z "$TO" ] && note "sleep(1) not found on the node: commands run without a time cap"
[ -z "$SSL" ] && note "openssl not found on the node: private-key fingerprints were not computed"
# resolve PATH: PATH with every symlink resolved inside the host root, in $RES (the last answer is
# kept: discovery resolves a path, then rd resolves it again).
RSI=; RSO=
resolve() {
  [ -n "$RSI" ] && [ "$1" = "$RSI" ] && { RES=$RSO; return 0; }
  _rr=$1; _ro=; _rh=0
  while [ -n "$_rr" ]; do
    case $_rr in /*) _rr=${'$'}{_rr#/}; continue;; esac
    case $_rr in */*) _rc=${'$'}{_rr%%/*}; _rr=${'$'}{_rr#*/};; *) _rc=$_rr; _rr=;; esac
    case $_rc in ''|.) continue;; ..) _ro=${'$'}{_ro%/*}; continue;; esac
    if [ -L "$R$_ro/$_rc" ]; then
      _rh=$((_rh + 1)); [ "$_rh" -gt 40 ] && return 1
      # "&& echo .": a target that ends in newlines keeps them (command substitution strips them).
      _rt=$(readlink "$R$_ro/$_rc" && echo .) || return 1; _rt=${'$'}{_rt%?}; _rt=${'$'}{_rt%?}
      case $_rt in /*) _ro=;; esac
      _rr="$_rt${'$'}{_rr:+/$_rr}"
    else _ro="$_ro/$_rc"; fi
  done
  RES=${'$'}{_ro:-/}; RSI=$1; RSO=$RES
}
isext() { case $1 in @EXT_CASE@) return 0;; esac; return 1; }
# ls_dir DIR READ [PATTERN]: list DIR; with READ=1 read its files that match PATTERN (default all).
# READ=2: a unit drop-in directory, whose files are the kubelet's own: read before the file cap
# (up to @MAXDR@; systemd reads every one, so the facts say when there are more).
# Every entry is counted (the total is in the record); @MAXD@ are listed, names escaped.
ls_dir() {
  dp=$1; drdf=$2; dpat=${'$'}{3:-*}
  esc "$dp"; seen "d:$E" && return
  resolve "$dp" || { emit0 D loop - "$dp"; return; }
  dreal=$RES; dd="$R$dreal"
  if [ ! -e "$dd" ]; then emit0 D missing - "$dp"; return; fi
  if [ ! -d "$dd" ]; then emit0 D notfile - "$dp"; return; fi
  if [ ! -r "$dd" ] || [ ! -x "$dd" ]; then emit0 D unreadable - "$dp"; return; fi
  LN=$((LN + 1)); dl="$T/l.$LN"; dr="$T/r.$LN"; : > "$dl"; : > "$dr"
  di=0; dtr=
  for de in "$dd"/*; do
    [ "$DV" -ge @MAXDV@ ] && { dtr=1; break; }
    [ -e "$de" ] || [ -L "$de" ] || continue
    di=$((di + 1)); DV=$((DV + 1))
    [ "$di" -gt @MAXD@ ] && { dtr=1; continue; }
    dn=${'$'}{de##*/}
    if [ -L "$de" ]; then dty=l; elif [ -d "$de" ]; then dty=d; elif [ -f "$de" ]; then dty=f; elif [ -S "$de" ]; then dty=s; else dty=o; fi
    esc "$dn"; printf '%s %s\n' "$dty" "$E" >> "$dl"
    [ "$drdf" = 0 ] && continue
    # A name with a control character cannot go in the (line-based) read list: recorded, not read.
    case $dty in f|l) case $dn in $dpat) isext "$dn" && { if hasctl "$E"; then rd "$dp/$dn"; else printf '%s\n' "$dn" >> "$dr"; fi; };; esac;; esac
  done
  da=-; [ -n "$dtr" ] && { da="n=$di;trunc=1"; esc "$dp"; note "$E holds more entries than the probe lists (@MAXD@ a directory, @MAXDV@ in all): the listing is cut at $di"; }
  # Framed by the next cflush, with the command outputs: no wc and cat per directory.
  queue "$dl" D ok "$dp" 0 "$da"
  [ "$drdf" = 0 ] && return
  dk=0; [ "$drdf" = 2 ] && NOCAP=1
  while IFS= read -r dn; do
    dk=$((dk + 1)); [ "$drdf" = 2 ] && [ "$dk" -gt @MAXDR@ ] && break
    rd "$dp/$dn"
  done < "$dr"
  NOCAP=
}
# emitcap KIND STATUS NAME FILE CAP: the first CAP bytes of FILE, or the last -CAP bytes (newest log lines).
emitcap() {
  _n=$(($(wc -c < "$4"))); _c=${'$'}{5#-}
  [ "$_n" -gt "$_c" ] && _n=$_c
  esc "$3"; printf '\n@@KD2 %s %s %s - %s\n' "$1" "$2" "$_n" "$E"
  case $5 in -*) tail -c "$_c" "$4";; *) head -c "$_c" "$4";; esac
}
CN=0; CQ="$T/cq"; : > "$CQ"
# bg TIMEOUT ARGV...: start a found command in the background under the watchdog; its pid in
# $_rp, output in $RO and $RE. stdin is $CIN (/dev/null unless a caller feeds a request file).
bg() {
  to=$1; shift; CN=$((CN + 1)); RO="$T/c.$CN"; RE="$T/e.$CN"
  "$@" < "$CIN" > "$RO" 2> "$RE" & _rp=$!
  _wt=0; [ -n "$TO" ] && { read -r _wt < "$T/tick"; } 2>/dev/null
  echo $((${'$'}{_wt:-0} + to)) > "$T/w.$_rp"
}
# reap PID: wait for a command bg started; status in $rc and $st ("timeout" if the watchdog stopped it).
reap() {
  wait "$1" 2>/dev/null; rc=$?; st=$rc; : > "$T/w.$1"
  [ -e "$T/x.$1" ] && { st=timeout; rc=124; }
  return 0
}
# run TIMEOUT ARGV...: run a found command and wait for it.
run() { bg "$@"; reap "$_rp"; }
# queue FILE KIND STATUS NAME CAP [ATTRS]: frame a text file later, in cflush; an empty one right now.
queue() {
  if [ -s "$1" ]; then esc "$4"; printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$E" "$5" "${'$'}{6:--}" >> "$CQ"; else emit0 "$2" "$3" "${'$'}{6:--}" "$4"; fi
}
# notfound ID NAME: the records of a command the node does not have.
notfound() {
  _m="$2: command not found"
  emit0 C notfound - "$1"; rec E notfound "$1" "$_m"
}
# cmd ID TIMEOUT CAP ARGV...: run now; the output (capped) and stderr are framed by cflush.
cmd() {
  id=$1; to=$2; cap=$3; shift 3
  if ! have "$1"; then rc=127; st=notfound; notfound "$id" "$1"; return; fi
  run "$to" "$@"
  queue "$RO" C "$st" "$id" "$cap"; [ -s "$RE" ] && queue "$RE" E "$st" "$id" 4096
  return 0
}
# acmd ID TIMEOUT CAP ARGV...: cmd, started in the background; collect queues its records.
# Independent commands run side by side: the probe waits for the slowest, not for their sum.
acmd() {
  _ai=$1; _at=$2; _ac=$3; shift 3
  if ! have "$1"; then notfound "$_ai" "$1"; return; fi
  bg "$_at" "$@"
  printf '%s %s %s %s %s\n' "$_rp" "$RO" "$RE" "$_ai" "$_ac" >> "$T/bq"
}
collect() {
  [ -s "$T/bq" ] || return 0
  while read -r _bp _bo _be _bi _bc; do
    reap "$_bp"
    queue "$_bo" C "$st" "$_bi" "$_bc"; [ -s "$_be" ] && queue "$_be" E "$st" "$_bi" 4096
  done < "$T/bq"
  : > "$T/bq"
}
# cflush: frame every queued output with ONE awk, its text blanked of secrets line by line by the
# rules of the read pass (scrubAwk: registry auth in crictl info, a token in a journal line).
# RS is a byte text never holds, so each file is one record and length() its byte count (LC_ALL=C); a negative CAP keeps the end (newest lines).
cflush() {
  [ -s "$CQ" ] || return 0
  set --
  while IFS="$TAB" read -r qf qrest; do set -- "$@" "$qf"; done < "$CQ"
  awk -v q="$CQ" '@SCRUB@ function out(  s, L, c, i, nl, ln) { if (fi == 0) return; s = rec; L = length(s); c = cap[fi]
      if (c < 0 && L > -c) { s = substr(s, L + c + 1); L = -c } else if (c > 0 && L > c) { s = substr(s, 1, c); L = c }
      if (nm[fi] != "live") { fin(); nl = split(s, ln, "\n"); s = scrub(ln[1]); for (i = 2; i <= nl; i++) s = s "\n" scrub(ln[i]); L = length(s) }
      printf "\n@@KD2 %s %s %d %s %s\n%s", qk[fi], st[fi], L, at[fi], nm[fi], s }
    BEGIN { rinit(); while ((getline l < q) > 0) { n++; split(l, a, "\t"); qk[n] = a[2]; st[n] = a[3]; nm[n] = a[4]; cap[n] = a[5] + 0; at[n] = a[6] }
      close(q); RS = "\001" }
    FNR == 1 { out(); fi++; rec = $0; next }
    { rec = rec "\001" $0 }
    END { out() }' "$@"
  : > "$CQ"
}
# The kubelet's stanza of the dpkg database, framed by the awk that finds it (one process).
dpkg_kubelet() {
  f="$R/var/lib/dpkg/status"; seen /var/lib/dpkg/status
  [ -f "$f" ] || { emit0 F missing - /var/lib/dpkg/status; return; }
  [ -r "$f" ] || { emit0 F ok "size=0;from=1" /var/lib/dpkg/status; return; }
  awk '/^Package: /{ if (p) exit; p = ($2 == "kubelet"); if (p) ln = NR } p && /^$/ { exit } p { b = b $0 "\n" }
    END { if (ln == "") ln = 1; printf "\n@@KD2 F ok %d size=%d;from=%d %s\n%s", length(b), length(b), ln, "/var/lib/dpkg/status", b }' "$f" 2>/dev/null
}
`;

/**
 * Drop comment lines and indentation from the shell library: the script travels on stdin to
 * every node, and the comments are for readers of this file, not for sh.
 */
export function compactShell(lib: string): string {
  return lib
    .split('\n')
    .map((l) => l.replace(/^[ \t]+/, ''))
    .filter((l) => l !== '' && !l.startsWith('#'))
    .join('\n');
}

/** Build the probe script for one node. */
export function buildProbeScript(opts: ScriptOptions): string {
  const root = opts.hostRoot === '/' ? '' : opts.hostRoot.replace(/\/+$/, '');
  const lines = [
    '#!/bin/sh',
    `# kubelet-doctor probe v${PROBE_VERSION}: read-only; prints framed records`,
    `R=${shQuote(root)}`,
    `LIVE=${opts.live ? 1 : 0}`,
    `JEP=${shQuote(opts.live && opts.joinEndpoint ? opts.joinEndpoint : '')}`,
    'LC_ALL=C; export LC_ALL',
    scriptBody(opts.live),
  ];
  return lines.join('\n');
}

/**
 * Everything after the per-node parameters (R, LIVE, JEP): the same for every node, so a fleet
 * builds it once per mode, not once per node.
 */
const bodies = new Map<boolean, string>();
function scriptBody(live: boolean): string {
  let body = bodies.get(live);
  if (body === undefined) bodies.set(live, (body = buildBody(live)));
  return body;
}

function buildBody(live: boolean): string {
  const opts = {live};
  const lib = (LIB + READ_LIB)
    .replace(/@EXT_CASE@/g, READ_EXTENSIONS.map((e) => `*.${e}`).join('|'))
    .replace(/@MAXF@/g, String(DISCOVERY_MAX_FILES))
    .replace(/@VERSION@/g, String(PROBE_VERSION))
    .replace(/@MAXDV@/g, String(DIR_VISIT_MAX))
    .replace(/@MAXDR@/g, String(DROPIN_READ_MAX))
    .replace(/@MAXD@/g, String(DIR_LIST_MAX))
    .replace(/@MAXGX@/g, String(GLOB_TOTAL_MAX))
    .replace(/@MAXG@/g, String(GLOB_MAX))
    .replace(/@MAXCAPREC@/g, String(CAPPED_RECORDS_MAX))
    .replace(/@MAXDIRREAD@/g, String(DIR_READ_MAX))
    .replace(/@FILE_CAP@/g, String(DEFAULT_FILE_CAP))
    .replace(/@ROUNDS@/g, String(DISCOVERY_ROUNDS))
    .replace(/@DENY@/g, DISCOVERY_DENY_DIRS.join(' '))
    .replace(/@NEVER@/g, NEVER_READ.join('|'))
    .replace('@SCRUB@', () => scrubAwk());
  const lines = [compactShell(lib), ...(opts.live ? [compactShell(liveLibrary())] : [])];
  if (opts.live) {
    // The live part needs nothing the file reads find, so it runs beside them in a subshell
    // whose records go to a file, printed where they always were: after the files. It has its
    // own command queue; its pid is in a w.PID file with no deadline, so the EXIT trap (and the
    // watchdog, if the probe dies) stop it like any command. The first batch's commands run side
    // by side (acmd), then the live checks, some of whose commands run in the background while
    // the dependent chain goes on.
    lines.push('(', 'CQ="$T/cq.l"; : > "$CQ"');
    for (const c of COMMANDS) if (!c.runLast) lines.push(commandLine(c, 'acmd'));
    lines.push('collect', ...LIVE_CALLS, 'collect', 'queue "$LV" C 0 live 262144', 'cflush');
    lines.push(') < /dev/null > "$T/lo" & LP=$!; echo 999999 > "$T/w.$LP"');
  }
  for (const f of FILES) {
    if (f.live && !opts.live) continue;
    lines.push(`rd ${shQuote(f.path)}`);
  }
  lines.push('dpkg_kubelet', 'DIRB=1');
  for (const d of DIRS) {
    if (d.live && !opts.live) continue;
    lines.push(`ls_dir ${shQuote(d.path)} ${d.unit ? 2 : d.read ? 1 : 0}${d.only ? ` ${shQuote(d.only)}` : ''}`);
  }
  lines.push('DIRB=', 'discover', 'cflush');
  if (opts.live) {
    // Then the live records, and last the runLast commands (the node's clock at the end).
    lines.push('wait "$LP"; : > "$T/w.$LP"; cat "$T/lo"');
    for (const c of COMMANDS) if (c.runLast) lines.push(commandLine(c, 'cmd'));
    lines.push('cflush');
  }
  lines.push('rec Z ok end end', 'exit 0', '');
  return lines.join('\n');
}

function commandLine(c: CommandSection, fn: 'cmd' | 'acmd'): string {
  const args = c.argv.map((a) => (a.startsWith('{root}') ? `"$R"${shQuote(a.slice('{root}'.length))}` : shQuote(a)));
  return `${fn} ${shQuote(c.id)} ${c.timeoutS} ${c.maxBytes ?? DEFAULT_COMMAND_CAP} ${args.join(' ')}`;
}
