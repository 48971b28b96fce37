/**
 * The operator's kubeconfig, loaded for @kubernetes/client-node the way kubectl finds it:
 * `--kubeconfig FILE`, else `$KUBECONFIG` (a list, merged), else the pod's service account when
 * running in a cluster, else `~/.kube/config`; then `--context`. Every problem with it is an
 * InputError with a one-line message. The client library is imported lazily: a run without
 * cluster options never loads it.
 *
 * Also here: what the cluster fetchers share (the per-request deadline, network error wording).
 */
import {existsSync, statSync} from 'node:fs';
import {homedir} from 'node:os';
import {delimiter, join} from 'node:path';
import type * as K8s from '@kubernetes/client-node';
import {InputError} from '../errors.js';
import {shareExecCredentials} from './exec-credential.js';

/** The client library's module namespace (loaded on demand). */
export type K8sModule = typeof K8s;

/** Where a pod finds its service account (in-cluster config). */
export interface InClusterEnv {
  /** `$KUBERNETES_SERVICE_HOST`. */
  host: string | undefined;
  /** `$KUBERNETES_SERVICE_PORT`. */
  port: string | undefined;
  /** The service-account directory (`token`, `ca.crt`). */
  dir: string;
}

/** Which kubeconfig and context to use. */
export interface KubeconfigQuery {
  /** `--kubeconfig`; null: $KUBECONFIG, then in-cluster, then ~/.kube/config. */
  kubeconfig: string | null;
  /** `--context`; null: the kubeconfig's current context. */
  context: string | null;
  /** Override the in-cluster environment (tests); null disables in-cluster config. */
  inCluster?: InClusterEnv | null;
}

/** A loaded kubeconfig with the context selected. */
export interface LoadedKubeconfig {
  k8s: K8sModule;
  kc: K8s.KubeConfig;
  /** Where it came from, for messages (`/root/.kube/config`, `in-cluster service account`). */
  source: string;
  server: string;
  context: string;
  /** `https://10.0.0.1:6443 (context prod)`: how messages name the API server. */
  where: string;
}

/** The service account a pod sees, from the process environment. */
export function inClusterEnv(): InClusterEnv {
  return {
    host: process.env['KUBERNETES_SERVICE_HOST'],
    port: process.env['KUBERNETES_SERVICE_PORT'],
    dir: '/var/run/secrets/kubernetes.io/serviceaccount',
  };
}

/** Whether the in-cluster config is usable: the service variables are set and the token exists. */
export function isInCluster(env: InClusterEnv | null): env is InClusterEnv & {host: string; port: string} {
  return env !== null && !!env.host && !!env.port && existsSync(join(env.dir, 'token'));
}

function loadInCluster(kc: K8s.KubeConfig, env: InClusterEnv & {host: string; port: string}): void {
  const host = env.host.includes(':') ? `[${env.host}]` : env.host;
  kc.loadFromOptions({
    clusters: [{name: 'in-cluster', server: `https://${host}:${env.port}`, caFile: join(env.dir, 'ca.crt'), skipTLSVerify: false}],
    users: [{name: 'service-account', authProvider: {name: 'tokenFile', config: {tokenFile: join(env.dir, 'token')}}}],
    contexts: [{name: 'in-cluster', cluster: 'in-cluster', user: 'service-account'}],
    currentContext: 'in-cluster',
  });
}

/** A kubeconfig larger than this is refused before the YAML parser sees it (real ones are KiB). */
const MAX_KUBECONFIG_BYTES = 4 * 1024 * 1024;

/** kc.loadFromFile, after refusing a regular file over MAX_KUBECONFIG_BYTES (a pipe is read as it is). */
function loadFile(kc: K8s.KubeConfig, file: string): void {
  let size = 0;
  try {
    const st = statSync(file);
    if (st.isFile()) size = st.size;
  } catch {
    /* loadFromFile reports it */
  }
  if (size > MAX_KUBECONFIG_BYTES) {
    throw new InputError(`${file}: larger than the 4 MiB a kubeconfig may be (${(size / 1048576).toFixed(1)} MiB); not read`, 'is this the right file?');
  }
  kc.loadFromFile(file);
}

/** Load `files` (the first wins on conflicts, as kubectl merges $KUBECONFIG). */
function loadFiles(k8s: K8sModule, kc: K8s.KubeConfig, files: string[]): void {
  loadFile(kc, files[0]!);
  for (const f of files.slice(1)) {
    const more = new k8s.KubeConfig();
    loadFile(more, f);
    kc.mergeConfig(more, true);
  }
}

/** Pick and read the kubeconfig; returns its source for messages. */
function loadSource(k8s: K8sModule, kc: K8s.KubeConfig, q: KubeconfigQuery): string {
  if (q.kubeconfig !== null) {
    if (!existsSync(q.kubeconfig)) throw new InputError(`--kubeconfig ${q.kubeconfig}: no such file`);
    return tryLoad(q.kubeconfig, () => loadFile(kc, q.kubeconfig!));
  }
  const env = process.env['KUBECONFIG'];
  if (env) {
    const files = env.split(delimiter).filter((f) => f !== '' && existsSync(f));
    if (files.length === 0) throw new InputError(`$KUBECONFIG ${env}: no such file`);
    return tryLoad(files.join(delimiter), () => loadFiles(k8s, kc, files));
  }
  const pod = q.inCluster === undefined ? inClusterEnv() : q.inCluster;
  if (isInCluster(pod)) return tryLoad('in-cluster service account', () => loadInCluster(kc, pod));
  const home = join(homedir(), '.kube', 'config');
  if (!existsSync(home)) throw new InputError(`${home}: no such file`, 'give --kubeconfig FILE or set $KUBECONFIG');
  return tryLoad(home, () => loadFile(kc, home));
}

function tryLoad(source: string, load: () => void): string {
  try {
    load();
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${source}: not a usable kubeconfig (${(e as Error).message.split('\n')[0]})`, undefined, {cause: e});
  }
  return source;
}

/** Load the kubeconfig and select the context; InputError for a missing or bad file or an unknown context. */
export async function loadKubeconfig(q: KubeconfigQuery): Promise<LoadedKubeconfig> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  shareExecCredentials(kc);
  const source = loadSource(k8s, kc, q);
  if (q.context !== null) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(q.context)) {
      throw new InputError(`--context ${q.context}: no such context in ${source}`, names.length ? `contexts there: ${names.join(', ')}` : undefined);
    }
    kc.setCurrentContext(q.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new InputError(`${source}: no cluster for context ${kc.getCurrentContext() || '(none)'}`, 'pick one with --context NAME');
  const context = kc.getCurrentContext();
  return {k8s, kc, source, server: cluster.server, context, where: `${cluster.server} (context ${context})`};
}

/**
 * Request options that put `signal` on the request: the object-parameter API of client-node 2.x
 * takes Observable middleware, and this is where a per-request AbortSignal goes.
 */
export function withSignal(k8s: K8sModule, signal: AbortSignal): K8s.ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (ctx) => {
          ctx.setSignal(signal);
          return new k8s.Observable(Promise.resolve(ctx));
        },
        post: (res) => new k8s.Observable(Promise.resolve(res)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

/** The deadline signal, combined with the caller's (Ctrl-C) when there is one. */
export function deadlineSignal(timeoutMs: number, outer?: AbortSignal): {deadline: AbortSignal; signal: AbortSignal} {
  const deadline = AbortSignal.timeout(timeoutMs);
  return {deadline, signal: outer ? AbortSignal.any([deadline, outer]) : deadline};
}

/** `HTTP 403: nodes is forbidden: …`: the status code and the Status message of an API error. */
export function describeApiException(e: {code: number; body: unknown}): string {
  const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? '');
  let msg = '';
  try {
    msg = String((JSON.parse(body) as {message?: unknown}).message ?? '');
  } catch {
    msg = body.slice(0, 200);
  }
  return `HTTP ${e.code}${msg ? `: ${msg}` : ''}`;
}

/** A network-level error code anywhere in a fetch error's cause chain. */
export function causeCode(e: unknown): string | undefined {
  for (let c: unknown = e, i = 0; c && i < 6; c = (c as {cause?: unknown}).cause, i++) {
    const code = (c as {code?: unknown}).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** One operator-readable phrase for a network or TLS failure (`connection refused`). */
export function describeNetError(code: string | undefined, e: unknown): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset by the server';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'cannot resolve the server name';
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to the server';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
    case 'CERT_HAS_EXPIRED':
      return `the server's TLS certificate is not trusted (${code})`;
    default: {
      const m = ((e as Error)?.message || String(e)).split('\n')[0]!;
      return code ? `${m} (${code})` : m;
    }
  }
}
