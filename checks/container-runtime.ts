/**
 * The kubelet can only run pods through a CRI runtime answering on its endpoint: the endpoint
 * names a socket, the runtime's config loads, containerd's CRI plugin is not disabled, and (live)
 * the socket exists and `crictl info` answers. Offline only the configuration is judged.
 */
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';
import type {Source} from '../src/facts/types.js';
import {endpointPath, runtimeLabel, type RuntimeFacts} from '../src/facts/runtime/runtime.js';

const where = (s: Source): string => ('command' in s ? s.command : s.line === undefined ? s.file : `${s.file}:${s.line}`);
const ev = (s: {source: Source; text: string}): Evidence => ({source: s.source, text: s.text});
/** /var/run is /run on systemd hosts; compare socket paths in one form. */
const norm = (p: string | null): string | null => (p === null ? null : p.replace(/^\/var\/run\//, '/run/'));
const BROKEN = new Set(['parse-error', 'binary', 'truncated', 'unreadable']);

/** Config files that stop the runtime from starting, with the line when known. */
function configVerdicts(rt: RuntimeFacts, label: string, endpoint: Evidence): Verdict[] {
  return rt.configFiles
    .filter((f) => BROKEN.has(f.status))
    .map((f) => {
      const source: Source = {file: f.path, ...(f.line === undefined ? {} : {line: f.line})};
      return fail(`${where(source)}: ${f.error ?? f.status}: ${label} refuses to start with this file`, [{source, text: f.error ?? f.status}, endpoint]);
    });
}

/** Where the kubelet dials against where the runtime listens. */
function listenVerdict(rt: RuntimeFacts, label: string, endpoint: Evidence): Verdict | null {
  if (!rt.listen || rt.socket.path === null || norm(rt.listen.value) === norm(rt.socket.path)) return null;
  const summary = `the kubelet dials ${rt.endpoint.value} but ${label} listens on ${rt.listen.value} (${where(rt.listen.source)})`;
  const explicit = 'file' in rt.listen.source && rt.listen.source.line !== undefined;
  return (explicit ? fail : warn)(summary, [endpoint, ev(rt.listen)]);
}

/** Live: the socket and the CRI answer. */
function liveVerdicts(rt: RuntimeFacts, label: string, endpoint: Evidence): Verdict[] {
  const out: Verdict[] = [];
  if (rt.socket.present === false && rt.via === 'dockershim') {
    out.push(
      fail(
        `${rt.socket.path} is missing (${rt.socket.text}): the kubelet's built-in dockershim serves it, so the kubelet is not running, or dockerd is down and dockershim could not start`,
        [endpoint, ev(rt.socket), ...rt.detection],
      ),
    );
  } else if (rt.socket.present === false) {
    out.push(
      fail(
        `${rt.socket.path} is missing (${rt.socket.text}): ${label} is not running or the endpoint is wrong; the kubelet logs "dial unix ${rt.socket.path}: connect: no such file or directory"`,
        [endpoint, ev(rt.socket)],
      ),
    );
  }
  if (!rt.cri.collected) return out;
  const c = rt.cri.value;
  if (!c.answered.value) {
    const crictlPath = c.crictlEndpoint ? norm(endpointPath(c.crictlEndpoint.value)) : null;
    const same = crictlPath === null || crictlPath === norm(rt.socket.path);
    const extra = c.crictlEndpoint ? [ev(c.crictlEndpoint)] : [];
    const summary = same
      ? `the CRI does not answer: ${c.answered.text}`
      : `crictl (pointed at ${c.crictlEndpoint?.value ?? ''}) got no answer: ${c.answered.text}; the kubelet uses ${rt.endpoint.value}`;
    out.push((same ? fail : warn)(summary, [endpoint, ev(c.answered), ...extra]));
  } else if (c.runtimeReady && !c.runtimeReady.value) {
    out.push(fail(`${label} answers but is not ready: ${c.runtimeReady.text}`, [endpoint, ev(c.runtimeReady)]));
  }
  return out;
}

export default defineCheck({
  id: 'container-runtime',
  title: 'container runtime reachable through its CRI endpoint',
  category: 'runtime',
  severity: 'critical',
  description:
    'The kubelet runs every pod through the container runtime on its CRI endpoint. A runtime that is not running, whose config does not load, or whose CRI service is disabled leaves the kubelet crash-looping at start.',
  needs: ['kubeletConfig', 'runtime', 'criSocket'],
  explainedBy: [],
  remediation:
    'Point containerRuntimeEndpoint (or --container-runtime-endpoint) at the runtime\'s socket (containerd unix:///run/containerd/containerd.sock, CRI-O unix:///var/run/crio/crio.sock, cri-dockerd unix:///var/run/cri-dockerd.sock). For containerd, remove "cri" from disabled_plugins (Docker\'s containerd.io package ships it) or regenerate the file with `containerd config default > /etc/containerd/config.toml`; fix any line the runtime cannot parse; then `systemctl restart containerd` (or crio, cri-docker) and check `crictl info`.',
  references: [
    'https://kubernetes.io/docs/setup/production-environment/container-runtimes/',
    'https://github.com/containerd/containerd/blob/main/docs/cri/config.md',
    'https://github.com/kubernetes-sigs/cri-tools/issues/578',
  ],
  signatures: [
    {
      id: 'cri-v1-not-implemented',
      text: 'validate service connection: CRI v1 runtime API is not implemented for endpoint "unix:///run/containerd/containerd.sock": rpc error: code = Unimplemented desc = unknown service runtime.v1.RuntimeService',
      pattern: /CRI v1 runtime API is not implemented for endpoint|validate CRI v1 runtime API for endpoint|unknown service runtime\.v1\.RuntimeService/,
      reference: 'kubelet.md F16; containerd#7799, cri-tools#578',
    },
    {
      id: 'cri-socket-unavailable',
      text: 'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix /run/containerd/containerd.sock: connect: no such file or directory"',
      pattern: /dial unix \S+\.sock: connect: (?:no such file or directory|connection refused)/,
      reference: 'kubelet.md F17; kubernetes#114956',
    },
    {
      id: 'pleg-not-healthy',
      text: 'E0416 12:04:10.794442    7769 kubelet.go:2346] "Skipping pod synchronization" err="PLEG is not healthy: pleg was last seen active 3m5.3s ago; threshold is 3m0s"',
      pattern: /PLEG is not healthy/,
      reference: 'kubelet.md R2; kubernetes/kubernetes#61117',
    },
    {
      id: 'sandbox-image-unavailable',
      text: '"RunPodSandbox from runtime service failed" err="rpc error: code = DeadlineExceeded desc = failed to get sandbox image \\"registry.k8s.io/pause:3.9\\""',
      pattern: /failed to get sandbox image/,
      reference: 'kubelet.md R16',
    },
  ],
  evaluate(facts) {
    const {runtime} = facts;
    if (!runtime.collected) return skip(runtime.reason);
    const rt = runtime.value;
    const label = runtimeLabel(rt.name, rt.via);
    const endpoint = ev(rt.endpoint);
    const out: Verdict[] = [...configVerdicts(rt, label, endpoint)];
    if (rt.criDisabled?.value) {
      out.push(
        fail(
          `containerd's CRI plugin is disabled (${where(rt.criDisabled.source)} ${rt.criDisabled.text}): the kubelet fails with "CRI v1 runtime API is not implemented"; remove it from disabled_plugins and restart containerd`,
          [ev(rt.criDisabled), endpoint],
        ),
      );
    }
    for (const p of rt.problems) out.push((p.severity === 'fail' ? fail : warn)(p.message, [ev(p), endpoint]));
    if (rt.name === 'unknown') {
      out.push(warn(`cannot tell which runtime serves ${rt.endpoint.value}: no containerd, CRI-O or docker config found`, [endpoint]));
    }
    if (rt.endpoint.value.startsWith('/')) {
      out.push(warn(`the endpoint ${rt.endpoint.value} has no unix:// scheme: the kubelet warns it is deprecated`, [endpoint]));
    }
    const listen = listenVerdict(rt, label, endpoint);
    if (listen) out.push(listen);
    out.push(...liveVerdicts(rt, label, endpoint));
    // Without crictl, the probe asks the socket itself (a gRPC runtime.v1 Version call).
    const sock = facts.criSocket;
    if (!rt.cri.collected && sock.collected && !sock.value.answered.value) {
      out.push(fail(`the CRI at ${sock.value.endpoint} does not answer: ${sock.value.answered.text}`, [endpoint, ev(sock.value.answered)]));
    }
    if (out.length > 0) return out;
    const how =
      rt.via === 'dockershim' ? ` through its built-in dockershim (${rt.detection.map((d) => d.text).join(', ')}; no --container-runtime=remote)` : '';
    const parts = [`the kubelet talks to ${label} at ${rt.endpoint.value} (${where(rt.endpoint.source)})${how}`];
    const evidence: Evidence[] = [endpoint, ...(rt.via === 'dockershim' ? rt.detection : [])];
    const add = (part: string, e: Evidence): void => {
      parts.push(part);
      evidence.push(e);
    };
    if (rt.criDisabled) add('CRI plugin enabled', ev(rt.criDisabled));
    if (rt.socket.present) add('socket present', ev(rt.socket));
    if (rt.cri.collected && rt.cri.value.answered.value)
      add(rt.cri.value.runtimeName ? rt.cri.value.answered.text : 'crictl info answers', ev(rt.cri.value.answered));
    if (!rt.cri.collected && sock.collected && sock.value.answered.value) add(sock.value.answered.text, ev(sock.value.answered));
    if (!rt.cri.collected && rt.socket.present === null) parts.push('socket and CRI not checked offline');
    const main = rt.configFiles.find((f) => f.role === 'main' && f.status === 'ok');
    if (main && !rt.criDisabled) evidence.push({source: {file: main.path}, text: 'parses'});
    return pass(parts.join('; '), evidence);
  },
});
