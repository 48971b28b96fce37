/**
 * swap-off: the kubelet refuses to start while swap is on and failSwapOn is true. Choice `off`
 * (the default): `swapoff -a` now and comment out the swap lines in /etc/fstab so it stays off
 * after a reboot. Choice `keep`: leave swap on and set `failSwapOn: false` in the kubelet
 * config, with `memorySwap.swapBehavior: LimitedSwap` where the kubelet and cgroup v2 support it.
 */
import {versionAtLeast} from '../../facts/kubelet/version.js';
import {notApplicable, type FixChoice, type FixPlan, type NotApplicable, type PlanInput, type Step} from '../types.js';
import {FileEdits, kubeletConfigPath, restartKubelet, where} from './common.js';

const CHOICES: FixChoice[] = [
  {name: 'off', description: 'turn swap off now (swapoff -a) and comment out its /etc/fstab lines so it stays off after a reboot'},
  {name: 'keep', description: 'keep swap and let the kubelet run with it: failSwapOn: false (and swapBehavior LimitedSwap where supported)'},
];

/** Plan the fix for a swap finding. */
export function planSwap(input: PlanInput): FixPlan | NotApplicable {
  const {facts, raw} = input;
  if (!facts.swap.collected) return notApplicable(`swap was not collected: ${facts.swap.reason}`);
  const choice = input.choice ?? 'off';
  if (!CHOICES.some((c) => c.name === choice))
    return notApplicable(`--choice ${choice} is not offered here`, `choose one of: ${CHOICES.map((c) => c.name).join(', ')}`);
  const s = facts.swap.value;
  const edits = new FileEdits(raw);
  const steps: Step[] = [];
  const notes: string[] = [];
  if (choice === 'off') {
    const boot = s.fstab.filter((e) => !e.noauto);
    for (const e of boot) edits.line(e.source, `comment out the swap entry ${e.device} at ${where(e.source)}`, (line) => `#${line}`);
    // Offline nothing is on: the fstab edit is what the next boot reads.
    if (facts.target.live) steps.push({kind: 'run', argv: ['swapoff', '-a'], why: 'turn every active swap area off now'});
    for (const z of s.entries.filter((e) => e.kind === 'zram')) {
      steps.push({
        kind: 'manual',
        text: `${z.device} is zram swap: disable zram-generator or zram-config (e.g. remove /etc/systemd/zram-generator.conf) or it comes back at boot`,
      });
    }
    notes.push(...s.notes, 'a systemd *.swap unit turns swap on without /etc/fstab: `systemctl --type swap` lists them; `systemctl mask` the ones you find');
  } else {
    const cfg = kubeletConfigPath(facts);
    if (!cfg) return notApplicable('the kubelet runs without a --config file', 'pass --fail-swap-on=false instead, or choose `off`');
    const version = facts.kubeletVersion.collected ? facts.kubeletVersion.value.value : null;
    const v2 = facts.cgroup.collected && facts.cgroup.value.version.value === 2;
    const limited = version !== null && versionAtLeast(version, '1.30') && v2;
    edits.yaml(cfg, 'failSwapOn: false: the kubelet starts with swap on', [{op: 'set', path: ['failSwapOn'], value: false}]);
    if (limited)
      edits.yaml(cfg, 'memorySwap.swapBehavior: LimitedSwap: Burstable pods may swap in proportion to their memory request', [
        {op: 'set', path: ['memorySwap', 'swapBehavior'], value: 'LimitedSwap'},
      ]);
    else
      notes.push(
        `pods do not use swap (swapBehavior NoSwap): LimitedSwap needs kubelet 1.30+ and cgroup v2${v2 ? '' : ' (cgroup v2 was not confirmed on this node)'}`,
      );
  }
  if (edits.problem) return notApplicable(`cannot edit safely: ${edits.problem}`, 'edit the file the finding names by hand');
  const writes = edits.steps();
  if (writes.length === 0 && !steps.some((x) => x.kind === 'run')) return notApplicable('nothing turns swap on that this fix can change');
  return {
    fixId: 'swap-off',
    checkId: 'swap',
    title: choice === 'off' ? 'Turn swap off, now and at boot' : 'Let the kubelet run with swap on',
    choice,
    choices: CHOICES,
    steps: [...writes, ...steps, ...restartKubelet(facts)],
    ...(notes.length > 0 ? {notes} : {}),
  };
}
