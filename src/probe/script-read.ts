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

import {B64_MARKER_ERE, SECRET_KEY_ERE, SECRET_STEMS} from '../facts/secrets/secret-keys.js';

/** A kubeadm bootstrap token (`[a-z0-9]{6}.[a-z0-9]{16}`) without intervals (mawk 1.3.3 has none). */
const BOOTSTRAP_ERE = `${'[a-z0-9]'.repeat(6)}[.]${'[a-z0-9]'.repeat(16)}`;
/** The base64 key markers as an awk regex literal body (a slash is escaped). */
const B64_LIT = B64_MARKER_ERE.replace(/\//g, '\\/');
/**
 * Paths a path-valued flag may name that are never read by reference (sh `case` patterns): the
 * kubelet never takes its configuration from them, and they hold secrets the redaction does not
 * know (password hashes, SSH material), so a hostile or mistaken `--kubeconfig=/etc/shadow` sends
 * nothing. Keys elsewhere are blanked and fingerprinted like every key the probe reads.
 */
const REF_DENY = ['/etc/shadow*', '/etc/gshadow*', '/etc/security/opasswd', '/etc/sudoers*', '*/.ssh/*', '/etc/ssh/*'];

/** A line that may hold a secret key name (lower-cased first). */
const STEM_LIT = SECRET_STEMS.join('|');

// The awk pass. Input: the list file (disk path, node path, attrs; tab-separated), then the files
// in the same order (the n-th file is the n-th line: two names may share one disk path).
// No single quotes and no lines starting with "#" (the script is compacted).
const AWK = String.raw`
function out() {
  if (cur == 0) return
  printf "\n@@KD2 F ok %d %s %s\n", len, at[cur], nm[cur]
  for (i = 1; i <= n; i++) print buf[i]
  split("", buf); cur = 0
} function key(b, o, t,  k) {
  k = t "\n" b
  if (!(k in kseen)) { kn++; kseen[k] = P kn; printf "%s", b > (P kn); close(P kn) }
  print kseen[k] "\t" o "\t" t > (T "/keys")
} function rinit() {
  SQ = sprintf("%c", 39); B64C = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
} function rtrim(s, set,  e) {
  e = length(s); while (e > 0 && index(set, substr(s, e, 1))) e--; return substr(s, 1, e)
} function rtrimn(s, set,  e) {
  e = length(s); while (e > 0 && !index(set, substr(s, e, 1))) e--; return substr(s, 1, e)
} function ntail(w,  i, n, c) {
  n = length(w); for (i = 1; i <= n; i++) if (index("#,}", substr(w, i, 1))) break
  w = rtrim(substr(w, 1, i - 1), " \t"); c = substr(w, length(w), 1); if (c == "\"" || c == SQ) w = substr(w, 1, length(w) - 1); return w
} function ind(s) {
  match(s, /^[ \t]*/); return substr(s, 1, RLENGTH)
} function cq(s, q,  i, c, n) {
  n = length(s)
  for (i = 2; i <= n; i++) {
    c = substr(s, i, 1)
    if (c == "\\" && q == "\"") { i++; continue }
    if (c == q) { if (q == SQ && substr(s, i + 1, 1) == SQ) { i++; continue } return i }
  }
  return 0
} function bend() {
  if (bkd && kd != "") key(kd "\n", nm[cur] "#client-key-data", "b64")
  bk = 0; pd = 0; bkd = 0; kd = ""
} function fin() {
  if (inkey && kt != "") key(kb, nm[cur], kt)
  bend(); inkey = 0; mq = ""; ks = 0; br = 0; pt = ""; nv = 0
} function red(s, fl,  o, t, k, q, qq, nk, sep, w, c, i, e, v, r, kc, pv, d, qc, ln, st, kl, bud) {
  o = ""
  while (match(s, /[A-Za-z_][A-Za-z0-9_.-]*/)) {
    bud += length(s); if (bud > 2097152) { o = o "[redacted]"; s = ""; break }
    st = RSTART; kl = RLENGTH; if (st > 1 && substr(s, st - 1, 1) ~ /[\047"]/) { st--; kl++ }
    r = substr(s, st + kl)
    if (!match(r, /^[\047"]?[ \t]*[:=]/)) { o = o substr(s, 1, st + kl - 1); s = r; continue }
    if (substr(s, 1, st - 1) ~ /[[{]/) fl = 1
    o = o substr(s, 1, st - 1); t = substr(s, st, kl + RLENGTH); s = substr(r, RLENGTH + 1)
    sep = substr(t, length(t), 1); k = rtrim(substr(t, 1, length(t) - 1), " \t")
    q = substr(k, 1, 1); qq = 0
    if (q == "\"" || q == SQ) { if (length(k) > 1 && substr(k, length(k), 1) == q) { qq = 1; k = substr(k, 2, length(k) - 2) } else { o = o q; t = substr(t, 2); k = substr(k, 2) } }
    else if (substr(k, length(k), 1) ~ /["]/ || substr(k, length(k), 1) == SQ) k = substr(k, 1, length(k) - 1)
    kc = length(o)
    if (sep == ":" && !qq && s != "" && s !~ /^[ \t]/) { o = o t; continue }
    nk = tolower(k); gsub(/[-_.]/, "", nk)
    o = o t
    if (nv && kc < nvc) nv = 0
    if (nk == "name" && sep == ":") { w = s; sub(/^[ \t]+["\047]?/, "", w); w = ntail(w); w = tolower(w); gsub(/[-_.]/, "", w); nv = (w ~ /${SECRET_KEY_ERE}/); nvc = kc; ln = nv }
    if (nk !~ /${SECRET_KEY_ERE}/ && !(nv && nk == "value" && (kc == nvc || ln))) {
      if (sep == ":") { w = s; sub(/^[ \t]+/, "", w); c = substr(w, 1, 1); if (c == "\"" || c == SQ) { i = cq(w, c); if (i > 0) { o = o substr(s, 1, length(s) - length(w) + i); s = substr(w, i + 1) } } }
      continue
    }
    w = s; sub(/^[ \t]+/, "", w); o = o substr(s, 1, length(s) - length(w)); s = w; c = substr(s, 1, 1)
    pv = "[redacted]"; if (qq || (sep == "=" && t ~ /[ \t]=$/)) pv = "\"[redacted]\""
    if (s == "" || (sep == ":" && c == "#")) { if (sep == ":") { bend(); pd = 1; bc = kc; bkd = (nk == "clientkeydata") } o = o s; s = ""; break }
    if (sep == ":" && s ~ /^[|>]([1-9][+-]?|[+-][1-9]?)?[ \t]*(#.*)?$/) { bend(); bk = 1; bs = "|"; bc = kc; bkd = (nk == "clientkeydata"); o = o s; s = ""; break }
    d = substr(s, 1, 3)
    if (d == "\"\"\"" || d == SQ SQ SQ) { i = index(substr(s, 4), d); if (i > 0) { o = o d "[redacted]" d; s = substr(s, i + 6) } else { o = o d "[redacted]"; mq = d; s = "" } continue }
    if (c == "\"" || c == SQ) {
      if (c == SQ && substr(s, 2, 1) == SQ) { o = o SQ SQ; s = substr(s, 3); continue }
      i = cq(s, c)
      if (i > 0) { v = substr(s, 2, i - 2); o = o c "[redacted]" c; s = substr(s, i + 1); if (nk == "clientkeydata") key(v "\n", nm[cur] "#client-key-data", "b64") }
      else { o = o c "[redacted]"; mq = c; s = "" }
      continue
    }
    if (c == "{") { o = o c; s = substr(s, 2); fl = 1; continue }
    if (c == "[") { i = index(s, "]"); if (i > 0) { o = o "[" pv "]"; s = substr(s, i + 1) } else { o = o "[" pv; mq = "]"; s = "" } continue }
    e = length(s) + 1
    if (sep == ":") { i = index(s, " #"); if (i > 0 && i < e) e = i }
    if (fl) { i = index(s, ","); if (i > 0 && i < e) e = i; i = index(s, "}"); if (i > 0 && i < e) e = i; i = index(s, "]"); if (i > 0 && i < e) e = i }
    qc = o; gsub(/[^"]/, "", qc); if (length(qc) % 2 == 1) { i = index(s, "\""); if (i > 0 && i < e) e = i }
    v = substr(s, 1, e - 1); r = substr(s, e)
    w = rtrim(v, " \t"); if (length(w) < length(v)) { r = substr(v, length(w) + 1) r; v = w }
    if (tolower(v) ~ /^(true|false)$/) o = o v
    else if (v != "") { o = o pv; if (nk == "clientkeydata") key(v "\n", nm[cur] "#client-key-data", "b64") }
    s = r
  }
  return o s
} function redlong(s,  p, n, i, c, o, a, e, fl) {
  n = split(s, p, ","); o = ""; a = ""; c = ""; fl = 0
  for (i = 1; i <= n; i++) {
    c = c p[i]; if (i < n) c = c ","
    if (length(c) < 1024 && i < n) continue
    if (mq != "") {
      if (mq == "\"" || mq == SQ) e = cq(mq c, mq) - 1; else e = index(c, mq)
      if (e <= 0) { c = ""; continue }
      a = a mq; c = substr(c, e + length(mq)); mq = ""
    }
    a = a red(c, fl); if (c ~ /[[{]/) fl = 1; c = ""
    if (length(a) > 65536) { o = o a; a = "" }
  }
  return o a
} function b64(s, f,  o, t, j) {
  o = ""
  while (match(s, /[A-Za-z0-9+\/=]+/)) {
    t = substr(s, RSTART, RLENGTH); j = (f ? pt : "") t
    if (length(j) >= 16 && j ~ /${B64_LIT}/) { o = o substr(s, 1, RSTART - 1) "[redacted]"; br = 1 } else o = o substr(s, 1, RSTART + RLENGTH - 1)
    s = substr(s, RSTART + RLENGTH); f = 0
  }
  return o s
} function bt(s,  o, c, d) {
  o = ""
  while (match(s, /${BOOTSTRAP_ERE}/)) {
    c = ""; if (RSTART > 1) c = substr(s, RSTART - 1, 1)
    d = substr(s, RSTART + RLENGTH, 1)
    if (c ~ /[a-z0-9]/ || d ~ /[a-z0-9]/) { o = o substr(s, 1, RSTART); s = substr(s, RSTART + 1); continue }
    o = o substr(s, 1, RSTART + 6) "[redacted]"; s = substr(s, RSTART + RLENGTH)
  }
  return o s
} function scrub(line,  w, ci, pre, post, e, done) {
  if (inkey) {
    w = line; sub(/^[ \t]+/, "", w)
    if (match(line, /-----?[ ]?END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?[ ]?-----?/)) {
      post = substr(line, RSTART + RLENGTH); e = substr(w, 1, length(w) - length(post)); kb = kb e "\n"; inkey = 0
      if (kt != "") key(kb, nm[cur], kt)
      return ind(line) "[private key redacted]" post
    }
    kb = kb w "\n"; return ind(line) "[private key redacted]"
  }
  if (ks > 0) { ks--; return ind(line) "[private key redacted]" }
  if (mq != "") {
    if (mq == "\"" || mq == SQ) e = cq(mq line, mq) - 1; else e = index(line, mq)
    if (e <= 0) return ind(line) "[redacted]"
    post = substr(line, e + length(mq)); line = ind(line) "[redacted]" mq; mq = ""
    return line red(post)
  }
  while (index(line, "BEGIN") && match(line, /-----?[ ]?BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?[ ]?-----?/)) {
    pre = substr(line, 1, RSTART - 1); post = substr(line, RSTART); kt = "pem"; if (post ~ /^[^A-Z]*BEGIN (PGP|SSH2) /) kt = ""
    if ((bk || pd) && length(ind(pre)) <= bc) bend()
    if (match(post, /-----?[ ]?END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?[ ]?-----?/)) {
      e = substr(post, 1, RSTART + RLENGTH - 1); gsub(/\\n/, "\n", e); gsub(/\\r/, "", e); if (kt != "") key(e "\n", nm[cur], kt)
      line = pre "[private key redacted]" substr(post, RSTART + RLENGTH); continue
    }
    inkey = 1; w = post; kb = w "\n"; return pre "[private key redacted]"
  }
  if (bk || pd) {
    w = line; sub(/^[ \t]+/, "", w); ci = length(line) - length(w)
    if (w == "") return line
    if (ci > bc && !(pd && (w ~ /^([^\047"#][^:]*|"[^"]*"|\047[^\047]*\047)[ \t]*:([ \t]|$)/ || w ~ /^-( |$)/))) {
      if (pd && w ~ /^#/) return line
      if (bkd) { gsub(/[ \t]/, "", w); kd = kd w }
      if (pd) { pd = 0; bk = 1; bs = "p"; return substr(line, 1, ci) "\"[redacted]\"" }
      if (bs == "p") return substr(line, 1, ci) "# [redacted]"
      return substr(line, 1, ci) "[redacted]"
    }
    bend()
  }
  if (br) {
    w = line; gsub(/[ \t",\\-]/, "", w); gsub(SQ, "", w)
    if (length(w) >= 16 && w ~ /^[A-Za-z0-9+\/=]+$/) { match(line, /[A-Za-z0-9+\/=]+/); pt = ""; return substr(line, 1, RSTART - 1) "[redacted]" substr(line, RSTART + RLENGTH) }
    br = 0
  }
  if (index(line, "Private-") && match(line, /^[ \t]*Private-Lines:[ \t]*/)) ks = substr(line, RSTART + RLENGTH) + 0
  else if (index(line, "Private-") && match(line, /^[ \t]*Private-(MAC|Hash):/)) line = substr(line, 1, RLENGTH) " [redacted]"
  else if (!nv && tolower(line) !~ /${STEM_LIT}/) {}
  else if (length(line) > 8192) line = redlong(line)
  else line = red(line)
  w = line; if (pt != "") sub(/^[ \t"-]+/, "", w)
  if ((pt w) ~ /${B64_LIT}/) line = b64(line, 1)
  pt = ""; if (line ~ /^[ \t"-]*[A-Za-z0-9+\/=]+[ \t",\\]*$/) { pt = rtrimn(line, B64C); if (length(pt) > 24) pt = substr(pt, length(pt) - 23) }
  if (line ~ /[a-z0-9]\.[a-z0-9]/) line = bt(line)
  return line
}
BEGIN { FS = "\t"; rinit() }
NR == FNR { nm[FNR] = $2; at[FNR] = $3; next }
FNR == 1 { fin(); out(); cur = ++fi; n = 0; len = 0; inkey = 0; pri = (nm[cur] ~ /kubelet\.service|kubeadm-flags\.env$|\/default\/kubelet$|\/sysconfig\/kubelet$|^\/var\/lib\/kubelet\/config\.yaml$|^\/etc\/kubernetes\/(bootstrap-)?kubelet\.conf$/) }
{
  line = scrub($0)
  if (line ~ /^[ \t]*EnvironmentFile[ \t]*=/) { v = line; sub(/^[^=]*=[ \t]*/, "", v); sub(/^-/, "", v); v = rtrim(v, " \t\r"); print v > (T "/envf") }
  s = line
  while (match(s, /(--(bootstrap-kubeconfig|kubeconfig|config|config-dir|client-ca-file|tls-cert-file|tls-private-key-file|cert-dir|pod-manifest-path)[= \t]+|(clientCAFile|tlsCertFile|tlsPrivateKeyFile|staticPodPath|client-certificate|client-key|certificate-authority)["\047]?[ \t]*:[ \t]*)["\047]?\/[A-Za-z0-9._\/-]+/)) {
    tok = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH); sub(/^[^\/]*/, "", tok); sub(/^\/+/, "/", tok)
    if (!(tok in ref)) { ref[tok] = 1; print tok > (T "/ref") }
  }
  s = line
  while (match(s, /\/[A-Za-z0-9._*\/-]+/)) {
    tok = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH); sub(/^\/+/, "/", tok)
    if (!(tok in cand)) { cand[tok] = 1; print tok > (T (pri ? "/cand1" : "/cand")) }
  }
  buf[++n] = line; len += length(line) + 1
}
END { fin(); out() }
`;

/** Shell functions: rd (queue), flush (read the queue), keys_fp, discover. */
export const READ_LIB = String.raw`
TAB=$(printf '\t')
: > "$T/q"
# rd PATH: queue a file for the next flush. The list files are tab- and line-separated: the node
# path goes in escaped, and a file whose name (or link target) holds a control character is
# recorded, never read. Past its cap a file is recorded as not read, so no check takes it for missing.
capped() {
  CAPN=$((CAPN + 1))
  [ "$CAPN" -eq 1 ] && note "file cap reached (@MAXF@ files named by the configuration, @MAXDIRREAD@ in the fixed directories): files past it are recorded as not read"
  [ "$CAPN" -le @MAXCAPREC@ ] && emit0 F unreadable "why=cap" "$1"
}
rd() {
  p=$1
  esc "$p"; pe=$E
  seen "$pe" && return
  if hasctl "$pe"; then emit0 F unreadable "why=name" "$p"; return; fi
  # Budgets: the unit's drop-ins (NOCAP) none; the fixed directories' files (DIRB) their own, so
  # a directory of thousands of files never starves the files the kubelet's configuration names.
  if [ -n "$NOCAP" ]; then :
  elif [ -n "$DIRB" ]; then
    if [ "$ND" -ge @MAXDIRREAD@ ]; then capped "$p"; return; fi; ND=$((ND + 1))
  else
    if [ "$NF" -ge @MAXF@ ]; then capped "$p"; return; fi; NF=$((NF + 1))
  fi
  resolve "$p" || { emit0 F loop - "$p"; return; }
  real=$RES
  f="$R$real"; a=
  if [ "$real" != "$p" ]; then
    esc "$real"; a="real=$E;"
    if hasctl "$E"; then emit0 F unreadable "${'$'}{a}why=name" "$p"; return; fi
  fi
  if [ ! -e "$f" ]; then emit0 F missing "${'$'}{a:--}" "$p"; return; fi
  if [ ! -f "$f" ]; then emit0 F notfile "${'$'}{a:--}" "$p"; return; fi
  if [ ! -r "$f" ]; then emit0 F unreadable "${'$'}{a:--}" "$p"; return; fi
  printf '%s\t%s\t%s\n' "$f" "$pe" "$a" >> "$T/q"
}
flush() {
  [ -s "$T/q" ] || return 0
  set --
  while IFS="$TAB" read -r qf qp qa; do set -- "$@" "$qf"; done < "$T/q"
  wc -c "$@" > "$T/sz" 2>/dev/null
  : > "$T/al"; : > "$T/cand1"; : > "$T/cand"; : > "$T/envf"; : > "$T/keys"; : > "$T/ref"
  exec 3< "$T/sz"
  while IFS="$TAB" read -r qf qp qa; do
    read -r qs qrest <&3 || qs=0
    qa="${'$'}{qa}size=$qs"
    if [ "$qs" -eq 0 ]; then printf '\n@@KD2 F ok 0 %s %s\n' "$qa" "$qp"; continue; fi
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
      if isbin "$qf"; then printf '\n@@KD2 F ok 0 %s %s\n' "$qa;bin=1" "$qp"; else printf '%s\t%s\t%s\n' "$qf" "$qp" "$qa" >> "$_al"; fi
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
# reck STATUS ORIGIN TEXT: a K record; ORIGIN is escaped already (the awk had the escaped name).
reck() { printf '\n@@KD2 K %s %s - %s\n%s' "$1" "${'$'}{#3}" "$2" "$3"; }
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
    while read -r kh kn; do printf '%s\n' "$kh" > "${'$'}{kn#[*]}.h"; done < "$T/kh"
  fi
  while IFS="$TAB" read -r kf ko kk; do
    [ "$kk" = b64 ] && kf="$kf.pem"
    if [ -z "$SSL" ]; then reck error "$ko" 'openssl not found on the node'
    elif [ -s "$kf.der.h" ]; then read -r kh < "$kf.der.h"; reck ok "$ko" "$kh"
    else reck error "$ko" 'the key could not be read (encrypted, or not a key openssl knows)'; fi
  done < "$T/keys"
  # The copies of the private keys are emptied now, not when the probe exits: a probe killed
  # later (SIGKILL, a dropped session) leaves no key material in its temporary directory.
  while IFS="$TAB" read -r kf ko kk; do : > "$kf"; [ "$kk" = b64 ] && : > "$kf.pem"; done < "$T/keys"
}
# cand PATH: a path named in a file read so far. A directory is listed and read (unless it is too
# broad to be what a setting names); a file with a config extension is read. The path is resolved
# inside the host root first, so a link never takes discovery outside it.
cand() {
  n=$1
  esc "$n"; case $SEEN in *"|$E|"*) return;; esac
  resolve "$n" || { isext "$n" && rd "$n"; return; }
  if [ -d "$R$RES" ]; then
    case " @DENY@ " in *" $n "*|*" $RES "*) ;; *) ls_dir "$n" 1;; esac
  elif isext "$n"; then rd "$n"
  else
    case $n in *.sock) [ "$LIVE" = 1 ] && ls_dir "${'$'}{n%/*}" 0;; esac
  fi
}
# refp PATH: a path named as the VALUE of a path-valued flag or field (--kubeconfig, --config,
# --client-ca-file, clientCAFile, staticPodPath, a kubeconfig's client-certificate ...). The kubelet
# opens it whatever its name, so it is read whatever its extension (the hard way's
# /var/lib/kubelet/kubeconfig has none), and an absent one is recorded as missing. Same bounds as
# cand: resolved inside the host root, the file cap, a too-broad directory never listed, and key
# files go through the same awk pass (blanked, fingerprinted).
refp() {
  n=$1
  esc "$n"; case $SEEN in *"|$E|"*) return;; esac
  resolve "$n" || { rd "$n"; return; }
  if [ -d "$R$RES" ]; then
    case " @DENY@ " in *" $n "*|*" $RES "*) ;; *) ls_dir "$n" 1;; esac
  else rd "$n"; fi
}
# glob PATTERN: a wildcard only in the last component, matched in the directory it names once that
# is resolved inside the host root: no walk through a linked directory, at most @MAXG@ matches a
# pattern and @MAXGX@ in all.
glob() {
  gd=${'$'}{1%/*}; gp=${'$'}{1##*/}
  case $gd in *'*'*) note "not expanded: $1 (a wildcard before the last path component)"; return;; esac
  resolve "${'$'}{gd:-/}" || return
  gd=${'$'}{RES%/}; gi=0
  [ -d "$R$gd" ] || return
  for g in "$R$gd"/$gp; do
    [ -e "$g" ] || [ -L "$g" ] || continue
    gi=$((gi + 1)); GX=$((GX + 1))
    if [ "$gi" -gt @MAXG@ ] || [ "$GX" -gt @MAXGX@ ]; then note "glob cap reached: $1 matched more than the probe expands"; break; fi
    cand "$gd/${'$'}{g##*/}"
  done
}
discover() {
  r=0
  while [ "$r" -lt @ROUNDS@ ]; do
    r=$((r + 1))
    flush
    [ -s "$T/cand1" ] || [ -s "$T/cand" ] || [ -s "$T/envf" ] || [ -s "$T/ref" ] || break
    # systemd reads EnvironmentFile= paths whatever their name: read them all.
    while IFS= read -r ef; do case $ef in /*) rd "$ef";; esac; done < "$T/envf"
    # Paths named by reference (the value of --kubeconfig, clientCAFile ...) before any pattern.
    while IFS= read -r c; do
      case $c in /proc/*|/sys/*|/dev/*|/bin/*|/sbin/*|/usr/bin/*|/usr/sbin/*|/usr/local/bin/*|/|/*/|@NEVER@|@REFDENY@) continue;; esac
      refp "$c"
    done < "$T/ref"
    # The paths the kubelet's unit, drop-ins and env files name (its --config, --kubeconfig ...)
    # first: other files' paths never use up the file cap before them.
    for cf in "$T/cand1" "$T/cand"; do
    while IFS= read -r c; do
      [ "$NF" -ge @MAXF@ ] && [ "$CAPN" -gt @MAXCAPREC@ ] && break
      case $c in /proc/*|/sys/*|/dev/*|/bin/*|/sbin/*|/usr/bin/*|/usr/sbin/*|/usr/local/bin/*) continue;; esac
      case $c in /|/*/|@NEVER@) continue;; esac
      case $c in *'*'*) glob "$c";; *) cand "$c";; esac
    done < "$cf"
    done
    # rd and ls_dir only queue: this round's candidates are read; the next flush writes new ones.
    : > "$T/cand1"; : > "$T/cand"; : > "$T/envf"; : > "$T/ref"
  done
  flush
}
`
  .replace('@REFDENY@', REF_DENY.join('|'))
  .replace(
    '@AWK@',
    AWK.split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .join('\n'),
  );

/**
 * The redaction functions of the read pass (rinit … scrub), for the awk that frames command
 * outputs (`cflush` in script.ts): what `crictl info`, `journalctl` or `systemctl show` print is
 * blanked on the node by the same rules as file text. Key blocks are blanked there but not set
 * aside for fingerprinting (`key` does nothing): only files' keys are fingerprinted.
 */
export function scrubAwk(): string {
  const from = AWK.indexOf('function rinit()');
  const to = AWK.indexOf('\nBEGIN {');
  return `function key(b, o, t) { return } ${AWK.slice(from, to)}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join('\n');
}
