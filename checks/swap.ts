/**
 * Swap versus failSwapOn: with swap on and failSwapOn true (the default) the kubelet refuses to
 * start (kubelet.md F10, kubeadm preflight K1). With failSwapOn false the kubelet runs and
 * memorySwap.swapBehavior decides whether pods may use it (NodeSwap: beta 1.28, GA 1.34).
 */
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence} from '../src/catalogue/define.js';
import type {SwapEntry, SwapFacts} from '../src/facts/host/host.js';
import type {ConfigValue, Facts} from '../src/facts/types.js';

const ev = (v: {source: Evidence['source']; text: string}): Evidence => ({source: v.source, text: v.text});

function describeEntry(e: SwapEntry): string {
  const size = e.sizeKiB === null ? '' : ` ${(e.sizeKiB / 1024 / 1024).toFixed(1)}GiB`;
  return `${e.device}${e.kind === 'zram' ? ' (zram)' : ` (${e.kind}${size})`}`;
}

/** The effective failSwapOn, with its default (true) when the config was not collected. */
function failSwapOn(facts: Facts): {value: boolean; evidence: Evidence[]; known: boolean} {
  if (!facts.kubeletConfig.collected) return {value: true, evidence: [], known: false};
  const v: ConfigValue | undefined = facts.kubeletConfig.value.effective['failSwapOn'];
  const evidence = v ? [ev(v)] : [];
  const cfg = facts.kubeletConfig.value.configPath;
  // A default has no file:line of its own: also cite where the config file is named.
  if (v?.origin === 'default' && cfg) evidence.push({source: cfg.source, text: `${cfg.text} (failSwapOn not set)`});
  return {value: v?.value !== false, evidence, known: true};
}

const bootEntries = (s: SwapFacts): SwapEntry[] => s.fstab.filter((e) => !e.noauto);

export default defineCheck({
  id: 'swap',
  title: 'Swap is off, or the kubelet is configured for swap',
  category: 'host',
  severity: 'high',
  description:
    'By default (failSwapOn: true) the kubelet refuses to start while any swap is on, zram included. Turning swap off with swapoff alone does not survive a reboot when /etc/fstab still lists it.',
  needs: ['swap', 'kubeletConfig'],
  appliesTo: {offline: 'the swap entries of /etc/fstab (commented and noauto lines ignored) against failSwapOn; also when a live node sent no /proc/swaps'},
  fix: 'swap-off',
  remediation:
    'Either turn swap off for good: `swapoff -a`, comment out the swap lines in /etc/fstab, `systemctl mask` any *.swap unit and disable zram (zram-generator / zram-config); or keep swap and set `failSwapOn: false` in /var/lib/kubelet/config.yaml, with `memorySwap: {swapBehavior: LimitedSwap}` (cgroup v2) if pods should use it. Then `systemctl restart kubelet`.',
  references: [
    'https://kubernetes.io/docs/concepts/cluster-administration/swap-memory-management/',
    'https://kubernetes.io/docs/setup/production-environment/tools/kubeadm/install-kubeadm/#swap-configuration',
  ],
  signatures: [
    {
      id: 'swap-on-not-supported',
      text: 'failed to run Kubelet: running with swap on is not supported, please disable swap! or set --fail-swap-on flag to false. /proc/swaps contained: [Filename Type Size Used Priority /swap.img file 4194300 0 -2]',
      pattern: /running with swap on is not supported, please disable swap/,
      reference: 'kubelet.md F10; pkg/kubelet/cm/container_manager_linux.go',
    },
    {
      id: 'kubeadm-preflight-swap',
      text: '[ERROR Swap]: running with swap on is not supported. Please disable swap',
      pattern: /\[ERROR Swap\]/,
      reference: 'kubelet.md K1',
    },
    {
      id: 'limited-swap-needs-cgroup-v2',
      text: 'swap feature is enabled and LimitedSwap but it is only supported with cgroupv2',
      pattern: /LimitedSwap but it is only supported with cgroupv2/,
      reference: 'kubelet.md F11; cmd/kubelet/app/server.go',
    },
  ],
  evaluate(facts) {
    const {swap} = facts;
    if (!swap.collected) return skip(swap.reason);
    const s = swap.value;
    const live = s.basis === 'proc-swaps';
    const active = live ? s.entries : bootEntries(s);
    const fso = failSwapOn(facts);
    const list = active.map(describeEntry).join(', ');
    // Without /proc/swaps the verdict is the offline judgement, and it says so and where.
    const at = (e: SwapEntry) => ('file' in e.source ? `${e.source.file}${e.source.line === undefined ? '' : `:${e.source.line}`}` : e.source.command);
    const where = live
      ? 'swap is on'
      : `offline judgement: /proc/swaps not available (${s.offlineBecause ?? 'root transport'}), ${[...new Set(active.map(at))].join(', ')} enables swap`;
    if (active.length > 0 && fso.value) {
      const assumed = fso.known ? '' : ' (the default: the kubelet configuration was not collected)';
      return fail(
        `${where} (${list}) and failSwapOn is true${assumed}: the kubelet ${live ? 'refuses' : 'will refuse'} to start ("running with swap on is not supported")`,
        [...active.map(ev), ...fso.evidence],
      );
    }
    if (active.length > 0) {
      const sb = facts.kubeletConfig.collected ? facts.kubeletConfig.value.effective['memorySwap.swapBehavior'] : undefined;
      const behavior = typeof sb?.value === 'string' && sb.value !== '' ? sb.value : 'NoSwap';
      const evidence = [...active.map(ev), ...fso.evidence, ...(sb ? [ev(sb)] : [])];
      if (behavior === 'NoSwap')
        return pass(`${where} (${list}); failSwapOn is false, so the kubelet runs, and pods do not use swap (swapBehavior NoSwap)`, evidence);
      if (behavior === 'LimitedSwap') {
        return pass(
          `${where} (${list}); failSwapOn is false and swapBehavior is LimitedSwap: Burstable pods may swap in proportion to their memory request (needs cgroup v2)`,
          evidence,
        );
      }
      return warn(
        `${where} (${list}) with failSwapOn false, but memorySwap.swapBehavior "${behavior}" is not NoSwap or LimitedSwap (UnlimitedSwap was removed in 1.30): the kubelet rejects it`,
        evidence,
      );
    }
    const comingBack = live ? bootEntries(s) : [];
    if (comingBack.length > 0 && fso.value) {
      return warn(
        `swap is off now, but /etc/fstab turns it back on at boot (${comingBack.map(describeEntry).join(', ')}): the kubelet will refuse to start after a reboot`,
        [...comingBack.map(ev), ...fso.evidence],
      );
    }
    const noauto = s.fstab.filter((e) => e.noauto);
    const note = noauto.length > 0 ? ` (${noauto.map((e) => e.device).join(', ')} in /etc/fstab is noauto)` : '';
    const offline = live ? '' : `; ${s.notes.join('; ')}`;
    return pass(`${live ? 'no swap is on' : 'no swap is configured in /etc/fstab'}${note}${offline}`, [
      {source: s.checked, text: live ? 'no swap areas listed' : 'no active swap entries'},
      ...noauto.map(ev),
      ...fso.evidence,
    ]);
  },
});
