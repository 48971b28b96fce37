/**
 * The fixes that can actually be applied. Checks declare the fix they offer (`fix` in
 * checks/<id>.ts); a finding names it only once it is listed here, so a report never promises a
 * repair the tool cannot make. Each id has a planner in registry.ts (a test keeps the two equal);
 * this file stays a plain list so the engine can read it without loading the planners.
 */
export const IMPLEMENTED_FIXES: readonly string[] = [
  'set-kubelet-cgroup-driver',
  'kubelet-flags-fix',
  'systemd-dropin-fix',
  'kubelet-config-fix',
  'cert-expiry-fix',
  'swap-off',
  'kernel-prereqs-fix',
  'restart-kubelet',
];
