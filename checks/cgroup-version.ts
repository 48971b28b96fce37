/**
 * cgroup v1 against the kubelet version (kubelet.md §5.2): fully supported up to 1.30,
 * maintenance mode from 1.31 (KEP-4569), refused by default from 1.35 unless
 * `failCgroupV1: false` (KEP-5573), removal no earlier than 1.38.
 */
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence} from '../src/catalogue/define.js';
import type {CgroupFacts} from '../src/facts/host/host.js';
import type {Facts} from '../src/facts/types.js';

const ev = (v: {source: Evidence['source']; text: string}): Evidence => ({source: v.source, text: v.text});
// Controllers the kubelet's container manager needs at the v2 root (F21) [inf].
const REQUIRED_CONTROLLERS = ['cpu', 'cpuset', 'memory', 'pids'];

/** The kubelet version and its minor, from kubeletVersion or the version the config defaults used. */
function version(facts: Facts): {text: string; minor: number; evidence: Evidence[]} | null {
  const v = facts.kubeletVersion.collected ? facts.kubeletVersion.value : null;
  const text = v?.value ?? (facts.kubeletConfig.collected ? facts.kubeletConfig.value.defaultsFor : null);
  // <1:minor>
  const m = /v?1\.(\d+)/.exec(text ?? '');
  if (!text || !m?.[1]) return null;
  return {text, minor: Number(m[1]), evidence: v ? [ev(v)] : []};
}

function v1Evidence(c: CgroupFacts): Evidence[] {
  return [ev(c.version), ...(c.cmdline ? [ev(c.cmdline)] : [])];
}

export default defineCheck({
  id: 'cgroup-version',
  title: 'The cgroup version is supported by this kubelet',
  category: 'host',
  severity: 'high',
  description:
    'cgroup v1 is in maintenance mode from Kubernetes 1.31, and from 1.35 the kubelet refuses to start on a cgroup v1 host unless failCgroupV1 is false. cgroup v2 is required for swap, MemoryQoS and the newer resource features.',
  needs: ['cgroup', 'kubeletVersion', 'kubeletConfig'],
  live: true,
  remediation:
    'Boot the node with cgroup v2: remove `systemd.unified_cgroup_hierarchy=0` (and `cgroup_no_v1`) from the kernel command line, or add `systemd.unified_cgroup_hierarchy=1` (e.g. in GRUB_CMDLINE_LINUX in /etc/default/grub, then `update-grub` and reboot); use a distribution with systemd >= 244 and kernel >= 5.8. As a stopgap on 1.35+, set `failCgroupV1: false` in /var/lib/kubelet/config.yaml.',
  references: [
    'https://kubernetes.io/docs/concepts/architecture/cgroups/',
    'https://github.com/kubernetes/enhancements/tree/master/keps/sig-node/4569-cgroup-v1-maintenance-mode',
    'https://github.com/kubernetes/enhancements/tree/master/keps/sig-node/5573-remove-cgroup-v1',
  ],
  signatures: [
    {
      id: 'kubelet-refuses-cgroup-v1',
      text: 'failed to validate kubelet configuration, error: kubelet is configured to not run on a host using cgroup v1. cgroup v1 support is unsupported and will be removed in a future release',
      pattern: /kubelet is configured to not run on a host using cgroup v1/,
      reference: 'kubelet.md F8; pkg/kubelet/apis/config/validation/validation_linux.go',
    },
    {
      id: 'cgroup-v1-maintenance-mode',
      text: 'Warning CgroupV1 cgroup v1 support is in maintenance mode, please migrate to cgroup v2',
      pattern: /[Cc]group v1 support is in maintenance mode, please migrate to [Cc]group v2/,
      reference: 'kubelet.md R17; KEP-4569',
    },
    {
      id: 'cgroup-controller-missing',
      text: '"Failed to start ContainerManager" err="system validation failed - Following Cgroup subsystem not mounted: [memory]"',
      pattern: /Following Cgroup subsystem not mounted|failed to find subsystem mount for required subsystem/,
      reference: 'kubelet.md F21',
    },
  ],
  evaluate(facts) {
    const {cgroup, kubeletConfig} = facts;
    if (!cgroup.collected) return skip(cgroup.reason);
    const c = cgroup.value;
    if (c.version.value === 2) {
      const have = c.controllers?.value;
      const missing = have ? REQUIRED_CONTROLLERS.filter((x) => !have.includes(x)) : [];
      if (c.controllers && missing.length > 0) {
        return warn(
          `cgroup v2, but the ${missing.join(', ')} controller(s) are not available at the root: the kubelet's container manager fails to start ("Failed to start ContainerManager")`,
          [ev(c.version), ev(c.controllers)],
        );
      }
      return pass(`cgroup v2 (${c.fsType})`, [ev(c.version), ...(c.controllers ? [ev(c.controllers)] : [])]);
    }
    const ver = version(facts);
    const fcv = kubeletConfig.collected ? kubeletConfig.value.effective['failCgroupV1'] : undefined;
    const fcvEv = fcv ? [ev(fcv)] : [];
    const forced = c.cmdline ? ` (forced by ${c.cmdline.value} on the kernel command line)` : ' (v1 or hybrid hierarchy)';
    const evidence = [...v1Evidence(c), ...(ver?.evidence ?? []), ...fcvEv];
    if (!ver) {
      return warn(`cgroup v1${forced}; the kubelet version is unknown: from 1.35 the kubelet refuses cgroup v1 unless failCgroupV1 is false`, evidence);
    }
    if (ver.minor >= 35) {
      if (fcv?.value === false) {
        return warn(
          `cgroup v1${forced}, allowed on kubelet ${ver.text} only because failCgroupV1 is false; cgroup v1 support may be removed from 1.38`,
          evidence,
        );
      }
      return fail(
        `cgroup v1${forced} and kubelet ${ver.text} has failCgroupV1 true${fcv?.origin === 'default' ? ' (the default from 1.35)' : ''}: the kubelet refuses to start`,
        evidence,
      );
    }
    if (ver.minor >= 31) {
      if (fcv?.value === true) return fail(`cgroup v1${forced} and failCgroupV1 is true: kubelet ${ver.text} refuses to start`, evidence);
      return warn(
        `cgroup v1${forced}: in maintenance mode since 1.31 (kubelet ${ver.text}); from 1.35 the kubelet refuses it by default, so migrate to cgroup v2 before upgrading`,
        evidence,
      );
    }
    return pass(`cgroup v1${forced} is supported by kubelet ${ver.text}; it enters maintenance mode in 1.31 and is refused by default from 1.35`, evidence);
  },
});
