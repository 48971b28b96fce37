/**
 * The HTTP stand-ins of a lab node: `curl` and `wget` answer the node's own endpoints (the
 * kubelet's healthz on 10248 and its API on 10250, while the kubelet runs) and the cluster's
 * API server at https://127.0.0.1:6443 (the lab has no real one, so it answers as a healthy
 * one would). They never open a connection: a lab node has no network beyond its own answers.
 */
import {shQuote} from '../probe/script.js';
import type {ScriptContext} from './stand-in-scripts.js';

/** `curl [-sSfkiI] [-m S] [-o FILE] [-w FMT] URL`: the subset the probe and an operator use. */
export function curlScript(c: ScriptContext): string {
  return `#!/bin/sh
# kubelet-doctor lab: stand-in for \`curl\` on ${c.hostname}. Answers from the lab data; opens no connection.
D=${shQuote(c.data)}
silent=0; showerr=0; fail=0; head_only=0; incl=0; out=-; wfmt=; url=
takes() { case $1 in o|w|m|H|u|X|d|x|e|A|E|K|b|c|r|T|U|y|Y|z) return 0;; esac; return 1; }
while [ $# -gt 0 ]; do
  a=$1; shift
  case $a in
    --silent) silent=1;; --show-error) showerr=1;; --fail|--fail-with-body) fail=1;;
    --head) head_only=1;; --include) incl=1;;
    --output) out=$1; shift;; --output=*) out=\${a#--output=};;
    --write-out) wfmt=$1; shift;; --write-out=*) wfmt=\${a#--write-out=};;
    --max-time|--connect-timeout|--header|--cacert|--capath|--cert|--key|--request|--data|--retry|--retry-delay|--retry-max-time|--user|--user-agent|--resolve|--noproxy|--proxy|--interface|--cert-type|--key-type|--config) shift;;
    --*) ;;
    -?*) f=\${a#-}
      while [ -n "$f" ]; do
        ch=\${f%"\${f#?}"}; f=\${f#?}
        case $ch in s) silent=1;; S) showerr=1;; f) fail=1;; I) head_only=1;; i) incl=1;; esac
        if takes "$ch"; then
          v=$f; f=; if [ -z "$v" ]; then v=$1; shift; fi
          case $ch in o) out=$v;; w) wfmt=$v;; esac
        fi
      done;;
    *) url=$a;;
  esac
done
say() { if [ "$silent" = 0 ] || [ "$showerr" = 1 ]; then echo "curl: $1" >&2; fi; }
code=000; body=
rest=\${url#*://}; scheme=\${url%%://*}; [ "$scheme" = "$url" ] && scheme=http
hostport=\${rest%%/*}; path=/\${rest#*/}; [ "$rest" = "$hostport" ] && path=/
case $hostport in
  \\[*) host=\${hostport%%]*}; host=\${host#[}; port=\${hostport##*]}; port=\${port#:};;
  *:*) host=\${hostport%:*}; port=\${hostport##*:};;
  *) host=$hostport; port=;;
esac
[ -n "$port" ] || { [ "$scheme" = https ] && port=443 || port=80; }
path=\${path%%\\?*}
refused() { say "(7) Failed to connect to $host port $port after 0 ms: Couldn't connect to server"; code=000; rc=7; }
rc=0
case $host in
  127.0.0.1|localhost|::1)
    case $port in
      10248) if [ -f "$D/kubelet-running" ]; then code=200; body=ok; else refused; fi;;
      10250) if [ -f "$D/kubelet-running" ]; then code=401; body=Unauthorized; else refused; fi;;
      6443)
        case $path in
          /livez|/healthz|/readyz|/livez/*|/healthz/*|/readyz/*) code=200; body=ok;;
          /version) code=200; body=$(cat "$D/apiserver-version.json");;
          # kubeadm join's discovery reads cluster-info anonymously (RBAC grants it to system:unauthenticated).
          /api/v1/namespaces/kube-public/configmaps/cluster-info) code=200; body='{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cluster-info","namespace":"kube-public"},"data":{}}';;
          *) code=403; body='{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden: User \\"system:anonymous\\" cannot get path \\"'"$path"'\\"","reason":"Forbidden","details":{},"code":403}';;
        esac;;
      *) refused;;
    esac;;
  '') say "(3) URL rejected: No host part in the URL"; rc=3;;
  *) say "(6) Could not resolve host: $host"; rc=6;;
esac
if [ "$rc" = 0 ] && [ "$fail" = 1 ] && [ "$code" -ge 400 ]; then
  say "(22) The requested URL returned error: $code"; rc=22; body=
fi
if [ "$rc" = 0 ]; then
  case $code in 200) reason=' OK';; 401) reason=' Unauthorized';; 403) reason=' Forbidden';; *) reason=;; esac
  ctype='text/plain; charset=utf-8'; case $body in '{'*) ctype=application/json;; esac
  {
    if [ "$head_only" = 1 ] || [ "$incl" = 1 ]; then
      # The API server speaks HTTP/2 to curl (status line without a reason phrase); the kubelet's healthz HTTP/1.1.
      if [ "$port" = 6443 ]; then printf 'HTTP/2 %s \\r\\ncache-control: no-cache, private\\r\\ncontent-type: %s\\r\\nx-content-type-options: nosniff\\r\\ncontent-length: %s\\r\\ndate: %s\\r\\n\\r\\n' "$code" "$ctype" "\${#body}" "$(date -u '+%a, %d %b %Y %H:%M:%S GMT')"
      else printf 'HTTP/1.1 %s%s\\r\\nContent-Type: %s\\r\\nX-Content-Type-Options: nosniff\\r\\nDate: %s\\r\\nContent-Length: %s\\r\\n\\r\\n' "$code" "$reason" "$ctype" "$(date -u '+%a, %d %b %Y %H:%M:%S GMT')" "\${#body}"; fi
    fi
    [ "$head_only" = 1 ] || printf '%s' "$body"
  } | if [ "$out" = - ]; then cat; else cat > "$out"; fi
fi
if [ -n "$wfmt" ]; then
  printf '%b' "$(printf '%s' "$wfmt" | sed -e "s/%{http_code}/$code/g" -e "s/%{response_code}/$code/g" -e "s/%{exitcode}/$rc/g")"
fi
exit $rc
`;
}

/** `wget [-q] [-O FILE] [-T S] URL`, answered by the curl stand-in (wget's exit codes: 4 network, 8 HTTP error). */
export function wgetScript(c: ScriptContext): string {
  return `#!/bin/sh
# kubelet-doctor lab: stand-in for \`wget\` on ${c.hostname}. Answers through the lab's curl stand-in.
out=; url=; quiet=0
while [ $# -gt 0 ]; do
  case $1 in
    -O) out=$2; shift;;
    -O*) out=\${1#-O};;
    --output-document=*) out=\${1#--output-document=};;
    -q|--quiet) quiet=1;;
    -qO) quiet=1; out=$2; shift;;
    -qO*) quiet=1; out=\${1#-qO};;
    -T|-t|--header|--ca-certificate|--certificate|--private-key) shift;;
    -*) ;;
    *) url=$1;;
  esac
  shift
done
[ -n "$out" ] || out=\${url##*/}
[ -n "$out" ] || out=index.html
dir=\${0%/*}
"$dir/curl" -sf -o "$out" "$url"
rc=$?
case $rc in
  0) exit 0;;
  22) [ "$quiet" = 1 ] || echo "wget: server returned error: HTTP/1.1 4xx" >&2; exit 8;;
  *) [ "$quiet" = 1 ] || echo "wget: can't connect to remote host: Connection refused" >&2; exit 4;;
esac
`;
}
