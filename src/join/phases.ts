/**
 * Where a `kubeadm join` stopped, read from its output. Pure: text in, verdict out.
 *
 * kubeadm join runs a workflow of phases (cmd/kubeadm/app/cmd/join.go: preflight, control-plane-
 * prepare, kubelet-start, [kubelet-wait-bootstrap], control-plane-join). Its own phase names are
 * too coarse to say what to look at: discovery happens inside `preflight` (runPreflight calls
 * j.InitCfg(), which fetches cluster-info), and `kubelet-start` covers the bootstrap kubeconfig,
 * writing the kubelet's config, starting it, waiting for its healthz and waiting for the TLS
 * bootstrap (cmd/kubeadm/app/cmd/phases/join/kubelet.go). So the recogniser splits them into the
 * steps an operator debugs, each with the markers kubeadm prints there (the source file for each
 * marker is named beside it), and reads the final `error execution phase NAME: MESSAGE` line
 * (cmd/kubeadm/app/cmd/phases/workflow/runner.go) to decide which step the error belongs to.
 * `-v=5` adds klog lines (`I1205 10:00:00.000000  1234 file.go:42] message`); their prefix is
 * stripped before matching, so the V(1) markers count too.
 */

/** The steps of a join, in the order kubeadm runs them. */
export type JoinPhase = 'preflight' | 'discovery' | 'tls-bootstrap' | 'kubelet-start' | 'kubelet-healthz' | 'csr' | 'control-plane-join';

/** What a step is, the kubeadm phase that runs it, and the checks whose failure would stop it. */
export interface PhaseInfo {
  id: JoinPhase;
  /** The workflow phase kubeadm names in `error execution phase …`. */
  kubeadmPhase: string;
  title: string;
  /** Check ids (checks/index.ts) this step depends on, most likely cause first. */
  checks: readonly string[];
}

/** The steps, in order. */
export const PHASES: readonly PhaseInfo[] = [
  {
    id: 'preflight',
    kubeadmPhase: 'preflight',
    title: "kubeadm's pre-flight checks on the node (files left by an earlier join, swap, ports, kernel settings, the runtime)",
    checks: ['swap', 'ports', 'kernel-prereqs', 'container-runtime', 'cgroup-version'],
  },
  {
    id: 'discovery',
    kubeadmPhase: 'preflight',
    title: 'discovery: fetching cluster-info from the API server, checking the token signature and the CA pin',
    checks: ['join-prereqs', 'apiserver-reachable', 'clock-skew'],
  },
  {
    id: 'tls-bootstrap',
    kubeadmPhase: 'kubelet-start',
    title: 'TLS bootstrap setup: writing bootstrap-kubelet.conf and ca.crt, looking for a Node of the same name',
    checks: ['kubeconfig', 'node-identity', 'cert-expiry', 'join-prereqs', 'apiserver-reachable'],
  },
  {
    id: 'kubelet-start',
    kubeadmPhase: 'kubelet-start',
    title: "writing the kubelet's config.yaml and kubeadm-flags.env and starting the kubelet",
    checks: ['systemd-dropin', 'kubelet-flags', 'kubelet-config', 'container-runtime', 'cgroup-driver-match', 'swap', 'healthz', 'kubelet-logs'],
  },
  {
    id: 'kubelet-healthz',
    kubeadmPhase: 'kubelet-start',
    title: "waiting for the kubelet's healthz (http://127.0.0.1:10248/healthz)",
    checks: [
      'systemd-dropin',
      'kubelet-flags',
      'kubelet-config',
      'container-runtime',
      'cgroup-driver-match',
      'cgroup-version',
      'swap',
      'kernel-prereqs',
      'lock-file',
      'ports',
      'healthz',
      'kubelet-logs',
    ],
  },
  {
    id: 'csr',
    kubeadmPhase: 'kubelet-start',
    title: "waiting for the TLS bootstrap: the kubelet's CSR approved, kubelet.conf written, the Node registered",
    checks: ['kubeconfig', 'cert-expiry', 'node-identity', 'clock-skew', 'apiserver-reachable', 'join-prereqs', 'node-status', 'kubelet-logs'],
  },
  {
    id: 'control-plane-join',
    kubeadmPhase: 'control-plane-join',
    title: 'joining the control plane (certificates, static pods, etcd member, marking the node)',
    checks: ['static-pods', 'cert-expiry', 'ports', 'healthz', 'kubelet-logs'],
  },
];

/** A phase's record by id. */
export function phaseInfo(id: JoinPhase): PhaseInfo {
  return PHASES.find((p) => p.id === id)!;
}

/** One line of the log, numbered from 1. */
export interface LogLine {
  line: number;
  text: string;
}

/** What the output says. */
export interface JoinVerdict {
  /** joined: kubeadm said so; failed: an error ended it; unknown: neither (the output was cut, or it still runs). */
  outcome: 'joined' | 'failed' | 'unknown';
  /** The step it stopped in (failed, unknown); null once joined, or when nothing was recognised. */
  phase: JoinPhase | null;
  /** The steps the output shows it reached, in order. */
  reached: JoinPhase[];
  /** The line that ended it: `error execution phase …` or the last error kubeadm printed. */
  error: LogLine | null;
  /** The lines that decided the step (markers, the error's detail), at most 8. */
  evidence: LogLine[];
  /** kubeadm's own pre-flight check names that failed, e.g. `FileAvailable--etc-kubernetes-kubelet.conf`. */
  preflightErrors: string[];
  /** Whether the command joined a control-plane node (`--control-plane` or its markers). */
  controlPlane: boolean;
}

/** klog's header: severity, MMDD, time, thread id, file:line] (k8s.io/klog/v2 formatHeader). */
const KLOG = /^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [^\s\]]+:\d+\] /;

/** Progress markers: the step a line shows kubeadm reached. Most specific first. */
const MARKERS: readonly {re: RegExp; phase: JoinPhase}[] = [
  // cmd/kubeadm/app/cmd/phases/join/preflight.go (runPreflight)
  {re: /^\[preflight\] Running pre-flight checks/, phase: 'preflight'},
  // cmd/kubeadm/app/discovery/token/token.go and discovery/discovery.go: every [discovery] line
  // (V(1) with -v=5; older releases print "[discovery] Trying to connect to API Server" plainly).
  {re: /^\[discovery\]/, phase: 'discovery'},
  // cmd/kubeadm/app/util/config/cluster.go (FetchInitConfigurationFromCluster): discovery is done,
  // kubeadm now reads kubeadm-config with the bootstrap token's rights: still discovery's credentials.
  {re: /^\[preflight\] Reading configuration from the/, phase: 'discovery'},
  // cmd/kubeadm/app/cmd/phases/join/controlplaneprepare.go, controlplanejoin.go, checketcd.go
  {
    re: /^\[(control-plane-prepare|control-plane-join|download-certs|check-etcd|etcd|mark-control-plane|update-status|control-plane|certs|kubeconfig)\]/,
    phase: 'control-plane-join',
  },
  // cmd/kubeadm/app/cmd/phases/join/kubelet.go (runKubeletStartJoinPhase, V(1) lines)
  {re: /^\[kubelet-start\] (writing bootstrap kubelet config file|writing CA certificate|Checking for an existing Node)/i, phase: 'tls-bootstrap'},
  // cmd/kubeadm/app/phases/kubelet/config.go, flags.go, kubelet.go; join/kubelet.go ("Starting the kubelet")
  {
    re: /^\[kubelet-start\] (Writing kubelet configuration|Writing kubelet environment file|Stopping the kubelet|Starting the kubelet)/i,
    phase: 'kubelet-start',
  },
  // cmd/kubeadm/app/util/apiclient/wait.go (WaitForKubelet); older releases: "[kubelet-check] Initial timeout of 40s passed."
  {re: /^\[kubelet-check\]/, phase: 'kubelet-healthz'},
  // cmd/kubeadm/app/cmd/phases/join/kubelet.go (waitForTLSBootstrappedClient, AnnotateCRISocket);
  // phases/patchnode/patchnode.go ("[patchnode] Uploading the CRI Socket information")
  {
    re: /^\[(kubelet-start\] Waiting for the kubelet to perform the TLS Bootstrap|kubelet-wait\]|patchnode\]|kubelet-start\] preserving the crisocket)/i,
    phase: 'csr',
  },
];

/** `error execution phase NAME: MESSAGE` (workflow/runner.go); kubeadm 1.31+ prefixes `error: `. */
const PHASE_ERROR = /^(?:error: )?error execution phase ([\w-]+)(?:\/[\w-]+)*: (.*)$/;

/** kubeadm join's closing words (cmd/kubeadm/app/cmd/join.go joinWorkerNodeDoneMsg / joinControPlaneDoneTemp). */
const JOINED = /^This node has joined the cluster/;

/** A pre-flight error row (cmd/kubeadm/app/preflight/checks.go RunChecks: `\t[ERROR %s]: %v`). */
const PREFLIGHT_ERROR = /^\s*\[ERROR ([^\]]+)\]: (.*)$/;

/** Message words that put an error in a finer step than kubeadm's phase name. Each cites where kubeadm says it. */
const BY_MESSAGE: readonly {re: RegExp; phase: JoinPhase}[] = [
  // discovery/token/token.go, discovery/discovery.go ("couldn't validate the identity of the API Server"),
  // util/pubkeypin/pubkeypin.go (pin errors), util/config/cluster.go (kubeadm-config read with the token)
  {
    re: /identity of the API Server|cluster-info|JWS signature|token id .* is invalid|CA certificate hash|are pinned|abort connecting to API servers|kubeadm-config ConfigMap|unable to fetch the kubeadm-config|discovery/i,
    phase: 'discovery',
  },
  // phases/join/kubelet.go: bootstrap kubeconfig, the CA file, the same-named Ready Node
  {
    re: /bootstrap-kubelet\.conf|client from bootstrap kubeconfig|CA certificate to disk|a Node with name .* already exists|cannot get Node/i,
    phase: 'tls-bootstrap',
  },
  // util/apiclient/wait.go (WaitForKubelet): the healthz call
  {re: /10248|healthz|kubelet is not healthy|kubelet isn't running/i, phase: 'kubelet-healthz'},
  // phases/join/kubelet.go: the TLS bootstrap wait and the Node annotation that needs the Node
  {re: /TLS Bootstrap|CRISocket|nodes? ".*" not found/i, phase: 'csr'},
  // phases/kubelet/config.go, flags.go: writing the kubelet's files
  {re: /kubelet configuration|environment file|kubelet-config/i, phase: 'kubelet-start'},
];

const ORDER: readonly JoinPhase[] = PHASES.map((p) => p.id);
const later = (a: JoinPhase, b: JoinPhase): boolean => ORDER.indexOf(a) > ORDER.indexOf(b);

/** The message of a line without its klog header (and trailing CR). */
export function messageOf(raw: string): string {
  return raw.replace(/\r$/, '').replace(KLOG, '');
}

/** The step an error message belongs to, given kubeadm's phase name and how far the output got. */
function phaseOfError(kubeadmPhase: string, message: string, furthest: JoinPhase | null): JoinPhase {
  if (/^(control-plane|check-etcd|etcd|mark-control-plane|update-status)/.test(kubeadmPhase)) return 'control-plane-join';
  if (kubeadmPhase === 'kubelet-wait-bootstrap') return 'csr';
  const hit = BY_MESSAGE.find((m) => m.re.test(message))?.phase;
  if (kubeadmPhase === 'preflight') return hit === 'discovery' ? 'discovery' : furthest === 'discovery' && hit === undefined ? 'discovery' : 'preflight';
  if (kubeadmPhase === 'kubelet-start') {
    if (hit && hit !== 'discovery') return hit;
    // "timed out waiting for the condition" and the like: the step the output last reached.
    if (furthest && !later('tls-bootstrap', furthest) && furthest !== 'control-plane-join') return furthest;
    return 'kubelet-start';
  }
  return hit ?? furthest ?? 'preflight';
}

/** Read a join's output (stdout and stderr together, as a terminal shows them). */
export function recognise(log: string, o: {controlPlane?: boolean} = {}): JoinVerdict {
  const lines = log.split('\n');
  const reached: JoinPhase[] = [];
  const markerAt = new Map<JoinPhase, LogLine>();
  const preflightErrors: string[] = [];
  const preflightLines: LogLine[] = [];
  let error: LogLine | null = null;
  let errorPhase: {kubeadm: string; message: string} | null = null;
  let lastError: LogLine | null = null;
  let joined = false;
  let controlPlane = o.controlPlane === true;
  let detail: LogLine | null = null;
  let furthest: JoinPhase | null = null;
  for (let i = 0; i < lines.length; i++) {
    const text = messageOf(lines[i]!);
    const here: LogLine = {line: i + 1, text: text.trim()};
    if (text.trim() === '') continue;
    if (JOINED.test(text)) {
      joined = true;
      if (/control plane/.test(text)) controlPlane = true;
      continue;
    }
    const pe = PHASE_ERROR.exec(text.trim());
    if (pe) {
      error = here;
      errorPhase = {kubeadm: pe[1]!, message: pe[2]!};
      continue;
    }
    const pf = PREFLIGHT_ERROR.exec(text);
    if (pf) {
      if (!preflightErrors.includes(pf[1]!)) preflightErrors.push(pf[1]!);
      preflightLines.push(here);
      continue;
    }
    // The detail under "Unfortunately, an error has occurred:" (join/kubelet.go kubeadmJoinFailMsg).
    if (/^\s+The HTTP call equal to|^\s+timed out waiting|^\s+context deadline exceeded/i.test(text)) detail ??= here;
    if (/^E\d{4} /.test(lines[i]!) || /^(error|fatal)[: ]/i.test(text.trim())) lastError = here;
    for (const m of MARKERS) {
      if (!m.re.test(text)) continue;
      if (m.phase === 'control-plane-join') controlPlane = true;
      if (!reached.includes(m.phase)) reached.push(m.phase);
      markerAt.set(m.phase, here);
      if (furthest === null || later(m.phase, furthest)) furthest = m.phase;
      break;
    }
  }
  // A marker of a step that passed, as kubeadm says it: not where it stopped.
  const healthy = lines.some((l) => /\[kubelet-check\] The kubelet is healthy after/.test(messageOf(l)));
  if (healthy && furthest === 'kubelet-healthz') furthest = 'csr';
  // Before 1.26 kubeadm polled healthz beside the TLS bootstrap wait and failed on the later
  // timeout ("error uploading crisocket: timed out waiting for the condition"); its
  // "[kubelet-check] It seems like the kubelet isn't running or healthy." lines
  // (cmd/kubeadm/app/cmd/phases/join/kubelet.go of those releases) say where it really stopped.
  const unhealthy = lines.findIndex((l) =>
    /\[kubelet-check\] (It seems like the kubelet isn't running or healthy|The kubelet is not healthy)/.test(messageOf(l)),
  );

  if (joined && error === null) {
    return {outcome: 'joined', phase: null, reached, error: null, evidence: [], preflightErrors, controlPlane};
  }
  let phase: JoinPhase | null;
  if (errorPhase && errorPhase.kubeadm === 'kubelet-start' && unhealthy !== -1 && !healthy) {
    phase = 'kubelet-healthz';
    markerAt.set('kubelet-healthz', {line: unhealthy + 1, text: messageOf(lines[unhealthy]!).trim()});
  } else if (errorPhase) phase = phaseOfError(errorPhase.kubeadm, errorPhase.message, furthest);
  else if (preflightErrors.length > 0) phase = 'preflight';
  else phase = furthest;
  const evidence: LogLine[] = [];
  const add = (l: LogLine | null | undefined) => {
    if (l && !evidence.some((e) => e.line === l.line) && evidence.length < 8) evidence.push(l);
  };
  if (phase) add(markerAt.get(phase));
  for (const l of preflightLines.slice(0, 5)) add(l);
  add(detail);
  add(error ?? lastError);
  evidence.sort((a, b) => a.line - b.line);
  return {
    outcome: error || preflightErrors.length > 0 ? 'failed' : 'unknown',
    phase,
    reached,
    error: error ?? lastError,
    evidence,
    preflightErrors,
    controlPlane,
  };
}

/**
 * The checks a pre-flight error names, by kubeadm's check name (cmd/kubeadm/app/preflight/checks.go:
 * Swap, Port-N, FileContent--proc-sys-…, CRI, SystemVerification, …). Files left by an earlier join
 * (FileAvailable--…, DirAvailable--…) have no check: the leftovers section answers them.
 */
export function checksForPreflightError(name: string): string[] {
  if (name === 'Swap') return ['swap'];
  if (/^Port-\d+$/.test(name)) return ['ports'];
  if (/^FileContent--proc-sys|^KubeletVersion|^SystemVerification/.test(name))
    return /SystemVerification/.test(name) ? ['cgroup-version', 'kernel-prereqs'] : ['kernel-prereqs'];
  if (/^CRI$|^ContainerRuntime|^Service-Docker|^IsDockerSystemdCheck/.test(name)) return ['container-runtime'];
  return [];
}

/** kubeadm's pre-flight names for files an earlier join leaves behind. */
export const LEFTOVER_PREFLIGHT = /^(FileAvailable--etc-kubernetes-|DirAvailable--etc-kubernetes-manifests)/;
