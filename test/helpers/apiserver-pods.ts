/**
 * Pods for the stand-in API server (a route for test/helpers/apiserver.ts): create, read and
 * delete pods and the `exec` subresource, in the real wire format, so the pod transport is tested
 * through @kubernetes/client-node exactly as against a cluster.
 *
 * - `POST /api/v1/namespaces/{ns}/pods` records the spec; `GET …/pods/{name}` answers Pending
 *   (ContainerCreating) for the first polls, then Running, or a configured failure (image pull,
 *   a kubelet that never picks the pod up); `DELETE …/pods/{name}` records the deletion.
 * - `GET /api/v1/nodes/{name}` answers the configured nodes (Ready or NotReady).
 * - `GET …/pods/{name}/exec?command=…` upgrades to a WebSocket speaking the channel protocol
 *   (`v5.channel.k8s.io`, `v4.channel.k8s.io`: first byte 0 stdin, 1 stdout, 2 stderr, 3 the
 *   v1 Status, 255 close in v5) and honestly runs the command as a local process: the
 *   "container" is this machine, with the fixture's stand-in programs first on PATH (what the
 *   SSH tests give sshd with SetEnv). Configurable: exec refused (403), the stream dropped after
 *   N bytes of output, a hold before the command starts (to interrupt it mid-probe).
 *
 * Limits: no scheduling, no real isolation (no namespaces, no mounts: the test passes the
 * fixture directory as the host root, so the mount path IS the fixture), no admission.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {Duplex} from 'node:stream';
import {WebSocketServer, type WebSocket} from 'ws';
import type {ApiRoute} from './apiserver.js';

/** A node `GET /api/v1/nodes/{name}` knows. */
export interface PodRouteNode {
  name: string;
  /** Default true. */
  ready?: boolean;
}

/** What the route does; change it between tests with `configure`. */
export interface PodRouteOptions {
  nodes: PodRouteNode[];
  /** The container's PATH starts with these directories (the fixture's stand-ins). */
  path?: string[];
  /** HOME and working directory of exec'd commands. */
  home?: string;
  /** How many GETs a new pod answers Pending before Running. Default 1. */
  pendingPolls?: number;
  /** The pod never runs: the image cannot be pulled, or no kubelet ever picks it up. */
  podFailure?: 'image-pull' | 'never-started' | null;
  /** Refuse pod creation (RBAC). */
  createForbidden?: boolean;
  /** Refuse the exec upgrade with 403 (RBAC). */
  execForbidden?: boolean;
  /** Drop the exec connection (no close frame, no status) after this many stdout bytes. */
  dropAfterBytes?: number | null;
  /** The command starts at once, but its stdin is held back this long (a probe that is slow to run). */
  holdMs?: number;
  /** Subprotocols the server accepts, best first. Default v5 then v4. */
  protocols?: string[];
  /** Leave `GET /api/v1/nodes/{name}` to the stand-in's own nodes (their conditions, published ones included). */
  nodesFromServer?: boolean;
}

/** One created pod, as posted. */
export interface CreatedPod {
  namespace: string;
  name: string;
  /** The request body, parsed. */
  body: {metadata?: {name?: string; labels?: Record<string, string>}; spec?: Record<string, unknown> & {containers?: Record<string, unknown>[]}};
}

/** One exec request. */
export interface ExecCall {
  namespace: string;
  pod: string;
  command: string[];
  protocol: string;
  /** Set when the command exited: its exit code. */
  exitCode?: number | null;
  /** The client closed the stream before the command exited. */
  abandoned?: boolean;
}

/** The route plus what it saw. */
export interface PodRoutes extends ApiRoute {
  created: CreatedPod[];
  deleted: {namespace: string; name: string; gracePeriodSeconds: number | null}[];
  execs: ExecCall[];
  /** Pods that exist right now (`ns/name`). */
  live(): string[];
  /** Change the behaviour (merged into the options). */
  configure(o: Partial<PodRouteOptions>): void;
  /** Forget what was recorded and every pod. */
  reset(): void;
  /** Kill every command still running and close every socket. */
  close(): void;
}

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function statusBody(code: number, reason: string, message: string, details?: object): string {
  return JSON.stringify({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? {details} : {}), code});
}

function send(res: ServerResponse, code: number, body: string): true {
  res.writeHead(code, {'content-type': 'application/json'});
  res.end(body);
  return true;
}

function killGroup(c: ChildProcess): void {
  try {
    if (c.pid) process.kill(-c.pid, 'SIGKILL');
  } catch {
    c.kill('SIGKILL');
  }
}

interface PodState extends CreatedPod {
  uid: string;
  created: string;
  polls: number;
}

const POD_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?(?:\/(exec))?$/;

/** The route for startApiServer({routes: [podRoutes(...)]}). */
export function podRoutes(initial: PodRouteOptions): PodRoutes {
  let o: PodRouteOptions = {...initial};
  const pods = new Map<string, PodState>();
  const created: CreatedPod[] = [];
  const deleted: PodRoutes['deleted'] = [];
  const execs: ExecCall[] = [];
  const children = new Set<ChildProcess>();
  const protocols = () => o.protocols ?? ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => protocols().find((p) => offered.has(p)) ?? false,
  });
  let seq = 0;

  const podObject = (p: PodState): object => {
    const image = String(p.body.spec?.containers?.[0]?.['image'] ?? '');
    const cname = String(p.body.spec?.containers?.[0]?.['name'] ?? 'probe');
    const cond = (type: string, status: string, reason?: string) => ({
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: p.created,
      ...(reason ? {reason} : {}),
    });
    let status: object;
    const pending = (waiting: {reason: string; message?: string} | null) => ({
      phase: 'Pending',
      hostIP: '127.0.0.1',
      podIP: '127.0.0.1',
      startTime: p.created,
      conditions: [
        cond('PodScheduled', 'True'),
        cond('Initialized', 'True'),
        cond('ContainersReady', 'False', 'ContainersNotReady'),
        cond('Ready', 'False', 'ContainersNotReady'),
      ],
      containerStatuses: [
        {
          name: cname,
          image,
          imageID: '',
          ready: false,
          restartCount: 0,
          started: false,
          state: {waiting: waiting ?? {reason: 'ContainerCreating'}},
          lastState: {},
        },
      ],
    });
    if (o.podFailure === 'never-started') {
      status = {phase: 'Pending', conditions: [cond('PodScheduled', 'True')]};
    } else if (o.podFailure === 'image-pull') {
      status = pending(
        p.polls <= 1
          ? {
              reason: 'ErrImagePull',
              message: `failed to pull and unpack image "docker.io/library/${image}": failed to resolve reference: dial tcp: lookup registry-1.docker.io: no such host`,
            }
          : {reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"`},
      );
    } else if (p.polls <= (o.pendingPolls ?? 1)) {
      status = pending(null);
    } else {
      status = {
        phase: 'Running',
        hostIP: '127.0.0.1',
        podIP: '127.0.0.1',
        startTime: p.created,
        conditions: [cond('PodScheduled', 'True'), cond('Initialized', 'True'), cond('ContainersReady', 'True'), cond('Ready', 'True')],
        containerStatuses: [
          {
            name: cname,
            image,
            imageID: `docker.io/library/${image}@sha256:${'0'.repeat(64)}`,
            containerID: `containerd://${'a'.repeat(64)}`,
            ready: true,
            restartCount: 0,
            started: true,
            state: {running: {startedAt: p.created}},
            lastState: {},
          },
        ],
      };
    }
    return {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: {...p.body.metadata, name: p.name, namespace: p.namespace, uid: p.uid, resourceVersion: String(5000 + p.polls), creationTimestamp: p.created},
      spec: {schedulerName: 'default-scheduler', serviceAccountName: 'default', ...p.body.spec},
      status,
    };
  };

  const nodeObject = (n: PodRouteNode): object => ({
    kind: 'Node',
    apiVersion: 'v1',
    metadata: {
      name: n.name,
      uid: `00000000-0000-4000-9000-${String(seq++).padStart(12, '0')}`,
      resourceVersion: '42',
      labels: {'kubernetes.io/hostname': n.name},
    },
    spec: {},
    status: {
      conditions: [
        n.ready === false
          ? {
              type: 'Ready',
              status: 'Unknown',
              reason: 'NodeStatusUnknown',
              message: 'Kubelet stopped posting node status.',
              lastHeartbeatTime: '2024-05-01T10:00:00Z',
              lastTransitionTime: '2024-05-01T10:05:00Z',
            }
          : {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
              lastHeartbeatTime: '2024-05-01T10:00:00Z',
              lastTransitionTime: '2024-05-01T10:00:00Z',
            },
      ],
      addresses: [{type: 'InternalIP', address: '127.0.0.1'}],
    },
  });

  const handle: ApiRoute['handle'] = (req, res, url, body, user) => {
    const nm = /^\/api\/v1\/nodes\/([^/]+)$/.exec(url.pathname);
    if (nm && req.method === 'GET' && !o.nodesFromServer) {
      const n = o.nodes.find((x) => x.name === decodeURIComponent(nm[1]!));
      if (!n) return send(res, 404, statusBody(404, 'NotFound', `nodes "${decodeURIComponent(nm[1]!)}" not found`, {name: nm[1], kind: 'nodes'}));
      return send(res, 200, JSON.stringify(nodeObject(n)));
    }
    const m = POD_PATH.exec(url.pathname);
    if (!m) return false;
    const ns = decodeURIComponent(m[1]!);
    const name = m[2] !== undefined ? decodeURIComponent(m[2]) : undefined;
    if (m[3]) return send(res, 400, statusBody(400, 'BadRequest', 'Upgrade request required'));
    const key = `${ns}/${name ?? ''}`;
    if (req.method === 'POST' && name === undefined) {
      if (o.createForbidden) {
        return send(
          res,
          403,
          statusBody(403, 'Forbidden', `pods is forbidden: User "${user}" cannot create resource "pods" in API group "" in the namespace "${ns}"`, {
            kind: 'pods',
          }),
        );
      }
      let parsed: CreatedPod['body'];
      try {
        parsed = JSON.parse(body.toString('utf8')) as CreatedPod['body'];
      } catch {
        return send(res, 400, statusBody(400, 'BadRequest', 'the body of the request was in an unknown format'));
      }
      const pname = parsed.metadata?.name;
      if (!pname) return send(res, 422, statusBody(422, 'Invalid', 'Pod "" is invalid: metadata.name: Required value: name or generateName is required'));
      if (pods.has(`${ns}/${pname}`)) return send(res, 409, statusBody(409, 'AlreadyExists', `pods "${pname}" already exists`));
      const state: PodState = {
        namespace: ns,
        name: pname,
        body: parsed,
        uid: `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`,
        created: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        polls: 0,
      };
      pods.set(`${ns}/${pname}`, state);
      created.push({namespace: ns, name: pname, body: parsed});
      return send(res, 201, JSON.stringify(podObject(state)));
    }
    if (name === undefined) return send(res, 405, statusBody(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
    const p = pods.get(key);
    if (req.method === 'GET') {
      if (!p) return send(res, 404, statusBody(404, 'NotFound', `pods "${name}" not found`, {name, kind: 'pods'}));
      p.polls++;
      return send(res, 200, JSON.stringify(podObject(p)));
    }
    if (req.method === 'DELETE') {
      let grace: number | null = url.searchParams.has('gracePeriodSeconds') ? Number(url.searchParams.get('gracePeriodSeconds')) : null;
      try {
        const opts = body.length ? (JSON.parse(body.toString('utf8')) as {gracePeriodSeconds?: number}) : {};
        if (typeof opts.gracePeriodSeconds === 'number') grace = opts.gracePeriodSeconds;
      } catch {
        // DeleteOptions are optional
      }
      deleted.push({namespace: ns, name, gracePeriodSeconds: grace});
      if (!p) return send(res, 404, statusBody(404, 'NotFound', `pods "${name}" not found`, {name, kind: 'pods'}));
      pods.delete(key);
      return send(res, 200, JSON.stringify(podObject(p)));
    }
    return send(res, 405, statusBody(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
  };

  const refuse = (socket: Duplex, code: number, text: string, body: string): true => {
    socket.end(`HTTP/1.1 ${code} ${text}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    return true;
  };

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): boolean => {
    const m = POD_PATH.exec(url.pathname);
    if (m?.[3] !== 'exec' || m[2] === undefined) return false;
    const ns = decodeURIComponent(m[1]!);
    const name = decodeURIComponent(m[2]);
    if (o.execForbidden) {
      return refuse(
        socket,
        403,
        'Forbidden',
        statusBody(
          403,
          'Forbidden',
          `pods "${name}" is forbidden: User "operator" cannot create resource "pods/exec" in API group "" in the namespace "${ns}"`,
        ),
      );
    }
    const p = pods.get(`${ns}/${name}`);
    if (!p) return refuse(socket, 404, 'Not Found', statusBody(404, 'NotFound', `pods "${name}" not found`));
    const command = url.searchParams.getAll('command');
    if (command.length === 0) return refuse(socket, 400, 'Bad Request', statusBody(400, 'BadRequest', 'you must specify at least 1 command'));
    wss.handleUpgrade(req, socket, head, (ws) => serveExec(ws, {namespace: ns, pod: name, command, protocol: ws.protocol}));
    return true;
  };

  const serveExec = (ws: WebSocket, call: ExecCall): void => {
    execs.push(call);
    const v5 = call.protocol === 'v5.channel.k8s.io';
    const drop = o.dropAfterBytes ?? null;
    const pending: Buffer[] = [];
    let stdinClosed = false;
    let child: ChildProcess | null = null;
    let sent = 0;
    let finished = false;
    ws.on('error', () => undefined);
    let held = (o.holdMs ?? 0) > 0;
    const release = () => {
      held = false;
      if (!child || finished) return;
      for (const b of pending) child.stdin?.write(b);
      pending.length = 0;
      if (stdinClosed) child.stdin?.end();
    };
    const holdTimer = held ? setTimeout(release, o.holdMs) : null;
    ws.on('message', (data: Buffer) => {
      if (data.length === 0) return;
      if (data[0] === 0) {
        if (child && !held) child.stdin?.write(data.subarray(1));
        else pending.push(Buffer.from(data.subarray(1)));
      } else if (data[0] === 255 && v5 && data[1] === 0) {
        stdinClosed = true;
        if (child && !held) child.stdin?.end();
      }
    });
    ws.on('close', () => {
      if (holdTimer) clearTimeout(holdTimer);
      if (!finished) {
        call.abandoned = true;
        if (child) killGroup(child);
      }
    });
    const start = () => {
      const c = spawn(call.command[0]!, call.command.slice(1), {
        cwd: o.home ?? '/',
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: {PATH: [...(o.path ?? []), SYSTEM_PATH].join(':'), HOME: o.home ?? '/root', LANG: 'C.UTF-8', HOSTNAME: 'probe'},
      });
      child = c;
      children.add(c);
      c.stdin.on('error', () => undefined);
      if (!held) release();
      c.stdout.on('data', (b: Buffer) => {
        if (drop !== null && sent + b.length >= drop) {
          const part = b.subarray(0, Math.max(0, drop - sent));
          if (part.length) ws.send(Buffer.concat([Buffer.from([1]), part]));
          sent = drop;
          finished = true;
          killGroup(c);
          // Dropped: the TCP connection goes away with no status and no close frame.
          setTimeout(() => ws.terminate(), 20);
          return;
        }
        sent += b.length;
        ws.send(Buffer.concat([Buffer.from([1]), b]));
      });
      c.stderr.on('data', (b: Buffer) => ws.send(Buffer.concat([Buffer.from([2]), b])));
      c.on('error', (e) => {
        finished = true;
        ws.send(
          Buffer.concat([
            Buffer.from([3]),
            Buffer.from(JSON.stringify({metadata: {}, status: 'Failure', message: `exec: "${call.command[0]}": ${e.message}`, reason: 'InternalError'})),
          ]),
        );
        ws.close(1000);
      });
      c.on('close', (code) => {
        children.delete(c);
        if (finished) return;
        finished = true;
        call.exitCode = code;
        const st =
          code === 0
            ? {metadata: {}, status: 'Success'}
            : {
                metadata: {},
                status: 'Failure',
                message: `command terminated with non-zero exit code: error executing command [${call.command.join(' ')}], exit code ${code ?? 137}`,
                reason: 'NonZeroExitCode',
                details: {causes: [{reason: 'ExitCode', message: String(code ?? 137)}]},
              };
        ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(st))]), () => ws.close(1000));
      });
    };
    start();
  };

  return {
    handle,
    upgrade,
    created,
    deleted,
    execs,
    live: () => [...pods.keys()],
    configure(x) {
      o = {...o, ...x};
    },
    reset() {
      pods.clear();
      created.length = 0;
      deleted.length = 0;
      execs.length = 0;
    },
    close() {
      for (const c of children) killGroup(c);
      children.clear();
      for (const c of wss.clients) c.terminate();
      wss.close();
    },
  };
}
