/**
 * The catalogue: every check, in the order reports list them when nothing else decides.
 * test/catalogue.test.ts fails when a file in checks/ is missing here.
 */
import type {CheckDef} from '../src/catalogue/define.js';
import {allSignatures} from '../src/catalogue/signatures.js';
import systemdDropin from './systemd-dropin.js';
import kubeletFlags from './kubelet-flags.js';
import kubeletConfig from './kubelet-config.js';
import kubeconfig from './kubeconfig.js';
import certExpiry from './cert-expiry.js';
import cgroupDriverMatch from './cgroup-driver-match.js';
import cgroupVersion from './cgroup-version.js';
import containerRuntime from './container-runtime.js';
import swap from './swap.js';
import kernelPrereqs from './kernel-prereqs.js';
import nodeIdentity from './node-identity.js';
import staticPods from './static-pods.js';
import nodeAllocatable from './node-allocatable.js';
import cniConfig from './cni-config.js';
import lockFile from './lock-file.js';
import healthz from './healthz.js';
import ports from './ports.js';
import apiserverReachable from './apiserver-reachable.js';
import evictionPressure from './eviction-pressure.js';
import clockSkew from './clock-skew.js';
import versionSkew from './version-skew.js';
import nodeStatus from './node-status.js';
import joinPrereqs from './join-prereqs.js';
import {createKubeletLogs} from './kubelet-logs.js';

// kubelet-logs matches the journal against every check's signatures, its own catalogue included:
// it reads the list when it runs, by which time `catalogue` exists.
const kubeletLogs = createKubeletLogs(() => allSignatures(catalogue));

/** All checks, frozen. */
export const catalogue: readonly CheckDef[] = Object.freeze([
  systemdDropin,
  kubeletFlags,
  kubeletConfig,
  kubeconfig,
  certExpiry,
  cgroupDriverMatch,
  cgroupVersion,
  containerRuntime,
  swap,
  kernelPrereqs,
  nodeIdentity,
  staticPods,
  nodeAllocatable,
  cniConfig,
  lockFile,
  healthz,
  ports,
  apiserverReachable,
  evictionPressure,
  clockSkew,
  versionSkew,
  nodeStatus,
  joinPrereqs,
  kubeletLogs,
]);
