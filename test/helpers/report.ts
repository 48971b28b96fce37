/**
 * Test builders for reports: a Finding, a TargetResult and a Report with realistic defaults,
 * and {@link sampleReport}, the two-node fleet every reporter test renders.
 */
import type {Finding, Report, TargetResult} from '../../src/report/types.js';
import {summarize} from '../../src/report/order.js';

/** A title change (OSC 0) then a clear screen (CSI 2J): what a hostile node might put in a file. */
export const HOSTILE = '\u001b]0;pwned\u0007\u001b[2J';

/** A finding with sensible defaults; tests override what they are about. */
export function makeFinding(over: Partial<Finding> & Pick<Finding, 'id'>): Finding {
  return {
    title: `${over.id} title`,
    category: 'kubelet',
    severity: 'medium',
    status: 'pass',
    summary: 'ok',
    evidence: [],
    remediation: '',
    fix: null,
    causedBy: null,
    details: [],
    references: [],
    ...over,
  };
}

/** A reachable target with no results unless given. */
export function makeTarget(over: Partial<TargetResult> = {}): TargetResult {
  return {
    target: 'node-1',
    node: 'node-1',
    transport: 'ssh',
    status: 'ok',
    error: null,
    kubeletVersion: 'v1.30.2',
    durationMs: 1234,
    notes: [],
    results: [],
    ...over,
  };
}

/** A report over the given targets, with its summary computed. */
export function makeReport(targets: TargetResult[]): Report {
  return {
    schema: 1,
    tool: 'kubelet-doctor',
    version: '0.1.0',
    startedAt: '2024-06-01T03:00:00.000Z',
    targets,
    summary: summarize(targets),
  };
}

/** The cgroup driver mismatch: kubelet on cgroupfs, containerd on systemd. */
export const cgroupFailure = (): Finding =>
  makeFinding({
    id: 'cgroup-driver-match',
    title: 'Kubelet and container runtime use the same cgroup driver',
    category: 'runtime',
    severity: 'critical',
    status: 'fail',
    summary: 'kubelet uses cgroupfs, containerd uses systemd',
    evidence: [
      {source: {file: '/var/lib/kubelet/config.yaml', line: 14}, text: 'cgroupDriver: cgroupfs'},
      {source: {file: '/etc/containerd/config.toml', line: 31}, text: 'SystemdCgroup = true'},
    ],
    remediation: 'Make kubelet `cgroupDriver` equal the runtime driver (systemd on cgroup v2).',
    fix: 'set-kubelet-cgroup-driver',
    references: ['https://kubernetes.io/docs/setup/production-environment/container-runtimes/#cgroup-drivers'],
  });

/** The healthz failure that the cgroup driver mismatch explains (the kubelet exits at start). */
export const healthzFailure = (): Finding =>
  makeFinding({
    id: 'healthz',
    title: 'Kubelet healthz endpoint answers ok',
    category: 'kubelet',
    severity: 'high',
    status: 'fail',
    summary: 'GET http://127.0.0.1:10248/healthz: connection refused',
    evidence: [{source: {command: 'curl -sS http://127.0.0.1:10248/healthz'}, text: 'Connection refused'}],
    remediation: 'Start the kubelet and read its journal: journalctl -u kubelet -n 50.',
    causedBy: 'cgroup-driver-match',
  });

/**
 * Two targets: node-1 reachable with a failing cgroup-driver-match explaining a failing healthz,
 * a swap warning, passes, a skip and a check error; node-2 unreachable over SSH.
 */
export function sampleReport(): Report {
  const node1 = makeTarget({
    target: 'admin@node-1',
    node: 'node-1',
    notes: ['crictl not found on PATH'],
    results: [
      makeFinding({
        id: 'systemd-dropin',
        title: 'kubelet.service and its drop-ins merge into one ExecStart',
        category: 'systemd',
        severity: 'critical',
        summary: 'one ExecStart from 10-kubeadm.conf',
        evidence: [{source: {file: '/etc/systemd/system/kubelet.service.d/10-kubeadm.conf', line: 13}, text: 'ExecStart='}],
      }),
      makeFinding({id: 'kubelet-config', title: 'Kubelet config file parses', category: 'config', summary: 'config.yaml parses'}),
      healthzFailure(),
      cgroupFailure(),
      makeFinding({
        id: 'swap',
        title: 'Swap is off or the kubelet tolerates it',
        category: 'host',
        severity: 'high',
        status: 'warn',
        summary: 'swap is enabled in /etc/fstab and failSwapOn is false',
        evidence: [{source: {file: '/etc/fstab', line: 3}, text: '/swap.img none swap sw 0 0'}],
        remediation: 'Remove the swap line from /etc/fstab, or set memorySwap.swapBehavior.',
      }),
      makeFinding({
        id: 'lock-file',
        title: 'Only one kubelet holds the lock',
        status: 'skip',
        summary: 'root transport: commands and /proc are not collected',
      }),
      makeFinding({
        id: 'static-pods',
        title: 'Static pod manifests parse',
        status: 'error',
        summary: 'check crashed: TypeError: x is undefined',
      }),
    ],
  });
  const node2 = makeTarget({
    target: 'node-2',
    node: 'node-2',
    status: 'unreachable',
    error: {kind: 'unreachable', message: 'connect ECONNREFUSED 127.0.0.1:2222', hint: 'is sshd running on node-2?'},
    kubeletVersion: null,
    durationMs: 31,
    results: [],
  });
  return makeReport([node1, node2]);
}

/** {@link sampleReport} with {@link HOSTILE} planted in every remote string a node controls. */
export function hostileReport(): Report {
  const r = sampleReport();
  const t = r.targets[0];
  const down = r.targets[1];
  if (t === undefined || down === undefined) throw new Error('sample report has two targets');
  t.node = `node-1${HOSTILE}`;
  t.notes.push(`note${HOSTILE}`);
  const f = t.results.find((x) => x.id === 'cgroup-driver-match');
  if (f === undefined) throw new Error('sample report has cgroup-driver-match');
  f.summary = `kubelet uses cgroupfs${HOSTILE}`;
  f.evidence.push({source: {file: `/etc/x${HOSTILE}.conf`, line: 1}, text: `evil${HOSTILE}`});
  f.evidence.push({source: {command: `cmd${HOSTILE}`}, text: `\u009b31mred\u001b]8;;http://127.0.0.1/\u001b\\link`});
  f.details.push(`detail${HOSTILE}`);
  down.error = {kind: 'unreachable', message: `refused${HOSTILE}`, hint: `hint${HOSTILE}`};
  return r;
}
