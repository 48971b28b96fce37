/**
 * Connections opened before the rest of the program has loaded. A `check` over SSH spends most
 * of its time waiting for the node (sshd's handshake, login, the user's shell); loading the
 * catalogue, facts and reporters takes ~150 ms of CPU. Opening the first connections right after
 * the targets are known lets both happen at once: `warmUp` starts them, `transportFor` takes them.
 *
 * The TCP connections open before ssh2 is even loaded; then the SSH connection is made on them
 * (handshake, host key check, login). Only the connection is made early: nothing runs on a
 * node before the engine's run. A connection nobody took is dropped by `dropWarm` (the CLI does
 * so when the command ends, also after an option error) or when the signal aborts.
 */
import {connect as tcpConnect} from 'node:net';
import type {Target} from '../targets/types.js';
import type {SshTransport} from '../transport/ssh.js';

const warm = new Map<Target, SshTransport>();

/**
 * Start connecting to the first `concurrency` SSH targets (the ones the engine would start with).
 * Resolves once the connections are under way, not when they are up.
 */
export async function warmUp(targets: readonly Target[], o: {concurrency: number; timeoutMs: number; signal?: AbortSignal}): Promise<void> {
  const first = targets.slice(0, Math.max(1, o.concurrency)).filter((t): t is Extract<Target, {kind: 'ssh'}> => t.kind === 'ssh');
  if (first.length === 0 || o.signal?.aborted) return;
  // The TCP connections first: sshd accepts, starts its per-connection process and sends its
  // banner while ssh2 loads. A socket that fails here is replaced by a fresh connect, which
  // reports the failure the usual way.
  // Nodes behind the same jump host share one connection to it (transport/ssh-jump-pool.ts):
  // one early socket for all of them.
  const jumps = new Set<string>();
  const sockets = first.map((t) => {
    const hop = t.ssh.jumps[0] ?? t.ssh;
    if (hop.proxyCommand) return undefined; // reached through its ProxyCommand, not TCP
    if (t.ssh.jumps.length > 0) {
      const key = `${hop.user}@${hop.host}:${hop.port}`;
      if (jumps.has(key)) return undefined;
      jumps.add(key);
    }
    const sock = tcpConnect({host: hop.host, port: hop.port, noDelay: true});
    sock.on('error', () => undefined);
    return sock;
  });
  let SshTransport: typeof import('../transport/ssh.js').SshTransport;
  try {
    ({SshTransport} = await import('../transport/ssh.js'));
  } finally {
    if (o.signal?.aborted) for (const s of sockets) s?.destroy();
  }
  if (o.signal?.aborted) return;
  first.forEach((t, i) => {
    const tr = new SshTransport(t.ssh, t.hostRoot);
    tr.preconnect(o.timeoutMs, sockets[i]);
    warm.set(t, tr);
  });
  o.signal?.addEventListener('abort', dropWarm, {once: true});
}

/** The early connection for this target, if one was started (each is handed out once). */
export function takeWarm(t: Target): SshTransport | undefined {
  const tr = warm.get(t);
  if (tr) warm.delete(t);
  return tr;
}

/** Close every early connection nobody took. */
export function dropWarm(): void {
  for (const tr of warm.values()) void tr.close();
  warm.clear();
}
