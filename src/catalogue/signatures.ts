/**
 * The log-signature catalogue: every kubelet/kubeadm/systemd line a check declares it
 * explains, flattened with the check it points to. `kubelet-logs` matches journal lines
 * against it; `explain` and the TUI search it.
 */
import type {CheckDef, Signature} from './define.js';

/** A signature with the check that explains it. */
export interface LogSignature extends Signature {
  /** The check that explains a line matching this signature. */
  check: string;
}

/** Flatten the signatures of the given checks (catalogue order, then declaration order). */
export function allSignatures(checks: readonly CheckDef[]): LogSignature[] {
  return checks.flatMap((c) => c.signatures.map((s) => ({...s, check: c.id})));
}
