/**
 * The live part of the probe: what only a running node can answer (is the kubelet up, who holds
 * its ports and lock file, can the node reach its API server, what the journal says). It runs in
 * the same single script as the file reads, so the shell works out the settings it needs itself
 * (the healthz port, the kubeconfig's server and CA) and records what it queried; facts/live-*.ts
 * compare that with the effective configuration and say so when they differ.
 *
 * Records (all `C` command records; `live` holds `key=value` lines):
 * `kubelet-procs`, `kubelet-proxy-env`, `healthz`, `ss-listen` | `proc-listen`, `api-dns`,
 * `api-livez`, `api-healthz`, `api-node-time`, `df-imagefs`, `dfi-imagefs`, `timedatectl`,
 * `cri-version`, `cri-version-body`, `cri-status`, `cri-status-body`, `cri-config` (whitelisted JSON
 * from the verbose Status), `cri-runtime-config`, `cri-runtime-config-body`, `journal`, `live`.
 */
import {LIVE, UNIT_DIRS} from './sections.js';

// POSIX sh (dash, busybox ash). Shares the helpers of script.ts (have, run, cmd, queue, emitcap,
// resolve, $T, $R): command output is framed in batches by cflush, not one record at a time.
// Variables of these functions are prefixed with `_` so they never clobber cmd's `id`/`rc`.
const LIVE_LIB = String.raw`
LV="$T/live"; : > "$LV"
kv() { printf '%s=%s\n' "$1" "$2" >> "$LV"; }
HTTP=; if have curl; then HTTP=curl; elif have wget; then HTTP=wget; elif [ -n "$SSL" ]; then HTTP=openssl; fi
BBW=0
if [ "$HTTP" = wget ]; then case $(readlink "$(command -v wget)" 2>/dev/null) in *busybox*) BBW=1;; esac; fi
# Every process whose name is kubelet: its argv (one word a line), after a "--pid N" line.
# pgrep -a when it has -a (procps); else (busybox) the names in /proc/*/comm, no fork per process.
kprocs() {
  : > "$T/kp"; KPID=; _kn=0
  if have pgrep; then run 3 pgrep -a -x kubelet; else rc=9; fi
  if [ "$rc" -le 1 ] && [ ! -s "$RE" ]; then
    set -f
    while read -r _pp _pa; do
      [ -n "$_pp" ] || continue
      _kn=$((_kn + 1)); [ "$_kn" -gt @MAXPROC@ ] && break
      printf '%s %s\n' --pid "$_pp" >> "$T/kp"; printf '%s\n' $_pa >> "$T/kp"
      [ -n "$KPID" ] || KPID=$_pp
    done < "$RO"
    set +f
  else
    for _pd in "$R"/proc/[0-9]*; do
      { read -r _kc < "$_pd/comm"; } 2>/dev/null || continue
      [ "$_kc" = kubelet ] || continue
      _kn=$((_kn + 1)); [ "$_kn" -gt @MAXPROC@ ] && break
      printf '%s %s\n' --pid "${'$'}{_pd##*/}" >> "$T/kp"
      tr '\000' '\n' < "$_pd/cmdline" >> "$T/kp" 2>/dev/null
      [ -n "$KPID" ] || KPID=${'$'}{_pd##*/}
    done
  fi
  queue "$T/kp" C 0 kubelet-procs 262144
  [ -n "$KPID" ] || return
  # Proxy variables of the running kubelet; credentials in a proxy URL never leave the node.
  tr '\000' '\n' < "$R/proc/$KPID/environ" 2>/dev/null \
    | awk '{ l = tolower($0) } l ~ /^(https?|no|all)_proxy=/ { sub(/:\/\/[^\/@]*@/, "://[redacted]@"); print }' > "$T/kpe"
  queue "$T/kpe" C 0 kubelet-proxy-env 16384
}
# The kubelet flags the live checks need, from the unit, its drop-ins, the env files and the
# running kubelet (last, so it wins): --flag=value and --flag value, last occurrence wins (pflag).
kflags() {
  set --
  for _d in @UNITDIRS@; do [ -f "$R$_d/kubelet.service" ] && set -- "$@" "$R$_d/kubelet.service"; done
  for _d in @UNITDIRS@; do for _f in "$R$_d"/kubelet.service.d/*.conf; do [ -f "$_f" ] && set -- "$@" "$_f"; done; done
  for _f in /var/lib/kubelet/kubeadm-flags.env /etc/default/kubelet /etc/sysconfig/kubelet; do [ -f "$R$_f" ] && set -- "$@" "$R$_f"; done
  [ -s "$T/kp" ] && set -- "$@" "$T/kp"
  : > "$T/kf"
  [ $# -gt 0 ] && awk '
    BEGIN { n = split("healthz-port healthz-bind-address config config-dir kubeconfig bootstrap-kubeconfig lock-file container-runtime-endpoint", w, " "); for (i = 1; i <= n; i++) want[w[i]] = 1 }
    FILENAME != f { f = FILENAME; pend = "" }
    /^[ \t]*[#;]/ { next }
    { gsub(/["\047\\]/, " ")
      for (i = 1; i <= NF; i++) {
        t = $i
        if (pend != "") { v[pend] = t; pend = ""; continue }
        p = index(t, "--"); if (p == 0) continue
        t = substr(t, p + 2); e = index(t, "=")
        if (e > 0) { k = substr(t, 1, e - 1); if (k in want) v[k] = substr(t, e + 1) } else if (t in want) pend = t
      } }
    END { for (k in v) print k "=" v[k] }' "$@" > "$T/kf" 2>/dev/null
  FHZP=; FHZA=; KCFG=; KCFGD=; KCONF=; KBOOT=; KLOCK=; CEP=
  while IFS= read -r _l; do
    case $_l in
      healthz-port=*) FHZP=${'$'}{_l#*=};; healthz-bind-address=*) FHZA=${'$'}{_l#*=};;
      config=*) KCFG=${'$'}{_l#*=};; config-dir=*) KCFGD=${'$'}{_l#*=};;
      kubeconfig=*) KCONF=${'$'}{_l#*=};; bootstrap-kubeconfig=*) KBOOT=${'$'}{_l#*=};; lock-file=*) KLOCK=${'$'}{_l#*=};;
      container-runtime-endpoint=*) CEP=${'$'}{_l#*=};;
    esac
  done < "$T/kf"
  kv config "$KCFG"; kv config_dir "$KCFGD"
}
# healthzPort / healthzBindAddress: flag > --config-dir drop-ins > --config > default (kubelet.md §2.1).
kconfig() {
  HZP=10248; HZP_FROM=default; HZA=127.0.0.1; HZA_FROM=default
  set --
  case $KCFG in /*) [ -f "$R$KCFG" ] && set -- "$R$KCFG";; ?*) [ -f "$R/$KCFG" ] && set -- "$R/$KCFG";; esac
  if [ -n "$KCFGD" ]; then for _f in "$R$KCFGD"/*.conf; do [ -f "$_f" ] && set -- "$@" "$_f"; done; fi
  if [ $# -gt 0 ]; then
    awk '
      { l = $0; gsub(/["\047,{}]/, " ", l) }
      l ~ /^[ \t]*healthzPort[ \t]*:/ { sub(/^[^:]*:[ \t]*/, "", l); sub(/[ \t].*$/, "", l); if (l != "") { p = l; pf = FILENAME } }
      l ~ /^[ \t]*healthzBindAddress[ \t]*:/ { sub(/^[^:]*:[ \t]*/, "", l); sub(/[ \t].*$/, "", l); if (l != "") { a = l; af = FILENAME } }
      l ~ /^[ \t]*containerRuntimeEndpoint[ \t]*:/ { sub(/^[^:]*:[ \t]*/, "", l); sub(/[ \t].*$/, "", l); if (l != "") e = l }
      END { print p; print pf; print a; print af; print e }' "$@" > "$T/kc" 2>/dev/null
    { read -r _p; read -r _pf; read -r _a; read -r _af; read -r _e; } < "$T/kc"
    [ -z "$CEP" ] && [ -n "$_e" ] && CEP=$_e
    [ -n "$_p" ] && { HZP=$_p; HZP_FROM=${'$'}{_pf#"$R"}; }
    [ -n "$_a" ] && { HZA=$_a; HZA_FROM=${'$'}{_af#"$R"}; }
  fi
  [ -n "$FHZP" ] && { HZP=$FHZP; HZP_FROM=flag; }
  [ -n "$FHZA" ] && { HZA=$FHZA; HZA_FROM=flag; }
  kv healthz_port "$HZP"; kv healthz_port_from "$HZP_FROM"; kv healthz_address "$HZA"; kv healthz_address_from "$HZA_FROM"
}
# http_get ID URL CAFILE INSECURE: one GET with the node's own client, never through a proxy.
# curl prints headers, body and a last "@@http_code=N" line; wget's headers go to stderr (-S).
http_get() {
  _hi=$1; _hu=$2; _hc=$3; _hk=$4; _ht=$HTTP
  # busybox wget verifies no certificate: for https, openssl s_client (which does) is better.
  case $_hu in https:*) [ "$BBW" = 1 ] && [ -n "$SSL" ] && _ht=openssl;; esac
  kv "$_hi.url" "$_hu"; kv "$_hi.tool" "${'$'}{_ht:-none}"
  case $_ht in
    curl)
      set -- curl -sS -i --noproxy '*' --connect-timeout @CONNECT@ -m @MAXTIME@ -w '\n@@http_code=%{http_code}\n'
      [ -n "$_hc" ] && set -- "$@" --cacert "$_hc"
      [ "$_hk" = 1 ] && set -- "$@" -k
      cmd "$_hi" @CMDTIME@ 65536 "$@" "$_hu";;
    wget)
      if [ "$BBW" = 1 ]; then
        # busybox wget cannot verify a certificate against a CA file (and no openssl): say so.
        case $_hu in https:*) kv "$_hi.tls" unverified;; esac
        cmd "$_hi" @CMDTIME@ 65536 wget -S -O - --no-check-certificate "$_hu"
      else
        set -- wget -S -O - -T @CONNECT@ -t 1 --no-proxy
        [ -n "$_hc" ] && set -- "$@" "--ca-certificate=$_hc"
        [ "$_hk" = 1 ] && set -- "$@" --no-check-certificate
        cmd "$_hi" @CMDTIME@ 65536 "$@" "$_hu"
      fi;;
    openssl)
      # No HTTP client: TLS and the status line through openssl s_client (https only).
      case $_hu in https:*) ;; *) kv "$_hi.error" "no curl or wget on the node"; return;; esac
      printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "/${'$'}{_hu#https://*/}" "$AH" > "$T/req"
      set -- "$SSL" s_client -quiet -connect "$AH:$AP" -verify_return_error
      case $AH in *[!0-9.]*) case $AH in *:*) set -- "$@" -verify_ip "$AH";; *) set -- "$@" -servername "$AH" -verify_hostname "$AH";; esac;; *) set -- "$@" -verify_ip "$AH";; esac
      [ -n "$_hc" ] && set -- "$@" -CAfile "$_hc"
      CIN="$T/req"; cmd "$_hi" @CMDTIME@ 65536 "$@"; CIN=/dev/null;;
    *) kv "$_hi.error" "no curl, wget or openssl on the node";;
  esac
}
khealthz() {
  case $HZP in ''|*[!0-9]*) kv healthz.error "healthzPort \"$HZP\" is not a number"; return;; 0) return;; esac
  case $HZA in ''|0.0.0.0) _h=127.0.0.1;; ::|'[::]') _h='[::1]';; \[*) _h=$HZA;; *:*) _h="[$HZA]";; *) _h=$HZA;; esac
  [ "$HTTP" = openssl ] && { kv healthz.error "no curl or wget on the node"; return; }
  http_get healthz "http://$_h:$HZP/healthz" '' 0
}
# The lock file's holders and waiters, from /proc/locks by inode (flock: pkg/util/flock).
klock() {
  [ -n "$KLOCK" ] || return
  kv lock.path "$KLOCK"
  resolve "$KLOCK" || { kv lock.error "symlink loop"; return; }
  _lr=$RES
  [ -e "$R$_lr" ] || { kv lock.exists 0; return; }
  kv lock.exists 1
  _li=$(stat -c %i "$R$_lr" 2>/dev/null); kv lock.inode "$_li"
  [ -n "$_li" ] && [ -r "$R/proc/locks" ] || return
  awk -v i="$_li" '{ o = ($2 == "->") ? 1 : 0; n = split($(6 + o), a, ":"); if (a[n] == i) print (o ? "waiter" : "holder"), $(5 + o), $(2 + o) }' "$R/proc/locks" > "$T/lh" 2>/dev/null
  while read -r _lw _lp _lt; do
    _lc=?; { read -r _lc < "$R/proc/$_lp/comm"; } 2>/dev/null
    kv "lock.$_lw" "$_lp $_lt $_lc"
  done < "$T/lh"
}
# Who listens on 10250 and the healthz port: ss, else /proc/net/tcp{,6} and the fd links.
kports() {
  if have ss; then acmd ss-listen 5 131072 ss -ltnp; return; fi
  set --
  for _f in "$R/proc/net/tcp" "$R/proc/net/tcp6"; do [ -r "$_f" ] && set -- "$@" "$_f"; done
  [ $# -gt 0 ] || { kv ports.error "no ss and no /proc/net/tcp"; return; }
  awk -v a=10250 -v b="$HZP" 'function dec(h,  i, v) { v = 0; for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789ABCDEF", toupper(substr(h, i, 1))) - 1; return v }
    FNR > 1 && $4 == "0A" { n = split($2, x, ":"); p = dec(x[n]); if (p == a || p == b) print p, x[1], $10 }' "$@" > "$T/pl" 2>/dev/null
  : > "$T/pm"
  if [ -s "$T/pl" ]; then
    ls -l "$R"/proc/[0-9]*/fd 2>/dev/null | awk '
      NR == FNR { w[$3] = $1 " " $2; next }
      /:$/ { n = split($0, q, "/"); pid = q[n - 1]; next }
      /socket:\[/ { s = $NF; gsub(/[^0-9]/, "", s); if (s in w) { print w[s], s, pid; delete w[s] } }
      END { for (s in w) print w[s], s, "-" }' "$T/pl" - > "$T/pm" 2>/dev/null
  fi
  : > "$T/pn"
  while read -r _pp _pa _pi _pd; do
    _pc=-; [ "$_pd" = - ] || { read -r _pc < "$R/proc/$_pd/comm"; } 2>/dev/null
    printf '%s %s %s %s %s\n' "$_pp" "$_pa" "$_pi" "$_pd" "$_pc" >> "$T/pn"
  done < "$T/pm"
  queue "$T/pn" C 0 proc-listen 131072
}
# The API server as the kubelet sees it: the server and CA of kubelet.conf (bootstrap-kubelet.conf
# while bootstrapping), DNS, then TLS verified against that CA and GET /livez (/healthz before 1.16).
kapi() {
  _kc0=${'$'}{KCONF:-/etc/kubernetes/kubelet.conf}; _kc=$_kc0
  [ -f "$R$_kc" ] || _kc=${'$'}{KBOOT:-/etc/kubernetes/bootstrap-kubelet.conf}
  kv api.kubeconfig "$_kc"
  [ -f "$R$_kc" ] || { kv api.error "neither $_kc0 nor $_kc exists"; return; }
  awk 'function val(  v) { v = $0; sub(/^[^:]*:[ \t]*/, "", v); gsub(/["\047 \t]/, "", v); return v }
    /^[ \t]*server:/ && s == "" { s = val() }
    /^[ \t]*certificate-authority:/ && c == "" { c = val() }
    /^[ \t]*insecure-skip-tls-verify:[ \t]*true/ { k = 1 }
    /^[ \t]*certificate-authority-data:/ && d == "" { d = val() }
    END { print s; print c; print k + 0; print d }' "$R$_kc" > "$T/ak" 2>/dev/null
  { read -r AS; read -r _caf; read -r _ins; read -r _cad; } < "$T/ak"
  kv api.server "$AS"
  case $AS in https://*|http://*) ;; *) kv api.error "no server URL in $_kc"; return;; esac
  _hp=${'$'}{AS#*://}; _hp=${'$'}{_hp%%/*}
  case $_hp in
    \[*\]:*) AH=${'$'}{_hp%%]*}; AH=${'$'}{AH#?}; AP=${'$'}{_hp##*]:};;
    \[*\]) AH=${'$'}{_hp#?}; AH=${'$'}{AH%?}; AP=;;
    *:*) AH=${'$'}{_hp%:*}; AP=${'$'}{_hp##*:};;
    *) AH=$_hp; AP=;;
  esac
  [ -n "$AP" ] || { AP=443; case $AS in http:*) AP=80;; esac; }
  _ca=
  if [ "$_ins" = 1 ]; then kv api.ca insecure
  elif [ -n "$_cad" ]; then
    if have base64; then printf '%s' "$_cad" | base64 -d > "$T/ca.pem" 2>/dev/null; elif [ -n "$SSL" ]; then printf '%s' "$_cad" | $SSL base64 -d -A > "$T/ca.pem" 2>/dev/null; fi
    if [ -s "$T/ca.pem" ]; then _ca="$T/ca.pem"; kv api.ca data; else kv api.ca bad-data; fi
  elif [ -n "$_caf" ]; then
    case $_caf in /*) ;; *) _caf="${'$'}{_kc%/*}/$_caf";; esac
    if resolve "$_caf" && _cr=$RES && [ -f "$R$_cr" ]; then _ca="$R$_cr"; kv api.ca "file:$_caf"; else kv api.ca "missing:$_caf"; fi
  else kv api.ca none; fi
  case $AH in *:*) ;; *[!0-9.]*) cmd api-dns 4 4096 getent hosts "$AH";; esac
  RO=; RE=
  http_get api-livez "${'$'}{AS%/}/livez" "$_ca" "$_ins"
  if [ -n "$RO" ] && grep -q -e '^@@http_code=404' -e 'HTTP/[0-9.]* 404' "$RO" "$RE" 2>/dev/null; then
    http_get api-healthz "${'$'}{AS%/}/healthz" "$_ca" "$_ins"
  fi
  cmd api-node-time 2 64 date -u +%s
}
# The image filesystem: the first runtime root that exists (containerd, CRI-O, dockerd).
kimagefs() {
  for _d in @IMAGEFS@; do
    [ -d "$R$_d" ] || continue
    kv imagefs.path "$_d"
    acmd df-imagefs 5 4096 df -kP "$R$_d"; acmd dfi-imagefs 5 4096 df -iP "$R$_d"
    return
  done
}
# gcall NAME METHOD REQUEST CAP: one unary call to runtime.v1.RuntimeService on the CRI socket $GS
# (gRPC over HTTP/2 without TLS, with curl). Prints the response headers and trailers; the body
# (one gRPC frame), at most CAP bytes, goes to $T/gb.NAME; returns curl's exit code. curl's -m
# bounds a runtime that accepts and never answers, head -c one that never stops sending.
gcall() {
  { curl -sS -m @GRPCTIME@ --http2-prior-knowledge --unix-socket "$GS" -H 'content-type: application/grpc' -H 'te: trailers' \
      --data-binary "@$3" -D "$T/gh.$1" -o - "http://localhost/runtime.v1.RuntimeService/$2"; echo $? > "$T/gx.$1"; } | head -c "$4" > "$T/gb.$1"
  cat "$T/gh.$1" 2>/dev/null; _gx=1; { read -r _gx < "$T/gx.$1"; } 2>/dev/null; return "$_gx"
}
# gbody NAME FILE CAP: a response body (protobuf: NUL and high bytes) as hex text (od), so no byte of
# it meets the client's text decoding; raw, framed by byte count, where the node has no od.
gbody() {
  if have od; then head -c "$3" "$2" | od -An -v -tx1 > "$2.x"; emitcap C 0 "$1" "$2.x" $(($3 * 4))
  else emitcap C 0 "$1" "$2" "$3"; fi
}
# gok: the last call was answered with grpc-status 0.
gok() { [ "$rc" = 0 ] && grep -q '^grpc-status: *0[^0-9]*$' "$RO" 2>/dev/null; }
# The runtime's own word, asked on the kubelet's endpoint socket with curl (even where crictl is
# installed: crictl asks whatever /etc/crictl.yaml names): Version, Status, Status with verbose
# info, and RuntimeConfig (CRI v1, cri-api api.proto; containerd 2.x and CRI-O 1.28+ implement it).
# Secrets: the verbose info map holds the CRI plugin's whole config, registry auth included
# (config.registry.configs.*.auth, auths). It never leaves the node: only the default runtime's
# name, the runtimes table and the sandbox image are cut out of info["config"] (a whitelist, as
# JSON text), and that text is framed by cflush like any command output.
kcri() {
  _ep=${'$'}{CEP:-unix:///run/containerd/containerd.sock}
  kv cri.endpoint "$_ep"
  case $_ep in unix://*) _s=${'$'}{_ep#unix://};; /*) _s=$_ep;; *) kv cri.error "$_ep is not a unix socket"; return;; esac
  { resolve "$_s" && _sr=$RES && [ -S "$R$_sr" ]; } || { kv cri.error "no socket at $_s"; return; }
  [ "$HTTP" = curl ] || { kv cri.error "no curl on the node to ask the CRI socket"; return; }
  GS="$R$_sr"
  printf '\000\000\000\000\000' > "$T/g0"; printf '\000\000\000\000\002\010\001' > "$T/g1"
  run @GRPCCAP@ gcall v Version "$T/g0" 4096
  # A runtime without the service answers at once and resets the stream while curl still sends the
  # body; curl 7.x may report that reset (exit 92) instead of the answer. Asked without a body, such
  # a runtime answers cleanly (one that serves the call would wait for the body: keep the first result).
  if [ "$rc" = 92 ]; then
    _ro1=$RO; _re1=$RE; _rc1=$rc; _st1=$st
    run 3 curl -sS -m 2 --http2-prior-knowledge --unix-socket "$GS" -X POST -H 'content-type: application/grpc' -H 'te: trailers' \
      -D - -o /dev/null http://localhost/runtime.v1.RuntimeService/Version
    [ "$rc" = 0 ] || { RO=$_ro1; RE=$_re1; rc=$_rc1; st=$_st1; }
  fi
  # curl built without HTTP/2 (no nghttp2) refuses the option itself (exit 1, 2 or 4): that says
  # nothing about the runtime, so the socket counts as not asked and crictl, if any, answers.
  case $rc in 1|2|4) kv cri.error "curl on the node cannot speak HTTP/2 (exit $rc): the CRI socket was not asked"; return;; esac
  queue "$RO" C "$st" cri-version 4096; [ -s "$RE" ] && queue "$RE" E "$st" cri-version 4096
  gbody cri-version-body "$T/gb.v" 4096
  gok || return
  run @GRPCCAP@ gcall s Status "$T/g0" 65536
  queue "$RO" C "$st" cri-status 4096; [ -s "$RE" ] && queue "$RE" E "$st" cri-status 4096
  gbody cri-status-body "$T/gb.s" 65536
  # A runtime that let a call run out of time (curl: 28) is not asked again: one hang costs one cap.
  [ "$rc" = 28 ] || [ "$st" = timeout ] && return
  run @GRPCCAP@ gcall i Status "$T/g1" @INFOCAP@
  : > "$T/gcfg"
  # The frame's control bytes become line ends, so info["config"] is the first line holding {" after
  # the map key "config" (the bytes of its length may make a line of their own). Kept:
  # defaultRuntimeName, the runtimes object (its options as written) and sandboxImage; every other
  # key (registry, TLS files, ...) stays on the node.
  gok && tr '\000-\037' '\n' < "$T/gb.i" | awk 'function str(k,  i, s) { i = index(L, "\"" k "\":\""); if (i == 0) return "null"; s = substr(L, i + length(k) + 4)
      return match(s, /^([^"\\]|\\.)*"/) ? "\"" substr(s, 1, RLENGTH) : "null" } function obj(k,  i, j, n, c, d, q) { i = index(L, "\"" k "\":{"); if (i == 0) return "null"; i += length(k) + 3; n = length(L); d = 0; q = 0
      for (j = i; j <= n; j++) { c = substr(L, j, 1)
        if (q) { if (c == "\\") j++; else if (c == "\"") q = 0; continue }
        if (c == "\"") q = 1; else if (c == "{") d++; else if (c == "}") { d--; if (d == 0) return substr(L, i, j - i + 1) } }
      return "null" }
    p && index($0, "{\"") { L = $0; printf "{\"defaultRuntimeName\":%s,\"sandboxImage\":%s,\"runtimes\":%s}\n", str("defaultRuntimeName"), str("sandboxImage"), obj("runtimes"); exit }
    $0 == "config" { p = 1 }' > "$T/gcfg" 2>/dev/null
  queue "$T/gcfg" C "$st" cri-config 65536
  [ "$rc" = 28 ] || [ "$st" = timeout ] && return
  run @GRPCCAP@ gcall r RuntimeConfig "$T/g0" 4096
  queue "$RO" C "$st" cri-runtime-config 4096; [ -s "$RE" ] && queue "$RE" E "$st" cri-runtime-config 4096
  gbody cri-runtime-config-body "$T/gb.r" 4096
}
# kubeadm join's first request, made from the node: the anonymous cluster-info document at the
# join endpoint (only with --join-command). TLS is not verified here: join pins the CA by hash.
kjoin() {
  [ -n "$JEP" ] || return
  kv join.endpoint "$JEP"
  case $JEP in \[*\]:*) AH=${'$'}{JEP%%]*}; AH=${'$'}{AH#?}; AP=${'$'}{JEP##*]:};; *) AH=${'$'}{JEP%:*}; AP=${'$'}{JEP##*:};; esac
  case $AH in *:*) ;; *[!0-9.]*) cmd join-dns 4 4096 getent hosts "$AH";; esac
  http_get join-info "https://$JEP/api/v1/namespaces/kube-public/configmaps/cluster-info" "" 1
}
kjournal() {
  set -- journalctl
  if [ -n "$R" ]; then for _j in /var/log/journal /run/log/journal; do [ -d "$R$_j" ] && { set -- journalctl -D "$R$_j"; break; }; done; fi
  acmd journal @JTIME@ -@JCAP@ "$@" -u kubelet -n @JLINES@ --no-pager -o short-iso
}
`;

/**
 * The CRI calls' caps: curl's time limit per call (a runtime that accepts and never answers costs
 * at most this, and the calls after Version are skipped when Version got no answer), and the bytes
 * of the verbose Status answer read on the node (containerd 1.6's is ~3 KiB with one runtime).
 */
export const CRI_CALL = {curlS: 4, infoCap: 262144} as const;

/** The live checks' shell functions, with the caps of sections.ts filled in. */
export function liveLibrary(): string {
  return LIVE_LIB.replace(/@UNITDIRS@/g, UNIT_DIRS.join(' '))
    .replace(/@MAXPROC@/g, String(LIVE.maxKubeletProcesses))
    .replace(/@CONNECT@/g, String(LIVE.httpConnectS))
    .replace(/@MAXTIME@/g, String(LIVE.httpConnectS + 2))
    .replace(/@CMDTIME@/g, String(LIVE.httpConnectS + 4))
    .replace(/@IMAGEFS@/g, LIVE.imagefsDirs.join(' '))
    .replace(/@JTIME@/g, String(LIVE.journalTimeoutS))
    .replace(/@JCAP@/g, String(LIVE.journalCap))
    .replace(/@JLINES@/g, String(LIVE.journalLines))
    .replace(/@GRPCTIME@/g, String(CRI_CALL.curlS))
    .replace(/@GRPCCAP@/g, String(CRI_CALL.curlS + 1))
    .replace(/@INFOCAP@/g, String(CRI_CALL.infoCap));
}

/** The calls, in order: processes first (their argv is the best source of the flags). */
export const LIVE_CALLS: readonly string[] = [
  // Started first, in the background (acmd): they need nothing the others work out.
  'kjournal',
  'acmd timedatectl 3 4096 timedatectl status',
  'kimagefs',
  'kprocs',
  'kflags',
  'kconfig',
  'khealthz',
  'klock',
  'kports',
  'kapi',
  'kjoin',
  'kcri',
];
