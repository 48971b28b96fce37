/**
 * The kubelet's healthz endpoint answers `ok`: `GET http://<healthzBindAddress>:<healthzPort>/healthz`
 * from the node itself. Nothing answering means the kubelet is not running (or crash-looping);
 * healthzPort 0 disables the endpoint, and kubeadm's kubelet-check then times out (kubelet.md K8).
 */
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';
import type {ConfigValue, Facts} from '../src/facts/types.js';
import type {HealthzFacts} from '../src/facts/live/live-healthz.js';

const ev = (v: {source: Evidence['source']; text: string}): Evidence => ({source: v.source, text: v.text});

/** The effective healthz port and address (config/flags), or the probe's own reading when the config was not collected. */
function effective(facts: Facts, h: HealthzFacts): {port: number | null; address: string; evidence: Evidence[]} {
  if (!facts.kubeletConfig.collected) return {port: h.port, address: h.address, evidence: []};
  const eff = facts.kubeletConfig.value.effective;
  const port: ConfigValue | undefined = eff['healthzPort'];
  const addr: ConfigValue | undefined = eff['healthzBindAddress'];
  return {
    port: typeof port?.value === 'number' ? port.value : h.port,
    address: typeof addr?.value === 'string' && addr.value !== '' ? addr.value : h.address,
    evidence: [port, addr].filter((v): v is ConfigValue => v !== undefined).map(ev),
  };
}

/** The kubelet's unit state in a few words, for "nothing answers" (why it does not run). */
function unitNote(facts: Facts): string {
  if (!facts.unitState.collected) return '';
  const s = facts.unitState.value;
  if (s.subState?.value === 'auto-restart' || (s.activeState?.value === 'activating' && (s.nRestarts?.value ?? 0) > 0)) {
    return ` (kubelet.service is in a restart loop${s.nRestarts ? `, ${s.nRestarts.value} restarts` : ''})`;
  }
  return s.activeState && s.activeState.value !== 'active' ? ` (kubelet.service is ${s.activeState.value})` : '';
}

const sameAddress = (a: string, b: string): boolean => {
  const norm = (x: string) => (x === '' || x === '0.0.0.0' ? '0.0.0.0' : x === '::' || x === '[::]' ? '::' : x.replace(/^\[|\]$/g, ''));
  return norm(a) === norm(b);
};

export default defineCheck({
  id: 'healthz',
  title: "the kubelet's healthz endpoint answers ok",
  category: 'kubelet',
  severity: 'critical',
  description:
    "The kubelet serves /healthz on healthzBindAddress:healthzPort (127.0.0.1:10248 by default). kubeadm's kubelet-check and most node monitoring poll it: no answer means the kubelet is not running, an answer other than ok names the failing internal check.",
  needs: ['healthz', 'kubeletConfig', 'unitState'],
  appliesTo: {},
  fix: 'restart-kubelet',
  // In the order the engine tries them when the journal names no cause. A symptom itself: it never
  // explains another failure (the restart loop hangs under the same cause).
  explainedBy: [
    'kubelet-flags',
    'kubelet-config',
    'kubeconfig',
    'cert-expiry',
    'container-runtime',
    'cgroup-driver-match',
    'cgroup-version',
    'swap',
    'node-allocatable',
    'lock-file',
    'ports',
  ],
  live: true,
  symptom: true,
  remediation:
    'When nothing answers, the kubelet is not running: fix the first failing check above (or read `journalctl -u kubelet -n 50`), then `systemctl restart kubelet` and `curl -sS http://127.0.0.1:10248/healthz`. When healthzPort is 0, set `healthzPort: 10248` in /var/lib/kubelet/config.yaml (kubeadm and monitoring expect it) and restart the kubelet. An answer other than ok lists the failing internal checks (`[-]syncloop failed`): usually a hung container runtime.',
  references: [
    'https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/',
    'https://kubernetes.io/docs/setup/production-environment/tools/kubeadm/troubleshooting-kubeadm/',
  ],
  signatures: [
    {
      id: 'healthz-server-failed',
      text: 'E0416 12:04:10.794442    7769 server.go:207] "Failed to start healthz server" err="listen tcp 127.0.0.1:10248: bind: address already in use"',
      pattern: /Failed to start healthz server/,
      reference: 'kubelet.md R20; cmd/kubelet/app/server.go',
    },
    {
      id: 'kubeadm-kubelet-check-failed',
      text: '[kubelet-check] The HTTP call equal to \'curl -sSL http://localhost:10248/healthz\' failed with error: Get "http://localhost:10248/healthz": dial tcp 127.0.0.1:10248: connect: connection refused.',
      pattern: /\[kubelet-check\] The HTTP call equal to 'curl -sSL http:\/\/(?:localhost|127\.0\.0\.1):\d+\/healthz' failed/,
      reference: 'kubelet.md K8; kubernetes/kubernetes#95857',
    },
    {
      id: 'kubeadm-kubelet-check-timeout',
      text: '[kubelet-check] Initial timeout of 40s passed.',
      pattern: /\[kubelet-check\] Initial timeout of \d+s passed/,
      reference: 'kubelet.md K8; kubernetes/kubernetes#107407',
    },
  ],
  evaluate(facts) {
    const {healthz} = facts;
    if (!healthz.collected) return skip(healthz.reason);
    const h = healthz.value;
    const eff = effective(facts, h);
    if (eff.port === 0) {
      return warn(
        "healthzPort is 0, which disables the kubelet's healthz endpoint: kubeadm's kubelet-check (curl http://localhost:10248/healthz) times out and node monitoring sees a dead kubelet",
        eff.evidence,
      );
    }
    if (eff.port !== h.port || !sameAddress(eff.address, h.address)) {
      return skip(
        `not collected: the probe queried ${h.address}:${h.port ?? '?'} (from ${h.portFrom}) but the effective setting is ${eff.address}:${eff.port ?? '?'}`,
      );
    }
    if (h.error !== null) return skip(`not collected: ${h.error}`);
    const r = h.result;
    if (r === null) return skip('not collected: the probe did not query healthz');
    const evidence: Evidence[] = [ev(r), ...eff.evidence];
    const out: Verdict[] = [];
    switch (r.outcome) {
      case 'ok':
        return r.body === 'ok' ? pass(`${r.url} answered ok`, evidence) : warn(`${r.url} answered HTTP 200 but "${r.body}" rather than ok`, evidence);
      case 'http-error':
        out.push(fail(`${r.url} answered ${r.detail}${r.body ? ` (${r.body})` : ''}: the kubelet runs but reports itself unhealthy`, evidence));
        break;
      case 'refused':
        out.push(fail(`nothing answers on ${r.url}: the kubelet is not running${unitNote(facts)}`, evidence));
        break;
      case 'timeout':
        out.push(fail(`${r.url} did not answer in time: the kubelet is hung or still starting${unitNote(facts)}`, evidence));
        break;
      default:
        out.push(fail(`${r.url} could not be queried: ${r.detail}${unitNote(facts)}`, evidence));
    }
    return out;
  },
});
