/**
 * The probe's file reader, batched: `rd` only queues a file (shell builtins, no process), and
 * `flush` reads the whole queue with ONE `wc` and ONE `awk` pass that frames every file,
 * blanks private keys and secret fields, saves key blocks for fingerprinting and collects the
 * paths named in the text for the next discovery round. A node tree of 30 files costs a
 * handful of processes instead of several per file, which is what keeps a 200-node sweep
 * close to the cost of the SSH handshakes themselves.
 *
 * Kept POSIX: dash and busybox sh/awk (test/probe/probe.test.ts runs both).
 */

// The awk pass. Input: the list file (disk path, node path, attrs; tab-separated), then the files
// in the same order (the n-th file is the n-th line: two names may share one disk path).
// No single quotes and no lines starting with "#" (the script is compacted).
const AWK = String.raw`
function out() {
  if (cur == 0) return
  printf "\n@@KD1 F ok %d %s %s\n", len, at[cur], nm[cur]
  for (i = 1; i <= n; i++) print buf[i]
  split("", buf); cur = 0
} function key(b, o, t,  k) {
  k = t "\n" b
  if (!(k in kseen)) { kn++; kseen[k] = P kn; printf "%s", b > (P kn); close(P kn) }
  print kseen[k] "\t" o "\t" t > (T "/keys")
}
BEGIN { FS = "\t" }
NR == FNR { nm[FNR] = $2; at[FNR] = $3; next }
FNR == 1 { if (inkey) key(kb, nm[cur], "pem"); out(); cur = ++fi; n = 0; len = 0; inkey = 0 }
{
  line = $0
  if (!inkey && line ~ /-----BEGIN [A-Z ]*PRIVATE KEY-----/) { inkey = 1; kb = "" }
  if (inkey) {
    kb = kb line "\n"
    if (line ~ /-----END [A-Z ]*PRIVATE KEY-----/) { inkey = 0; key(kb, nm[cur], "pem") }
    line = "[private key redacted]"
  } else if (match(line, /^[ \t]*client-key-data:/)) {
    v = substr(line, RSTART + RLENGTH); sub(/^[ \t]+/, "", v); key(v "\n", nm[cur] "#client-key-data", "b64")
    line = substr(line, 1, RLENGTH) " [redacted]"
  } else if (match(line, /^[ \t]*(token|password):/)) {
    line = substr(line, 1, RLENGTH) " [redacted]"
  } else {
    if (line ~ /^[ \t]*EnvironmentFile[ \t]*=/) { v = line; sub(/^[^=]*=[ \t]*/, "", v); sub(/^-/, "", v); sub(/[ \t]+$/, "", v); print v > (T "/envf") }
    s = line
    while (match(s, /\/[A-Za-z0-9._*\/-]+/)) {
      tok = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH); sub(/^\/+/, "/", tok)
      if (!(tok in cand)) { cand[tok] = 1; print tok > (T "/cand") }
    }
  }
  buf[++n] = line; len += length(line) + 1
}
END { if (inkey) key(kb, nm[cur], "pem"); out() }
`;

/** Shell functions: rd (queue), flush (read the queue), keys_fp, discover. */
export const READ_LIB = String.raw`
TAB=$(printf '\t')
: > "$T/q"
rd() {
  p=$1
  seen "$p" && return; NF=$((NF + 1))
  resolve "$p" || { emit0 F loop - "$p"; return; }
  real=$RES
  f="$R$real"; a=; [ "$real" != "$p" ] && a="real=$real;"
  if [ ! -e "$f" ]; then emit0 F missing "${"$"}{a:--}" "$p"; return; fi
  if [ ! -f "$f" ]; then emit0 F notfile "${"$"}{a:--}" "$p"; return; fi
  if [ ! -r "$f" ]; then emit0 F unreadable "${"$"}{a:--}" "$p"; return; fi
  printf '%s\t%s\t%s\n' "$f" "$p" "$a" >> "$T/q"
}
flush() {
  [ -s "$T/q" ] || return 0
  set --
  while IFS="$TAB" read -r qf qp qa; do set -- "$@" "$qf"; done < "$T/q"
  wc -c "$@" > "$T/sz" 2>/dev/null
  : > "$T/al"; : > "$T/cand"; : > "$T/envf"; : > "$T/keys"
  exec 3< "$T/sz"
  while IFS="$TAB" read -r qf qp qa; do
    read -r qs qrest <&3 || qs=0
    qa="${"$"}{qa}size=$qs"
    if [ "$qs" -eq 0 ]; then emit0 F ok "$qa" "$qp"; continue; fi
    if [ "$qs" -gt @FILE_CAP@ ]; then QB=$((QB + 1)); head -c @FILE_CAP@ "$qf" > "$T/big.$QB"; qf="$T/big.$QB"; qa="$qa;trunc=1"; fi
    printf '%s\t%s\t%s\n' "$qf" "$qp" "$qa" >> "$T/al"
  done < "$T/q"
  exec 3<&-
  : > "$T/q"
  [ -s "$T/al" ] || return 0
  set --
  while IFS="$TAB" read -r qf qp qa; do set -- "$@" "$qf"; done < "$T/al"
  _al="$T/al"
  cat "$@" | tr -dc '\000' > "$T/nul"
  if [ -s "$T/nul" ]; then
    _al="$T/al2"; : > "$_al"
    while IFS="$TAB" read -r qf qp qa; do
      if isbin "$qf"; then emit0 F ok "$qa;bin=1" "$qp"; else printf '%s\t%s\t%s\n' "$qf" "$qp" "$qa" >> "$_al"; fi
    done < "$T/al"
    set --
    while IFS="$TAB" read -r qf qp qa; do set -- "$@" "$qf"; done < "$_al"
    [ "$#" -gt 0 ] || return 0
  fi
  FR=$((FR + 1))
  awk -v T="$T" -v P="$T/k.$FR." '@AWK@' "$_al" "$@"
  keys_fp
}
# The public-key fingerprints of the private keys the awk set aside: one openssl per key for
# the public key, then ONE hashing run for all of them.
keys_fp() {
  [ -s "$T/keys" ] || return 0
  set --; _kd=' '
  while IFS="$TAB" read -r kf ko kk; do
    [ -n "$SSL" ] || break
    case $_kd in *" $kf "*) continue;; esac
    _kd="$_kd$kf "
    if [ "$kk" = b64 ]; then $SSL base64 -d -A -in "$kf" -out "$kf.pem" 2>/dev/null < /dev/null; kf="$kf.pem"; fi
    $SSL pkey -in "$kf" -passin pass: -pubout -outform DER 2>/dev/null < /dev/null > "$kf.der" && [ -s "$kf.der" ] && set -- "$@" "$kf.der"
  done < "$T/keys"
  if [ $# -gt 0 ]; then
    if have sha256sum; then sha256sum "$@"; else $SSL dgst -sha256 -r "$@"; fi > "$T/kh" 2>/dev/null
    while read -r kh kn; do printf '%s\n' "$kh" > "${"$"}{kn#[*]}.h"; done < "$T/kh"
  fi
  while IFS="$TAB" read -r kf ko kk; do
    [ "$kk" = b64 ] && kf="$kf.pem"
    if [ -z "$SSL" ]; then rec K error "$ko" 'openssl not found on the node'
    elif [ -s "$kf.der.h" ]; then read -r kh < "$kf.der.h"; rec K ok "$ko" "$kh"
    else rec K error "$ko" 'the key could not be read (encrypted, or not a key openssl knows)'; fi
  done < "$T/keys"
  # The copies of the private keys are emptied now, not when the probe exits: a probe killed
  # later (SIGKILL, a dropped session) leaves no key material in its temporary directory.
  while IFS="$TAB" read -r kf ko kk; do : > "$kf"; [ "$kk" = b64 ] && : > "$kf.pem"; done < "$T/keys"
}
discover() {
  r=0
  while [ "$r" -lt @ROUNDS@ ]; do
    r=$((r + 1))
    flush
    [ -s "$T/cand" ] || [ -s "$T/envf" ] || break
    # systemd reads EnvironmentFile= paths whatever their name: read them all.
    while IFS= read -r ef; do case $ef in /*) rd "$ef";; esac; done < "$T/envf"
    while IFS= read -r c; do
      [ "$NF" -ge @MAXF@ ] && break
      case $c in /proc/*|/sys/*|/dev/*|/bin/*|/sbin/*|/usr/bin/*|/usr/sbin/*|/usr/local/bin/*) continue;; esac
      case $c in /|/*/|@NEVER@) continue;; esac
      for g in "$R"$c; do
        n=${"$"}{g#"$R"}
        case $n in *'*'*) continue;; esac
        if [ -d "$g" ] && [ ! -L "$g" ]; then
          case " @DENY@ " in *" $n "*) ;; *) ls_dir "$n" 1;; esac
        elif isext "$n"; then rd "$n"
        else
          case $n in *.sock) [ "$LIVE" = 1 ] && ls_dir "${"$"}{n%/*}" 0;; esac
        fi
      done
    done < "$T/cand"
    # rd and ls_dir only queue: this round's candidates are read; the next flush writes new ones.
    : > "$T/cand"; : > "$T/envf"
  done
  flush
}
`.replace('@AWK@', AWK.split('\n').map((l) => l.trim()).filter((l) => l !== '').join('\n'));
