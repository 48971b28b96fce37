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
}
BEGIN { FS = "\t" }
NR == FNR { nm[FNR] = $2; at[FNR] = $3; next }
FNR == 1 { out(); cur = ++fi; n = 0; len = 0; inkey = 0 }
{
  line = $0
  if (!inkey && line ~ /-----BEGIN [A-Z ]*PRIVATE KEY-----/) { inkey = 1; kn++; kf = T "/k." kn; print kf "\t" nm[cur] "\tpem" > (T "/keys") }
  if (inkey) {
    print line > kf
    if (line ~ /-----END [A-Z ]*PRIVATE KEY-----/) { inkey = 0; close(kf) }
    line = "[private key redacted]"
  } else if (match(line, /^[ \t]*client-key-data:/)) {
    v = substr(line, RSTART + RLENGTH); sub(/^[ \t]+/, "", v); kn++; kf = T "/k." kn
    print v > kf; close(kf); print kf "\t" nm[cur] "#client-key-data\tb64" > (T "/keys")
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
END { out() }
`;

/** Shell functions: rd (queue), flush (read the queue), keys_fp, discover. */
export const READ_LIB = String.raw`
TAB=$(printf '\t')
: > "$T/q"
rd() {
  p=$1
  seen "$p" && return; NF=$((NF + 1))
  real=$(resolve "$p") || { emit0 F loop - "$p"; return; }
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
  if [ "$(cat "$@" | tr -dc '\000' | wc -c)" -gt 0 ]; then
    : > "$T/al2"
    while IFS="$TAB" read -r qf qp qa; do
      if isbin "$qf"; then emit0 F ok "$qa;bin=1" "$qp"; else printf '%s\t%s\t%s\n' "$qf" "$qp" "$qa" >> "$T/al2"; fi
    done < "$T/al"
    mv "$T/al2" "$T/al"
    set --
    while IFS="$TAB" read -r qf qp qa; do set -- "$@" "$qf"; done < "$T/al"
    [ "$#" -gt 0 ] || return 0
  fi
  awk -v T="$T" '@AWK@' "$T/al" "$@"
  while IFS="$TAB" read -r kf ko kk; do
    if [ "$kk" = b64 ]; then
      if [ -n "$SSL" ]; then $SSL base64 -d -A -in "$kf" -out "$kf.pem" 2>/dev/null < /dev/null; fi
      keyfp "$kf.pem" "$ko"
    else keyfp "$kf" "$ko"; fi
  done < "$T/keys"
}
discover() {
  r=0
  while [ "$r" -lt @ROUNDS@ ]; do
    r=$((r + 1))
    flush
    [ -s "$T/cand" ] || [ -s "$T/envf" ] || break
    mv "$T/cand" "$T/cand.r"; mv "$T/envf" "$T/envf.r"; : > "$T/cand"; : > "$T/envf"
    # systemd reads EnvironmentFile= paths whatever their name: read them all.
    while IFS= read -r ef; do case $ef in /*) rd "$ef";; esac; done < "$T/envf.r"
    while IFS= read -r c; do
      [ "$NF" -ge @MAXF@ ] && break
      case $c in /proc/*|/sys/*|/dev/*|/bin/*|/sbin/*|/usr/bin/*|/usr/sbin/*|/usr/local/bin/*) continue;; esac
      case $c in /|/*/) continue;; esac
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
    done < "$T/cand.r"
  done
  flush
}
`.replace('@AWK@', AWK.split('\n').map((l) => l.trim()).filter((l) => l !== '').join('\n'));
