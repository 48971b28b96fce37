/**
 * `kubelet-doctor manifest`: the YAML that runs the check from inside the cluster (docs/in-cluster.md).
 * A Namespace (its Pod Security level lets the probe pods run privileged), a ServiceAccount, the
 * RBAC the run uses and nothing more, and an Indexed Job whose N pods each check their shard of
 * the nodes through probe pods (`check --all-nodes --via pod --shard auto/N --output ndjson`,
 * in-cluster config); with --schedule a CronJob around the same Job template.
 *
 * The rules are what the code calls, read from it (a test runs a real `check --all-nodes --via
 * pod --publish` against the stand-in API server enforcing these rules, and asserts that every
 * request is allowed and every rule is used):
 * - src/targets/cluster-nodes.ts lists nodes; src/transport/pod.ts reads the node, creates,
 *   polls and deletes its probe pod and execs into it (WebSocket: `create pods/exec`, 1.31+);
 * - src/cluster/fetch.ts reads /version, the node list, leases in kube-node-lease, CSRs, the
 *   cluster-info and kubelet-config ConfigMaps;
 * - src/cluster/publish.ts (--publish) reads each node and patches its status.
 * Deliberately not granted: listing Secrets in kube-system (the bootstrap-token view). RBAC
 * cannot narrow a list to bootstrap tokens, so the grant would be every Secret there; without
 * it the run reports that part of the cluster view as not collected and goes on.
 */
import {stringify} from 'yaml';
import {UsageError} from '../../errors.js';
import {DEFAULT_POD_IMAGE} from '../../cluster/pod-spec.js';
import type {ScopedRules} from '../../cluster/rbac.js';
import {TOOL_VERSION} from '../../version.js';
import {intOption, type ParsedArgs} from '../args.js';

/** What the manifest is for. */
export interface ManifestOptions {
  namespace: string;
  image: string;
  shards: number;
  /** A cron schedule: a CronJob instead of a Job. */
  schedule: string | null;
  publish: boolean;
  /** The probe pods' image (--pod-image). */
  podImage: string;
}

export const DEFAULT_NAMESPACE = 'kubelet-doctor';
export const DEFAULT_IMAGE = `ghcr.io/kubelet-doctor/kubelet-doctor:${TOOL_VERSION}`;
const NAME = 'kubelet-doctor';
/** Most shards a manifest asks for (one pod each). */
const MAX_SHARDS = 1000;
/** Namespaces every cluster has: not printed as a Namespace object. */
const BUILT_IN = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);
const LABELS = {'app.kubernetes.io/name': NAME, 'app.kubernetes.io/component': 'check'};

/** The RBAC the in-cluster run needs, by namespace (null: cluster-wide). See the module comment. */
export function manifestRules(o: Pick<ManifestOptions, 'namespace' | 'publish'>): ScopedRules[] {
  const cluster: ScopedRules = {
    namespace: null,
    rules: [
      {apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list']},
      ...(o.publish ? [{apiGroups: [''], resources: ['nodes/status'], verbs: ['patch']}] : []),
      {apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['list']},
      {nonResourceURLs: ['/version'], verbs: ['get']},
    ],
  };
  const roles = new Map<string, ScopedRules>();
  const add = (namespace: string, rule: ScopedRules['rules'][number]) => {
    const r = roles.get(namespace) ?? {namespace, rules: []};
    r.rules.push(rule);
    roles.set(namespace, r);
  };
  add(o.namespace, {apiGroups: [''], resources: ['pods'], verbs: ['create', 'delete', 'get']});
  add(o.namespace, {apiGroups: [''], resources: ['pods/exec'], verbs: ['create']});
  add('kube-node-lease', {apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list']});
  add('kube-public', {apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'], verbs: ['get']});
  add('kube-system', {apiGroups: [''], resources: ['configmaps'], resourceNames: ['kubelet-config'], verbs: ['get']});
  return [cluster, ...roles.values()];
}

/** The check's command line in the Job's pods (the image's entrypoint is `kubelet-doctor`). */
export function jobArgs(o: ManifestOptions): string[] {
  return [
    'check',
    '--all-nodes',
    '--via',
    'pod',
    '--pod-namespace',
    o.namespace,
    ...(o.podImage !== DEFAULT_POD_IMAGE ? ['--pod-image', o.podImage] : []),
    '--shard',
    `auto/${o.shards}`,
    '--output',
    'ndjson',
    ...(o.publish ? ['--publish'] : []),
  ];
}

function jobSpec(o: ManifestOptions): object {
  return {
    completionMode: 'Indexed',
    completions: o.shards,
    parallelism: o.shards,
    // Each shard fails on its own; exit 1 (a check failed) is a finding, not worth a retry;
    // exit 3 (a node could not be checked or published) is tried once more.
    backoffLimitPerIndex: 1,
    podFailurePolicy: {rules: [{action: 'FailIndex', onExitCodes: {containerName: 'check', operator: 'In', values: [1, 2]}}]},
    ttlSecondsAfterFinished: 86_400,
    template: {
      metadata: {labels: LABELS},
      spec: {
        serviceAccountName: NAME,
        restartPolicy: 'Never',
        containers: [
          {
            name: 'check',
            image: o.image,
            imagePullPolicy: 'IfNotPresent',
            args: jobArgs(o),
            resources: {requests: {cpu: '100m', memory: '128Mi'}, limits: {memory: '512Mi'}},
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65532,
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: {drop: ['ALL']},
              seccompProfile: {type: 'RuntimeDefault'},
            },
          },
        ],
      },
    },
  };
}

/** The manifest's objects, in the order `kubectl apply -f` needs them. */
export function manifestObjects(o: ManifestOptions): object[] {
  const meta = (name: string, namespace?: string) => ({name, ...(namespace ? {namespace} : {}), labels: {'app.kubernetes.io/name': NAME}});
  const subjects = [{kind: 'ServiceAccount', name: NAME, namespace: o.namespace}];
  const objs: object[] = [];
  if (!BUILT_IN.has(o.namespace)) {
    // The probe pods run here and are privileged: Pod Security admission must allow it.
    objs.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {name: o.namespace, labels: {'app.kubernetes.io/name': NAME, 'pod-security.kubernetes.io/enforce': 'privileged'}},
    });
  }
  objs.push({apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(NAME, o.namespace)});
  for (const r of manifestRules(o)) {
    if (r.namespace === null) {
      objs.push({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(NAME), rules: r.rules});
      objs.push({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: meta(NAME),
        roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME},
        subjects,
      });
    } else {
      objs.push({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(NAME, r.namespace), rules: r.rules});
      objs.push({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: meta(NAME, r.namespace),
        roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: NAME},
        subjects,
      });
    }
  }
  const spec = jobSpec(o);
  if (o.schedule === null) {
    objs.push({apiVersion: 'batch/v1', kind: 'Job', metadata: {...meta(NAME, o.namespace), labels: LABELS}, spec});
  } else {
    objs.push({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: {...meta(NAME, o.namespace), labels: LABELS},
      spec: {
        schedule: o.schedule,
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {metadata: {labels: LABELS}, spec},
      },
    });
  }
  return objs;
}

/** The objects as one multi-document YAML stream. */
export function manifestYaml(o: ManifestOptions): string {
  const head = `# kubelet-doctor ${TOOL_VERSION}: in-cluster check (docs/in-cluster.md). Apply with: kubectl apply -f FILE\n`;
  return (
    head +
    manifestObjects(o)
      .map((x) => `---\n${stringify(x, {lineWidth: 0})}`)
      .join('')
  );
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Five or six cron fields, or a macro (@hourly …); the API server validates the rest. */
const CRON = /^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\S+\s+){4}\S+(\s+\S+)?)$/;

/** The options from the command line; a bad value is a UsageError. */
export function manifestOptions(a: ParsedArgs): ManifestOptions {
  const str = (k: string): string | null => (typeof a.values[k] === 'string' ? (a.values[k] as string) : null);
  if (a.positional.length > 0)
    throw new UsageError(`manifest takes no targets (got ${a.positional[0]})`, 'the Job checks every node of the cluster it runs in');
  const namespace = str('namespace') ?? DEFAULT_NAMESPACE;
  if (namespace.length > 63 || !DNS_LABEL.test(namespace)) throw new UsageError(`--namespace ${namespace}: not a valid namespace name (a DNS-1123 label)`);
  const image = str('image') ?? DEFAULT_IMAGE;
  if (!/^[^\s"'`$\\]+$/.test(image)) throw new UsageError(`--image ${image}: not an image reference`);
  const podImage = str('pod-image') ?? DEFAULT_POD_IMAGE;
  if (!/^[^\s"'`$\\]+$/.test(podImage)) throw new UsageError(`--pod-image ${podImage}: not an image reference`);
  const shards = intOption(a.values['shards'], 'shards', 1);
  if (shards > MAX_SHARDS) throw new UsageError(`--shards ${shards}: at most ${MAX_SHARDS}`);
  const schedule = str('schedule');
  if (schedule !== null && !CRON.test(schedule.trim()))
    throw new UsageError(`--schedule ${schedule}: not a cron schedule`, 'five fields, e.g. "*/30 * * * *", or @hourly');
  return {namespace, image, shards, schedule: schedule?.trim() ?? null, publish: a.values['publish'] === true, podImage};
}

/** Print the manifest; returns the exit code. */
export async function manifestCommand(a: ParsedArgs): Promise<number> {
  process.stdout.write(manifestYaml(manifestOptions(a)));
  return 0;
}
