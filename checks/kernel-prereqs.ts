/**
 * Kernel prerequisites of kubeadm nodes (kubeadm preflight, kubelet.md K4): the br_netfilter
 * module, net.bridge.bridge-nf-call-iptables = 1 and net.ipv4.ip_forward = 1, now (live /proc)
 * and after the next boot (modules-load.d(5), sysctl.d(5)).
 */
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';
import type {KernelFacts} from '../src/facts/host/host.js';

const BRIDGE = 'net.bridge.bridge-nf-call-iptables';
const FORWARD = 'net.ipv4.ip_forward';
const ev = (v: {source: Evidence['source']; text: string}): Evidence => ({source: v.source, text: v.text});
const where = (s: Evidence['source']): string => ('command' in s ? s.command : s.line === undefined ? s.file : `${s.file}:${s.line}`);

/** Evidence that a key or module is absent from the boot configuration. */
function absentEv(k: KernelFacts, what: string, kind: 'sysctl' | 'modules'): Evidence {
  const files = k.files.filter((f) => (kind === 'sysctl' ? /sysctl/.test(f) : /modules/.test(f)));
  const last = files.at(-1);
  const where = kind === 'sysctl' ? '/etc/sysctl.d' : '/etc/modules-load.d';
  return {source: {file: last ?? where}, text: `${what} is not set in ${files.length} ${kind === 'sysctl' ? 'sysctl' : 'modules-load'} file(s)`};
}

function moduleVerdict(k: KernelFacts): Verdict | null {
  const boot = k.bootModules['br_netfilter'];
  if (!k.live) {
    if (boot) return null;
    return warn(
      'no modules-load.d file (or /etc/modules) loads br_netfilter at boot: unless the CNI or runtime loads it, /proc/sys/net/bridge will be missing after a reboot',
      [absentEv(k, 'br_netfilter', 'modules')],
    );
  }
  const loaded = k.loadedModules?.['br_netfilter'];
  const bridge = k.sysctl[BRIDGE];
  if (!loaded && bridge?.value === null) {
    return fail(
      `br_netfilter is not loaded: /proc/sys/net/bridge/bridge-nf-call-iptables does not exist (kubeadm preflight: [ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-iptables])${boot ? '; modules-load.d lists it, so it was unloaded or failed to load at boot' : ''}`,
      [ev(bridge), ...(boot ? [ev(boot)] : [])],
    );
  }
  if (loaded && !boot) {
    return warn('br_netfilter is loaded now, but no modules-load.d file loads it at boot: it will be missing after a reboot', [
      ev(loaded),
      absentEv(k, 'br_netfilter', 'modules'),
    ]);
  }
  return null;
}

function sysctlVerdict(k: KernelFacts, key: string): Verdict | null {
  const per = k.persisted[key];
  // br_netfilter starts with bridge-nf-call-iptables = 1; ip_forward starts at 0.
  const kernelDefaultOk = key === BRIDGE;
  const preflight = `kubeadm preflight: [ERROR FileContent--proc-sys-${key.replace(/\./g, '-')}]`;
  if (!k.live) {
    if (per === undefined) {
      if (kernelDefaultOk) return null;
      return warn(`${key} = 1 is not persisted in sysctl.d: the kernel boots with 0 unless the runtime or CNI sets it`, [absentEv(k, key, 'sysctl')]);
    }
    return per.value === '1' ? null : warn(`${key} is set to ${per.value} for boot: it must be 1 (${preflight})`, [ev(per)]);
  }
  const cur = k.sysctl[key];
  if (cur === undefined || (cur.value === null && key === BRIDGE)) return null; // not read / covered by the module verdict
  if (cur.value === null) return fail(`${where(cur.source)} does not exist (${preflight})`, [ev(cur)]);
  if (cur.value !== '1') {
    const note = per ? `; ${where(per.source)} persists ${per.value}${per.value === '1' ? ' but was not applied (sysctl --system)' : ''}` : '';
    return fail(`${key} is ${cur.value}, it must be 1 (${preflight})${note}`, [ev(cur), ...(per ? [ev(per)] : [])]);
  }
  if (per !== undefined && per.value !== '1')
    return warn(`${key} is 1 now, but sysctl.d sets ${per.value} for boot: it reverts after a reboot`, [ev(cur), ev(per)]);
  if (per === undefined && !kernelDefaultOk) {
    return warn(`${key} is 1 now, but no sysctl.d file persists it: it reverts to 0 after a reboot unless the runtime or CNI sets it again`, [
      ev(cur),
      absentEv(k, key, 'sysctl'),
    ]);
  }
  return null;
}

export default defineCheck({
  id: 'kernel-prereqs',
  title: 'br_netfilter is loaded and bridge / forwarding sysctls are on',
  category: 'host',
  severity: 'high',
  description:
    'Pod networking needs IPv4 forwarding, and bridge-based CNIs need bridged traffic to pass through iptables (br_netfilter). kubeadm refuses to init or join without them; values set by hand with sysctl -w are lost at reboot unless persisted.',
  needs: ['kernel'],
  appliesTo: {offline: 'what sysctl.d and modules-load.d set for the next boot; also when a live node sent no /proc/sys or /proc/modules'},
  fix: 'kernel-prereqs-fix',
  remediation:
    'Load the module now and at boot: `modprobe br_netfilter` and `printf "overlay\\nbr_netfilter\\n" > /etc/modules-load.d/k8s.conf`. Persist the sysctls: `printf "net.bridge.bridge-nf-call-iptables = 1\\nnet.ipv4.ip_forward = 1\\n" > /etc/sysctl.d/k8s.conf` and apply with `sysctl --system`. A file later in sysctl.d order (or a same-named file in /etc) can override yours.',
  references: [
    'https://kubernetes.io/docs/setup/production-environment/container-runtimes/#prerequisite-ipv4-forwarding-optional',
    'https://kubernetes.io/docs/concepts/extend-kubernetes/compute-storage-net/network-plugins/#network-plugin-requirements',
  ],
  signatures: [
    {
      id: 'kubeadm-preflight-bridge-nf-call-iptables',
      text: '[ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-iptables]: /proc/sys/net/bridge/bridge-nf-call-iptables does not exist',
      pattern: /\[ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-iptables\]/,
      reference: 'kubelet.md K4; containerd#8032',
    },
    {
      id: 'kubeadm-preflight-ip-forward',
      text: '[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: /proc/sys/net/ipv4/ip_forward contents are not set to 1',
      pattern: /\[ERROR FileContent--proc-sys-net-ipv4-ip_forward\]/,
      reference: 'kubelet.md K4; containerd#8032',
    },
  ],
  evaluate({kernel}) {
    if (!kernel.collected) return skip(kernel.reason);
    const live = kernel.value;
    // A live node that sent none of its live input (/proc/modules, /proc/sys/...: a host root
    // without /proc) is judged like a mounted disk, from sysctl.d and modules-load.d, and says so.
    const noLiveInput = live.live && live.loadedModules === null && [BRIDGE, FORWARD].every((key) => live.sysctl[key] === undefined);
    if (noLiveInput) {
      const offline = judge({...live, live: false});
      const say = 'offline judgement: /proc/sys and /proc/modules not available; ';
      return (Array.isArray(offline) ? offline : [offline]).map((v) => (v.status === 'skip' ? v : {...v, summary: `${say}${v.summary}`}));
    }
    return judge(live);
  },
});

/** The verdicts on the kernel facts: live (/proc) when `k.live`, else the boot configuration. */
function judge(k: KernelFacts): Verdict | Verdict[] {
  const out = [moduleVerdict(k), sysctlVerdict(k, BRIDGE), sysctlVerdict(k, FORWARD)].filter((v): v is Verdict => v !== null);
  if (out.length > 0) return out;
  const evidence: Evidence[] = [];
  const parts: string[] = [];
  if (k.live) {
    // Claim only what was read: /proc/modules (or the bridge sysctl, which exists only with the
    // module loaded) and each /proc/sys value.
    const mod = k.loadedModules?.['br_netfilter'];
    if (mod) evidence.push(ev(mod));
    const read = [BRIDGE, FORWARD].filter((key) => k.sysctl[key]?.value === '1');
    for (const key of read) evidence.push(ev(k.sysctl[key]!));
    if (!mod && read.length === 0) {
      return skip('not collected: neither /proc/modules nor /proc/sys/net/{bridge,ipv4} was read from the node');
    }
    if (mod || read.includes(BRIDGE)) parts.push('br_netfilter is loaded');
    parts.push(...read.map((key) => `${key} = 1`));
    const unread = [BRIDGE, FORWARD].filter((key) => !read.includes(key));
    if (unread.length > 0) parts.push(`not read: ${unread.join(', ')}`);
  } else {
    parts.push('br_netfilter loads at boot');
    const boot = k.bootModules['br_netfilter'];
    if (boot) evidence.push(ev(boot));
  }
  const persisted = [BRIDGE, FORWARD].flatMap((key) => (k.persisted[key] ? [k.persisted[key]] : []));
  evidence.push(...persisted.map(ev));
  parts.push(
    persisted.length > 0 ? `persisted in ${[...new Set(persisted.map((p) => ('file' in p.source ? p.source.file : '')))].join(', ')}` : 'nothing to persist',
  );
  if (!k.live) parts.push(`${BRIDGE} is ${k.persisted[BRIDGE]?.value ?? '1 (kernel default once br_netfilter loads)'}`);
  return pass(parts.join('; '), evidence);
}
