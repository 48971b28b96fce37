/**
 * Whether the machine has a kubelet at all. A machine with none (a laptop, a bastion, a wrong
 * host) is not a node with every check failing: it is one line and its own status, `not-a-node`.
 */
import type {Facts} from './types.js';

/** What "no kubelet" rests on: the places looked at, each empty. */
export interface KubeletAbsence {
  looked: string[];
}

/**
 * The places that hold no kubelet, or null when any of them shows one: a kubelet.service unit or
 * drop-in, a known kubelet version (binary, package database or --kubelet-version), a running
 * kubelet process, a kubelet kubeconfig or --config file, or an installer that embeds the kubelet.
 * Anything not collected counts as present: only what was read and found empty says "no kubelet".
 */
export function kubeletAbsence(facts: Facts): KubeletAbsence | null {
  const looked: string[] = [];
  const {unit, kubeletVersion, kubeletProcesses, kubeconfig, kubeletConfig, profile} = facts;
  if (!unit.collected || !unit.value.problems.some((p) => p.kind === 'no-unit') || unit.value.dropIns.length > 0) return null;
  looked.push(`no kubelet.service in ${unit.value.searchPath.join(', ')}`);
  if (kubeletVersion.collected) return null;
  looked.push('no kubelet binary or package');
  if (facts.target.live) {
    if (!kubeletProcesses.collected || kubeletProcesses.value.length > 0) return null;
    looked.push('no kubelet process');
  }
  if (kubeconfig.collected) {
    const files = [kubeconfig.value.kubeconfig, kubeconfig.value.bootstrap];
    if (files.some((f) => f.status !== 'missing')) return null;
    looked.push(`no ${files.map((f) => f.path.value).join(' or ')}`);
  }
  if (kubeletConfig.collected && kubeletConfig.value.files.some((f) => f.status !== 'missing')) return null;
  if (profile.collected && profile.value.embeddedNote !== null) return null;
  return {looked};
}
