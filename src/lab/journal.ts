/**
 * The kubelet journal of a lab node: what `journalctl -u kubelet` shows on a real node with the
 * scenario's fault. Wordings come from kubelet.md §0 and §4 (klog header, `run.go:74]
 * "command failed"`, systemd's restart lines), so the kubelet-logs check meets the lines it
 * will meet in production.
 */
import {appendFile} from 'node:fs/promises';
import {join} from 'node:path';
import {CONTAINERD_PID, LAB_RESTARTS, LIVE_PROFILES, KUBELET_PID, type RuntimeState} from './live-state.js';
import type {ScenarioId} from './scenarios.js';

/** One journal record. */
export interface JournalEntry {
  at: Date;
  /** SYSLOG_IDENTIFIER: `kubelet` or `systemd`. */
  ident: string;
  pid: number;
  message: string;
}

/** What the journal is rendered from. */
export interface JournalContext {
  scenario: ScenarioId;
  hostname: string;
  kubeletVersion: string;
  now: Date;
  /** The client certificate's notAfter (the expired-client-cert line quotes it). */
  clientNotAfter: Date | null;
  /** How containerd runs (decides the kubelet's CRI error). */
  runtime: RuntimeState;
}

/** The CRI error of a kubelet or crictl whose runtime has no CRI (F16) or is not running (F17), or null. */
export function criError(runtime: RuntimeState): string | null {
  const prefix = `validate service connection: validate CRI v1 runtime API for endpoint "${ENDPOINT}": rpc error: `;
  if (runtime.kind === 'no-cri') return `${prefix}code = Unimplemented desc = unknown service runtime.v1.RuntimeService`;
  if (runtime.kind === 'not-running') {
    const sock = ENDPOINT.slice('unix://'.length);
    return `${prefix}code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix ${sock}: connect: no such file or directory"`;
  }
  return null;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const micros = (d: Date): string => `${pad(d.getUTCMilliseconds(), 3)}${pad((d.getTime() * 7) % 1000, 3)}`;

/** klog's header: `Lmmdd hh:mm:ss.uuuuuu threadid file:line]` with the thread id as `%7d`. */
function klog(level: 'I' | 'W' | 'E', at: Date, pid: number, where: string, msg: string): string {
  const d = at;
  const stamp = `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${micros(d)}`;
  return `${level}${stamp} ${String(pid).padStart(7)} ${where}] ${msg}`;
}

/** A Go value quoted the way klog prints a string field (`err="…"`). */
const q = (s: string): string => JSON.stringify(s);

/** One crash-loop cycle: RestartSec=10 plus the kubelet's start-up time. */
const CYCLE_MS = 10_300;
const UNIT_TITLE = 'kubelet.service - kubelet: The Kubernetes Node Agent';
const DEPRECATED_ENDPOINT =
  "Flag --container-runtime-endpoint has been deprecated, This parameter should be set via the config file specified by the Kubelet's --config flag. See https://kubernetes.io/docs/tasks/administer-cluster/kubelet-config-file/ for more information.";
const ENDPOINT = 'unix:///var/run/containerd/containerd.sock';
const CLIENT_PEM = '/var/lib/kubelet/pki/kubelet-client-current.pem';

/** Go's time.Time String() in UTC: `2025-09-02 08:25:00 +0000 UTC`. */
function goTime(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

/**
 * The fatal start-up lines of a crash-looping scenario, and how far the kubelet got first:
 * `flags` (nothing printed before), `config` (flag deprecation warnings only), `run` (the version lines too).
 */
function fatal(s: ScenarioId, c: JournalContext): {stage: 'flags' | 'config' | 'run'; lines: [string, string][]} {
  const failed = (err: string): [string, string] => ['E:run.go:74', `"command failed" err=${q(err)}`];
  switch (s) {
    case 'removed-flag':
      // kubelet.md §4.1 F1: pflag stops at the first unknown flag, before any other output.
      return {stage: 'flags', lines: [failed('failed to parse kubelet flag: unknown flag: --container-runtime')]};
    case 'missing-config':
      return {
        stage: 'config',
        lines: [
          failed(
            'failed to load kubelet config file, path: /var/lib/kubelet/config.yaml, error: failed to load Kubelet config file /var/lib/kubelet/config.yaml, error failed to read kubelet config file "/var/lib/kubelet/config.yaml", error: open /var/lib/kubelet/config.yaml: no such file or directory',
          ),
        ],
      };
    case 'expired-client-cert':
      return {
        stage: 'run',
        lines: [
          [
            'E:bootstrap.go:266',
            `part of the existing bootstrap client certificate in /etc/kubernetes/kubelet.conf is expired: ${goTime(c.clientNotAfter ?? c.now)}`,
          ],
          failed('failed to run Kubelet: unable to load bootstrap kubeconfig: stat /etc/kubernetes/bootstrap-kubelet.conf: no such file or directory'),
        ],
      };
    case 'swap-on':
      return {
        stage: 'run',
        lines: [
          failed(
            'failed to run Kubelet: running with swap on is not supported, please disable swap! or set --fail-swap-on flag to false. /proc/swaps contained: [Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority /swap.img                               file\t\t4194300\t\t0\t\t-2]',
          ),
        ],
      };
    case 'cri-disabled':
      return {stage: 'run', lines: [failed(`failed to run Kubelet: ${criError(c.runtime) ?? 'the container runtime did not answer'}`)]};
    case 'key-mismatch':
      return {
        stage: 'run',
        lines: [
          ['I:certificate_store.go:130', `Loading cert/key pair from "${CLIENT_PEM}".`],
          failed(`failed to run Kubelet: could not convert data from "${CLIENT_PEM}" into cert/key pair: tls: private key does not match public key`),
        ],
      };
    default:
      return {stage: 'run', lines: [failed('failed to run Kubelet: see the node')]};
  }
}

/** The lines a running kubelet keeps printing for the scenario (empty when nothing is wrong). */
function runningNoise(s: ScenarioId): [string, string][] {
  switch (s) {
    case 'cgroup-driver-mismatch': {
      // kubelet.md §4.2 R14: runc refuses a cgroupfs path when containerd uses the systemd driver.
      const pod = '3c5d2e1f-8a4b-4c6d-9e7f-1a2b3c4d5e6f';
      const err = `rpc error: code = Unknown desc = failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "/kubepods/besteffort/pod${pod}/8f1e4c2a9b7d" instead: unknown`;
      return [
        ['E:log.go:32', `"RunPodSandbox from runtime service failed" err=${q(err)}`],
        ['E:kuberuntime_sandbox.go:72', `"Failed to create sandbox for pod" err=${q(err)} pod="kube-system/kube-proxy-7xkqp"`],
      ];
    }
    case 'no-cni':
      return [
        [
          'E:kubelet.go:2900',
          '"Container runtime network not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"',
        ],
      ];
    default:
      return [];
  }
}

/** The kubelet's first lines after `Started kubelet.service` (1.30 server.go wording, kubelet.md §0). */
function startLines(c: JournalContext): [string, string][] {
  return [
    ['-', DEPRECATED_ENDPOINT],
    ['I:server.go:489', `"Kubelet version" kubeletVersion=${q(c.kubeletVersion)}`],
    ['I:server.go:491', '"Golang settings" GOGC="" GOMAXPROCS="" GOTRACEBACK=""'],
    ['I:server.go:932', '"Client rotation is on, will bootstrap in background"'],
  ];
}

/**
 * The journal of `kubelet.service` for the scenario, oldest first, ending just before `now`.
 * Why: live checks and `kubelet-logs` read it through the journalctl stand-in.
 */
export function kubeletJournal(c: JournalContext): JournalEntry[] {
  const out: JournalEntry[] = [];
  const t = c.now.getTime();
  const push = (at: number, pid: number, spec: string, msg: string): void => {
    const [lvl, where] = spec === '-' ? ['-', ''] : [spec.slice(0, 1), spec.slice(2)];
    const message = lvl === '-' || pid === 1 ? msg : klog(lvl as 'I' | 'W' | 'E', new Date(at), pid, where, msg);
    out.push({at: new Date(at), ident: pid === 1 ? 'systemd' : 'kubelet', pid, message});
  };
  const profile = LIVE_PROFILES[c.scenario];
  if (profile.kubelet === 'not-loaded') {
    // systemd.service(5): a second ExecStart= without a reset is refused when the unit loads.
    const refusing = 'kubelet.service: Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.';
    push(t - 3_600_000, 1, '-', refusing);
    push(t - 1_800_000, 1, '-', refusing);
    return out;
  }
  if (profile.kubelet === 'running') {
    const started = (kubeletStartedAt(c.scenario, c.now) ?? c.now).getTime();
    const pid = KUBELET_PID;
    push(started, 1, '-', `Started ${UNIT_TITLE}.`);
    const lines: [string, string][] = [
      ...startLines(c),
      ...(c.scenario === 'config-typo'
        ? [
            ['I:codec.go:98', `"Using lenient decoding as strict decoding failed" err=${q('strict decoding error: unknown field "maxPod"')}`] as [
              string,
              string,
            ],
          ]
        : []),
      ['I:certificate_store.go:130', `Loading cert/key pair from "${CLIENT_PEM}".`],
      ['I:kuberuntime_manager.go:261', '"Container runtime initialized" containerRuntime="containerd" version="1.6.20" apiVersion="v1"'],
      ['I:server.go:1264', '"Started kubelet"'],
      ['I:server.go:163', '"Starting to listen" address="0.0.0.0" port=10250'],
      ['I:kubelet_node_status.go:73', `"Attempting to register node" node=${q(c.hostname)}`],
      ['I:kubelet_node_status.go:76', `"Successfully registered node" node=${q(c.hostname)}`],
    ];
    lines.forEach(([spec, msg], i) => push(started + 40 + i * 3, pid, spec, msg));
    const noise = runningNoise(c.scenario);
    // A running kubelet retries its pod syncs: the same lines every few seconds, up to now.
    for (let at = c.now.getTime() - 60_000; noise.length > 0 && at < c.now.getTime(); at += 5_000) {
      noise.forEach(([spec, msg], i) => push(at + i, pid, spec, msg));
    }
    return out;
  }
  // Crash loop: RestartSec=10, so a cycle every ~10 s; show the last three.
  const {stage, lines} = fatal(c.scenario, c);
  const before = stage === 'flags' ? [] : stage === 'config' ? startLines(c).slice(0, 1) : startLines(c);
  for (let k = 2; k >= 0; k--) {
    const start = c.now.getTime() - k * CYCLE_MS - 2_000;
    const n = LAB_RESTARTS - k;
    const pid = KUBELET_PID + n;
    push(start - 2, 1, '-', `kubelet.service: Scheduled restart job, restart counter is at ${n}.`);
    push(start - 1, 1, '-', `Stopped ${UNIT_TITLE}.`);
    push(start, 1, '-', `Started ${UNIT_TITLE}.`);
    [...before, ...lines].forEach(([spec, msg], i) => push(start + 30 + i * 2, pid, spec, msg));
    push(start + 80, 1, '-', 'kubelet.service: Main process exited, code=exited, status=1/FAILURE');
    push(start + 81, 1, '-', "kubelet.service: Failed with result 'exit-code'.");
  }
  return out;
}

/**
 * The journal of `containerd.service`: one boot line when it runs, the config error and
 * systemd's restarts when its config.toml does not load.
 */
export function containerdJournal(runtime: RuntimeState, now: Date): JournalEntry[] {
  const t = now.getTime();
  if (runtime.kind !== 'not-running') {
    const at = new Date(t - 7 * 3_600_000);
    return [
      {at, ident: 'systemd', pid: 1, message: 'Starting containerd.service - containerd container runtime...'},
      {
        at: new Date(at.getTime() + 46),
        ident: 'containerd',
        pid: CONTAINERD_PID,
        message: `time="${at.toISOString().slice(0, 19)}Z" level=info msg="containerd successfully booted in 0.046731s"`,
      },
      {at: new Date(at.getTime() + 47), ident: 'systemd', pid: 1, message: 'Started containerd.service - containerd container runtime.'},
    ];
  }
  const out: JournalEntry[] = [];
  for (let k = 1; k >= 0; k--) {
    const start = t - k * 5_100 - 1_000;
    out.push({at: new Date(start), ident: 'systemd', pid: 1, message: 'Starting containerd.service - containerd container runtime...'});
    out.push({at: new Date(start + 20), ident: 'containerd', pid: CONTAINERD_PID + 40 - k, message: `containerd: ${runtime.reason}`});
    out.push({at: new Date(start + 21), ident: 'systemd', pid: 1, message: 'containerd.service: Main process exited, code=exited, status=1/FAILURE'});
    out.push({at: new Date(start + 22), ident: 'systemd', pid: 1, message: "containerd.service: Failed with result 'exit-code'."});
    out.push({at: new Date(start + 23), ident: 'systemd', pid: 1, message: 'Failed to start containerd.service - containerd container runtime.'});
  }
  return out;
}

/** When the kubelet process last started (`ExecMainStartTimestamp`); null when systemd never started it. */
export function kubeletStartedAt(s: ScenarioId, now: Date): Date | null {
  const run = LIVE_PROFILES[s].kubelet;
  if (run === 'not-loaded') return null;
  return new Date(now.getTime() - (run === 'running' ? 6 * 3_600_000 : 2_000));
}

/** Output formats the journalctl stand-in serves (`journalctl -o`). */
export const JOURNAL_FORMATS = ['short', 'short-precise', 'short-iso', 'short-iso-precise', 'cat', 'json'] as const;
/** One of {@link JOURNAL_FORMATS}. */
export type JournalFormat = (typeof JOURNAL_FORMATS)[number];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Render entries as `journalctl -o FORMAT` prints them (UTC), one line per entry. */
export function renderJournal(entries: readonly JournalEntry[], hostname: string, format: JournalFormat): string {
  const lines = entries.map((e) => {
    const d = e.at;
    const clock = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    const us = micros(d);
    const who = `${hostname} ${e.ident}[${e.pid}]: ${e.message}`;
    switch (format) {
      case 'cat':
        return e.message;
      case 'short':
        return `${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${clock} ${who}`;
      case 'short-precise':
        return `${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${clock}.${us} ${who}`;
      case 'short-iso':
        return `${d.toISOString().slice(0, 19)}+00:00 ${who}`;
      case 'short-iso-precise':
        return `${d.toISOString().slice(0, 19)}.${us}+00:00 ${who}`;
      case 'json':
        return JSON.stringify({
          __REALTIME_TIMESTAMP: `${d.getTime()}${us.slice(3)}`,
          _HOSTNAME: hostname,
          SYSLOG_IDENTIFIER: e.ident,
          _PID: String(e.pid),
          _SYSTEMD_UNIT: e.ident === 'systemd' ? 'init.scope' : 'kubelet.service',
          UNIT: e.ident === 'systemd' ? 'kubelet.service' : undefined,
          PRIORITY: /^E\d{4} /.test(e.message) ? '3' : '6',
          MESSAGE: e.message,
        });
    }
  });
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** systemd's timestamp form (`Thu 2025-09-11 23:12:03 UTC`), as `systemctl show` prints it. */
export function systemdTimestamp(d: Date): string {
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  return `${day} ${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A kubelet klog line as a journal record (`E1205 12:00:00.000000    2392 where] msg`), for lines written while the lab runs. */
export function kubeletLine(level: 'I' | 'W' | 'E', at: Date, where: string, msg: string, pid = KUBELET_PID): JournalEntry {
  return {at, ident: 'kubelet', pid, message: klog(level, at, pid, where, msg)};
}

/**
 * Append records to a running lab node's journal, in every format the journalctl stand-in serves
 * (`dataDir` is the node's stand-in data directory, StandInDirs.data): what the kubelet writes
 * while someone watches. Why: `watch` follows the journal and must meet lines written after it started.
 */
export async function appendJournal(
  dataDir: string,
  hostname: string,
  entries: readonly JournalEntry[],
  unit: 'kubelet' | 'containerd' = 'kubelet',
): Promise<void> {
  for (const f of JOURNAL_FORMATS) await appendFile(join(dataDir, 'journal', `${unit}.${f}`), renderJournal(entries, hostname, f));
}
