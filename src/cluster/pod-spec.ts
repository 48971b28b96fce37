/**
 * The probe pod of `--via pod`: a short-lived privileged pod pinned to one node, with the host's
 * root filesystem mounted (read-only) at the host root, that does nothing but wait to be exec'd
 * into. Pure: the same input gives the same spec (the random part of the name is an input).
 *
 * Decisions (docs/pod-transport.md says why):
 * - `nodeName` pins it, so the scheduler is bypassed and the node's kubelet admits it directly.
 * - No `priorityClassName`: a critical class would let the kubelet evict workloads to admit a
 *   diagnostic pod. The requests are tiny instead, so admission rarely refuses.
 * - It lives a bounded time twice over: the container is `sleep LIFETIME` and the pod has
 *   `activeDeadlineSeconds`, so a pod leaked by a killed kubelet-doctor dies by itself.
 */
import {randomBytes} from 'node:crypto';
import type {V1Pod} from '@kubernetes/client-node';

/** The image when `--pod-image` is not given: a POSIX sh, coreutils and awk (the probe is tested under busybox sh). */
export const DEFAULT_POD_IMAGE = 'busybox:1.36';
/** The namespace when `--pod-namespace` is not given: Pod Security admission lets privileged pods run there on most clusters. */
export const DEFAULT_POD_NAMESPACE = 'kube-system';
/** Where the host's `/` is mounted when `--host-root` is not given (the `kubectl debug node` convention). */
export const DEFAULT_POD_HOST_ROOT = '/host';
/** The container's name (exec targets it). */
export const PROBE_CONTAINER = 'probe';
/** Labels on every probe pod (`kubectl get pods -A -l app.kubernetes.io/name=kubelet-doctor` finds leaks). */
export const PROBE_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/name': 'kubelet-doctor',
  'app.kubernetes.io/component': 'probe',
};
/** The annotation naming the node the pod probes (a node name need not be a valid label value). */
export const NODE_ANNOTATION = 'kubelet-doctor.io/node';

const PREFIX = 'kubelet-doctor-probe-';
/** Pod names end up as hostnames in places: keep them a DNS-1123 label (63). */
const MAX_NAME = 63;

/** What the spec needs. */
export interface ProbePodInput {
  node: string;
  image: string;
  namespace: string;
  /** Where the host's `/` is mounted in the container. */
  hostRoot: string;
  /** The pod's name ({@link probePodName}). */
  name: string;
  /** How long the pod may live, in seconds (default 600). */
  lifetimeSeconds?: number;
}

/** Five random characters valid in a DNS-1123 label. */
export function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join('');
}

/**
 * `kubelet-doctor-probe-<node>-<suffix>`, a valid DNS-1123 label: the node part is lower-cased,
 * anything outside [a-z0-9-] becomes `-`, and it is cut so the whole fits 63 characters.
 */
export function probePodName(node: string, suffix: string = randomSuffix()): string {
  const room = MAX_NAME - PREFIX.length - suffix.length - 1;
  const part = node
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, room)
    .replace(/^-+|-+$/g, '');
  return `${PREFIX}${part ? `${part}-` : ''}${suffix}`;
}

/** Whether a name is a valid DNS-1123 label (what the tests assert of generated names). */
export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s);
}

/** The probe pod for one node. */
export function probePodSpec(i: ProbePodInput): V1Pod {
  const lifetime = Math.max(60, Math.ceil(i.lifetimeSeconds ?? 600));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: i.name,
      namespace: i.namespace,
      labels: {...PROBE_LABELS},
      annotations: {[NODE_ANNOTATION]: i.node},
    },
    spec: {
      nodeName: i.node,
      hostPID: true,
      hostNetwork: true,
      hostIPC: false,
      restartPolicy: 'Never',
      // The kubelet kills the pod after this even if nobody deletes it; the sleep ends a little earlier.
      activeDeadlineSeconds: lifetime + 30,
      terminationGracePeriodSeconds: 0,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      dnsPolicy: 'ClusterFirstWithHostNet',
      tolerations: [{operator: 'Exists'}],
      containers: [
        {
          name: PROBE_CONTAINER,
          image: i.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['sleep', String(lifetime)],
          securityContext: {privileged: true, runAsUser: 0},
          resources: {
            requests: {cpu: '10m', memory: '16Mi'},
            limits: {cpu: '500m', memory: '128Mi'},
          },
          volumeMounts: [{name: 'host', mountPath: i.hostRoot, readOnly: true}],
        },
      ],
      volumes: [{name: 'host', hostPath: {path: '/', type: 'Directory'}}],
    },
  };
}
