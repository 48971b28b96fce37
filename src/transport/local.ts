/**
 * The local transport: runs the probe with `sh -s` on this machine. `--local` reads the live
 * system; `--root DIR` reads a mounted node tree with commands off (see root-dir.ts). The whole
 * process group is killed at the time limit, on Ctrl-C, and when the output passes the cap
 * (limits.ts: then the run fails and nothing more is read).
 */
import {spawn} from 'node:child_process';
import {TargetError} from '../errors.js';
import {CappedOutput, outputCapError, TailBuffer} from './limits.js';
import type {RunOptions, RunResult, Transport} from './types.js';
import type {TransportKind} from '../facts/types.js';

/** After killing the group, how long to wait for its pipes to close before giving up on them. */
const KILL_GRACE_MS = 2000;

/** Run the probe locally. */
export class LocalTransport implements Transport {
  constructor(
    readonly kind: TransportKind,
    readonly hostRoot: string,
    readonly live: boolean,
    /** The shell command line; the probe goes to its stdin. */
    private readonly shell: readonly string[] = ['sh'],
    /** Extra environment (tests run the probe with busybox applets first on PATH). */
    private readonly env?: NodeJS.ProcessEnv,
  ) {}

  run(opts: RunOptions): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.shell[0]!, [...this.shell.slice(1), '-s'], {
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
        ...(this.env ? {env: {...process.env, ...this.env}} : {}),
      });
      const out = new CappedOutput(opts.maxOutputBytes);
      const err = new TailBuffer();
      let timedOut = false;
      let done = false;
      let grace: NodeJS.Timeout | undefined;
      const finish = (f: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearTimeout(grace);
        opts.signal?.removeEventListener('abort', onAbort);
        f();
      };
      const result = (code: number | null, sig: NodeJS.Signals | null): RunResult => ({
        exitCode: code,
        signal: sig,
        stdout: out.take(),
        stderr: err.text(),
        timedOut,
      });
      const kill = () => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
        // Something outside the group (setsid) may still hold the pipes: stop waiting for them.
        grace ??= setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          finish(() => resolve(result(null, 'SIGKILL')));
        }, KILL_GRACE_MS);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, opts.timeoutMs);
      const onAbort = () => kill();
      opts.signal?.addEventListener('abort', onAbort, {once: true});
      child.stdout.on('data', (b: Buffer) => {
        if (out.push(b)) return;
        child.stdout.destroy();
        child.stderr.destroy();
        kill();
        finish(() => reject(outputCapError(out.cap)));
      });
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) =>
        finish(() => {
          reject(new TargetError('probe', `could not start ${this.shell.join(' ')}: ${e.message}`, undefined, {cause: e}));
        }),
      );
      child.on('close', (code, sig) => finish(() => resolve(result(code, sig))));
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.script);
    });
  }

  async close(): Promise<void> {}
}
