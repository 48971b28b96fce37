/**
 * The SSH transport: the probe goes to the node over ONE exec channel (`sh -s`, or
 * `sudo -n sh -s` for a non-root user) with the script on stdin. One ssh2 connection per node,
 * opened on the first run and reused by later runs (fix steps, sequentially), closed by close().
 * Nodes behind the same jump hosts share one connection to them (ssh-jump-pool.ts).
 * A non-zero exit is data; connection, authentication, host-key, sudo and timeout failures
 * reject with a TargetError. Every phase has a deadline and an AbortSignal closes everything.
 */
import type {Socket} from 'node:net';
import type {Client as SshClient, ClientChannel} from 'ssh2';
import {TargetError} from '../errors.js';
import type {SshEndpoint, SshHop} from '../targets/types.js';
import type {PassphraseFn} from './ssh-auth.js';
import {connectChain, connectHops, type ConnectContext} from './ssh-connect.js';
import {leaseJump, type JumpLease} from './ssh-jump-pool.js';
import {timeoutError, type ConnectPhase} from './ssh-errors.js';
import {CappedOutput, outputCapError, TailBuffer} from './limits.js';
import type {RunOptions, RunResult, Transport} from './types.js';

/** How long close() waits for the server to acknowledge the disconnect before dropping the socket. */
const CLOSE_GRACE_MS = 1000;

/** Where a node's run is, for progress lines and the TUI. */
export type SshProgress = {phase: ConnectPhase; hop: string; jump: boolean} | {phase: 'probe'; hop: string; jump: false};

/** Optional hooks. */
export interface SshTransportOptions {
  /** Ask for an encrypted key's passphrase (the TUI); without it such keys are skipped and named in the error. */
  passphrase?: PassphraseFn;
  onProgress?: (p: SshProgress) => void;
  /** The probe's first output byte arrived (the bench's per-node time split; test/bench/split-bench.ts). */
  onFirstByte?: () => void;
}

// sudo(8) with -n: "a password is required" when it would prompt; older sudo says "a terminal is required".
const SUDO_PASSWORD = /sudo: (a password is required|a terminal is required|no tty present)/;
const SUDO_DENIED = /is not in the sudoers file|is not allowed to (run|execute) sudo|may not run sudo/;
const SUDO_MISSING = /sudo: (command )?not found|sudo: No such file/;

/** Run the probe on a node over SSH. */
export class SshTransport implements Transport {
  readonly kind = 'ssh' as const;
  readonly live = true;
  private readonly clients = new Set<SshClient>();
  private client: SshClient | null = null;
  /** The shared jump connection this node's connection goes through, while it is held. */
  private lease: JumpLease | null = null;
  /** A connection under way (see preconnect), and the last hop/phase it reported. */
  private pending: Promise<SshClient> | null = null;
  private reached: {hop: SshHop; phase: ConnectPhase} | null = null;
  /** Who hears about phases now: the run in progress, if any. */
  private onPhase: ((hop: SshHop, phase: ConnectPhase) => void) | null = null;

  constructor(
    readonly endpoint: SshEndpoint,
    readonly hostRoot: string,
    private opts: SshTransportOptions = {},
  ) {}

  /** Hooks given after construction (a connection opened early by preconnect gets its run's progress hook here). */
  setHooks(opts: SshTransportOptions): void {
    this.opts = {...this.opts, ...opts};
  }

  /**
   * Start connecting now (TCP, handshake, host key, login) without running anything on the node,
   * so the connection is made while the rest of the program loads. The first run() picks it up;
   * a failure is reported by that run, exactly as if it had connected itself. Nothing is
   * executed on the node before run(). `firstSocket`: a TCP connection to the first hop opened
   * earlier still (before ssh2 was loaded).
   */
  preconnect(timeoutMs: number, firstSocket?: Socket): void {
    if (this.client || this.pending) {
      firstSocket?.destroy();
      return;
    }
    const pending = this.startConnect(Date.now() + timeoutMs, firstSocket);
    pending.catch(() => undefined); // reported by the run that takes it
    this.pending = pending;
  }

  /** The remote command line: root runs the shell directly, anyone else through `sudo -n` (never a prompt). */
  get command(): string {
    return this.endpoint.user === 'root' ? 'sh -s' : 'sudo -n sh -s';
  }

  /** Run the script on the node (connecting first if needed); see the file comment for what rejects. */
  run(o: RunOptions): Promise<RunResult> {
    const ep = this.endpoint;
    return new Promise((resolve, reject) => {
      let done = false;
      let where: {hop: SshHop; phase: ConnectPhase | 'probe'} = {hop: ep.jumps[0] ?? ep, phase: 'tcp'};
      const out = new CappedOutput(o.maxOutputBytes);
      const stderr = new TailBuffer();
      let timedOut = false;
      const cleanup: (() => void)[] = [];
      const finish = (f: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
        for (const c of cleanup) c();
        f();
      };
      const result = (exitCode: number | null, signal: string | null): RunResult => ({exitCode, signal, stdout: out.take(), stderr: stderr.text(), timedOut});
      const timer = setTimeout(() => {
        if (where.phase === 'probe') {
          timedOut = true;
          finish(() => resolve(result(null, null)));
        } else {
          finish(() => reject(viaJumpTimeout(timeoutError(where.hop, where.phase as ConnectPhase, o.timeoutMs), where.hop, where.hop !== ep)));
        }
        this.destroyAll();
      }, o.timeoutMs);
      const onAbort = () => {
        finish(() => reject(new TargetError('interrupted', 'interrupted')));
        this.destroyAll();
      };
      if (o.signal?.aborted) return onAbort();
      o.signal?.addEventListener('abort', onAbort, {once: true});

      const lost = (why: string) =>
        finish(() => {
          const jump = this.lease?.gone() ? this.lease.hop : null;
          this.destroyAll();
          reject(
            jump
              ? new TargetError(
                  'probe',
                  `the connection to jump host ${jump.alias} was lost during the probe on ${ep.alias} (${why})`,
                  "sshd or the network on the jump host ended the session: run again, and check the jump host's sshd log",
                )
              : new TargetError(
                  'probe',
                  `the connection to ${ep.alias} was lost during the probe (${why})`,
                  "sshd, the network or something on the node ended the session: run again, and check the node's sshd log",
                ),
          );
        });

      this.connect(o, (hop, phase) => {
        where = {hop, phase};
        this.opts.onProgress?.({phase, hop: hop.alias, jump: hop !== ep});
      }).then(
        (client) => {
          this.onPhase = null;
          if (done) return;
          where = {hop: ep, phase: 'probe'};
          this.opts.onProgress?.({phase: 'probe', hop: ep.alias, jump: false});
          if (done) return; // the progress hook may have aborted the run
          const onErr = (e: Error) => lost(e.message);
          const onClose = () => lost('connection closed');
          client.on('error', onErr);
          client.on('close', onClose);
          cleanup.push(() => {
            client.off('error', onErr);
            client.off('close', onClose);
          });
          const onChannel = (err: Error | undefined, ch: ClientChannel) => {
            if (err) return lost(`could not open the exec channel: ${err.message}`);
            if (done) return void ch.close();
            const first = this.opts.onFirstByte;
            if (first) ch.once('data', () => first());
            ch.on('data', (b: Buffer) => {
              // Past the cap nothing more is read: the node is an error, and the connection is
              // dropped at once (a hostile server need not honour a polite channel close).
              if (!out.push(b)) {
                finish(() => reject(outputCapError(out.cap)));
                this.destroyAll();
              }
            });
            ch.stderr.on('data', (b: Buffer) => stderr.push(b));
            ch.on('error', (e: Error) => lost(e.message));
            ch.on('close', (code?: number | null, signal?: string) => finish(() => this.judge(code, signal, result, resolve, reject)));
            ch.end(o.script);
          };
          try {
            client.exec(this.command, onChannel);
          } catch (e) {
            lost((e as Error).message); // the connection went away between ready and exec
          }
        },
        (e: unknown) =>
          finish(() => {
            this.onPhase = null;
            this.destroyAll();
            reject(e);
          }),
      );
    });
  }

  /** Decide what a closed exec channel means: data (any exit code), or a sudo/kill failure. */
  private judge(
    code: number | null | undefined,
    signal: string | undefined,
    result: (c: number | null, s: string | null) => RunResult,
    resolve: (r: RunResult) => void,
    reject: (e: TargetError) => void,
  ): void {
    const ep = this.endpoint;
    const r = result(code ?? null, signal ?? null);
    if (this.command.startsWith('sudo') && r.stdout.length === 0 && code !== 0) {
      const who = ep.user;
      if (SUDO_PASSWORD.test(r.stderr)) {
        return reject(
          new TargetError(
            'sudo',
            `sudo on ${ep.alias} wants a password: give ${who} passwordless sudo for sh, or connect as root`,
            `e.g. /etc/sudoers.d/kubelet-doctor: ${who} ALL=(root) NOPASSWD: /bin/sh, /usr/bin/sh (or use -u root)`,
          ),
        );
      }
      if (SUDO_DENIED.test(r.stderr)) {
        return reject(
          new TargetError('sudo', `${who} may not use sudo on ${ep.alias}`, 'connect as root (-u root), or give the user passwordless sudo for sh'),
        );
      }
      if (code === 127 || SUDO_MISSING.test(r.stderr)) {
        return reject(new TargetError('sudo', `${who} is not root and ${ep.alias} has no sudo`, 'connect as root (-u root)'));
      }
    }
    if (signal) {
      return reject(
        new TargetError(
          'probe',
          `the probe on ${ep.alias} was killed (${signal}) before it finished`,
          "something on the node ended it (the OOM killer, a ForceCommand, an admin): run again, and check the node's journal",
        ),
      );
    }
    if (code === undefined || code === null) {
      return reject(
        new TargetError(
          'probe',
          `the session on ${ep.alias} ended before the probe finished (no exit status)`,
          "sshd or something on the node ended the session: run again, and check the node's sshd log",
        ),
      );
    }
    resolve(r);
  }

  /**
   * The node's client: reused while it lives, else the connection preconnect started, else a new
   * one through the jump chain. `phase` hears every phase from now on (and the one reached so far).
   */
  private connect(o: RunOptions, phase: (hop: SshHop, p: ConnectPhase) => void): Promise<SshClient> {
    if (this.client) return Promise.resolve(this.client);
    this.onPhase = phase;
    const early = this.pending;
    if (early) {
      // Taken once: its outcome (client or failure) is this run's; a failed early connection
      // is not retried, so a refused login is one attempt on the node, not two.
      this.pending = null;
      if (this.reached) phase(this.reached.hop, this.reached.phase);
      return early;
    }
    return this.startConnect(Date.now() + o.timeoutMs);
  }

  private startConnect(deadline: number, firstSocket?: Socket): Promise<SshClient> {
    const ep = this.endpoint;
    const phase = (hop: SshHop, p: ConnectPhase) => {
      this.reached = {hop, phase: p};
      this.onPhase?.(hop, p);
    };
    const ctx: ConnectContext = {
      hostKeys: ep.hostKeys,
      ...(this.opts.passphrase ? {passphrase: this.opts.passphrase} : {}),
      deadline,
      track: (c) => {
        this.clients.add(c);
        c.on('error', () => undefined); // late errors after settling must not crash the process
      },
      phase,
    };
    let connected: Promise<SshClient>;
    if (ep.jumps.length === 0) {
      connected = connectChain(ep, {...ctx, ...(firstSocket ? {firstSocket} : {})});
    } else {
      // Through the jump connection shared with the other nodes behind the same jump hosts.
      this.lease?.release();
      const lease = leaseJump(ep, {
        ...(this.opts.passphrase ? {passphrase: this.opts.passphrase} : {}),
        ...(firstSocket ? {firstSocket} : {}),
        phase,
      });
      this.lease = lease;
      connected = lease.client.then((jump) => {
        // Given up while the jump host was being reached (timeout, abort, close): no node login now.
        if (this.lease !== lease) throw new TargetError('interrupted', 'interrupted');
        return connectHops([ep], ctx, {client: jump, hop: lease.hop}, 0);
      });
    }
    return connected.then((client) => {
      client.once('close', () => {
        if (this.client === client) this.client = null;
      });
      this.client = client;
      return client;
    });
  }

  private destroyAll(): void {
    for (const c of this.clients) c.destroy();
    this.clients.clear();
    this.client = null;
    this.pending = null;
    this.lease?.release();
    this.lease = null;
  }

  /**
   * End the node's connection, politely first, and return the jump connection (the last node to
   * do so closes it). A direct connection that is up is not waited on: the disconnect is sent and
   * the socket half-closed, the server's side of the close finishes in the background (a socket
   * still open after CLOSE_GRACE_MS is dropped), and the node's fleet slot is free at once, as
   * OpenSSH's client exits without waiting for the server either. Waiting cost every node a round
   * trip to a node that is busy ending its session (test/bench/split-bench.ts: 12-18 % of a
   * 200-node run's summed node time).
   */
  async close(): Promise<void> {
    if (!this.lease && !this.pending && this.client && this.clients.size === 1) {
      const c = this.client;
      const drop = setTimeout(() => c.destroy(), CLOSE_GRACE_MS);
      drop.unref();
      c.once('close', () => clearTimeout(drop));
      c.end();
      this.clients.clear();
      this.client = null;
      return;
    }
    const all = [...this.clients].reverse();
    await Promise.all(
      all.map(
        (c) =>
          new Promise<void>((res) => {
            const t = setTimeout(res, CLOSE_GRACE_MS);
            t.unref();
            c.once('close', () => {
              clearTimeout(t);
              res();
            });
            c.end();
          }),
      ),
    );
    this.destroyAll();
  }
}

function viaJumpTimeout(e: TargetError, hop: SshHop, isJump: boolean): TargetError {
  return isJump ? new TargetError(e.kind, `jump host ${hop.alias}: ${e.message}`, e.hint) : e;
}
