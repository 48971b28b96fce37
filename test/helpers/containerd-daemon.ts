/**
 * A real containerd for tests: `/usr/bin/containerd --config <file>` with its root, state, and
 * gRPC, ttrpc and debug sockets all in a temporary directory, so it touches nothing of the host's.
 * The test gives the CRI plugin's settings (TOML after `version = 2`); stop it in afterAll.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

/** Where Debian's containerd package puts the daemon. */
export const CONTAINERD = '/usr/bin/containerd';

/** Why a real containerd cannot be started here (tests skip with it), or null. */
export function containerdMissing(): string | null {
  if (!existsSync(CONTAINERD)) return `${CONTAINERD} is not installed (apt-get install containerd)`;
  if (process.getuid?.() !== 0) return 'containerd for tests needs root (it mounts and sets up its state directory)';
  return null;
}

/** A running containerd. */
export interface Containerd {
  /** Its gRPC (CRI) socket. */
  socket: string;
  /** The config file it was started with. */
  config: string;
  /** Everything it writes (root, state, sockets, config, log). */
  dir: string;
  /** What it logged so far. */
  log: () => string;
  /** Kill it, wait for its exit and remove its directory. */
  stop: () => Promise<void>;
}

/**
 * Start containerd with `body` (TOML without `version`, `root`, `state` and the addresses) and
 * wait until it logs that it booted and its socket exists: the socket appears before the CRI
 * service is registered, so the file alone is not enough.
 */
export async function startContainerd(body: string, opts: {socket?: string; timeoutMs?: number} = {}): Promise<Containerd> {
  const dir = await mkdtemp(join(tmpdir(), 'kd-ctd-'));
  const socket = opts.socket ?? join(dir, 'containerd.sock');
  await mkdir(join(socket, '..'), {recursive: true});
  const config = join(dir, 'config.toml');
  const head = [
    'version = 2',
    `root = ${JSON.stringify(join(dir, 'root'))}`,
    `state = ${JSON.stringify(join(dir, 'state'))}`,
    '[grpc]',
    `  address = ${JSON.stringify(socket)}`,
    '[ttrpc]',
    `  address = ${JSON.stringify(`${socket}.ttrpc`)}`,
    '[debug]',
    `  address = ${JSON.stringify(join(dir, 'debug.sock'))}`,
  ].join('\n');
  await writeFile(config, `${head}\n${body}\n`);
  const child: ChildProcess = spawn(CONTAINERD, ['--config', config], {stdio: ['ignore', 'ignore', 'pipe']});
  let log = '';
  child.stderr?.on('data', (b: Buffer) => {
    if (log.length < 1_000_000) log += b.toString();
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await rm(dir, {recursive: true, force: true});
  };
  const isSocket = () =>
    stat(socket).then(
      (s) => s.isSocket(),
      () => false,
    );
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (!log.includes('containerd successfully booted') || !(await isSocket())) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`containerd did not start: ${log.slice(-800)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {socket, config, dir, log: () => log, stop};
}
