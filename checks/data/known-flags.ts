/**
 * The kubelet's command-line flags: enough to tell a typo from a real flag, and to parse argv the
 * way pflag does (boolean flags take no separate value). Source: the generated kubelet reference
 * (kubernetes/website content/en/docs/reference/command-line-tools-reference/kubelet.md, v1.34)
 * plus the global logging flags (`-v`, `--vmodule`, `--log-*`) that page lists.
 */

/** Flags a current kubelet (v1.34) accepts, without the leading dashes. */
export const KNOWN_FLAGS = [
  'address', 'allowed-unsafe-sysctls', 'anonymous-auth', 'authentication-token-webhook',
  'authentication-token-webhook-cache-ttl', 'authorization-mode', 'authorization-webhook-cache-authorized-ttl',
  'authorization-webhook-cache-unauthorized-ttl', 'bootstrap-kubeconfig', 'cert-dir', 'cgroup-driver', 'cgroup-root',
  'cgroups-per-qos', 'client-ca-file', 'cloud-provider', 'cluster-dns', 'cluster-domain', 'config', 'config-dir',
  'container-log-max-files', 'container-log-max-size', 'container-runtime-endpoint', 'contention-profiling',
  'cpu-cfs-quota', 'cpu-cfs-quota-period', 'cpu-manager-policy', 'cpu-manager-policy-options',
  'cpu-manager-reconcile-period', 'enable-controller-attach-detach', 'enable-debugging-handlers', 'enable-server',
  'enforce-node-allocatable', 'event-burst', 'event-qps', 'eviction-hard', 'eviction-max-pod-grace-period',
  'eviction-minimum-reclaim', 'eviction-pressure-transition-period', 'eviction-soft', 'eviction-soft-grace-period',
  'exit-on-lock-contention', 'experimental-allocatable-ignore-eviction', 'experimental-mounter-path', 'fail-cgroupv1',
  'fail-swap-on', 'feature-gates', 'file-check-frequency', 'hairpin-mode', 'healthz-bind-address', 'healthz-port',
  'help', 'hostname-override', 'http-check-frequency', 'image-credential-provider-bin-dir',
  'image-credential-provider-config', 'image-gc-high-threshold', 'image-gc-low-threshold', 'image-service-endpoint',
  'kernel-memcg-notification', 'kube-api-burst', 'kube-api-content-type', 'kube-api-qps', 'kube-reserved',
  'kube-reserved-cgroup', 'kubeconfig', 'kubelet-cgroups', 'local-storage-capacity-isolation', 'lock-file',
  'log-flush-frequency', 'log-json-info-buffer-size', 'log-json-split-stream', 'log-text-info-buffer-size',
  'log-text-split-stream', 'logging-format', 'make-iptables-util-chains', 'manifest-url', 'manifest-url-header',
  'max-open-files', 'max-pods', 'maximum-dead-containers', 'maximum-dead-containers-per-container',
  'memory-manager-policy', 'minimum-container-ttl-duration', 'minimum-image-ttl-duration', 'node-ip', 'node-labels',
  'node-status-max-images', 'node-status-update-frequency', 'oom-score-adj', 'pod-cidr', 'pod-infra-container-image',
  'pod-manifest-path', 'pod-max-pids', 'pods-per-core', 'port', 'protect-kernel-defaults', 'provider-id',
  'qos-reserved', 'read-only-port', 'register-node', 'register-with-taints', 'registry-burst', 'registry-qps',
  'reserved-cpus', 'reserved-memory', 'resolv-conf', 'root-dir', 'rotate-certificates', 'rotate-server-certificates',
  'runonce', 'runtime-cgroups', 'runtime-request-timeout', 'seccomp-default', 'serialize-image-pulls',
  // kubernetes/kubernetes#85282 (v1.17); missing from the generated page, kept to avoid a false "unknown flag".
  'show-hidden-metrics-for-version',
  'streaming-connection-idle-timeout', 'sync-frequency', 'system-cgroups', 'system-reserved', 'system-reserved-cgroup',
  'tls-cert-file', 'tls-cipher-suites', 'tls-min-version', 'tls-private-key-file', 'topology-manager-policy',
  'topology-manager-policy-options', 'topology-manager-scope', 'v', 'version', 'vmodule', 'volume-plugin-dir',
  'volume-stats-agg-period',
] as const satisfies readonly string[];

/**
 * Boolean flags (pflag NoOptDefVal "true"): `--fail-swap-on` alone means true, `--fail-swap-on=false`
 * sets false, and `--fail-swap-on false` leaves `false` as a stray word (`unknown command false`).
 * Includes removed and legacy booleans so old command lines parse the way those kubelets parsed them.
 */
export const BOOLEAN_FLAGS = [
  'anonymous-auth', 'authentication-token-webhook', 'cgroups-per-qos', 'contention-profiling', 'cpu-cfs-quota',
  'enable-controller-attach-detach', 'enable-debugging-handlers', 'enable-server', 'exit-on-lock-contention',
  'experimental-allocatable-ignore-eviction', 'fail-cgroupv1', 'fail-swap-on', 'help', 'kernel-memcg-notification',
  'local-storage-capacity-isolation', 'log-json-split-stream', 'log-text-split-stream', 'make-iptables-util-chains',
  'protect-kernel-defaults', 'register-node', 'rotate-certificates', 'rotate-server-certificates', 'runonce',
  'seccomp-default', 'serialize-image-pulls', 'version',
  // removed (see removed-flags.ts) and legacy
  'keep-terminated-pod-volumes', 'register-schedulable', 'add-dir-header', 'alsologtostderr', 'logtostderr',
  'one-output', 'skip-headers', 'skip-log-headers', 'experimental-check-node-capabilities-before-mount',
  'containerized', 'docker-only', 'enable-load-reader', 'log-cadvisor-usage', 'docker-tls', 'allow-privileged',
  'really-crash-for-testing', 'require-kubeconfig',
] as const satisfies readonly string[];

/** pflag short forms the kubelet registers: `-v` is `--v`, `-h` is `--help`. */
export const SHORTHANDS: Readonly<Record<string, string>> = {v: 'v', h: 'help'};

/** Flags newer than v1.20: an older kubelet rejects them as unknown. `major.minor` of the first release. */
export const ADDED_IN: Readonly<Record<string, string>> = {
  'config-dir': '1.28', // KEP-3983 (alpha 1.28; needs KUBELET_CONFIG_DROPIN_DIR_ALPHA until 1.30)
  'fail-cgroupv1': '1.31', // KEP-4569 (failCgroupV1 introduced in 1.31)
};

/**
 * Flags whose repeated values merge instead of the last one replacing the rest: key=value maps
 * (cliflag.MapStringString, ConfigurationMap, feature gates; a key set twice: the later wins) ...
 */
export const MAP_FLAGS = [
  'feature-gates', 'node-labels', 'eviction-hard', 'eviction-soft', 'eviction-soft-grace-period',
  'eviction-minimum-reclaim', 'kube-reserved', 'system-reserved', 'qos-reserved', 'cpu-manager-policy-options',
  'topology-manager-policy-options',
] as const satisfies readonly string[];

/** ... and lists that append (pflag StringSlice, the repeatable `--reserved-memory` and `--manifest-url-header`). */
export const LIST_FLAGS = [
  'allowed-unsafe-sysctls', 'cluster-dns', 'enforce-node-allocatable', 'tls-cipher-suites', 'reserved-memory',
  'manifest-url-header',
] as const satisfies readonly string[];

/**
 * Flags older kubelets accepted (cAdvisor and dockershim leftovers, pre-1.20 removals) whose removal
 * release is not pinned in removed-flags.ts: reported as "not accepted by current kubelets, verify".
 */
export const LEGACY_FLAGS = [
  'application-metrics-count-limit', 'boot-id-file', 'container-hints', 'containerd', 'containerized', 'docker',
  'docker-env-metadata-whitelist', 'docker-only', 'docker-root', 'docker-tls', 'docker-tls-ca', 'docker-tls-cert',
  'docker-tls-key', 'enable-load-reader', 'event-storage-age-limit', 'event-storage-event-limit',
  'experimental-check-node-capabilities-before-mount', 'global-housekeeping-interval', 'housekeeping-interval',
  'log-cadvisor-usage', 'machine-id-file', 'storage-driver-buffer-duration', 'storage-driver-db',
  'storage-driver-host', 'storage-driver-password', 'storage-driver-secure', 'storage-driver-table',
  'storage-driver-user', 'allow-privileged', 'api-servers', 'require-kubeconfig', 'experimental-bootstrap-kubeconfig',
  'cadvisor-port', 'really-crash-for-testing', 'chaos-chance', 'experimental-kernel-memcg-notification',
] as const satisfies readonly string[];

const KNOWN_SET: ReadonlySet<string> = new Set(KNOWN_FLAGS);
const BOOLEAN_SET: ReadonlySet<string> = new Set(BOOLEAN_FLAGS);

/** True when a current kubelet accepts `--name` (name without dashes). */
export const isKnownFlag = (name: string): boolean => KNOWN_SET.has(name);
/** True when `--name` is a boolean flag: it never consumes the next word as its value. */
export const isBooleanFlag = (name: string): boolean => BOOLEAN_SET.has(name);
