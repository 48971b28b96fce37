/**
 * Kubelet flags removed or deprecated between v1.20 and v1.35, from the sourced table in
 * knowledge/kubelet.md section 1. A removed flag is fatal: the kubelet exits with
 * `failed to parse kubelet flag: unknown flag: --<flag>`; a deprecated one only logs
 * `Flag --<flag> has been deprecated, ...`.
 */

/** One removed or deprecated flag. Versions are `major.minor`. */
export interface RemovedFlag {
  /** Flag name without dashes. */
  flag: string;
  /** First release that warns `Flag --x has been deprecated`, or null when not recorded. */
  deprecatedIn: string | null;
  /** First release that rejects the flag, or null while it is still accepted. */
  removedIn: string | null;
  /** Where the setting lives now (config field, runtime setting) or "none". */
  replacement: string;
  /** The PR, KEP or changelog entry the row rests on. */
  reference: string;
}

/** The reference of every flag that went away with dockershim. */
export const DOCKERSHIM_REF = 'kubernetes/kubernetes#106907 (dockershim removal, v1.24)';
const DOCKERSHIM = DOCKERSHIM_REF;
const KLOG = 'KEP-2845; kubernetes/kubernetes#112120 (CHANGELOG-1.26: "Legacy klog flags are no longer available")';
const KLOG_REPLACEMENT = 'none: the kubelet logs to stderr (journald); only -v and --vmodule remain';

/** The table; look rows up with {@link removedFlag}. */
export const REMOVED_FLAGS = [
  {
    flag: 'network-plugin',
    deprecatedIn: '1.20',
    removedIn: '1.24',
    replacement: 'none on the kubelet: CNI is configured in the runtime (containerd `cni` section, CRI-O `[crio.network]`, cri-dockerd `--network-plugin=cni`)',
    reference: DOCKERSHIM,
  },
  {flag: 'network-plugin-mtu', deprecatedIn: '1.20', removedIn: '1.24', replacement: 'the CNI configuration', reference: DOCKERSHIM},
  {flag: 'cni-bin-dir', deprecatedIn: '1.20', removedIn: '1.24', replacement: 'containerd `bin_dir`/`bin_dirs`, CRI-O `plugin_dirs`', reference: DOCKERSHIM},
  {flag: 'cni-conf-dir', deprecatedIn: '1.20', removedIn: '1.24', replacement: 'containerd `conf_dir`, CRI-O `network_dir`', reference: DOCKERSHIM},
  {flag: 'cni-cache-dir', deprecatedIn: '1.20', removedIn: '1.24', replacement: 'the container runtime CNI settings', reference: DOCKERSHIM},
  {flag: 'docker-endpoint', deprecatedIn: '1.20', removedIn: '1.24', replacement: 'cri-dockerd `--docker-endpoint`', reference: DOCKERSHIM},
  {
    flag: 'experimental-dockershim-root-directory',
    deprecatedIn: '1.20',
    removedIn: '1.24',
    replacement: 'cri-dockerd `--cri-dockerd-root-directory`',
    reference: DOCKERSHIM,
  },
  {
    flag: 'image-pull-progress-deadline',
    deprecatedIn: '1.20',
    removedIn: '1.24',
    replacement: 'cri-dockerd `--image-pull-progress-deadline`',
    reference: DOCKERSHIM,
  },
  {
    flag: 'non-masquerade-cidr',
    deprecatedIn: null,
    removedIn: '1.24',
    replacement: 'ip-masq-agent or the CNI plugin',
    reference: 'kubernetes/kubernetes#107096',
  },
  {
    flag: 'dynamic-config-dir',
    deprecatedIn: '1.22',
    removedIn: '1.24',
    replacement: 'the `--config` file (restart to apply); `--config-dir` drop-ins from v1.28',
    reference: 'KEP-281 (deprecated v1.22, removed v1.24); kubernetes/kubernetes#106932',
  },
  {
    flag: 'container-runtime',
    deprecatedIn: '1.24',
    removedIn: '1.27',
    replacement: 'drop it (the only valid value was `remote`); set the endpoint with `containerRuntimeEndpoint` in the config file',
    reference: 'kubernetes/kubernetes#107094 (deprecation), #114017 (removal)',
  },
  {flag: 'master-service-namespace', deprecatedIn: '1.7', removedIn: '1.27', replacement: 'none', reference: 'kubernetes/kubernetes#44250, #116015'},
  {
    flag: 'azure-container-registry-config',
    deprecatedIn: '1.28',
    removedIn: '1.30',
    replacement: '`--image-credential-provider-config` + `--image-credential-provider-bin-dir` (acr-credential-provider)',
    reference: 'kubernetes/kubernetes#118596 (deprecation), #122857 (removal)',
  },
  {
    flag: 'keep-terminated-pod-volumes',
    deprecatedIn: '1.8',
    removedIn: '1.31',
    replacement: 'none',
    reference: 'kubernetes/kubernetes#122082 (1.31 Urgent Upgrade Notes)',
  },
  {
    // kubelet.md marks 1.33 as inferred from the merge date of #122384; the v1.34 flag reference no longer lists it.
    flag: 'register-schedulable',
    deprecatedIn: '1.5',
    removedIn: '1.33',
    replacement: '`--register-with-taints` / `registerWithTaints` in the config file',
    reference: 'kubernetes/kubernetes#31647 (deprecation), #122384 (removal)',
  },
  {
    flag: 'cloud-config',
    deprecatedIn: '1.19',
    removedIn: '1.34',
    replacement: 'an external cloud-controller-manager',
    reference: 'kubernetes/kubernetes#90408, #130161; rancher/rke2#8926',
  },
  {
    flag: 'pod-infra-container-image',
    deprecatedIn: '1.24',
    removedIn: '1.35',
    replacement:
      "the runtime's sandbox image: containerd 1.x `sandbox_image`, containerd 2.x `[plugins.'io.containerd.cri.v1.images'.pinned_images] sandbox`, CRI-O `pause_image`",
    reference: 'kubernetes/kubernetes#108045 (deprecation), #133779 (removal, CHANGELOG-1.35 ACTION REQUIRED)',
  },
  {
    flag: 'container-runtime-endpoint',
    deprecatedIn: '1.27',
    removedIn: null,
    replacement: '`containerRuntimeEndpoint` in the config file (field added in v1.27)',
    reference: 'kubernetes/website#43935; kubernetes/kubernetes#112136',
  },
  {flag: 'experimental-allocatable-ignore-eviction', deprecatedIn: '1.19', removedIn: null, replacement: 'none', reference: 'kubernetes/kubernetes#91578'},
  // klog flags (KEP-2845): deprecated in v1.23, gone in v1.26; only -v and --vmodule remain.
  {flag: 'add-dir-header', deprecatedIn: '1.23', removedIn: '1.26', replacement: KLOG_REPLACEMENT, reference: KLOG},
  {flag: 'alsologtostderr', deprecatedIn: '1.23', removedIn: '1.26', replacement: KLOG_REPLACEMENT, reference: KLOG},
  {flag: 'log-backtrace-at', deprecatedIn: '1.23', removedIn: '1.26', replacement: KLOG_REPLACEMENT, reference: KLOG},
  {flag: 'log-dir', deprecatedIn: '1.23', removedIn: '1.26', replacement: KLOG_REPLACEMENT, reference: KLOG},
  {flag: 'log-file', deprecatedIn: '1.23', removedIn: '1.26', replacement: KLOG_REPLACEMENT, reference: KLOG},
  {flag: 'log-file-max-size', deprecatedIn: '1.23', removedIn: '1.26', replacement: KLOG_REPLACEMENT, reference: KLOG},
  {flag: 'logtostderr', deprecatedIn: '1.23', removedIn: '1.26', replacement: KLOG_REPLACEMENT, reference: KLOG},
  {flag: 'one-output', deprecatedIn: '1.23', removedIn: '1.26', replacement: KLOG_REPLACEMENT, reference: KLOG},
  {flag: 'skip-headers', deprecatedIn: '1.23', removedIn: '1.26', replacement: KLOG_REPLACEMENT, reference: KLOG},
  {flag: 'skip-log-headers', deprecatedIn: '1.23', removedIn: '1.26', replacement: KLOG_REPLACEMENT, reference: KLOG},
  {flag: 'stderrthreshold', deprecatedIn: '1.23', removedIn: '1.26', replacement: KLOG_REPLACEMENT, reference: KLOG},
] as const satisfies readonly RemovedFlag[];

const BY_NAME: ReadonlyMap<string, RemovedFlag> = new Map(REMOVED_FLAGS.map((r) => [r.flag, r]));

/** The table row for `--name` (without dashes), if the flag was removed or deprecated. */
export const removedFlag = (name: string): RemovedFlag | undefined => BY_NAME.get(name);
