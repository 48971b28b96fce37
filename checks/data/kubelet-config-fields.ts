/**
 * KubeletConfiguration (kubelet.config.k8s.io/v1beta1) reference data: every field the
 * kubelet's decoder knows, its JSON type, its v1beta1 default, and the command-line flags that
 * map onto fields. The fact builder uses it to find unknown fields (the kubelet's lenient
 * decoder silently drops them), type errors (fatal) and defaults.
 *
 * Source: kubernetes/kubelet `config/v1beta1/types.go` (json tags), and
 * `pkg/kubelet/apis/config/v1beta1/defaults.go` as summarised in knowledge/kubelet.md §2.3.
 */

/** The JSON type a field decodes from; a YAML value of another type is a fatal decode error. */
export type FieldType =
  | 'string'
  | 'int'
  | 'float'
  | 'bool'
  /** A Go duration string (`10s`, `1m30s`); a bare number is a decode error (metav1.Duration). */
  | 'duration'
  /** map[string]string: values must be strings (quote numbers: `cpu: "1"`). */
  | 'map'
  /** map[string]bool (featureGates). */
  | 'bool-map'
  | 'list'
  /** A struct whose children are listed (flattened into dotted keys). */
  | 'object'
  /** Anything (structs we do not model in detail). */
  | 'any';

/** A default value, optionally only for a range of kubelet minor versions (inclusive). */
export interface DefaultRow {
  value: unknown;
  /** First minor version (1.x) the default applies to. */
  from?: number;
  /** Last minor version the default applies to. */
  to?: number;
}

/** One KubeletConfiguration field. */
export interface FieldSpec {
  type: FieldType;
  /** v1beta1 defaults (applied when the field is unset). */
  defaults?: readonly DefaultRow[];
  /**
   * The Go field is not a pointer: the defaulter compares with the zero value, so an explicit
   * `0`, `""` or `"0s"` is indistinguishable from "unset" and the default applies (defaults.go).
   */
  zeroIsUnset?: boolean;
  /** First minor version whose decoder knows the field; older kubelets ignore it as unknown. */
  since?: number;
  /** A file path: relative values are resolved against the config file's directory. */
  path?: boolean;
  /** Children of an `object` field. */
  children?: Readonly<Record<string, FieldSpec>>;
}

const d = (value: unknown): readonly DefaultRow[] => [{value}];

/** Every top-level KubeletConfiguration v1beta1 field (plus apiVersion/kind), by JSON name. */
export const KUBELET_CONFIG_FIELDS = {
  apiVersion: {type: 'string'},
  kind: {type: 'string'},
  enableServer: {type: 'bool', defaults: d(true)},
  staticPodPath: {type: 'string', defaults: d(''), path: true},
  podLogsDir: {type: 'string', defaults: d('/var/log/pods'), zeroIsUnset: true, path: true},
  syncFrequency: {type: 'duration', defaults: d('1m'), zeroIsUnset: true},
  fileCheckFrequency: {type: 'duration', defaults: d('20s'), zeroIsUnset: true},
  httpCheckFrequency: {type: 'duration', defaults: d('20s'), zeroIsUnset: true},
  staticPodURL: {type: 'string'},
  staticPodURLHeader: {type: 'any'},
  address: {type: 'string', defaults: d('0.0.0.0'), zeroIsUnset: true},
  port: {type: 'int', defaults: d(10250), zeroIsUnset: true},
  readOnlyPort: {type: 'int', defaults: d(0)},
  tlsCertFile: {type: 'string', path: true},
  tlsPrivateKeyFile: {type: 'string', path: true},
  tlsCipherSuites: {type: 'list'},
  tlsCurvePreferences: {type: 'list'},
  tlsMinVersion: {type: 'string'},
  rotateCertificates: {type: 'bool', defaults: d(false)},
  serverTLSBootstrap: {type: 'bool', defaults: d(false)},
  authentication: {
    type: 'object',
    children: {
      x509: {type: 'object', children: {clientCAFile: {type: 'string', path: true}}},
      webhook: {
        type: 'object',
        children: {
          enabled: {type: 'bool', defaults: d(true)},
          cacheTTL: {type: 'duration', defaults: d('2m'), zeroIsUnset: true},
        },
      },
      anonymous: {type: 'object', children: {enabled: {type: 'bool', defaults: d(false)}}},
    },
  },
  authorization: {
    type: 'object',
    children: {
      mode: {type: 'string', defaults: d('Webhook'), zeroIsUnset: true},
      webhook: {
        type: 'object',
        children: {
          cacheAuthorizedTTL: {type: 'duration', defaults: d('5m'), zeroIsUnset: true},
          cacheUnauthorizedTTL: {type: 'duration', defaults: d('30s'), zeroIsUnset: true},
        },
      },
    },
  },
  registryPullQPS: {type: 'int', defaults: d(5)},
  registryBurst: {type: 'int', defaults: d(10), zeroIsUnset: true},
  imagePullCredentialsVerificationPolicy: {type: 'string'},
  preloadedImagesVerificationAllowlist: {type: 'list'},
  eventRecordQPS: {type: 'int', defaults: d(50)},
  eventBurst: {type: 'int', defaults: d(100), zeroIsUnset: true},
  enableDebuggingHandlers: {type: 'bool', defaults: d(true)},
  enableContentionProfiling: {type: 'bool'},
  healthzPort: {type: 'int', defaults: d(10248)},
  healthzBindAddress: {type: 'string', defaults: d('127.0.0.1'), zeroIsUnset: true},
  oomScoreAdj: {type: 'int', defaults: d(-999)},
  clusterDomain: {type: 'string'},
  clusterDNS: {type: 'list'},
  streamingConnectionIdleTimeout: {type: 'duration', defaults: d('4h'), zeroIsUnset: true},
  nodeStatusUpdateFrequency: {type: 'duration', defaults: d('10s'), zeroIsUnset: true},
  nodeStatusReportFrequency: {type: 'duration', defaults: d('5m'), zeroIsUnset: true},
  nodeLeaseDurationSeconds: {type: 'int', defaults: d(40), zeroIsUnset: true},
  imageMinimumGCAge: {type: 'duration', defaults: d('2m'), zeroIsUnset: true},
  imageMaximumGCAge: {type: 'duration'},
  imageGCHighThresholdPercent: {type: 'int', defaults: d(85)},
  imageGCLowThresholdPercent: {type: 'int', defaults: d(80)},
  volumeStatsAggPeriod: {type: 'duration', defaults: d('1m'), zeroIsUnset: true},
  kubeletCgroups: {type: 'string'},
  systemCgroups: {type: 'string'},
  cgroupRoot: {type: 'string'},
  cgroupsPerQOS: {type: 'bool', defaults: d(true)},
  cgroupDriver: {type: 'string', defaults: d('cgroupfs'), zeroIsUnset: true},
  cpuManagerPolicy: {type: 'string', defaults: d('none'), zeroIsUnset: true},
  singleProcessOOMKill: {type: 'bool'},
  cpuManagerPolicyOptions: {type: 'map'},
  cpuManagerReconcilePeriod: {type: 'duration', defaults: d('10s'), zeroIsUnset: true},
  memoryManagerPolicy: {type: 'string', defaults: d('None'), zeroIsUnset: true},
  topologyManagerPolicy: {type: 'string', defaults: d('none'), zeroIsUnset: true},
  topologyManagerScope: {type: 'string', defaults: d('container'), zeroIsUnset: true},
  topologyManagerPolicyOptions: {type: 'map'},
  qosReserved: {type: 'map'},
  runtimeRequestTimeout: {type: 'duration', defaults: d('2m'), zeroIsUnset: true},
  hairpinMode: {type: 'string', defaults: d('promiscuous-bridge'), zeroIsUnset: true},
  maxPods: {type: 'int', defaults: d(110), zeroIsUnset: true},
  podCIDR: {type: 'string'},
  podPidsLimit: {type: 'int', defaults: d(-1)},
  resolvConf: {type: 'string', defaults: d('/etc/resolv.conf'), path: true},
  runOnce: {type: 'bool'},
  cpuCFSQuota: {type: 'bool', defaults: d(true)},
  cpuCFSQuotaPeriod: {type: 'duration', defaults: d('100ms')},
  nodeStatusMaxImages: {type: 'int', defaults: d(50)},
  maxOpenFiles: {type: 'int', defaults: d(1000000), zeroIsUnset: true},
  contentType: {type: 'string', defaults: d('application/vnd.kubernetes.protobuf'), zeroIsUnset: true},
  kubeAPIQPS: {type: 'int', defaults: d(50)},
  kubeAPIBurst: {type: 'int', defaults: d(100), zeroIsUnset: true},
  serializeImagePulls: {type: 'bool', defaults: d(true)},
  maxParallelImagePulls: {type: 'int'},
  // Default filled in by the builder from DEFAULT_EVICTION_HARD, only when unset everywhere.
  evictionHard: {type: 'map'},
  evictionSoft: {type: 'map'},
  evictionSoftGracePeriod: {type: 'map'},
  evictionPressureTransitionPeriod: {type: 'duration', defaults: d('5m'), zeroIsUnset: true},
  evictionMaxPodGracePeriod: {type: 'int'},
  evictionMinimumReclaim: {type: 'map'},
  mergeDefaultEvictionSettings: {type: 'bool'},
  podsPerCore: {type: 'int'},
  enableControllerAttachDetach: {type: 'bool', defaults: d(true)},
  protectKernelDefaults: {type: 'bool', defaults: d(false)},
  makeIPTablesUtilChains: {type: 'bool', defaults: d(true)},
  iptablesMasqueradeBit: {type: 'int', defaults: d(14)},
  iptablesDropBit: {type: 'int', defaults: d(15)},
  featureGates: {type: 'bool-map'},
  failSwapOn: {type: 'bool', defaults: d(true)},
  memorySwap: {type: 'object', children: {swapBehavior: {type: 'string'}}},
  containerLogMaxSize: {type: 'string', defaults: d('10Mi'), zeroIsUnset: true},
  containerLogMaxFiles: {type: 'int', defaults: d(5)},
  containerLogMaxWorkers: {type: 'int'},
  containerLogMonitorInterval: {type: 'duration'},
  configMapAndSecretChangeDetectionStrategy: {type: 'string', defaults: d('Watch'), zeroIsUnset: true},
  systemReserved: {type: 'map'},
  kubeReserved: {type: 'map'},
  reservedSystemCPUs: {type: 'string'},
  showHiddenMetricsForVersion: {type: 'string'},
  systemReservedCgroup: {type: 'string'},
  kubeReservedCgroup: {type: 'string'},
  enforceNodeAllocatable: {type: 'list', defaults: d(['pods'])},
  allowedUnsafeSysctls: {type: 'list'},
  volumePluginDir: {
    type: 'string',
    defaults: d('/usr/libexec/kubernetes/kubelet-plugins/volume/exec/'),
    zeroIsUnset: true,
    path: true,
  },
  providerID: {type: 'string'},
  kernelMemcgNotification: {type: 'bool'},
  logging: {
    type: 'object',
    children: {
      format: {type: 'string'},
      flushFrequency: {type: 'any'},
      verbosity: {type: 'int'},
      vmodule: {type: 'any'},
      options: {type: 'any'},
    },
  },
  enableSystemLogHandler: {type: 'bool', defaults: d(true)},
  enableSystemLogQuery: {type: 'bool'},
  shutdownGracePeriod: {type: 'duration'},
  shutdownGracePeriodCriticalPods: {type: 'duration'},
  shutdownGracePeriodByPodPriority: {type: 'list'},
  crashLoopBackOff: {type: 'object', children: {maxContainerRestartPeriod: {type: 'duration'}}},
  reservedMemory: {type: 'list'},
  enableProfilingHandler: {type: 'bool', defaults: d(true)},
  enableDebugFlagsHandler: {type: 'bool', defaults: d(true)},
  seccompDefault: {type: 'bool', defaults: d(false)},
  memoryThrottlingFactor: {type: 'float', defaults: d(0.9)},
  registerWithTaints: {type: 'list'},
  registerNode: {type: 'bool', defaults: d(true)},
  tracing: {type: 'object', children: {endpoint: {type: 'string'}, samplingRatePerMillion: {type: 'int'}}},
  localStorageCapacityIsolation: {type: 'bool', defaults: d(true)},
  // Config field since 1.27 (PR #112136); before that the flag of the same name had this default.
  containerRuntimeEndpoint: {
    type: 'string',
    defaults: [{value: 'unix:///run/containerd/containerd.sock', from: 24}],
    zeroIsUnset: true,
    since: 27,
  },
  imageServiceEndpoint: {type: 'string'},
  // KEP-4569 (1.31, default false) and KEP-5573 (1.35, default true).
  failCgroupV1: {
    type: 'bool',
    defaults: [
      {value: false, from: 31, to: 34},
      {value: true, from: 35},
    ],
    since: 31,
  },
  userNamespaces: {type: 'object', children: {idsPerPod: {type: 'int'}}},
} as const satisfies Record<string, FieldSpec>;

/** The hard-eviction defaults (eviction.DefaultEvictionHard), used when evictionHard is unset everywhere. */
export const DEFAULT_EVICTION_HARD: Readonly<Record<string, string>> = Object.freeze({
  'memory.available': '100Mi',
  'nodefs.available': '10%',
  'nodefs.inodesFree': '5%',
  'imagefs.available': '15%',
});

/**
 * Without `--config` the kubelet runs on flag defaults, which differ from the v1beta1 ones
 * (`applyLegacyDefaults`, cmd/kubelet/app/options/options.go; knowledge/kubelet.md §2.4).
 */
export const LEGACY_FLAG_DEFAULTS: Readonly<Record<string, unknown>> = Object.freeze({
  'authentication.anonymous.enabled': true,
  'authentication.webhook.enabled': false,
  'authorization.mode': 'AlwaysAllow',
  readOnlyPort: 10255,
});

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
  'experimental-kernel-memcg-notification': f('kernelMemcgNotification', 'bool'),
  runonce: f('runOnce', 'bool'),
  'show-hidden-metrics-for-version': f('showHiddenMetricsForVersion'),
  v: f('logging.verbosity', 'int'),
  'logging-format': f('logging.format'),
});

/** The only apiVersion/kind the kubelet accepts in `--config` and `--config-dir` files. */
export const KUBELET_CONFIG_API_VERSION = 'kubelet.config.k8s.io/v1beta1';
/** See {@link KUBELET_CONFIG_API_VERSION}. */
export const KUBELET_CONFIG_KIND = 'KubeletConfiguration';

/** {@link KUBELET_CONFIG_FIELDS} widened for lookups by arbitrary (possibly unknown) names. */
export const CONFIG_FIELDS: Readonly<Record<string, FieldSpec>> = KUBELET_CONFIG_FIELDS;
