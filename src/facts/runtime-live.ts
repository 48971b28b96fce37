/**
 * Live runtime facts: whether the kubelet's socket exists (from the probe's listings of
 * /run/containerd, /var/run/crio and /run) and what `crictl info` answered. Offline (root
 * transport) both are unknown, never guessed.
 */
import {collected, notCollected} from './types.js';
import type {Collected, RawSnapshot, Sourced} from './types.js';
import {parseJsonText} from './runtime-json.js';
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

/** `crictl info`: did the CRI answer, and what it says about readiness and (containerd) the driver. */
export function readCri(raw: RawSnapshot, name: RuntimeName): Collected<CriStatus> {
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

/** containerd's CRI config as it runs: `config.containerd.runtimes[defaultRuntimeName].options.SystemdCgroup`. */
function containerdDriver(info: Record<string, unknown>): Sourced<CgroupDriver> | null {
  const config = info['config'];
  const ctd = isObject(config) ? config['containerd'] : undefined;
  if (!isObject(ctd)) return null;
  const name = typeof ctd['defaultRuntimeName'] === 'string' ? ctd['defaultRuntimeName'] : 'runc';
  const runtimes = ctd['runtimes'];
  const rt = isObject(runtimes) ? runtimes[name] : undefined;
  const options = isObject(rt) ? rt['options'] : undefined;
  if (!isObject(options)) return null;
  const sc = options['SystemdCgroup'];
  // containerd 2.0/2.1 omit the key when false; an options map without it means the default.
  const value: CgroupDriver = sc === true ? 'systemd' : 'cgroupfs';
  return {value, source: CRICTL, text: `config.containerd.runtimes.${name}.options.SystemdCgroup: ${sc === true}`};
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
