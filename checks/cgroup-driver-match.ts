/**
 * The kubelet and the container runtime must drive cgroups the same way (systemd or cgroupfs).
 * A mismatch breaks every pod sandbox (kubelet.md R14/R15/F18). Since 1.31 (beta, GA 1.34) the
 * kubelet takes the driver from a runtime implementing the CRI RuntimeConfig call (containerd 2.x),
 * and then its own cgroupDriver setting no longer decides (KEP-4033).
 */
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';
import type {Facts, Source, Sourced} from '../src/facts/types.js';
import {runtimeLabel, type CgroupDriver, type RuntimeFacts} from '../src/facts/runtime/runtime.js';

const where = (s: Source): string => ('command' in s ? s.command : s.line === undefined ? s.file : `${s.file}:${s.line}`);
const ev = (s: {source: Source; text: string}): Evidence => ({source: s.source, text: s.text});
const cite = (s: Sourced<unknown>): string => `${where(s.source)}${'command' in s.source ? ':' : ''}${s.text ? ` ${s.text}` : ''}`;

/** The kubelet's effective cgroupDriver, or its default (cgroupfs, v1beta1 defaults.go). */
function kubeletDriver(facts: Facts): Sourced<string> | null {
  if (!facts.kubeletConfig.collected) return null;
  const v = facts.kubeletConfig.value.effective['cgroupDriver'];
  if (v && typeof v.value === 'string') return {value: v.value, source: v.source, text: v.text};
  return {value: 'cgroupfs', source: {command: 'kubelet default'}, text: 'cgroupDriver not set, default cgroupfs'};
}

/** Minor version of `v1.31.2` / `Kubernetes v1.31.2`, or null. */
function kubeletMinor(facts: Facts): number | null {
  if (!facts.kubeletVersion.collected) return null;
  // <1:major> <2:minor>
  const m = /v?(\d+)\.(\d+)/.exec(facts.kubeletVersion.value.value);
  return m && m[1] === '1' ? Number(m[2]) : null;
}

/**
 * Whether the kubelet takes the driver from the CRI: KubeletCgroupDriverFromCRI on (beta 1.31,
 * GA 1.34) and a runtime that answers RuntimeConfig. We only know that of containerd 2.x, seen
 * by its version 3 config.
 */
function criDecides(facts: Facts, rt: RuntimeFacts): {decides: boolean; why: string} {
  const minor = kubeletMinor(facts);
  if (rt.name !== 'containerd' || rt.configVersion !== 3 || minor === null || minor < 31) return {decides: false, why: ''};
  const gates = facts.kubeletConfig.collected ? facts.kubeletConfig.value.effective['featureGates']?.value : undefined;
  const gate = gates && typeof gates === 'object' ? (gates as Record<string, unknown>)['KubeletCgroupDriverFromCRI'] : undefined;
  if (minor < 34 && gate === false) return {decides: false, why: ''};
  const version = facts.kubeletVersion.collected ? facts.kubeletVersion.value.value : `1.${minor}`;
  return {
    decides: true,
    why: `kubelet ${version} takes the cgroup driver from containerd 2.x (KubeletCgroupDriverFromCRI), so containerd's setting wins and the kubelet's is ignored`,
  };
}

export default defineCheck({
  id: 'cgroup-driver-match',
  title: 'kubelet and container runtime use the same cgroup driver',
  category: 'runtime',
  severity: 'critical',
  description:
    'The kubelet and the container runtime must both use systemd or both use cgroupfs. A mismatch makes pod sandboxes fail to start (runc: "expected cgroupsPath to be of format slice:prefix:name") or land in the wrong cgroup hierarchy.',
  needs: ['kubeletConfig', 'runtime', 'kubeletVersion'],
  explainedBy: ['kubelet-config', 'container-runtime'],
  remediation:
    'Use the systemd driver on both sides on systemd hosts: `cgroupDriver: systemd` in /var/lib/kubelet/config.yaml, and containerd `SystemdCgroup = true` under the runc options table of your config version (version 2: [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]; version 3: [plugins.\'io.containerd.cri.v1.runtime\'.containerd.runtimes.runc.options]), CRI-O `cgroup_manager = "systemd"`, or dockerd `"exec-opts": ["native.cgroupdriver=systemd"]`. Restart the runtime, then the kubelet.',
  fix: 'set-kubelet-cgroup-driver',
  references: [
    'https://kubernetes.io/docs/setup/production-environment/container-runtimes/#cgroup-drivers',
    'https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/configure-cgroup-driver/',
    'https://github.com/containerd/containerd/blob/main/docs/cri/config.md#cgroup-driver',
    'https://github.com/kubernetes/enhancements/tree/master/keps/sig-node/4033-group-driver-detection-over-cri',
  ],
  signatures: [
    {
      id: 'runc-systemd-cgroups-path',
      text: 'OCI runtime create failed: runc create failed: expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "/kubepods/burstable/pod..." instead',
      pattern: /expected cgroupsPath to be of format \\?"slice:prefix:name\\?" for systemd cgroups/,
      reference: 'kubelet.md R14; kubespray#8122, containerd#4857',
    },
    {
      id: 'systemd-cgroup-parent-slice',
      text: 'cgroup-parent for systemd cgroup should be a valid slice named as "xxx.slice"',
      pattern: /cgroup-parent for systemd cgroup should be a valid slice named as/,
      reference: 'kubelet.md R15; kubernetes#107403',
    },
    {
      id: 'docker-cgroup-driver-mismatch',
      text: 'misconfiguration: kubelet cgroup driver: "systemd" is different from docker cgroup driver: "cgroupfs"',
      pattern: /misconfiguration: kubelet cgroup driver: \\?"\w+\\?" is different from docker cgroup driver: \\?"\w+\\?"/,
      reference: 'kubelet.md F18; Mirantis/cri-dockerd core/docker_service.go',
    },
  ],
  evaluate(facts) {
    const {kubeletConfig, runtime} = facts;
    if (!kubeletConfig.collected) return skip(kubeletConfig.reason);
    if (!runtime.collected) return skip(runtime.reason);
    const rt = runtime.value;
    const label = runtimeLabel(rt.name, rt.via);
    if (rt.name === 'unknown') return skip(`cannot tell which container runtime serves ${rt.endpoint.value}`);
    const kubelet = kubeletDriver(facts);
    if (!kubelet) return skip('the kubelet configuration was not collected');
    if (kubelet.value !== 'systemd' && kubelet.value !== 'cgroupfs') {
      return skip(`the kubelet's cgroupDriver "${kubelet.value}" is invalid (see kubelet-config)`);
    }
    // dockerd's own refusals about exec-opts (set as a flag and in daemon.json, or a driver it rejects).
    const dockerFails = rt.name === 'docker' ? rt.problems.filter((p) => p.severity === 'fail' && /exec-opt|native\.cgroupdriver/.test(p.message)) : [];
    if (dockerFails.length > 0 && !rt.cgroupDriver) {
      const [head] = dockerFails;
      return fail(`${head?.message ?? ''}: the cgroup driver cannot be compared until dockerd starts`, [ev(kubelet), ...dockerFails.map(ev)]);
    }
    const configured = rt.cgroupDriver;
    const live = rt.cri.collected ? rt.cri.value.cgroupDriver : null;
    const actual: Sourced<CgroupDriver> | null = live ?? configured;
    if (!actual) {
      const broken = rt.configFiles.find((f) => f.status !== 'ok' && f.status !== 'missing');
      return skip(`cannot tell ${label}'s cgroup driver: ${broken ? `${broken.path} is ${broken.status}` : 'its config was not read'} (see container-runtime)`);
    }
    const out: Verdict[] = [];
    if (live && configured && live.value !== configured.value) {
      out.push(
        warn(
          `${label}'s config says ${configured.value} (${cite(configured)}) but the running ${label} uses ${live.value}: it was not restarted after the config changed`,
          [ev(configured), ev(live)],
          null,
        ),
      );
    }
    for (const note of rt.problems.filter((p) => p.severity === 'warn' && /SystemdCgroup/.test(p.message))) {
      out.push(warn(note.message, [ev(note)], null));
    }
    const evidence = [ev(kubelet), ev(actual)];
    if (kubelet.value === actual.value) {
      out.push(pass(`kubelet and ${label} both use ${actual.value} (${where(kubelet.source)}, ${where(actual.source)})`, evidence));
      return out;
    }
    const summary = `kubelet uses ${kubelet.value} (${cite(kubelet)}), ${label} uses ${actual.value} (${cite(actual)})`;
    const cri = criDecides(facts, rt);
    if (cri.decides) {
      out.push(warn(`${summary}; ${cri.why}. Align the kubelet config to avoid confusion`, evidence));
      return out;
    }
    if (rt.name === 'docker') {
      // The kubelet's dockershim (<= 1.23) and cri-dockerd both compare the drivers at start and stop.
      const who = rt.via === 'dockershim' ? 'the kubelet exits' : 'cri-dockerd exits';
      const said = `misconfiguration: kubelet cgroup driver: "${kubelet.value}" is different from docker cgroup driver: "${actual.value}"`;
      out.push(fail(`${summary}: ${who} with "${said}"`, evidence));
      return out;
    }
    out.push(fail(summary, evidence));
    return out;
  },
});
