/**
 * restart-kubelet: the healthz fix. When nothing answers and no failing check explains why (a
 * kubelet that was stopped, or hung), restart it and wait for `ok`. When a deeper check fails, a
 * restart only repeats the crash: the plan points there instead. healthzPort 0 is fixed by
 * setting it back to 10248 in the config file.
 */
import {notApplicable, type FixPlan, type NotApplicable, type PlanInput} from '../types.js';
import {FileEdits, kubeletConfigPath, restartKubelet} from './common.js';

/** Plan the fix for a healthz finding. */
export function planRestartKubelet(input: PlanInput): FixPlan | NotApplicable {
  const {facts, raw, finding} = input;
  if (!facts.target.live) return notApplicable('restarting the kubelet needs a live node (not --root or a snapshot)');
  if (finding.causedBy) {
    return notApplicable(
      `the kubelet does not answer because ${finding.causedBy} fails: a restart would fail the same way`,
      `fix that first: --check ${finding.causedBy}`,
    );
  }
  const eff = facts.kubeletConfig.collected ? facts.kubeletConfig.value.effective['healthzPort'] : undefined;
  const edits = new FileEdits(raw);
  if (eff?.value === 0) {
    const cfg = kubeletConfigPath(facts);
    if (eff.origin === 'flag' || !cfg) return notApplicable('healthzPort is 0 on the command line', 'remove --healthz-port=0 by hand');
    edits.yaml(
      'file' in eff.source && eff.origin !== 'default' ? eff.source.file : cfg,
      'healthzPort: 10248 (0 disables the endpoint kubeadm and monitoring poll)',
      [{op: 'set', path: ['healthzPort'], value: 10248}],
    );
    if (edits.problem) return notApplicable(`cannot edit safely: ${edits.problem}`);
  }
  const writes = edits.steps();
  // With the port fixed in the file, restartKubelet() still reads the old (0) port: wait on the default.
  const steps =
    writes.length > 0
      ? [...writes, {kind: 'restart-unit' as const, unit: 'kubelet'}, {kind: 'wait-healthz' as const, url: 'http://127.0.0.1:10248/healthz', timeoutMs: 90_000}]
      : restartKubelet(facts);
  return {
    fixId: 'restart-kubelet',
    checkId: 'healthz',
    title: writes.length > 0 ? 'Re-enable the healthz endpoint and restart the kubelet' : 'Restart the kubelet and wait for healthz',
    steps,
  };
}
