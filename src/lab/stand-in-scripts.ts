/**
 * The stand-in programs of a lab node, as POSIX sh text. Each answers the way the real program
 * does on a node with the scenario's fault, from data files written next to it (stand-ins.ts),
 * so the probe's live commands read the node, not the machine the lab runs on. They are small
 * on purpose: they understand the options the probe and an operator use, and nothing more.
 */
import {shQuote} from '../probe/script.js';

/** Where a stand-in finds its node's data, and the node facts it prints itself. */
export interface ScriptContext {
  /** Absolute path of the node's data directory. */
  data: string;
  hostname: string;
  kubeletVersion: string;
  /** The real programs a stand-in passes through to (absolute paths resolved when the lab starts). */
  real: {stat: string};
}

const head = (name: string, c: ScriptContext, what: string): string =>
  `#!/bin/sh\n# kubelet-doctor lab: stand-in for \`${name}\` on ${c.hostname}. ${what}\nD=${shQuote(c.data)}\n`;

/** `kubelet --version`. */
export function kubeletScript(c: ScriptContext): string {
  return `${head('kubelet', c, 'Answers --version only.')}
case $1 in
  --version|--version=true) printf 'Kubernetes %s\\n' ${shQuote(c.kubeletVersion)}; exit 0;;
esac
echo "kubelet: this lab node's kubelet stand-in answers --version only" >&2
exit 1
`;
}

/** `systemctl show|is-active|is-enabled|status|cat UNIT`, from `$D/systemctl/<unit>.{show,status,cat}`. */
export function systemctlScript(c: ScriptContext): string {
  return `${head('systemctl', c, 'Reads unit state from the lab data; changes nothing.')}
cmd=; unit=; props=; value=0
while [ $# -gt 0 ]; do
  case $1 in
    -p|--property) props="$props,$2"; shift;;
    -p*) props="$props,\${1#-p}";;
    --property=*) props="$props,\${1#--property=}";;
    --value) value=1;;
    -*) ;;
    *) if [ -z "$cmd" ]; then cmd=$1; elif [ -z "$unit" ]; then unit=$1; fi;;
  esac
  shift
done
unit=\${unit%.service}
f="$D/systemctl/$unit.show"
[ -f "$f" ] || f="$D/systemctl/not-found.show"
prop() { sed -n "s/^$1=//p" "$f"; }
case $cmd in
  show)
    if [ -z "$props" ]; then
      if [ "$value" = 1 ]; then sed 's/^[^=]*=//' "$f"; else cat "$f"; fi
      exit 0
    fi
    printf '%s\\n' "$props" | tr ',' '\\n' | while IFS= read -r p; do
      [ -n "$p" ] || continue
      grep "^$p=" "$f" | while IFS= read -r l; do
        if [ "$value" = 1 ]; then printf '%s\\n' "\${l#*=}"; else printf '%s\\n' "$l"; fi
      done
    done
    exit 0;;
  is-active) s=$(prop ActiveState); echo "$s"; [ "$s" = active ]; exit $?;;
  is-enabled) s=$(prop UnitFileState); echo "\${s:-not-found}"; [ "$s" = enabled ]; exit $?;;
  is-failed) s=$(prop ActiveState); echo "$s"; [ "$s" = failed ]; exit $?;;
  status)
    if [ -f "$D/systemctl/$unit.status" ]; then cat "$D/systemctl/$unit.status"; else echo "Unit $unit.service could not be found." >&2; exit 4; fi
    [ "$(prop ActiveState)" = active ] && exit 0; exit 3;;
  cat)
    if [ -f "$D/systemctl/$unit.cat" ]; then cat "$D/systemctl/$unit.cat"; exit 0; fi
    echo "No files found for $unit.service." >&2; exit 1;;
  *) echo "systemctl $cmd: not simulated on this lab node (the lab's systemctl only reports state)" >&2; exit 1;;
esac
`;
}

/** `journalctl -u UNIT [-n N] [-o FORMAT] [-r] [-g RE] [-f]`, from pre-rendered `$D/journal/<unit>.<format>` (`-f`: `tail -f` of it, so lines appendJournal writes stream). */
export function journalctlScript(c: ScriptContext): string {
  return `${head('journalctl', c, 'Serves the kubelet journal of this node.')}
unit=; n=; fmt=short; rev=0; grep_re=; follow=0
while [ $# -gt 0 ]; do
  case $1 in
    -u|--unit) unit=$2; shift;;
    --unit=*) unit=\${1#--unit=};;
    -u*) unit=\${1#-u};;
    -n|--lines) n=$2; shift;;
    --lines=*) n=\${1#--lines=};;
    -n*) n=\${1#-n};;
    -o|--output) fmt=$2; shift;;
    --output=*) fmt=\${1#--output=};;
    -o*) fmt=\${1#-o};;
    -g|--grep) grep_re=$2; shift;;
    --grep=*) grep_re=\${1#--grep=};;
    -r|--reverse) rev=1;;
    -f|--follow) follow=1;;
    -S|--since|-U|--until|-p|--priority|-t|--identifier|-M|--machine|-D|--directory|--file) shift;;
    *) ;;
  esac
  shift
done
unit=\${unit%.service}
f="$D/journal/\${unit:-kubelet}.$fmt"
if [ ! -f "$D/journal/\${unit:-kubelet}.short" ]; then echo '-- No entries --'; exit 0; fi
[ -f "$f" ] || { echo "Unknown output format '$fmt'." >&2; exit 1; }
if [ "$follow" = 1 ]; then
  case $n in '') n=10;; all) n=+1;; esac
  if [ -n "$grep_re" ]; then tail -n "$n" -f "$f" | grep --line-buffered -E -- "$grep_re"; else exec tail -n "$n" -f "$f"; fi
  exit 0
fi
{
  if [ -n "$grep_re" ]; then grep -E -- "$grep_re" "$f"; else cat "$f"; fi
} | {
  case $n in ''|all) cat;; *) tail -n "$n";; esac
} | {
  if [ "$rev" = 1 ]; then sed -n '1!G;h;$p'; else cat; fi
}
`;
}

/** `hostname`. */
export function hostnameScript(c: ScriptContext): string {
  return `${head('hostname', c, 'Prints the node name.')}
case $1 in
  -i|-I|--ip-address|--all-ip-addresses) echo 127.0.0.1;;
  *) printf '%s\\n' ${shQuote(c.hostname)};;
esac
`;
}

/** `crictl info|version|ps|pods|images`, from `$D/crictl/`; a runtime without CRI fails every call. */
export function crictlScript(c: ScriptContext): string {
  return `${head('crictl', c, 'Answers as containerd on this node does.')}
sub=
while [ $# -gt 0 ]; do
  case $1 in
    -r|--runtime-endpoint|-i|--image-endpoint|-t|--timeout|-c|--config) shift;;
    --version|-v) echo 'crictl version v1.30.0'; exit 0;;
    -*) ;;
    *) [ -z "$sub" ] && sub=$1;;
  esac
  shift
done
if [ -f "$D/crictl/fatal" ]; then
  printf 'time="%s" level=fatal msg="%s"\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(cat "$D/crictl/fatal")" >&2
  exit 1
fi
case $sub in
  info) cat "$D/crictl/info.json";;
  version) cat "$D/crictl/version";;
  ps) echo 'CONTAINER           IMAGE               CREATED             STATE               NAME                ATTEMPT             POD ID              POD';;
  pods) echo 'POD ID              CREATED             STATE               NAME                NAMESPACE           ATTEMPT             RUNTIME';;
  images) echo 'IMAGE                                     TAG                 IMAGE ID            SIZE'; echo 'registry.k8s.io/pause                     3.9                 e6f1816883972       322kB';;
  *) echo "crictl $sub: not simulated on this lab node" >&2; exit 1;;
esac
`;
}

/** `stat -fc %T …/sys/fs/cgroup` says cgroup2fs (the node boots cgroup v2); everything else is the real stat. */
export function statScript(c: ScriptContext): string {
  return `${head('stat', c, "Only the cgroup file system type is the node's; the rest is the real stat.")}
fs=0; fmt=; last=
for a in "$@"; do
  case $a in
    -f|--file-system) fs=1;;
    -fc) fs=1; fmt=next;;
    -c|--format) fmt=next;;
    --format=*) fmt=\${a#--format=};;
    *) if [ "$fmt" = next ]; then fmt=$a; else last=$a; fi;;
  esac
done
if [ "$fs" = 1 ] && [ "$fmt" = '%T' ]; then
  case $last in */sys/fs/cgroup|*/sys/fs/cgroup/) echo cgroup2fs; exit 0;; esac
fi
exec ${shQuote(c.real.stat)} "$@"
`;
}

/** `sudo [-n] [-E] [-u root] [--] CMD…`: the lab runs commands as the lab's user; sudo never asks. */
export function sudoScript(c: ScriptContext): string {
  return `${head('sudo', c, 'Runs the command as is: the lab node has no password to ask for.')}
while [ $# -gt 0 ]; do
  case $1 in
    --) shift; break;;
    -u|-g|-C|-D|-h|-p|-r|-t|-T|-U) shift;;
    -*) ;;
    *) break;;
  esac
  shift
done
[ $# -gt 0 ] || exit 0
exec "$@"
`;
}

/** `pgrep` and `pidof` over the node's process table (`$D/ps`: `pid comm args…` per line). */
export function pgrepScript(c: ScriptContext, as: 'pgrep' | 'pidof'): string {
  if (as === 'pidof') {
    return `${head('pidof', c, "Reads the node's process table.")}
out=
for name in "$@"; do
  case $name in -*) continue;; esac
  out="$out $(awk -v n="$name" '$2 == n { printf "%s ", $1 }' "$D/ps")"
done
out=$(echo $out)
[ -n "$out" ] || exit 1
echo "$out"
`;
  }
  return `${head('pgrep', c, "Reads the node's process table.")}
full=0; exact=0; list=0; count=0; pat=
while [ $# -gt 0 ]; do
  case $1 in
    -u|-U|-G|-g|-P|-s|-t|-F|--signal) shift;;
    -*) f=\${1#-}
      while [ -n "$f" ]; do
        ch=\${f%"\${f#?}"}; f=\${f#?}
        case $ch in f) full=1;; x) exact=1;; a) list=2;; l) [ "$list" = 0 ] && list=1;; c) count=1;; esac
      done;;
    *) pat=$1;;
  esac
  shift
done
awk -v pat="$pat" -v full="$full" -v exact="$exact" -v list="$list" -v count="$count" '
  { comm = $2; args = $0; sub(/^[0-9]+ [^ ]+ /, "", args)
    s = full ? args : comm
    ok = exact ? (s == pat) : (s ~ pat)
    if (!ok) next
    n++
    if (count) next
    if (list == 2) print $1, args; else if (list == 1) print $1, comm; else print $1 }
  END { if (count) print n + 0; exit (n > 0 ? 0 : 1) }' "$D/ps"
`;
}

/** `ss` listing the node's listening sockets (`$D/ss`), optionally filtered by `:PORT` tokens. */
export function ssScript(c: ScriptContext): string {
  return `${head('ss', c, "Lists the node's listening sockets.")}
header=1; ports=
for a in "$@"; do
  case $a in
    -H|--no-header) header=0;;
    -*H*) header=0;;
    -*) ;;
    *) for w in $a; do case $w in :[0-9]*) ports="$ports|\${w#:}";; esac; done;;
  esac
done
[ "$header" = 1 ] && head -n 1 "$D/ss"
if [ -n "$ports" ]; then
  tail -n +2 "$D/ss" | awk -v re=":(\${ports#|})$" '$4 ~ re'
else
  tail -n +2 "$D/ss"
fi
`;
}

/** `timedatectl [status]`: the node's clock is this machine's, synchronised by systemd-timesyncd. */
export function timedatectlScript(c: ScriptContext): string {
  return `${head('timedatectl', c, "Reports the clock as synchronised (the lab node shares this machine's clock).")}
case \${1:-status} in
  status) ;;
  *) echo "timedatectl $1: not simulated on this lab node" >&2; exit 1;;
esac
now=$(date -u '+%a %Y-%m-%d %H:%M:%S')
printf '               Local time: %s UTC\\n' "$now"
printf '           Universal time: %s UTC\\n' "$now"
printf '                 RTC time: %s\\n' "\${now#* }"
echo '                Time zone: Etc/UTC (UTC, +0000)'
echo 'System clock synchronized: yes'
echo '              NTP service: active'
echo '          RTC in local TZ: no'
`;
}

/**
 * The steps the lab's `kubeadm join` stand-in can fail in; `none` joins. `kubelet-start` stops where
 * a broken kubelet stops a real join: the wait for its healthz.
 */
export const KUBEADM_FAIL_PHASES = ['none', 'preflight', 'discovery', 'tls-bootstrap', 'kubelet-start', 'csr', 'control-plane-join'] as const;
/** One of {@link KUBEADM_FAIL_PHASES}. */
export type KubeadmFailPhase = (typeof KUBEADM_FAIL_PHASES)[number];

/**
 * `kubeadm join …` (and `kubeadm version`): prints what kubeadm prints on the way to the step it
 * fails in, with klog lines at -v>=1 (the markers come from kubeadm's source: see
 * src/join/phases.ts), and changes nothing on the node. The step is `failIn` (from the node's
 * scenario), or the first line of `$D/kubeadm.fail-phase` when that file exists. Every call is
 * recorded in `$D/kubeadm.invocations` without its token. At -v>=5 it also prints the token once
 * in a klog line, on purpose: a real kubeadm prints it in some paths (a dry run's discovery
 * settings), and the join command must redact it from the stream.
 */
export function kubeadmScript(c: ScriptContext, failIn: KubeadmFailPhase = 'none'): string {
  const body = String.raw`
[ -f "$D/kubeadm.fail-phase" ] && FAIL=$(head -n 1 "$D/kubeadm.fail-phase")
case $1 in
  version) echo 'kubeadm version: &version.Info{Major:"1", Minor:"30", GitVersion:"'"$KVER"'", Platform:"linux/amd64"}'; exit 0;;
  join) shift;;
  *) echo "kubeadm $1: not simulated on this lab node (its kubeadm answers join and version)" >&2; exit 1;;
esac
ep=; tok=; v=0; cp=0; name=$(hostname)
while [ $# -gt 0 ]; do
  case $1 in
    --token|--discovery-token|--tls-bootstrap-token) tok=$2; shift;;
    --token=*|--discovery-token=*|--tls-bootstrap-token=*) tok=$(printf '%s' "$1" | cut -d= -f2-);;
    --control-plane) cp=1;;
    --node-name) name=$2; shift;;
    -v=*|--v=*) v=$(printf '%s' "$1" | cut -d= -f2);;
    --discovery-token-unsafe-skip-ca-verification|--dry-run) ;;
    -*=*) ;;
    -*) shift;;
    *) [ -n "$ep" ] || ep=$1;;
  esac
  shift
done
echo "join $ep v=$v control-plane=$cp fail=$FAIL" >> "$D/kubeadm.invocations"
tid=$(printf '%s' "$tok" | cut -d. -f1)
k() { [ "$v" -ge 1 ] && printf 'I%s %s %7d %s] %s\n' "$(date -u +%m%d)" "$(date -u +%H:%M:%S.000000)" $$ "$1" "$2" >&2; return 0; }
say() { printf '%s\n' "$1"; }
fail() {
  printf 'error execution phase %s: %s\n' "$1" "$2" >&2
  [ "$v" -ge 5 ] || echo 'To see the stack trace of this error execute with --v=5 or higher' >&2
  exit 1
}
say '[preflight] Running pre-flight checks'
k preflight.go:93 '[preflight] Running general checks'
if [ "$FAIL" = preflight ]; then
  echo 'error execution phase preflight: [preflight] Some fatal errors occurred:' >&2
  printf '\t[ERROR %s]: %s\n' FileAvailable--etc-kubernetes-kubelet.conf '/etc/kubernetes/kubelet.conf already exists' >&2
  printf '\t[ERROR %s]: %s\n' Port-10250 'Port 10250 is in use' >&2
  echo '[preflight] If you know what you are doing, you can make a check non-fatal with --ignore-preflight-errors=...' >&2
  exit 1
fi
k token.go:80 "[discovery] Created cluster-info discovery client, requesting info from \"$ep\""
[ "$v" -ge 5 ] && [ -n "$tok" ] && k join.go:612 "[discovery] lab stand-in: bootstrap token in use is $tok"
if [ "$FAIL" = discovery ]; then
  k token.go:231 "[discovery] Retrying due to error: could not find a JWS signature in the cluster-info ConfigMap for token ID \"$tid\""
  fail preflight "couldn't validate the identity of the API Server: could not find a JWS signature in the cluster-info ConfigMap for token ID \"$tid\""
fi
k token.go:124 "[discovery] Cluster info signature and contents are valid and TLS certificate validates against pinned roots, will use API Server \"$ep\""
say '[preflight] Reading configuration from the cluster...'
say "[preflight] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'"
k kubelet.go:158 '[kubelet-start] writing bootstrap kubelet config file at /etc/kubernetes/bootstrap-kubelet.conf'
k kubelet.go:187 "[kubelet-start] Checking for an existing Node in the cluster with name \"$name\" and status \"Ready\""
[ "$FAIL" = tls-bootstrap ] && fail kubelet-start "a Node with name \"$name\" and status \"Ready\" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node"
say '[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"'
say '[kubelet-start] Writing kubelet environment file with flags to file "/var/lib/kubelet/kubeadm-flags.env"'
say '[kubelet-start] Starting the kubelet'
say '[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s'
if [ "$FAIL" = kubelet-start ]; then
  say '[kubelet-check] The kubelet is not healthy after 4m0.000417s'
  msg='The HTTP call equal to '"'"'curl -sSL http://127.0.0.1:10248/healthz'"'"' returned error: Get "http://127.0.0.1:10248/healthz": dial tcp 127.0.0.1:10248: connect: connection refused'
  printf '\nUnfortunately, an error has occurred:\n\t%s\n\nThis error is likely caused by:\n\t- The kubelet is not running\n\t- The kubelet is unhealthy due to a misconfiguration of the node in some way (required cgroups disabled)\n\n' "$msg"
  fail kubelet-start "$msg"
fi
say '[kubelet-check] The kubelet is healthy after 1.002118s'
say '[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap'
[ "$FAIL" = csr ] && fail kubelet-start 'timed out waiting for the condition'
if [ "$cp" = 1 ] || [ "$FAIL" = control-plane-join ]; then
  say "[mark-control-plane] Marking the node $name as control-plane by adding the labels: [node-role.kubernetes.io/control-plane node.kubernetes.io/exclude-from-external-load-balancers]"
  [ "$FAIL" = control-plane-join ] && fail control-plane-join/etcd 'error creating local etcd static pod manifest file: etcdserver: re-configuration failed due to not enough started members'
fi
printf '\nThis node has joined the cluster:\n* Certificate signing request was sent to apiserver and a response was received.\n* The Kubelet was informed of the new secure connection details.\n\n'
exit 0
`;
  return `${head('kubeadm', c, 'Answers join (failing in a chosen step) and version; changes nothing.')}FAIL=${shQuote(failIn)}\nKVER=${shQuote(c.kubeletVersion)}\n${body}`;
}
