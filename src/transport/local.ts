/**
 * The local transport: runs the probe with `sh -s` on this machine. `--local` reads the live
 * system; `--root DIR` reads a mounted node tree with commands off (see root-dir.ts).
 */
import {spawn} from 'node:child_process';
import {TargetError} from '../errors.js';
import type {RunOptions, RunResult, Transport} from './types.js';
import type {TransportKind} from '../facts/types.js';

/** Output beyond this is cut (the probe caps each record; this bounds a misbehaving shell). */
const MAX_OUTPUT = 64 * 1024 * 1024;

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
      const out: Buffer[] = [];
      let size = 0;
      let err = '';
      let timedOut = false;
      const kill = () => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, opts.timeoutMs);
      const onAbort = () => kill();
      opts.signal?.addEventListener('abort', onAbort, {once: true});
      child.stdout.on('data', (b: Buffer) => {
        size += b.length;
        if (size <= MAX_OUTPUT) out.push(b);
        else kill();
      });
      child.stderr.on('data', (b: Buffer) => {
        if (err.length < 16384) err += b.toString('utf8');
      });
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new TargetError('probe', `could not start ${this.shell.join(' ')}: ${e.message}`, undefined, {cause: e}));
      });
      child.on('close', (code, sig) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve({exitCode: code, signal: sig, stdout: Buffer.concat(out), stderr: err, timedOut});
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.script);
    });
  }

  async close(): Promise<void> {}
}
