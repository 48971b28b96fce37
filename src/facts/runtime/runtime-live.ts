/**
 * Live runtime facts: whether the kubelet's socket exists (from the probe's listings of
 * /run/containerd, /var/run/crio and /run) and what the runtime answers: first its own word on
 * the kubelet's endpoint (the probe's CRI calls with curl: Version, Status, verbose Status,
 * RuntimeConfig), else `crictl info`. Offline (root transport) both are unknown, never guessed.
 */
import {collected, notCollected} from '../core.js';
import type {Collected, RawSnapshot, Sourced} from '../core.js';
import {parseJsonText} from './runtime-json.js';
import {buildCriSocket, criCall, decodeRuntimeConfig, decodeStatus, type CriCondition} from '../live/live-cri.js';
import type {CgroupDriver, CriStatus, RuntimeName, SocketFacts} from './runtime.js';

const CRICTL = {command: 'crictl info'};

/** The socket path of a `unix://` endpoint (or a bare path, which old kubelets accepted). */
export function endpointPath(endpoint: string): string | null {
  if (endpoint.startsWith('unix://')) return endpoint.slice('unix://'.length) || null;
  if (endpoint.startsWith('/')) return endpoint;
  return null;
}

/** Whether the endpoint's socket exists; null offline or when no listing covers its directory. */
export function socketPresence(raw: RawSnapshot, endpoint: string): SocketFacts {
  const path = endpointPath(endpoint);
  if (path === null) return {path, present: null, source: {command: 'kubelet endpoint'}, text: `${endpoint} is not a unix socket`};
  const source = {file: path};
  if (!raw.live) return {path, present: null, source, text: 'root transport: sockets are only checked on a live node'};
  // /var/run is a symlink to /run on every systemd distribution; the probe lists either form.
  const candidates = [...new Set([path, path.replace(/^\/var\/run\//, '/run/'), path.replace(/^\/run\//, '/var/run/')])];
  for (const p of candidates) {
    const dir = p.slice(0, p.lastIndexOf('/')) || '/';
    const name = p.slice(p.lastIndexOf('/') + 1);
    const listing = raw.dirs[dir];
    if (!listing) continue;
    if (listing.status === 'missing') return {path, present: false, source, text: `${dir} does not exist`};
    if (listing.status !== 'ok') continue;
    const entry = listing.entries.find((e) => e.name === name);
    if (!entry) return {path, present: false, source, text: `no ${name} in ${dir}`};
    if (entry.type !== 'socket') return {path, present: false, source, text: `${p} exists but is a ${entry.type}, not a socket`};
    return {path, present: true, source, text: `socket ${p} present`};
  }
  return {path, present: null, source, text: 'the socket directory was not listed by the probe'};
}

/**
 * What the runtime answered: its own CRI answer on the kubelet's socket when the probe could ask
 * (curl), else `crictl info`. When the socket call failed but crictl, pointed at the same socket,
 * got an answer, crictl's answer stands (the runtime answers; curl could not speak to it).
 */
export function readCri(raw: RawSnapshot, name: RuntimeName): Collected<CriStatus> {
  if (!raw.live) return notCollected('root transport: `crictl info` is only run on a live node');
  const ctl = readCrictl(raw, name);
  const sock = readCriSocket(raw, name);
  if (sock === null) return ctl;
  const crictlHere = ctl.collected && ctl.value.answered.value && sameSocket(ctl.value.crictlEndpoint?.value ?? null, sock.endpoint);
  if (!sock.status.answered.value) return crictlHere ? ctl : collected(sock.status);
  if (!crictlHere || !ctl.collected) return collected(sock.status);
  // Fields the socket's answer lacks (a runtime without verbose info) come from crictl at the same socket.
  const s = sock.status;
  return collected({
    ...s,
    cgroupDriver: s.cgroupDriver ?? ctl.value.cgroupDriver,
    runtimeReady: s.runtimeReady ?? ctl.value.runtimeReady,
    networkReady: s.networkReady ?? ctl.value.networkReady,
  });
}

/** Whether crictl's endpoint (null: its default, containerd's socket first) is the kubelet's. */
function sameSocket(crictl: string | null, kubelet: string): boolean {
  const norm = (e: string): string => (endpointPath(e) ?? e).replace(/^\/var\/run\//, '/run/');
  return norm(crictl ?? 'unix:///run/containerd/containerd.sock') === norm(kubelet);
}

const STATUS = {command: 'CRI Status'};
const VERBOSE = {command: 'CRI Status (verbose)'};
const RUNTIME_CONFIG = {command: 'CRI RuntimeConfig'};

/** The probe's calls on the kubelet's socket; null when it made none (no curl, no socket, an older probe). */
function readCriSocket(raw: RawSnapshot, name: RuntimeName): {endpoint: string; status: CriStatus} | null {
  const version = buildCriSocket(raw);
  if (!version.collected) return null;
  const v = version.value;
  const base: CriStatus = {
    answered: v.answered,
    crictlEndpoint: null,
    cgroupDriver: null,
    runtimeReady: null,
    networkReady: null,
    runtimeName: v.runtimeName,
    runtimeVersion: v.runtimeVersion,
    sandboxImage: null,
  };
  if (!v.answered.value) return {endpoint: v.endpoint, status: base};
  const status = criCall(raw, 'cri-status');
  const conds = status?.ok ? decodeStatus(status.message) : null;
  const config = verboseConfig(raw);
  return {
    endpoint: v.endpoint,
    status: {
      ...base,
      runtimeReady: conds ? criCondition(conds, 'RuntimeReady') : null,
      networkReady: conds ? criCondition(conds, 'NetworkReady') : null,
      cgroupDriver: runtimeConfigDriver(raw) ?? (name === 'containerd' && config ? optionsDriver(config, VERBOSE) : null),
      sandboxImage:
        config && typeof config['sandboxImage'] === 'string' && config['sandboxImage'] !== ''
          ? {value: config['sandboxImage'], source: VERBOSE, text: `config.sandboxImage: ${config['sandboxImage']}`}
          : null,
    },
  };
}

/** A condition of the Status answer, worded as `crictl info` shows it. */
function criCondition(conds: CriCondition[], type: string): Sourced<boolean> | null {
  const c = conds.find((x) => x.type === type);
  if (!c) return null;
  const detail = [c.reason, c.message].filter((x) => x !== '').join(': ');
  return {value: c.status, source: STATUS, text: `${type}=${c.status}${detail ? ` ${detail}` : ''}`};
}

/** The driver the runtime reports through RuntimeConfig (containerd 2.x, CRI-O 1.28+); null when it does not implement it. */
function runtimeConfigDriver(raw: RawSnapshot): Sourced<CgroupDriver> | null {
  const call = criCall(raw, 'cri-runtime-config');
  if (!call?.ok) return null;
  const d = decodeRuntimeConfig(call.message);
  return d === null ? null : {value: d, source: RUNTIME_CONFIG, text: `linux.cgroup_driver: ${d === 'systemd' ? 'SYSTEMD' : 'CGROUPFS'}`};
}

/** The whitelisted part of the verbose Status info["config"] the probe sent (`cri-config`), or null. */
function verboseConfig(raw: RawSnapshot): Record<string, unknown> | null {
  const rec = raw.commands['cri-config'];
  if (rec?.status !== 'ok' || rec.stdout.trim() === '') return null;
  const parsed = parseJsonText(rec.stdout);
  return parsed.ok && isObject(parsed.data) ? parsed.data : null;
}

/**
 * The key of a runc options map that containerd 1.x reads as `SystemdCgroup`. containerd 1.6/1.7
 * re-encode the options table and decode it into runc's options struct with go-toml v1, which
 * takes the exact field name first and then any spelling equal but for case (so `systemdCgroup`
 * and `SYSTEMDCGROUP` count; `systemd_cgroup` does not). A local helper: the config-file reader's
 * shared rule (runtime-containerd-keys.ts) did not exist yet.
 */
export function systemdCgroupKey(options: Record<string, unknown>): string | null {
  if ('SystemdCgroup' in options) return 'SystemdCgroup';
  if ('systemdcgroup' in options) return 'systemdcgroup';
  return (
    Object.keys(options)
      .filter((k) => k.toLowerCase() === 'systemdcgroup')
      .sort()[0] ?? null
  );
}

/** `crictl info`: did the CRI answer, and what it says about readiness and (containerd) the driver. */
function readCrictl(raw: RawSnapshot, name: RuntimeName): Collected<CriStatus> {
  if (!raw.live) return notCollected('root transport: `crictl info` is only run on a live node');
  const cmd = raw.commands['crictl-info'];
  if (!cmd || cmd.status === 'not-run') return notCollected(`\`crictl info\` was not run${cmd?.reason ? `: ${cmd.reason}` : ''}`);
  if (cmd.status === 'not-found') return notCollected('crictl is not installed on the node');
  const crictlEndpoint = crictlConfigEndpoint(raw);
  const base = {crictlEndpoint, cgroupDriver: null, runtimeReady: null, networkReady: null};
  if (cmd.status !== 'ok') {
    const said = (cmd.stdout.trim() || cmd.reason || '').split('\n')[0] ?? '';
    const text = `crictl info ${cmd.status === 'timeout' ? 'timed out' : `failed (exit ${cmd.exitCode ?? '?'})`}${said ? `: ${said}` : ''}`;
    return collected({...base, answered: {value: false, source: CRICTL, text}});
  }
  const answered: Sourced<boolean> = {value: true, source: CRICTL, text: 'crictl info answered'};
  const parsed = parseJsonText(cmd.stdout);
  if (!parsed.ok || !isObject(parsed.data)) return collected({...base, answered});
  const info = parsed.data;
  return collected({
    answered,
    crictlEndpoint,
    cgroupDriver: name === 'containerd' ? containerdDriver(info) : null,
    runtimeReady: condition(info, 'RuntimeReady'),
    networkReady: condition(info, 'NetworkReady'),
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** containerd's CRI config as it runs: `config.containerd.runtimes.<defaultRuntimeName>.options`. */
function containerdDriver(info: Record<string, unknown>): Sourced<CgroupDriver> | null {
  const config = info['config'];
  return isObject(config) ? optionsDriver(config, CRICTL) : null;
}

/**
 * The cgroup driver in a containerd CRI config (as `crictl info` and the verbose Status show it):
 * the default runtime's options map, raw as written in the TOML, read with go-toml's key rule.
 * Accepts the whole config (`containerd.runtimes`) or the probe's whitelist (`runtimes` at the top).
 */
function optionsDriver(config: Record<string, unknown>, source: {command: string}): Sourced<CgroupDriver> | null {
  const ctd = isObject(config['containerd']) ? config['containerd'] : config;
  const name = typeof ctd['defaultRuntimeName'] === 'string' && ctd['defaultRuntimeName'] !== '' ? ctd['defaultRuntimeName'] : 'runc';
  const runtimes = ctd['runtimes'];
  const rt = isObject(runtimes) ? runtimes[name] : undefined;
  const options = isObject(rt) ? rt['options'] : undefined;
  if (!isObject(options)) return null;
  const key = systemdCgroupKey(options);
  const sc = key === null ? undefined : options[key];
  if (sc !== undefined && typeof sc !== 'boolean') return null;
  const path = `config.containerd.runtimes.${name}.options`;
  // containerd 2.0/2.1 omit the key when false; an options map without it means the default.
  const text = key === null ? `${path} has no SystemdCgroup (default false)` : `${path}.${key}: ${sc === true}`;
  return {value: sc === true ? 'systemd' : 'cgroupfs', source, text};
}

/** A CRI status condition (RuntimeReady, NetworkReady) with its reason and message. */
function condition(info: Record<string, unknown>, type: string): Sourced<boolean> | null {
  const status = info['status'];
  const conds = isObject(status) ? status['conditions'] : undefined;
  if (!Array.isArray(conds)) return null;
  const c: unknown = conds.find((x: unknown) => isObject(x) && x['type'] === type);
  if (!isObject(c) || typeof c['status'] !== 'boolean') return null;
  const detail = [c['reason'], c['message']].filter((x): x is string => typeof x === 'string' && x !== '').join(': ');
  return {value: c['status'], source: CRICTL, text: `${type}=${c['status']}${detail ? ` ${detail}` : ''}`};
}

/** `runtime-endpoint:` from /etc/crictl.yaml, which decides where `crictl info` looked. */
function crictlConfigEndpoint(raw: RawSnapshot): Sourced<string> | null {
  const f = raw.files['/etc/crictl.yaml'];
  if (f?.status !== 'ok' || f.content === undefined) return null;
  const lines = f.content.split(/\r?\n/);
  for (const [i, l] of lines.entries()) {
    // <1:endpoint>
    const m = /^runtime-endpoint:\s*["']?([^"'\s#]+)/.exec(l);
    if (m?.[1]) return {value: m[1], source: {file: '/etc/crictl.yaml', line: i + 1}, text: l.trim()};
  }
  return null;
}
