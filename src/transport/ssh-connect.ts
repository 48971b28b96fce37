/**
 * Opening an SSH connection to a node, through its jump hosts: one ssh2 Client per hop, each
 * next hop tunnelled over the previous one (`forwardOut`, what `ssh -J` does), every hop's host
 * key checked against known_hosts, `readyTimeout` and keepalives set explicitly.
 */
import {connect as tcpConnect, type Socket} from 'node:net';
import type {Duplex} from 'node:stream';
import {Client} from './ssh2-lib.js';
import type {Client as SshClient, ServerHostKeyAlgorithm} from 'ssh2';
import {TargetError} from '../errors.js';
import {tildePath} from './ssh-config.js';
import type {HostKeyPolicy, SshEndpoint, SshHop} from '../targets/types.js';
import {appendKnownHost, blobKeyType, checkHostKey, fingerprint, hostToken, knownKeyTypes, loadKnownHosts, type KnownHostLine} from './known-hosts.js';
import {checkHostCertificate, hostCaLines} from './host-cert.js';
import {authHandler, newAuthLog, type PassphraseFn} from './ssh-auth.js';
import {proxyCommandStream} from './ssh-proxy-command.js';
import {closedBeforeBanner, connectError, viaJump, type ConnectPhase} from './ssh-errors.js';

/** What a connection attempt shares with the transport that started it. */
export interface ConnectContext {
  hostKeys: HostKeyPolicy;
  passphrase?: PassphraseFn;
  /** Epoch ms by which the whole node must be done: no hop's readyTimeout runs past it. */
  deadline: number;
  /** Every client is registered here as soon as it exists, so abort and timeout can close it. */
  track(c: SshClient): void;
  /** Progress: which hop, which phase (for the timeout message and the TUI). */
  phase(hop: SshHop, phase: ConnectPhase): void;
  /**
   * A TCP socket to the first hop opened before ssh2 was loaded (engine/warm.ts), used instead of
   * a new one unless it has already failed (then a fresh connect reports the failure as usual).
   */
  firstSocket?: Socket;
}

/** ssh2's host key algorithms, best first (ssh2 1.x on Node 20 supports ed25519). */
const HOST_KEY_ALGS: readonly ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Ask for the key types known_hosts already has for this host first, as OpenSSH does, so a known host is not "changed". */
function hostKeyOrder(known: string[]): ServerHostKeyAlgorithm[] {
  const first = known
    .flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]))
    .filter((a): a is ServerHostKeyAlgorithm => (HOST_KEY_ALGS as readonly string[]).includes(a));
  return [...new Set([...first, ...HOST_KEY_ALGS])];
}

/** Judge a presented host key; returns the refusal, or null when the key is trusted (recording it if new and allowed). */
function verifyHostKey(hop: SshHop, policy: HostKeyPolicy, blob: Buffer): TargetError | null {
  const token = hostToken(hop.host, hop.port);
  const file = policy.knownHostsFile;
  const shown = tildePath(file);
  const fp = `${blobKeyType(blob)} ${fingerprint(blob)}`;
  const v = checkHostKey(loadKnownHosts(file), token, blob);
  switch (v.status) {
    case 'known':
      return null;
    case 'revoked':
      return new TargetError(
        'host-key',
        `${hop.alias} presented a REVOKED host key (${fp}, @revoked at ${shown}:${v.line})`,
        'never connect to it with that key: the node or the network may be compromised',
      );
    case 'changed': {
      const old = v.lines[0]!;
      return new TargetError(
        'host-key',
        `HOST KEY CHANGED for ${token}: it presents ${fp}, but ${shown}:${old.line} has ${old.fingerprint}`,
        `if ${hop.alias} was reinstalled, remove the old key (ssh-keygen -R '${token}' -f ${shown}) and connect again; otherwise someone may be intercepting the connection`,
      );
    }
    case 'unknown': {
      if (policy.acceptNew) {
        try {
          appendKnownHost(file, token, blob);
          return null;
        } catch (e) {
          return new TargetError(
            'host-key',
            `cannot record the host key of ${token} in ${shown}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
          );
        }
      }
      const ca = v.caLines.length > 0 ? ` (${shown}:${v.caLines[0]} trusts a host CA for it, but its certificate could not be checked)` : '';
      const other = v.otherTypes.length > 0 ? ` (${shown}:${v.otherTypes[0]!.line} has only its ${v.otherTypes[0]!.keyType} key)` : '';
      return new TargetError(
        'host-key',
        `${token} is not a known host: its key ${fp} is not in ${shown}${ca}${other}`,
        `check the fingerprint, then run again with --accept-new-host-keys to record it (or ssh to it once)`,
      );
    }
  }
}

/** The @cert-authority lines that decide this host's key, or null (also when known_hosts cannot be read: the plain check says so). */
function caLinesFor(hop: SshHop, policy: HostKeyPolicy, blob: Buffer): KnownHostLine[] | null {
  try {
    return hostCaLines(hop, policy, blob);
  } catch {
    return null;
  }
}

function safeVerify(hop: SshHop, policy: HostKeyPolicy, blob: Buffer): TargetError | null {
  try {
    return verifyHostKey(hop, policy, blob);
  } catch (e) {
    return new TargetError('host-key', `cannot check the host key of ${hop.alias}: ${(e as Error).message}`);
  }
}

/**
 * ssh2 hands every packet to the socket as three writes (length, ciphertext, MAC tag). With Nagle
 * off (it must be: the exchanges are small request/response steps that would each wait for a
 * delayed ACK) each of them would be a syscall and a TCP segment of its own, and sshd would wake
 * up for each. Cork the socket at the first write of a tick and uncork on the next: one writev,
 * one segment per burst. Measured on loopback: 3x fewer client writes and sshd reads per node.
 */
export function coalesceWrites(sock: Socket): Socket {
  const write = sock.write;
  let corked = false;
  const uncork = () => {
    corked = false;
    sock.uncork();
  };
  sock.write = function coalescedWrite(this: Socket, ...args: Parameters<Socket['write']>): boolean {
    if (!corked) {
      corked = true;
      this.cork();
      process.nextTick(uncork);
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Socket['write'];
  return sock;
}

/** Connect one hop over `sock` (a jump tunnel) or a fresh TCP socket; resolves when authenticated. */
export function connectHop(hop: SshHop, ctx: ConnectContext, sock?: Duplex, reopen?: () => Promise<Duplex>): Promise<SshClient> {
  let known: string[];
  try {
    known = knownKeyTypes(loadKnownHosts(ctx.hostKeys.knownHostsFile), hostToken(hop.host, hop.port));
  } catch (e) {
    return Promise.reject(
      new TargetError(
        'host-key',
        `cannot read ${tildePath(ctx.hostKeys.knownHostsFile)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        'give a readable known_hosts file with --known-hosts FILE',
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const client = new Client();
    ctx.track(client);
    const log = newAuthLog();
    let phase: ConnectPhase = sock ? 'handshake' : 'tcp';
    const setPhase = (p: ConnectPhase) => {
      phase = p;
      ctx.phase(hop, p);
    };
    let refusal: TargetError | null = null;
    let settled = false;
    const readyMs = Math.max(1, Math.min(hop.connectTimeoutMs, ctx.deadline - Date.now()));
    // What the server sent before its banner (its first 200 bytes): a connection closed or reset
    // before any "SSH-" line is sshd refusing to start one more login (MaxStartups), not a
    // handshake that went wrong.
    let before = '';
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      client.destroy();
      const dropped = phase === 'handshake' && !refusal && !before.includes('SSH-') && (e as {level?: string} | null)?.level !== 'client-timeout';
      reject(dropped ? closedBeforeBanner(hop, before) : connectError(e, hop, phase, log, refusal, readyMs));
    };
    client.on('handshake', () => setPhase('auth'));
    client.on('ready', () => {
      if (settled) return;
      settled = true;
      setPhase('ready');
      resolve(client);
    });
    client.on('error', (e: Error & {level?: string}) => {
      // ssh2 reports an unusable agent or a key that cannot sign as an error, then tries the
      // next method itself: note it for the failure message and carry on.
      if (e.level === 'agent') return void log.unusable.push(`agent (${e.message})`);
      if (e.level === 'client-authentication' && !/All configured authentication methods failed/.test(e.message)) {
        return void log.unusable.push(e.message);
      }
      fail(e);
    });
    client.on('close', () =>
      fail(
        new TargetError(
          'unreachable',
          `${hop.host}:${hop.port} closed the connection during the ${phase === 'auth' ? 'login' : 'SSH handshake'}`,
          `is port ${hop.port} an SSH server? sshd may also be refusing you (MaxStartups, AllowUsers, DenyUsers)`,
        ),
      ),
    );
    let socket: Duplex;
    if (sock) {
      socket = sock;
    } else {
      const early = ctx.firstSocket;
      ctx.firstSocket = undefined;
      // No Nagle: the probe is a few request/response exchanges, each would wait for a delayed ACK.
      const tcp = coalesceWrites(early && !early.destroyed ? early : tcpConnect({host: hop.host, port: hop.port, noDelay: true}));
      if (tcp.connecting) tcp.once('connect', () => setPhase('handshake'));
      else phase = 'handshake';
      socket = tcp;
    }
    setPhase(phase);
    try {
      client.connect({
        sock: socket,
        username: hop.user,
        readyTimeout: readyMs,
        keepaliveInterval: hop.keepaliveIntervalMs,
        keepaliveCountMax: hop.keepaliveCountMax,
        authHandler: authHandler(hop, log, ctx.passphrase),
        algorithms: {serverHostKey: hostKeyOrder(known)},
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
          // No key for it in known_hosts but a @cert-authority line: judged by its certificate (host-cert.ts).
          const ca = caLinesFor(hop, ctx.hostKeys, key);
          if (ca) {
            const open = reopen ?? (() => Promise.resolve(tcpConnect({host: hop.host, port: hop.port})));
            // Less than the handshake's own deadline, so a certificate exchange that hangs is reported as such.
            void checkHostCertificate(hop, ctx.hostKeys, key, ca, open, Math.max(1000, Math.floor(readyMs * 0.75))).then((r) => {
              refusal = r && ctx.hostKeys.acceptNew ? safeVerify(hop, ctx.hostKeys, key) : r;
              verify(refusal === null);
            });
            return;
          }
          try {
            refusal = verifyHostKey(hop, ctx.hostKeys, key);
          } catch (e) {
            refusal = new TargetError('host-key', `cannot check the host key of ${hop.alias}: ${(e as Error).message}`);
          }
          verify(refusal === null);
        },
      });
      // ssh2 has paused the socket and reads it once its crypto is ready: this listener does not
      // start the flow, it sees the same bytes.
      const peek = (b: Buffer) => {
        before += b.toString('latin1', 0, Math.min(b.length, 200 - before.length));
        if (before.length >= 200 || before.includes('SSH-')) socket.off('data', peek);
      };
      socket.on('data', peek);
    } catch (e) {
      fail(e);
    }
  });
}

/** Open a tunnel from `via` to the next hop. */
function tunnel(via: SshClient, viaHop: SshHop, next: SshHop): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    try {
      via.forwardOut('127.0.0.1', 0, next.host, next.port, (err, stream) => {
        if (err) {
          reject(
            new TargetError(
              'unreachable',
              `jump host ${viaHop.alias} could not reach ${next.host}:${next.port} (${err.message})`,
              `can ${viaHop.alias} reach ${next.alias}? its sshd must allow TCP forwarding (AllowTcpForwarding)`,
              {
                cause: err,
              },
            ),
          );
        } else {
          resolve(stream);
        }
      });
    } catch (e) {
      reject(new TargetError('unreachable', `jump host ${viaHop.alias} dropped the connection (${(e as Error).message})`));
    }
  });
}

/** Connect through every jump host to the node; resolves with the node's client. */
export function connectChain(ep: SshEndpoint, ctx: ConnectContext): Promise<SshClient> {
  return connectHops([...ep.jumps, ep], ctx, null, ep.jumps.length);
}

/**
 * Connect `hops` in order, each tunnelled over the one before; the first over `via` (a jump host
 * already connected, see ssh-jump-pool.ts) when given, else over TCP. The first `jumps` hops are
 * jump hosts (their errors are prefixed "jump host NAME:"). Resolves with the last hop's client.
 */
export async function connectHops(hops: SshHop[], ctx: ConnectContext, via: {client: SshClient; hop: SshHop} | null, jumps: number): Promise<SshClient> {
  let prev: SshClient | null = via?.client ?? null;
  let prevHop: SshHop | null = via?.hop ?? null;
  for (const [i, hop] of hops.entries()) {
    const isJump = i < jumps;
    ctx.phase(hop, 'tcp'); // a tunnel that never opens is a connect timeout to this hop
    const sock = prev && prevHop ? await tunnel(prev, prevHop, hop) : hop.proxyCommand ? proxyCommandStream(hop) : undefined;
    try {
      const via = prev && prevHop ? {client: prev, hop: prevHop} : null;
      const reopen = via
        ? () => tunnel(via.client, via.hop, hop)
        : hop.proxyCommand
          ? () => Promise.resolve(proxyCommandStream(hop, {record: false}))
          : undefined;
      prev = await connectHop(hop, ctx, sock, reopen);
    } catch (e) {
      sock?.destroy(); // a hop refused before its client took the stream (a ProxyCommand would linger)
      throw e instanceof TargetError ? viaJump(e, hop, isJump) : e;
    }
    prevHop = hop;
  }
  return prev!;
}
