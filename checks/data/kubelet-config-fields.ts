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

/** The only apiVersion/kind the kubelet accepts in `--config` and `--config-dir` files. */
export const KUBELET_CONFIG_API_VERSION = 'kubelet.config.k8s.io/v1beta1';
/** See {@link KUBELET_CONFIG_API_VERSION}. */
export const KUBELET_CONFIG_KIND = 'KubeletConfiguration';

/** {@link KUBELET_CONFIG_FIELDS} widened for lookups by arbitrary (possibly unknown) names. */
export const CONFIG_FIELDS: Readonly<Record<string, FieldSpec>> = KUBELET_CONFIG_FIELDS;
