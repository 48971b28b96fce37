/**
 * A hostile SSH server for the bounds tests and the bench: an `ssh2` Server on 127.0.0.1 (never
 * anything else) with a host key generated at start, accepting any public key, that answers the
 * probe's exec request the way a compromised or broken node might: endless output, a gigabyte
 * of output, genuine probe records cut mid-record, garbage with exit status 255, output and then
 * a channel that never closes. `knownHosts` writes the known_hosts file the client trusts it by.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {createServer, type Server as NetServer, type Socket} from 'node:net';
import type {Writable} from 'node:stream';
import ssh2 from 'ssh2';
import {labKeyPair} from '../../src/lab/lab-fleet.js';
import type {Connection, ServerChannel} from 'ssh2';

const {Server} = ssh2;

/** How the server answers the exec request. */
export type HostileMode =
  /** Output forever, as fast as the client takes it (flow control respected), never an exit status. */
  | 'endless'
  /** 1 GiB of output, then exit 0 and close. */
  | 'gigabyte'
  /** Runs the client's script (the real probe) with `sh -s`, sends the first 60% of its output, exit 0, close. */
  | 'cut'
  /** 64 KiB of random bytes on stdout (and some on stderr, escape sequences included), exit status 255. */
  | 'garbage-255'
  /** Some probe-like output, then nothing: the channel is never closed, no exit status. */
  | 'never-close'
  /** Runs the real probe, sends ALL of its output, then never sends an exit status or closes. */
  | 'complete-never-close'
  /** Stderr forever, no stdout, never closes. */
  | 'endless-stderr'
  /** The key exchange completes, then the login is never answered. */
  | 'stall-auth'
  /** Logs in, then never answers the request for a session channel. */
  | 'stall-session';

export interface HostileServer {
  port: number;
  /** `ssh-ed25519 AAAA…` of the generated host key. */
  hostKeyPub: string;
  /** Bytes the server wrote to channels so far (stdout + stderr). */
  sent(): number;
  /** Write a known_hosts file trusting this server; returns its path. */
  knownHosts(dir: string): Promise<string>;
  stop(): Promise<void>;
}

/** A client key pair for `-i` (any key is accepted). Returns the private key path. */
export async function writeClientKey(dir: string): Promise<string> {
  const k = labKeyPair('kd-hostile-client');
  const file = join(dir, `id_hostile_${randomBytes(4).toString('hex')}`);
  await writeFile(file, k.private, {mode: 0o600});
  return file;
}

/** A plausible run of probe records (the frame format of src/probe/frame.ts) of about `n` bytes. */
function probeLike(n: number): Buffer {
  const body = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n';
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < n; i++) {
    const rec = `\n@@KD1 F ok ${body.length} - /var/lib/kubelet/config-${i}.yaml\n${body}`;
    parts.push(rec);
    size += rec.length;
  }
  return Buffer.from(parts.join(''));
}

/** Write `total` bytes (Infinity: forever) of `chunk` to the channel, respecting flow control. */
function pump(ch: ServerChannel, chunk: Buffer, total: number, count: (n: number) => void, then?: () => void, to: Writable = ch): void {
  let left = total;
  let closed = false;
  ch.once('close', () => (closed = true));
  const go = () => {
    while (!closed && left > 0) {
      const b = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= b.length;
      count(b.length);
      if (!to.write(b)) return void to.once('drain', go);
    }
    if (!closed && left <= 0) then?.();
  };
  go();
}

/** Start a hostile server on 127.0.0.1 answering every exec with `mode`. */
export async function startHostileSsh(mode: HostileMode): Promise<HostileServer> {
  // labKeyPair redraws the one ed25519 key in ~256 that ssh2 1.17 generates malformed (mscdex/ssh2#1513).
  const host = labKeyPair('kd-hostile-host');
  const hostKeyPub = host.public.trim().split(/\s+/).slice(0, 2).join(' ');
  let sent = 0;
  const count = (n: number) => void (sent += n);
  const conns = new Set<Connection>();
  const children = new Set<ChildProcess>();
  const server = new Server({hostKeys: [host.private]}, (client) => {
    conns.add(client);
    client.on('error', () => undefined);
    client.on('close', () => conns.delete(client));
    client.on('authentication', (ctx) => {
      if (mode === 'stall-auth') return; // never answered
      if (ctx.method === 'publickey') ctx.accept();
      else ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        if (mode === 'stall-session') return; // never answered
        const session = acceptSession();
        session.on('exec', (acceptExec) => {
          const ch = acceptExec();
          ch.on('error', () => undefined);
          answer(mode, ch, count, children);
        });
      });
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.address() as {port: number}).port;
  return {
    port,
    hostKeyPub,
    sent: () => sent,
    async knownHosts(dir: string) {
      const f = join(dir, `known_hosts-hostile-${port}`);
      await writeFile(f, `[127.0.0.1]:${port} ${hostKeyPub}\n`, {mode: 0o600});
      return f;
    },
    stop: () =>
      new Promise<void>((res) => {
        for (const c of children) c.kill('SIGKILL');
        for (const c of conns) c.end();
        server.close(() => res());
        setTimeout(res, 2000).unref();
      }),
  };
}

/** Run the client's script with `sh -s` here; resolves with its whole stdout. */
function runScript(ch: ServerChannel, children: Set<ChildProcess>): Promise<Buffer> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-s'], {stdio: ['pipe', 'pipe', 'ignore']});
    children.add(child);
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stdin.on('error', () => undefined);
    child.on('close', () => {
      children.delete(child);
      resolve(Buffer.concat(out));
    });
    ch.pipe(child.stdin);
  });
}

function answer(mode: HostileMode, ch: ServerChannel, count: (n: number) => void, children: Set<ChildProcess>): void {
  switch (mode) {
    case 'endless':
      ch.resume();
      return pump(ch, probeLike(64 * 1024), Infinity, count);
    case 'gigabyte':
      ch.resume();
      return pump(ch, probeLike(64 * 1024), 1024 * 1024 * 1024, count, () => {
        ch.exit(0);
        ch.end();
      });
    case 'cut':
      void runScript(ch, children).then((out) => {
        const part = out.subarray(0, Math.floor(out.length * 0.6));
        count(part.length);
        ch.write(part);
        ch.exit(0);
        ch.end();
      });
      return;
    case 'garbage-255': {
      ch.resume();
      const junk = randomBytes(64 * 1024);
      count(junk.length);
      ch.write(junk);
      ch.stderr.write('\x1b[2J\x1b[31mgarbage\x07 from the node\r\n');
      ch.exit(255);
      ch.end();
      return;
    }
    case 'never-close': {
      ch.resume();
      const b = probeLike(4096);
      count(b.length);
      ch.write(b);
      return; // and nothing more, ever
    }
    case 'complete-never-close':
      void runScript(ch, children).then((out) => {
        count(out.length);
        ch.write(out);
      });
      return;
    case 'endless-stderr':
      ch.resume();
      return pump(ch, Buffer.from('sh: warning from a hostile node\n'.repeat(2048)), Infinity, count, undefined, ch.stderr);
    case 'stall-auth':
    case 'stall-session':
      return;
  }
}

/**
 * A TCP listener on 127.0.0.1 that accepts connections and never sends a byte (no SSH banner),
 * or with `greeting`, sends text lines before the banner forever (flow control respected).
 */
export async function startBannerless(greeting = false): Promise<{port: number; stop(): Promise<void>}> {
  const sockets = new Set<Socket>();
  const line = Buffer.from(`${'hostile pre-banner greeting '.repeat(8)}\r\n`.repeat(256));
  const server: NetServer = createServer((s) => {
    sockets.add(s);
    s.resume();
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    if (greeting) {
      const go = () => {
        while (!s.destroyed) if (!s.write(line)) return void s.once('drain', go);
      };
      go();
    }
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  return {
    port: (server.address() as {port: number}).port,
    stop: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}
