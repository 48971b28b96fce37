/**
 * ssh_config `ProxyCommand`: the command is run as ssh(1) runs it (`$SHELL -c "exec COMMAND"`,
 * /bin/sh when SHELL is unset) and SSH is spoken over its stdin and stdout instead of a TCP
 * connection (ssh2 takes any duplex stream as `sock`). Its tokens (%h %p %r %n %%) were expanded
 * when the target was resolved (ssh-config.ts `expandProxyTokens`).
 *
 * The command is the operator's own (their ssh_config), so it runs; what it prints is not
 * trusted: its stderr is kept as a bounded tail for the error message only. The stream ends only
 * once the command has exited, so the connection error can say how it exited (`proxyExit`). The
 * command runs in a process group of its own, without the terminal (it must not prompt: use an
 * agent), and the whole group is killed when the connection is closed or dropped, or the process
 * exits (ssh(1) sends it SIGHUP; a shell's own children would otherwise outlive it).
 */
import {spawn} from 'node:child_process';
import {Duplex} from 'node:stream';
import type {SshHop} from '../targets/types.js';

/** How much of the command's stderr is kept for the message. */
const STDERR_TAIL = 2048;

/** How a hop's ProxyCommand ended, for the connection error (the latest one per hop). */
export interface ProxyExit {
  /** "exited with status 1", "was killed by SIGKILL", "could not be started (ENOENT)". */
  how: string;
  /** The last line(s) it wrote to stderr, printable characters only. */
  stderr: string;
}

const exits = new WeakMap<SshHop, ProxyExit>();
/** Process groups of the commands still running (killed if this process exits first). */
const running = new Set<number>();
let exitHook = false;

function killGroup(pid: number): void {
  running.delete(pid);
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/** How the hop's ProxyCommand ended, if it has (read by ssh-errors.ts for the message). */
export function proxyExit(hop: SshHop): ProxyExit | undefined {
  return exits.get(hop);
}

/** Printable one-line form of what the command wrote (it may carry a node's words: no terminal escapes). */
function printable(s: string, max: number): string {
  const t = s
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/[^\x20-\x7e]+/g, ' ')
    .trim();
  return t.length > max ? `…${t.slice(t.length - max)}` : t;
}

/**
 * Start `hop.proxyCommand` and return the stream to speak SSH over. `record: false` for a side
 * exchange (the host certificate's, host-cert.ts) whose end must not become the connection's.
 */
export function proxyCommandStream(hop: SshHop, o: {record?: boolean} = {}): Duplex {
  const command = hop.proxyCommand ?? '';
  const record = o.record !== false;
  if (record) exits.delete(hop);
  const shell = process.env['SHELL'] || '/bin/sh';
  const child = spawn(shell, ['-c', `exec ${command}`], {stdio: ['pipe', 'pipe', 'pipe'], detached: true});
  const pid = child.pid;
  if (pid !== undefined) {
    running.add(pid);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => {
        for (const p of [...running]) killGroup(p);
      });
    }
  }
  let stderr = '';
  let ended = false;
  const stream = new Duplex({
    // Its output ending ends the stream (and closes it, which ssh2 reports as the connection closing).
    allowHalfOpen: false,
    read() {
      child.stdout?.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (!child.stdin || child.stdin.destroyed) return cb();
      child.stdin.write(chunk, () => cb());
    },
    final(cb) {
      child.stdin?.end();
      cb();
    },
    destroy(err, cb) {
      if (pid !== undefined && running.has(pid)) killGroup(pid);
      child.stdin?.destroy();
      child.stdout?.destroy();
      child.stderr?.destroy();
      cb(err);
    },
  });
  child.stdin?.on('error', () => undefined); // EPIPE once the command has gone: its exit says why
  child.stdout?.on('data', (d: Buffer) => {
    if (!stream.push(d)) child.stdout?.pause();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-STDERR_TAIL);
  });
  const finish = (how: string) => {
    if (ended) return;
    ended = true;
    if (pid !== undefined) killGroup(pid); // what it left behind in its group
    const lines = printable(stderr, 200);
    if (record) exits.set(hop, {how, stderr: lines});
    stream.push(null);
  };
  child.on('error', (e: NodeJS.ErrnoException) => finish(`could not be started (${e.code ?? e.message})`));
  // 'close': exited AND its stdout drained, so everything it printed was pushed before the end.
  child.on('close', (code, signal) => finish(signal ? `was killed by ${signal}` : `exited with status ${code}`));
  return stream;
}
