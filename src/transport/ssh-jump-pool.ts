/**
 * Jump hosts shared by the nodes behind them. Every node of a run that goes through the same
 * jump chain (same hosts, ports, users, keys and known_hosts policy after ssh_config) uses ONE
 * connection to it: each node's SSH connection is a `direct-tcpip` channel over that connection
 * (what `ssh -J` opens per node, multiplexed), so a fleet of 200 nodes behind a bastion is one
 * login on the bastion, one host-key check, and no MaxStartups queue there.
 *
 * A node takes a lease while it connects and holds it until its own connection is closed. The
 * jump connection ends when the last lease is returned (a turn of the event loop later, so the
 * next node of a fleet picks it up instead of logging in again). A failed jump connection fails
 * every node waiting on it with the same error, and stays failed for a moment
 * (FAILED_REMEMBER_MS) so the rest of a fleet is not sent to a bastion that just refused it.
 */
import type {Socket} from 'node:net';
import type {Client as SshClient} from 'ssh2';
import type {SshEndpoint, SshHop} from '../targets/types.js';
import type {PassphraseFn} from './ssh-auth.js';
import {connectHops} from './ssh-connect.js';
import type {ConnectPhase} from './ssh-errors.js';

/** How long close waits for the jump host to acknowledge the disconnect before dropping the socket. */
const CLOSE_GRACE_MS = 1000;
/** How long a failed jump connection is the answer for later nodes behind it (then it is tried again). */
const FAILED_REMEMBER_MS = 5000;

type PhaseFn = (hop: SshHop, phase: ConnectPhase) => void;

interface Shared {
  key: string;
  /** The last jump host: the node's connection is tunnelled over its client. */
  hop: SshHop;
  ready: Promise<SshClient>;
  /** Every client of the chain (outermost first). */
  clients: SshClient[];
  leases: number;
  reached: {hop: SshHop; phase: ConnectPhase} | null;
  listeners: Set<PhaseFn>;
  /** Every jump host connected and logged in. */
  up: boolean;
  /** Set once the connection has gone (closed, failed or ended). */
  gone: boolean;
}

const pool = new Map<string, Shared>();

/** A node's use of a shared jump connection. */
export interface JumpLease {
  /** The last jump host. */
  hop: SshHop;
  /** Its client once every jump host is connected (rejects with the jump host's error). */
  client: Promise<SshClient>;
  /** Whether the shared connection has gone (closed or failed), e.g. to say why a node's connection was lost. */
  gone(): boolean;
  /** Done with it (idempotent): the last lease returned closes the jump connection. */
  release(): void;
}

/** What decides whether two nodes can share their jump connection: the chain after ssh_config, and the host-key policy. */
export function jumpKey(ep: SshEndpoint): string {
  return JSON.stringify([
    ep.jumps.map((h) => [h.host, h.port, h.user, h.identityFiles, h.useAgent, h.proxyCommand ?? null]),
    ep.hostKeys.knownHostsFile,
    ep.hostKeys.acceptNew,
  ]);
}

/**
 * A lease on the connection to `ep`'s jump chain (which must not be empty): the one already open
 * or being opened for another node, else a new one. `phase` hears the jump hosts' phases (the
 * one reached so far at once). `firstSocket` (a TCP socket to the first jump host opened early)
 * is used for a new connection and dropped otherwise.
 */
export function leaseJump(ep: SshEndpoint, o: {passphrase?: PassphraseFn; firstSocket?: Socket; phase: PhaseFn}): JumpLease {
  const key = jumpKey(ep);
  let s = pool.get(key);
  if (s) {
    o.firstSocket?.destroy();
  } else {
    s = open(key, ep, o);
  }
  const shared = s;
  shared.leases++;
  shared.listeners.add(o.phase);
  if (shared.reached) o.phase(shared.reached.hop, shared.reached.phase);
  let released = false;
  return {
    hop: shared.hop,
    client: shared.ready,
    gone: () => shared.gone,
    release: () => {
      if (released) return;
      released = true;
      shared.listeners.delete(o.phase);
      shared.leases--;
      if (shared.leases === 0) setImmediate(() => shared.leases === 0 && retire(shared));
    },
  };
}

function open(key: string, ep: SshEndpoint, o: {passphrase?: PassphraseFn; firstSocket?: Socket}): Shared {
  const s: Shared = {
    key,
    hop: ep.jumps[ep.jumps.length - 1]!,
    ready: Promise.resolve(null as unknown as SshClient),
    clients: [],
    leases: 0,
    reached: null,
    listeners: new Set(),
    up: false,
    gone: false,
  };
  s.ready = connectHops(
    ep.jumps,
    {
      hostKeys: ep.hostKeys,
      // Not the first node's deadline: the connection outlives it. Each hop has its ConnectTimeout;
      // each node its own --timeout, and the last node to give up drops the connection (retire).
      deadline: Number.POSITIVE_INFINITY,
      ...(o.passphrase ? {passphrase: o.passphrase} : {}),
      ...(o.firstSocket ? {firstSocket: o.firstSocket} : {}),
      track: (c) => {
        s.clients.push(c);
        c.on('error', () => undefined); // late errors after settling must not crash the process
      },
      phase: (hop, p) => {
        s.reached = {hop, phase: p};
        for (const l of s.listeners) l(hop, p);
      },
    },
    null,
    ep.jumps.length,
  ).then(
    (client) => {
      if (s.gone) {
        client.destroy();
        throw new Error('the jump connection was closed');
      }
      s.up = true;
      // Gone with the jump host (or any hop of the chain): later nodes open a new one.
      for (const c of s.clients) c.once('close', () => forget(s));
      return client;
    },
    (e: unknown) => {
      for (const c of s.clients) c.destroy();
      if (pool.get(key) === s) {
        s.gone = true;
        // Kept as the answer for the nodes that come next, for a moment (see the file comment).
        setTimeout(() => pool.get(key) === s && pool.delete(key), FAILED_REMEMBER_MS).unref();
      }
      throw e;
    },
  );
  s.ready.catch(() => undefined); // each lease's user hears it
  pool.set(key, s);
  return s;
}

function forget(s: Shared): void {
  s.gone = true;
  if (pool.get(s.key) === s) pool.delete(s.key);
}

/** End the jump connection (politely, then dropped after CLOSE_GRACE_MS); one still connecting is dropped. */
function retire(s: Shared): void {
  if (s.gone || !s.up) {
    if (!s.gone) forget(s); // still connecting: dropped (a failure stays remembered, see open)
    for (const c of s.clients) c.destroy();
    return;
  }
  forget(s);
  for (const c of [...s.clients].reverse()) {
    const t = setTimeout(() => c.destroy(), CLOSE_GRACE_MS);
    t.unref();
    c.once('close', () => clearTimeout(t));
    c.end();
  }
}

/** How many jump connections are open or opening (for tests). */
export function openJumps(): number {
  return [...pool.values()].filter((s) => !s.gone).length;
}
