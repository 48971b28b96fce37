/**
 * The SSH side of a lab node: an `ssh2` Server on a loopback port that behaves like a node's
 * sshd for what kubelet-doctor (and an operator's `ssh`) asks of it. It accepts one public key
 * for one user, runs `exec` requests with `/bin/sh -c COMMAND` in the node's context (its
 * stand-ins first on PATH, its own HOME, nothing of the lab process's environment), pipes the
 * channel's stdin/stdout/stderr, and reports the exit status before closing. Interactive shells
 * are refused with a message. A client that goes away takes its processes with it.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {timingSafeEqual} from 'node:crypto';
import {createServer, type Socket} from 'node:net';
import ssh2 from 'ssh2';
import type {AuthContext, Connection, ServerChannel, Session} from 'ssh2';

const {Server, utils} = ssh2;

/** The node an SSH server stands for. */
export interface LabNodeContext {
  hostname: string;
  /** Stand-in programs, first on PATH. */
  binDir: string;
  /** HOME and working directory of commands. */
  homeDir: string;
}

/** How to start one node's server. */
export interface LabSshServerOptions {
  /** The host's private key (OpenSSH or PEM text). */
  hostKey: string;
  /** The one public key allowed to log in (`ssh-ed25519 AAAA… comment`). */
  authorizedKey: string;
  node: LabNodeContext;
  /** The one user allowed to log in. Default `root`. */
  user?: string;
  /** A loopback address. Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** One line per client or server error; never key material. */
  log?: (line: string) => void;
}

/** A running lab SSH server. */
export interface LabSshServer {
  readonly host: string;
  readonly port: number;
  readonly hostname: string;
  /** Processes started for clients that have not exited yet. */
  running(): number;
  /** Stop listening, end every connection, kill every process it started. Idempotent. */
  stop(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
/** The PATH sshd gives a session on Debian, after the node's stand-ins. */
const NODE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const SHELL_REFUSAL =
  'kubelet-doctor lab: this demo node runs commands only; there is no interactive shell.\r\n' +
  "Run one with: ssh ... 'COMMAND'   (for example: ssh ... 'journalctl -u kubelet -n 20')\r\n";

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Kill the command's process group. Called only before the child's `close` (its pipes still
 * open), so the group is alive: a background job still holding stdout counts, even after the
 * shell itself exited.
 */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** Resolves once everything written to `w` so far has gone out (or the channel closed). */
function flushed(w: NodeJS.WritableStream & {writable: boolean}, channel: ServerChannel): Promise<void> {
  if (!w.writable) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      channel.off('close', done);
      resolve();
    };
    channel.once('close', done);
    w.write(Buffer.alloc(0), done);
  });
}

/**
 * Start one lab node's SSH server on a loopback port.
 * Why: the lab must be reachable the way a real node is, with nothing but Node installed.
 */
export async function startLabSshServer(o: LabSshServerOptions): Promise<LabSshServer> {
  const host = o.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new Error(`lab SSH server: ${host} is not a loopback address`);
  const user = o.user ?? 'root';
  const log = o.log ?? (() => undefined);
  const allowed = utils.parseKey(o.authorizedKey);
  if (allowed instanceof Error) throw new Error(`lab SSH server: the authorized key does not parse: ${allowed.message}`);
  const allowedKey = Array.isArray(allowed) ? allowed[0] : allowed;
  const allowedBlob = allowedKey.getPublicSSH();
  const children = new Set<ChildProcess>();
  const connections = new Set<Connection>();
  const sockets = new Set<Socket>();
  let port = 0;

  const authenticate = (ctx: AuthContext): void => {
    if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
    const ok = ctx.username === user && ctx.key.algo === allowedKey.type && sameBytes(ctx.key.data, allowedBlob);
    // A client tries its keys in turn (agent first): a refusal is protocol, not news.
    if (!ok) return ctx.reject(['publickey']);
    // Without a signature the client only asks whether the key would do (SSH_MSG_USERAUTH_PK_OK).
    if (ctx.signature === undefined || ctx.blob === undefined) return ctx.accept();
    if (allowedKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey']);
    ctx.accept();
  };

  const exec = (channel: ServerChannel, command: string, env: Record<string, string>, remote: string): ChildProcess => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: o.node.homeDir,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        PATH: `${o.node.binDir}:${NODE_PATH}`,
        HOME: o.node.homeDir,
        USER: user,
        LOGNAME: user,
        SHELL: '/bin/sh',
        LANG: 'C.UTF-8',
        ...env,
        SSH_CONNECTION: `${remote} ${host} ${port}`,
      },
    });
    children.add(child);
    channel.on('error', () => undefined);
    channel.stderr.on('error', () => undefined);
    child.stdin?.on('error', () => undefined);
    if (child.stdin) channel.pipe(child.stdin);
    child.stdout?.pipe(channel, {end: false});
    child.stderr?.pipe(channel.stderr, {end: false});
    let closed = false;
    let ended = false;
    channel.once('close', () => {
      closed = true;
      // The client went away (or closed the channel) before the command ended: no orphans.
      if (!ended) killGroup(child);
    });
    child.once('error', (e) => {
      ended = true;
      children.delete(child);
      if (closed) return;
      channel.stderr.write(`sh: ${e.message}\n`);
      channel.exit(127);
      channel.end();
    });
    child.once('close', (code, signal) => {
      ended = true;
      children.delete(child);
      if (closed) return;
      void Promise.all([flushed(channel, channel), flushed(channel.stderr, channel)]).then(() => {
        if (closed) return;
        if (code !== null) channel.exit(code);
        else channel.exit((signal ?? 'SIGKILL').replace(/^SIG/, ''), false, '');
        channel.end();
      });
    });
    return child;
  };

  const onSession = (session: Session, remote: string): void => {
    const env: Record<string, string> = {};
    let child: ChildProcess | null = null;
    session.on('error', () => undefined);
    session.on('env', (accept, reject, info: {key: string; val: string}) => {
      // Like sshd's default AcceptEnv LANG LC_*: locale only.
      if (/^(LANG|LC_[A-Z_]+)$/.test(info.key)) {
        env[info.key] = info.val;
        accept?.();
      } else reject?.();
    });
    session.on('pty', (accept) => accept?.());
    session.on('window-change', (accept) => accept?.());
    session.on('shell', (accept) => {
      // accept() returns nothing when the client already closed the session.
      const channel = accept() as ServerChannel | undefined;
      if (!channel) return;
      channel.stderr.write(SHELL_REFUSAL);
      channel.exit(1);
      channel.end();
    });
    session.on('exec', (accept, _reject, info: {command: string}) => {
      const channel = accept() as ServerChannel | undefined;
      if (!channel) return;
      try {
        child = exec(channel, info.command, env, remote);
      } catch (e) {
        // spawn throws synchronously only for bad arguments; the lab keeps serving either way.
        log(`${o.node.hostname}: could not run a command: ${(e as Error).message}`);
        channel.exit(127);
        channel.end();
      }
    });
    session.on('signal', (accept, _reject, info: {name: string}) => {
      accept?.();
      if (child?.pid !== undefined && /^[A-Z0-9]+$/.test(info.name)) {
        try {
          process.kill(-child.pid, `SIG${info.name}` as NodeJS.Signals);
        } catch {
          // already gone
        }
      }
    });
    session.on('subsystem', (_accept, reject) => reject?.());
    session.on('sftp', (_accept, reject) => reject?.());
  };

  const ssh = new Server({hostKeys: [o.hostKey], ident: 'OpenSSH_9.2p1 Debian-2+deb12u3'}, (client: Connection, info) => {
    connections.add(client);
    const remote = `${info.ip} ${info.port}`;
    client.on('error', (e: Error) => log(`${o.node.hostname}: client ${info.ip}:${info.port}: ${e.message}`));
    client.on('authentication', authenticate);
    client.on('ready', () =>
      client.on('session', (accept) => {
        const session = accept() as Session | undefined;
        if (session) onSession(session, remote);
      }),
    );
    client.on('close', () => connections.delete(client));
  });
  ssh.on('error', (e: Error) => log(`${o.node.hostname}: ${e.message}`));

  const tcp = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    ssh.injectSocket(socket);
  });
  tcp.on('error', (e) => log(`${o.node.hostname}: ${e.message}`));
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(o.port ?? 0, host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  const addr = tcp.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;

  let stopping: Promise<void> | null = null;
  return {
    host,
    port,
    hostname: o.node.hostname,
    running: () => children.size,
    stop: () =>
      (stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
        for (const child of children) killGroup(child);
        for (const c of connections) c.end();
        // A client that does not answer the disconnect is cut off.
        const cut = setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 500);
        await closed;
        clearTimeout(cut);
      })()),
  };
}
