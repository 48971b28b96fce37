/**
 * Kubelet command-line flags that set KubeletConfiguration fields, and how their values parse.
 * Flags are re-parsed on top of the config file and drop-ins, so they win (issue #56171).
 * Source: cmd/kubelet/app/options/options.go (AddKubeletConfigFlags).
 */

/** How a flag's string value becomes a config value. */
export type FlagKind =
  | 'string'
  | 'int'
  | 'float'
  | 'bool'
  | 'duration'
  /** `cpu=1,memory=2Gi` (cliflag.MapStringString: the flag replaces the whole map). */
  | 'map'
  /** `memory.available<100Mi,nodefs.available<10%` (LangleSeparatedMapStringString). */
  | 'eviction-map'
  /** `a,b,c` */
  | 'list'
  /** `Gate1=true,Gate2=false`: merged with the file's gates, the flag winning per gate. */
  | 'feature-gates';

/** A kubelet flag that sets a KubeletConfiguration field (flags beat the file: issue #56171). */
export interface FlagSpec {
  /** Effective-config key: dotted path for nested leaves, e.g. `authentication.x509.clientCAFile`. */
  field: string;
  kind: FlagKind;
}

const f = (field: string, kind: FlagKind = 'string'): FlagSpec => ({field, kind});

/**
 * Kubelet flags that map onto config fields (cmd/kubelet/app/options/options.go,
 * AddKubeletConfigFlags). Flags not listed here (`--config`, `--kubeconfig`, `--cert-dir`,
 * `--root-dir`, `--hostname-override`, ...) are not config fields. Note the static pod
 * directory flag is `--pod-manifest-path`.
 */
export const KUBELET_CONFIG_FLAGS: Readonly<Record<string, FlagSpec>> = Object.freeze({
  address: f('address'),
  port: f('port', 'int'),
  'read-only-port': f('readOnlyPort', 'int'),
  'healthz-port': f('healthzPort', 'int'),
  'healthz-bind-address': f('healthzBindAddress'),
  'anonymous-auth': f('authentication.anonymous.enabled', 'bool'),
  'authentication-token-webhook': f('authentication.webhook.enabled', 'bool'),
  'authentication-token-webhook-cache-ttl': f('authentication.webhook.cacheTTL', 'duration'),
  'client-ca-file': f('authentication.x509.clientCAFile'),
  'authorization-mode': f('authorization.mode'),
  'authorization-webhook-cache-authorized-ttl': f('authorization.webhook.cacheAuthorizedTTL', 'duration'),
  'authorization-webhook-cache-unauthorized-ttl': f('authorization.webhook.cacheUnauthorizedTTL', 'duration'),
  'tls-cert-file': f('tlsCertFile'),
  'tls-private-key-file': f('tlsPrivateKeyFile'),
  'tls-min-version': f('tlsMinVersion'),
  'tls-cipher-suites': f('tlsCipherSuites', 'list'),
  'rotate-certificates': f('rotateCertificates', 'bool'),
  'rotate-server-certificates': f('serverTLSBootstrap', 'bool'),
  'pod-manifest-path': f('staticPodPath'),
  'manifest-url': f('staticPodURL'),
  'sync-frequency': f('syncFrequency', 'duration'),
  'file-check-frequency': f('fileCheckFrequency', 'duration'),
  'http-check-frequency': f('httpCheckFrequency', 'duration'),
  'cgroup-driver': f('cgroupDriver'),
  'cgroups-per-qos': f('cgroupsPerQOS', 'bool'),
  'cgroup-root': f('cgroupRoot'),
  'kubelet-cgroups': f('kubeletCgroups'),
  'system-cgroups': f('systemCgroups'),
  'max-pods': f('maxPods', 'int'),
  'pods-per-core': f('podsPerCore', 'int'),
  'pod-max-pids': f('podPidsLimit', 'int'),
  'pod-cidr': f('podCIDR'),
  'fail-swap-on': f('failSwapOn', 'bool'),
  'eviction-hard': f('evictionHard', 'eviction-map'),
  'eviction-soft': f('evictionSoft', 'eviction-map'),
  'eviction-soft-grace-period': f('evictionSoftGracePeriod', 'eviction-map'),
  'eviction-minimum-reclaim': f('evictionMinimumReclaim', 'map'),
  'eviction-pressure-transition-period': f('evictionPressureTransitionPeriod', 'duration'),
  'eviction-max-pod-grace-period': f('evictionMaxPodGracePeriod', 'int'),
  'kube-reserved': f('kubeReserved', 'map'),
  'system-reserved': f('systemReserved', 'map'),
  'kube-reserved-cgroup': f('kubeReservedCgroup'),
  'system-reserved-cgroup': f('systemReservedCgroup'),
  'enforce-node-allocatable': f('enforceNodeAllocatable', 'list'),
  'reserved-cpus': f('reservedSystemCPUs'),
  'qos-reserved': f('qosReserved', 'map'),
  'container-runtime-endpoint': f('containerRuntimeEndpoint'),
  'image-service-endpoint': f('imageServiceEndpoint'),
  'cluster-dns': f('clusterDNS', 'list'),
  'cluster-domain': f('clusterDomain'),
  'resolv-conf': f('resolvConf'),
  'feature-gates': f('featureGates', 'feature-gates'),
  'hairpin-mode': f('hairpinMode'),
  'serialize-image-pulls': f('serializeImagePulls', 'bool'),
  'image-gc-high-threshold': f('imageGCHighThresholdPercent', 'int'),
  'image-gc-low-threshold': f('imageGCLowThresholdPercent', 'int'),
  'minimum-image-ttl-duration': f('imageMinimumGCAge', 'duration'),
  'node-status-update-frequency': f('nodeStatusUpdateFrequency', 'duration'),
  'node-status-max-images': f('nodeStatusMaxImages', 'int'),
  'register-node': f('registerNode', 'bool'),
  'register-with-taints': f('registerWithTaints', 'list'),
  'runtime-request-timeout': f('runtimeRequestTimeout', 'duration'),
  'volume-plugin-dir': f('volumePluginDir'),
  'volume-stats-agg-period': f('volumeStatsAggPeriod', 'duration'),
  'provider-id': f('providerID'),
  'cpu-manager-policy': f('cpuManagerPolicy'),
  'cpu-manager-policy-options': f('cpuManagerPolicyOptions', 'map'),
  'cpu-manager-reconcile-period': f('cpuManagerReconcilePeriod', 'duration'),
  'topology-manager-policy': f('topologyManagerPolicy'),
  'topology-manager-scope': f('topologyManagerScope'),
  'memory-manager-policy': f('memoryManagerPolicy'),
  'protect-kernel-defaults': f('protectKernelDefaults', 'bool'),
  'make-iptables-util-chains': f('makeIPTablesUtilChains', 'bool'),
  'oom-score-adj': f('oomScoreAdj', 'int'),
  'max-open-files': f('maxOpenFiles', 'int'),
  'kube-api-qps': f('kubeAPIQPS', 'int'),
  'kube-api-burst': f('kubeAPIBurst', 'int'),
  'kube-api-content-type': f('contentType'),
  'event-qps': f('eventRecordQPS', 'int'),
  'event-burst': f('eventBurst', 'int'),
  'registry-qps': f('registryPullQPS', 'int'),
  'registry-burst': f('registryBurst', 'int'),
  'container-log-max-size': f('containerLogMaxSize'),
  'container-log-max-files': f('containerLogMaxFiles', 'int'),
  'allowed-unsafe-sysctls': f('allowedUnsafeSysctls', 'list'),
  'local-storage-capacity-isolation': f('localStorageCapacityIsolation', 'bool'),
  'streaming-connection-idle-timeout': f('streamingConnectionIdleTimeout', 'duration'),
  'enable-server': f('enableServer', 'bool'),
  'enable-debugging-handlers': f('enableDebuggingHandlers', 'bool'),
  'contention-profiling': f('enableContentionProfiling', 'bool'),
  'cpu-cfs-quota': f('cpuCFSQuota', 'bool'),
  'cpu-cfs-quota-period': f('cpuCFSQuotaPeriod', 'duration'),
  'seccomp-default': f('seccompDefault', 'bool'),
  'kernel-memcg-notification': f('kernelMemcgNotification', 'bool'),
  runonce: f('runOnce', 'bool'),
  'show-hidden-metrics-for-version': f('showHiddenMetricsForVersion'),
  v: f('logging.verbosity', 'int'),
  'logging-format': f('logging.format'),
});
