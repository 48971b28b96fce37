/**
 * The kubelet's ports belong to the kubelet: its API port (`port`, 10250) and its healthz port
 * (`healthzPort`, 10248). Another process holding either makes the kubelet exit at start
 * (`bind: address already in use`) and kubeadm's preflight stop with `[ERROR Port-10250]`.
 */
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';
import type {ConfigValue, Facts} from '../src/facts/types.js';
import type {Listener} from '../src/facts/live/live-ports.js';

const ev = (v: {source: Evidence['source']; text: string}): Evidence => ({source: v.source, text: v.text});

interface Wanted {
  port: number;
  role: string;
  setting: ConfigValue | undefined;
}

/** The ports to look at: the effective `port` and `healthzPort` (0 disables healthz). */
function wantedPorts(facts: Facts): Wanted[] {
  const eff = facts.kubeletConfig.collected ? facts.kubeletConfig.value.effective : {};
  const num = (v: ConfigValue | undefined, d: number): number => (typeof v?.value === 'number' && v.value > 0 ? v.value : d);
  const out: Wanted[] = [{port: num(eff['port'], 10250), role: 'API', setting: eff['port']}];
  const hz = eff['healthzPort'];
  const hzPort = typeof hz?.value === 'number' ? hz.value : 10248;
  if (hzPort !== 0) out.push({port: hzPort, role: 'healthz', setting: hz});
  return out;
}

const describe = (l: Listener): string => (l.process ? `${l.process} (pid ${l.pid ?? '?'})` : l.pid !== null ? `pid ${l.pid}` : 'an unidentified process');

export default defineCheck({
  id: 'ports',
  title: "the kubelet's ports are held by the kubelet, not another process",
  category: 'network',
  severity: 'high',
  description:
    'The kubelet listens on its API port (10250: logs, exec, metrics for the API server) and its healthz port (10248). A leftover process on either port (a second kubelet, a stray debug server) stops the kubelet from starting, and kubeadm join refuses with [ERROR Port-10250].',
  needs: ['listeners', 'kubeletConfig', 'kubeletProcesses'],
  appliesTo: {},
  explainedBy: ['lock-file'],
  live: true,
  remediation:
    "Find the process with `ss -ltnp 'sport = :10250'` and stop it (`systemctl stop <unit>`, or `kill <pid>` for a stray kubelet started by hand); or move the kubelet with `port:` / `healthzPort:` in /var/lib/kubelet/config.yaml. Then `systemctl restart kubelet`.",
  references: [
    'https://kubernetes.io/docs/reference/networking/ports-and-protocols/',
    'https://kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-join/',
  ],
  signatures: [
    {
      id: 'kubeadm-preflight-port-10250',
      text: '[ERROR Port-10250]: Port 10250 is in use',
      pattern: /\[ERROR Port-10250\]/,
      reference: 'kubelet.md K5',
    },
    {
      id: 'kubelet-port-in-use',
      text: 'E0416 12:04:10.794442    7769 server.go:171] "Failed to listen and serve" err="listen tcp 0.0.0.0:10250: bind: address already in use"',
      pattern: /listen tcp [^\s"]*:10250: bind: address already in use/,
      reference: 'pkg/kubelet/server/server.go (ListenAndServeKubeletServer) [mem]',
    },
  ],
  evaluate(facts) {
    const {listeners} = facts;
    if (!listeners.collected) return skip(listeners.reason);
    const l = listeners.value;
    const procs = facts.kubeletProcesses.collected ? facts.kubeletProcesses.value : [];
    const kubeletPids = new Set(procs.map((p) => p.pid));
    const isKubelet = (x: Listener): boolean => x.process === 'kubelet' || (x.pid !== null && kubeletPids.has(x.pid));
    const out: Verdict[] = [];
    const held: string[] = [];
    const free: string[] = [];
    const evidence: Evidence[] = [];
    for (const w of wantedPorts(facts)) {
      const setting = w.setting && w.setting.origin !== 'default' ? [ev(w.setting)] : [];
      if (l.portsScanned !== null && !l.portsScanned.includes(w.port)) {
        out.push(skip(`not collected: the probe looked at ports ${l.portsScanned.join(', ')} (no ss on the node) but the ${w.role} port is ${w.port}`));
        continue;
      }
      const on = l.listeners.filter((x) => x.port === w.port);
      const others = on.filter((x) => !isKubelet(x));
      const known = others.filter((x) => x.pid !== null || x.process !== null);
      if (known.length > 0) {
        out.push(
          fail(
            `port ${w.port} (the kubelet's ${w.role} port) is held by ${known.map(describe).join(', ')}: the kubelet cannot bind it ("bind: address already in use")${w.port === 10250 ? ' and kubeadm preflight fails with [ERROR Port-10250]' : ''}`,
            [...known.map(ev), ...setting],
          ),
        );
      } else if (others.length > 0) {
        out.push(
          warn(`port ${w.port} (${w.role}) is held by a process the probe could not identify (ss shows owners only to root)`, [...others.map(ev), ...setting]),
        );
      } else if (on.length > 0) {
        held.push(`${w.port} (${w.role})`);
        evidence.push(...on.map(ev), ...setting);
      } else {
        free.push(`${w.port} (${w.role})`);
        evidence.push({source: on[0]?.source ?? {command: l.via === 'ss' ? 'ss -ltnp' : '/proc/net/tcp'}, text: `nothing listens on ${w.port}`}, ...setting);
      }
    }
    if (out.length > 0) return out;
    if (free.length > 0 && procs.length > 0) {
      return warn(
        `the kubelet runs (pid ${procs.map((p) => p.pid).join(', ')}) but nothing listens on ${free.join(', ')}: it is still starting, or failed to serve`,
        [...evidence, ...procs.map(ev)],
      );
    }
    const parts = [
      held.length > 0 ? `${held.join(' and ')} held by the kubelet` : '',
      free.length > 0 ? `${free.join(' and ')} free (the kubelet is not running)` : '',
    ];
    return pass(parts.filter(Boolean).join('; '), evidence);
  },
});
