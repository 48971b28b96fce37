/**
 * The pod transport (`--via pod`): the cluster does the fan-out. For one node it creates a
 * short-lived privileged pod pinned to the node (src/cluster/pod-spec.ts), waits until it runs,
 * and runs the probe in it through the exec API (WebSocket, channel protocol v5/v4) as `sh -s`
 * with the script on stdin, the host's `/` mounted at the host root. close() deletes the pod
 * (grace 0) whatever happened: success, failure, timeout or Ctrl-C; a failed delete is reported
 * on stderr with the command to finish it, never thrown. The pod's own deadline kills a pod that
 * even that could not delete.
 *
 * A non-zero exit is data; a node that cannot run the pod (NotReady, image pull failure, the
 * kubelet refusing it), RBAC refusals, an unreachable API server, a dropped exec stream and the
 * time limit reject with a TargetError whose hint says what to do (often: reach it over SSH).
 * @kubernetes/client-node is imported lazily, on the first run.
 */
import {createRequire} from 'node:module';
import {dirname} from 'node:path';
import {PassThrough} from 'node:stream';
import type {CoreV1Api, KubeConfig, V1Pod, V1Status} from '@kubernetes/client-node';
import {causeCode, describeApiException, describeNetError, loadKubeconfig, withSignal, type K8sModule} from '../cluster/kubeconfig.js';
import {PROBE_CONTAINER, probePodName, probePodSpec} from '../cluster/pod-spec.js';
import {InputError, TargetError} from '../errors.js';
import type {Target} from '../targets/types.js';
import {CappedOutput, outputCapError, TailBuffer} from './limits.js';
import type {RunOptions, RunResult, Transport} from './types.js';

/**
 * The largest WebSocket message accepted from the API server: the kubelet streams exec output in
 * small frames; without this bound the ws library would buffer up to 100 MiB of one message
 * before the output cap saw a byte of it.
 */
const MAX_WS_MESSAGE = 1024 * 1024;
/** Creating the pod: not tied to Ctrl-C (so we know whether it exists), but bounded. */
const CREATE_TIMEOUT_MS = 15_000;
/** Deleting the pod in close(). */
const DELETE_TIMEOUT_MS = 10_000;

/** A pod target. */
export type PodTarget = Extract<Target, {kind: 'pod'}>;

/** Optional knobs (tests shorten the polling). */
export interface PodTransportOptions {
  /** First poll interval while the pod starts (doubles up to 1 s). */
  pollMs?: number;
  /** The pod's lifetime in seconds (default: the per-node time limit plus two minutes, at least 10 minutes). */
  lifetimeSeconds?: number;
  /** Where a failed cleanup is reported (default: stderr). */
  onNote?: (line: string) => void;
}

/** The waiting reasons that mean the node cannot get the image. */
const IMAGE_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'RegistryUnavailable',
  'SignatureValidationFailed',
]);
/** The waiting reasons that mean the container cannot start. */
const START_REASONS = new Set([
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'CrashLoopBackOff',
  'PreStartHookError',
  'PostStartHookError',
]);

interface Client {
  k8s: K8sModule;
  kc: KubeConfig;
  api: CoreV1Api;
  /** `https://server (context C)` for messages. */
  where: string;
}

const netReason = (e: unknown) => describeNetError(causeCode(e), e);

/** The `message` of a Status body, however the client handed it over. */
function statusMessage(body: unknown): string {
  if (body && typeof body === 'object') return String((body as {message?: unknown}).message ?? '');
  if (typeof body !== 'string') return '';
  try {
    return String((JSON.parse(body) as {message?: unknown}).message ?? '');
  } catch {
    return body.slice(0, 200);
  }
}

/** Run the probe on a node in a short-lived privileged pod. */
export class PodTransport implements Transport {
  readonly kind = 'pod' as const;
  readonly live = true;
  readonly hostRoot: string;
  /** The pod's name (generated once; every run of this transport uses the same pod). */
  readonly podName: string;
  private client: Promise<Client> | null = null;
  /** Set once the create request went out: close() deletes by name from then on. */
  private creating: Promise<unknown> | null = null;
  private running = false;
  private readonly sockets = new Set<{terminate(): void}>();

  constructor(
    readonly target: PodTarget,
    private readonly opts: PodTransportOptions = {},
  ) {
    this.hostRoot = target.hostRoot;
    this.podName = probePodName(target.node);
  }

  private get ref(): string {
    return `${this.target.namespace}/${this.podName}`;
  }

  /** The API client, loaded once (lazily: a run without pod targets never loads the library). */
  private connect(): Promise<Client> {
    this.client ??= (async () => {
      const {k8s, kc, where} = await loadKubeconfig(this.target.cluster);
      return {k8s, kc, api: kc.makeApiClient(k8s.CoreV1Api), where};
    })();
    return this.client;
  }

  /** Start the pod (first run), then exec the script in it. */
  async run(o: RunOptions): Promise<RunResult> {
    if (o.signal?.aborted) throw new TargetError('interrupted', 'interrupted');
    const deadline = Date.now() + o.timeoutMs;
    let c: Client;
    try {
      c = await this.connect();
    } catch (e) {
      this.client = null;
      if (e instanceof InputError || e instanceof TargetError) throw e;
      throw new TargetError('unreachable', `cannot load the kubeconfig: ${(e as Error).message}`, 'check --kubeconfig and --context');
    }
    if (!this.running) {
      await this.checkNode(c, o, deadline);
      await this.create(c, o, deadline);
      await this.waitRunning(c, o, deadline);
      this.running = true;
    }
    return this.exec(c, o, deadline);
  }

  /** The signal for one API call: the run's signal and what is left of the time limit. */
  private callSignal(o: RunOptions, deadline: number): AbortSignal {
    const t = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
    return o.signal ? AbortSignal.any([o.signal, t]) : t;
  }

  /** An API call's failure as a TargetError (`what` says what was being done). */
  private apiError(c: Client, e: unknown, o: RunOptions, deadline: number, what: string, verb: string): TargetError {
    if (o.signal?.aborted) return new TargetError('interrupted', 'interrupted');
    if (Date.now() >= deadline) {
      return new TargetError(
        'timeout',
        `the API server at ${c.where} did not answer (${what}) within the time limit`,
        'is the cluster up? raise --timeout for a slow API server',
      );
    }
    if (e instanceof c.k8s.ApiException) {
      const msg = statusMessage(e.body);
      const why = describeApiException(e);
      if (e.code === 401 || e.code === 403) {
        if (/PodSecurity|violates|securitycontextconstraints|admission webhook/i.test(msg)) {
          return new TargetError(
            'auth',
            `the API server refused the probe pod in namespace ${this.target.namespace} (${why})`,
            `a policy forbids privileged pods there: use --pod-namespace with a namespace that allows them (kube-system usually does), or reach the node over SSH`,
          );
        }
        return new TargetError(
          'auth',
          `the API server at ${c.where} refused to ${what} (${why})`,
          `the kubeconfig user needs RBAC for it: kubectl auth can-i ${verb} -n ${this.target.namespace}`,
        );
      }
      if (e.code === 404 && verb === 'create pods') {
        return new TargetError('not-found', `namespace ${this.target.namespace} not found at ${c.where}`, 'name an existing namespace with --pod-namespace');
      }
      return new TargetError('unreachable', `cannot ${what} at ${c.where}: ${why}`);
    }
    return new TargetError(
      'unreachable',
      `cannot ${what} at ${c.where}: ${netReason(e)}`,
      'is the API server reachable from here? check --kubeconfig and --context',
      {cause: e},
    );
  }

  /**
   * The Node first: a missing node is named as such, and a NotReady one is not sent a pod it
   * cannot run. Without permission to read nodes this is skipped (the pod's state tells later).
   */
  private async checkNode(c: Client, o: RunOptions, deadline: number): Promise<void> {
    const node = this.target.node;
    let n;
    try {
      n = await c.api.readNode({name: node}, withSignal(c.k8s, this.callSignal(o, deadline)));
    } catch (e) {
      if (e instanceof c.k8s.ApiException && (e.code === 401 || e.code === 403)) return;
      if (e instanceof c.k8s.ApiException && e.code === 404) {
        throw new TargetError('not-found', `no node ${node} in the cluster at ${c.where}`, 'kubectl get nodes lists the names --via pod takes');
      }
      throw this.apiError(c, e, o, deadline, `read node ${node}`, 'get nodes');
    }
    const ready = n.status?.conditions?.find((x) => x.type === 'Ready');
    if (ready && ready.status !== 'True') {
      const why = [ready.reason, ready.message].filter(Boolean).join(': ');
      throw new TargetError(
        'unreachable',
        `node ${node} is NotReady${why ? ` (${why})` : ''}: its kubelet cannot run the probe pod`,
        `check it over SSH instead: kubelet-doctor check ${node} (without --via pod)`,
      );
    }
  }

  private async create(c: Client, o: RunOptions, deadline: number): Promise<void> {
    const t = this.target;
    const lifetime = this.opts.lifetimeSeconds ?? Math.max(600, Math.ceil(o.timeoutMs / 1000) + 120);
    const body = probePodSpec({node: t.node, image: t.image, namespace: t.namespace, hostRoot: t.hostRoot, name: this.podName, lifetimeSeconds: lifetime});
    // Not tied to Ctrl-C: whether the pod exists must be known, so close() can delete it.
    const req = c.api.createNamespacedPod(
      {namespace: t.namespace, body},
      withSignal(c.k8s, AbortSignal.timeout(Math.max(1, Math.min(CREATE_TIMEOUT_MS, deadline - Date.now())))),
    );
    this.creating = req.catch(() => undefined);
    const interrupted = new Promise<never>((_, reject) => {
      if (!o.signal) return;
      const on = () => reject(new TargetError('interrupted', 'interrupted'));
      if (o.signal.aborted) on();
      else o.signal.addEventListener('abort', on, {once: true});
      void this.creating!.then(() => o.signal!.removeEventListener('abort', on));
    });
    try {
      await Promise.race([req, interrupted]);
    } catch (e) {
      if (e instanceof TargetError) throw e;
      throw this.apiError(c, e, o, deadline, `create the probe pod ${this.ref}`, 'create pods');
    }
  }

  /** Poll the pod until it runs; a pod that cannot run becomes a TargetError at once. */
  private async waitRunning(c: Client, o: RunOptions, deadline: number): Promise<void> {
    const t = this.target;
    let delay = this.opts.pollMs ?? 250;
    let last = 'the pod was not reported yet';
    let seenByKubelet = false;
    for (;;) {
      let pod: V1Pod;
      try {
        pod = await c.api.readNamespacedPod({name: this.podName, namespace: t.namespace}, withSignal(c.k8s, this.callSignal(o, deadline)));
      } catch (e) {
        if (e instanceof c.k8s.ApiException && e.code === 404) {
          throw new TargetError(
            'unreachable',
            `the probe pod ${this.ref} disappeared before it ran (is ${t.node} a node of this cluster?)`,
            `check the node over SSH instead: kubelet-doctor check ${t.node}`,
          );
        }
        if (Date.now() >= deadline && !o.signal?.aborted) throw this.notRunning(last, seenByKubelet, o.timeoutMs);
        throw this.apiError(c, e, o, deadline, `read the probe pod ${this.ref}`, 'get pods');
      }
      const verdict = this.judgePod(pod);
      if (verdict === 'running') return;
      if (verdict instanceof TargetError) throw verdict;
      last = verdict.state;
      seenByKubelet ||= verdict.seen;
      const left = deadline - Date.now();
      if (left <= 0) throw this.notRunning(last, seenByKubelet, o.timeoutMs);
      await sleep(Math.min(delay, left), o.signal);
      if (o.signal?.aborted) throw new TargetError('interrupted', 'interrupted');
      delay = Math.min(1000, delay * 2);
    }
  }

  private notRunning(state: string, seen: boolean, timeoutMs: number): TargetError {
    const t = this.target;
    const s = Math.round(timeoutMs / 1000);
    return seen
      ? new TargetError(
          'timeout',
          `the probe pod on ${t.node} was not running within ${s} s (${state})`,
          `the node may be slow to pull ${t.image}: raise --timeout, use --pod-image with an image already on the node, or check it over SSH instead`,
        )
      : new TargetError(
          'timeout',
          `the kubelet on ${t.node} did not start the probe pod within ${s} s (${state})`,
          `the node cannot run the probe pod (NotReady, or its kubelet is down): check it over SSH instead: kubelet-doctor check ${t.node}`,
        );
  }

  /** What the pod's status says: running, a failure, or still starting (and how). */
  private judgePod(pod: V1Pod): 'running' | TargetError | {state: string; seen: boolean} {
    const t = this.target;
    const st = pod.status ?? {};
    const cs = st.containerStatuses?.find((x) => x.name === PROBE_CONTAINER);
    const ssh = `check it over SSH instead: kubelet-doctor check ${t.node}`;
    const waiting = cs?.state?.waiting;
    if (waiting?.reason && IMAGE_REASONS.has(waiting.reason)) {
      return new TargetError(
        'unreachable',
        `node ${t.node} cannot pull the probe image ${t.image} (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''})`,
        `use --pod-image with an image the node can pull (a registry mirror, or an image already on the node), or reach the node over SSH instead`,
      );
    }
    if (waiting?.reason && START_REASONS.has(waiting.reason)) {
      return new TargetError(
        'unreachable',
        `node ${t.node} could not start the probe container (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''})`,
        ssh,
      );
    }
    if (st.phase === 'Failed' || st.phase === 'Succeeded' || cs?.state?.terminated) {
      const why = [st.reason ?? cs?.state?.terminated?.reason, st.message ?? cs?.state?.terminated?.message].filter(Boolean).join(': ');
      return new TargetError(
        'unreachable',
        `the probe pod on ${t.node} ended before the probe ran (${st.phase ?? 'terminated'}${why ? `, ${why}` : ''})`,
        `the node's kubelet refused or stopped the pod: ${ssh}`,
      );
    }
    const scheduled = st.conditions?.find((x) => x.type === 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
      return new TargetError('unreachable', `node ${t.node} cannot run the probe pod (Unschedulable${scheduled.message ? `: ${scheduled.message}` : ''})`, ssh);
    }
    if (st.phase === 'Running' && cs?.state?.running) return 'running';
    const seen = cs !== undefined || (st.conditions ?? []).some((x) => x.type !== 'PodScheduled');
    const state = waiting?.reason ? `Pending: ${waiting.reason}` : `${st.phase ?? 'Pending'}${seen ? '' : ', never picked up by the kubelet'}`;
    return {state, seen};
  }

  /** Exec `sh -s` in the pod with the script on stdin; see the file comment for what rejects. */
  private async exec(c: Client, o: RunOptions, deadline: number): Promise<RunResult> {
    const t = this.target;
    // Not re-exported by the package index; the package has no exports map, so the file is reachable.
    const {WebSocketHandler} = await import('@kubernetes/client-node/dist/web-socket-handler.js');
    const out = new CappedOutput(o.maxOutputBytes);
    const stderr = new TailBuffer();
    let status: V1Status | null = null;
    /** Set when the output passed the cap: the run fails with it (see exec's promise). */
    let onTooBig: (() => void) | null = null;
    // The library's own stream handling is not used: these only absorb its close-stream calls.
    const streams = {stdin: new PassThrough(), stdout: new PassThrough().resume(), stderr: new PassThrough().resume()};
    const handler = new WebSocketHandler(c.kc, boundedSocket(), streams);
    const q = new URLSearchParams({container: PROBE_CONTAINER, stdin: 'true', stdout: 'true', stderr: 'true', tty: 'false'});
    q.append('command', 'sh');
    q.append('command', '-s');
    const path = `/api/v1/namespaces/${encodeURIComponent(t.namespace)}/pods/${encodeURIComponent(this.podName)}/exec?${q.toString()}`;
    let ws: import('ws').WebSocket | null = null;
    const onData = (stream: number, b: Buffer): boolean => {
      if (stream === 1) {
        if (!out.push(b)) onTooBig?.(); // copied into CappedOutput's own slabs
      } else if (stream === 2) {
        stderr.push(Buffer.from(b));
      } else if (stream === 3) {
        try {
          // The status is one small JSON object; anything larger is not a status.
          status = b.length > 64 * 1024 ? {status: 'Failure', message: 'an oversized exec status'} : (JSON.parse(b.toString('utf8')) as V1Status);
        } catch {
          status = {status: 'Failure', message: b.toString('utf8').slice(0, 200)};
        }
      }
      return true;
    };

    return new Promise<RunResult>((resolve, reject) => {
      let done = false;
      let timedOut = false;
      const result = (exitCode: number | null): RunResult => ({exitCode, signal: null, stdout: out.take(), stderr: stderr.text(), timedOut});
      const finish = (f: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
        if (ws) {
          this.sockets.delete(ws);
          ws.terminate();
        }
        f();
      };
      const timer = setTimeout(
        () => {
          timedOut = true;
          // Like the SSH transport: what arrived is kept and the frame parser notes the cut.
          finish(() =>
            ws
              ? resolve(result(null))
              : reject(
                  new TargetError('timeout', `the exec into ${this.ref} did not open within the time limit`, 'raise --timeout, or check the node over SSH'),
                ),
          );
        },
        Math.max(1, deadline - Date.now()),
      );
      const onAbort = () => finish(() => reject(new TargetError('interrupted', 'interrupted')));
      // Past the cap nothing more is read: the stream is terminated and the node is an error.
      onTooBig = () => finish(() => reject(outputCapError(out.cap)));
      if (o.signal?.aborted) return onAbort();
      o.signal?.addEventListener('abort', onAbort, {once: true});

      handler.connect(path, null, onData).then(
        (sock: {terminate(): void}) => {
          if (done) return void sock.terminate();
          ws = sock as unknown as import('ws').WebSocket;
          this.sockets.add(ws);
          const v5 = ws.protocol === 'v5.channel.k8s.io';
          ws.on('error', (e: Error & {code?: string}) => {
            // A message larger than MAX_WS_MESSAGE: the output cap's failure (the close event follows).
            if (e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') onTooBig?.();
          });
          ws.on('close', () => finish(() => this.judge(status, result, resolve, reject)));
          // v5 half-closes stdin (channel 255); older protocols cannot, so the script ends with `exit`.
          const script = Buffer.from(v5 ? o.script : `${o.script}\nexit\n`, 'utf8');
          ws.send(Buffer.concat([Buffer.from([0]), script]));
          if (v5) ws.send(Buffer.from([255, 0]));
        },
        (e: unknown) => finish(() => reject(this.execRefused(c, e))),
      );
    });
  }

  /** What a closed exec stream means: data (any exit code), or a stream that ended early. */
  private judge(status: V1Status | null, result: (code: number | null) => RunResult, resolve: (r: RunResult) => void, reject: (e: TargetError) => void): void {
    if (status === null) {
      return reject(
        new TargetError(
          'probe',
          `the exec stream to ${this.ref} was lost before the probe finished (no exit status)`,
          'the API server, the kubelet or the network ended the stream: run again, or check the node over SSH',
        ),
      );
    }
    if (status.status === 'Success') return resolve(result(0));
    const code = status.details?.causes?.find((x) => x.reason === 'ExitCode')?.message;
    if (status.reason === 'NonZeroExitCode' && code !== undefined && /^\d+$/.test(code)) return resolve(result(Number(code)));
    reject(
      new TargetError(
        'probe',
        `the exec into ${this.ref} failed: ${status.message ?? status.reason ?? 'unknown error'}`,
        'the container runtime could not run sh in the probe pod: check --pod-image (it needs a POSIX sh), or reach the node over SSH',
      ),
    );
  }

  /** The exec upgrade failed: RBAC, or the server is gone. */
  private execRefused(c: Client, e: unknown): TargetError {
    const m = /Unexpected server response: (\d+)/.exec((e as Error)?.message ?? '');
    const code = m ? Number(m[1]) : null;
    if (code === 401 || code === 403) {
      return new TargetError(
        'auth',
        `the API server at ${c.where} refused exec into ${this.ref} (HTTP ${code})`,
        `the kubeconfig user needs RBAC for it: kubectl auth can-i create pods/exec -n ${this.target.namespace}`,
      );
    }
    if (code !== null) return new TargetError('unreachable', `cannot exec into ${this.ref} at ${c.where}: HTTP ${code}`);
    return new TargetError('unreachable', `cannot exec into ${this.ref} at ${c.where}: ${netReason(e)}`, 'is the API server reachable from here?');
  }

  /** Delete the pod (grace 0) if it was ever asked for; never throws: a failure is reported with the command that finishes the job. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    this.sockets.clear();
    if (!this.creating || !this.client) return;
    await this.creating;
    const note = this.opts.onNote ?? ((l: string) => void process.stderr.write(`${l}\n`));
    let c: Client;
    try {
      c = await this.client;
    } catch {
      return;
    }
    const t = this.target;
    try {
      await c.api.deleteNamespacedPod(
        {name: this.podName, namespace: t.namespace, gracePeriodSeconds: 0},
        withSignal(c.k8s, AbortSignal.timeout(DELETE_TIMEOUT_MS)),
      );
    } catch (e) {
      if (e instanceof c.k8s.ApiException && e.code === 404) return; // never created, or already gone
      const why = e instanceof c.k8s.ApiException ? describeApiException(e) : netReason(e);
      note(
        `kubelet-doctor: could not delete the probe pod ${this.ref} (${why}); it stops by itself within its deadline, or: kubectl delete pod -n ${t.namespace} ${this.podName}`,
      );
    } finally {
      this.creating = null;
      this.running = false;
    }
  }
}

/** The ws library the client library uses, with a bound on one message (MAX_WS_MESSAGE). */
function boundedSocket(): (uri: string, protocols: string[], opts: import('ws').ClientOptions) => import('ws').WebSocket {
  const req = createRequire(import.meta.url);
  const ws = req(req.resolve('ws', {paths: [dirname(req.resolve('@kubernetes/client-node'))]})) as typeof import('ws');
  return (uri, protocols, opts) => new ws.WebSocket(uri, protocols, {...opts, maxPayload: MAX_WS_MESSAGE});
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((res) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      res();
    }
    signal?.addEventListener('abort', done, {once: true});
  });
}
