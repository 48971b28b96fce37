/**
 * Fix id → planner, and the one entry that plans a fix for a finding. The CLI, the TUI and
 * runbooks all come through planFix, so they offer the same plans.
 */
import {planCertExpiry} from './plans/cert-expiry.js';
import {planCgroupDriver} from './plans/cgroup-driver.js';
import {planKernelPrereqs} from './plans/kernel-prereqs.js';
import {planKubeletConfig} from './plans/kubelet-config.js';
import {planKubeletFlags} from './plans/kubelet-flags.js';
import {planRestartKubelet} from './plans/restart-kubelet.js';
import {planSwap} from './plans/swap.js';
import {planSystemdDropin} from './plans/systemd-dropin.js';
import {notApplicable, type FixPlan, type NotApplicable, type PlanInput, type Planner} from './types.js';

/** Every implemented fix's planner, by fix id. */
export const PLANNERS: Readonly<Record<string, Planner>> = {
  'set-kubelet-cgroup-driver': planCgroupDriver,
  'kubelet-flags-fix': planKubeletFlags,
  'systemd-dropin-fix': planSystemdDropin,
  'kubelet-config-fix': planKubeletConfig,
  'cert-expiry-fix': planCertExpiry,
  'swap-off': planSwap,
  'kernel-prereqs-fix': planKernelPrereqs,
  'restart-kubelet': planRestartKubelet,
};

/**
 * Plan the fix a finding offers. A passing, skipped or fix-less finding is NotApplicable with the
 * reason an operator can act on; a planner that throws is a bug and propagates.
 */
export function planFix(input: PlanInput): FixPlan | NotApplicable {
  const f = input.finding;
  if (f.status === 'pass') return notApplicable(`${f.id} passes on this node: nothing to fix (${f.summary})`);
  if (f.status === 'skip') return notApplicable(`${f.id} was not judged on this node: ${f.summary}`);
  if (f.status === 'error') return notApplicable(`${f.id} crashed on this node: ${f.summary}`);
  if (f.fix === null) {
    return f.causedBy
      ? notApplicable(`${f.id} fails because ${f.causedBy} fails`, `fix that first: --check ${f.causedBy}`)
      : notApplicable(`no automatic fix exists for this ${f.id} finding`, f.remediation);
  }
  const planner = PLANNERS[f.fix];
  if (!planner) return notApplicable(`the fix ${f.fix} is not available in this version`);
  return planner(input);
}
