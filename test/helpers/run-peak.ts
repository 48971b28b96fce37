/**
 * Run the real binary with its peak RSS measured (the peak-rss.ts preload writes
 * `process.resourceUsage().maxRSS` at exit). A guard kills it after `guardMs`, reported as `killed`.
 */
import {spawn} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {BIN} from './sshd.js';

/** The compiled preload: beside this file when it runs from dist/, else under dist/ (vitest runs the sources). */
const PRELOAD = pathToFileURL(
  existsSync(join(import.meta.dirname, 'peak-rss.js'))
    ? join(import.meta.dirname, 'peak-rss.js')
    : join(import.meta.dirname, '../../dist/test/helpers/peak-rss.js'),
).href;
const MiB = 1024 * 1024;

/** What the run printed, how it ended, and its peak RSS in KiB (0: not reported). */
export interface PeakRun {
  code: number | null;
  killed: boolean;
  stdout: string;
  stderr: string;
  peakKb: number;
}

export async function runCliPeak(args: string[], opts: {env?: NodeJS.ProcessEnv; guardMs?: number; maxStdout?: number} = {}): Promise<PeakRun> {
  const rssFile = join(tmpdir(), `kd-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const r = await new Promise<Omit<PeakRun, 'peakKb'>>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', PRELOAD, BIN, ...args], {
      env: {...process.env, NO_COLOR: '1', SSH_AUTH_SOCK: '', ...opts.env, KD_PEAK_RSS_FILE: rssFile},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (b: Buffer) => void (stdout.length < (opts.maxStdout ?? 4 * MiB) && (stdout += b.toString())));
    child.stderr.on('data', (b: Buffer) => void (stderr.length < MiB && (stderr += b.toString())));
    const guard = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, opts.guardMs ?? 100_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({code, killed, stdout, stderr});
    });
  });
  const peakKb = Number((await readFile(rssFile, 'utf8').catch(() => '0')).trim());
  await rm(rssFile, {force: true});
  return {...r, peakKb};
}

/** A fleet of many targets for memory runs: cheap sessions on the lab's SSH server, plus dead nodes. */
export interface CheapFleet {
  /** An inventory of `good + silent + refused` hosts (names n0000…), silent and refused spread through it. */
  inventory(file: string, counts: {good: number; silent: number; refused: number}): Promise<void>;
  knownHostsFile: string;
  /** How many lab SSH servers (one per lab scenario) serve the good targets. */
  servers: number;
  stop(): Promise<void>;
}

/**
 * The lab fleet's nodes, each probed once for real; then one lab SSH server per scenario whose
 * `sh` (first on the session's PATH) reads the probe from stdin and answers with the bytes that
 * node's real probe wrote. Every good target is a real SSH login and a real probe exchange with
 * real output, at the cost of a `cat` on the serving side, so hundreds of targets fit on two
 * cores. Silent targets accept TCP and never say a word; refused ones are a closed port.
 */
export async function startCheapFleet(dir: string): Promise<CheapFleet> {
  const {startLabFleet, labKeyPair, LAB_USER} = await import('../../src/lab/lab-fleet.js');
  const {startLabSshServer} = await import('../../src/lab/ssh-server.js');
  const {buildProbeScript} = await import('../../src/probe/script.js');
  const {mkdir, writeFile, chmod} = await import('node:fs/promises');
  const {createServer} = await import('node:net');
  const lab = await startLabFleet({dir: join(dir, 'lab')});
  const recorded: {root: string; hostname: string; file: string}[] = [];
  try {
    for (const n of lab.nodes) {
      const out = await new Promise<Buffer>((resolve, reject) => {
        const child = spawn('/bin/sh', ['-c', 'sh -s'], {
          cwd: n.dirs.home,
          env: {PATH: `${n.dirs.bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: n.dirs.home, USER: 'root', LANG: 'C.UTF-8'},
          stdio: ['pipe', 'pipe', 'ignore'],
        });
        const chunks: Buffer[] = [];
        child.stdout.on('data', (b: Buffer) => chunks.push(b));
        child.on('error', reject);
        child.on('close', () => resolve(Buffer.concat(chunks)));
        child.stdin.end(buildProbeScript({hostRoot: n.info.root, live: true, joinEndpoint: null}));
      });
      const file = join(dir, 'replay', n.info.hostname, 'probe.out');
      await mkdir(join(dir, 'replay', n.info.hostname, 'bin'), {recursive: true});
      await writeFile(file, out);
      const sh = join(dir, 'replay', n.info.hostname, 'bin', 'sh');
      await writeFile(sh, `#!/bin/sh\ncat >/dev/null\nexec cat '${file}'\n`);
      await chmod(sh, 0o755);
      recorded.push({root: n.info.root, hostname: n.info.hostname, file});
    }
  } finally {
    await lab.stop();
  }
  const client = readFileSync(`${lab.identityFile}.pub`, 'utf8');
  const host = labKeyPair('kd-cheap-fleet');
  const servers = await Promise.all(
    recorded.map((r) =>
      startLabSshServer({
        hostKey: host.private,
        authorizedKey: client,
        user: LAB_USER,
        node: {hostname: r.hostname, binDir: join(dir, 'replay', r.hostname, 'bin'), homeDir: join(dir, 'replay', r.hostname)},
      }),
    ),
  );
  const silent = createServer((s) => {
    s.on('error', () => undefined);
    silentSockets.add(s);
    s.once('close', () => silentSockets.delete(s));
  });
  const silentSockets = new Set<import('node:net').Socket>();
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const refusedPort = (closed.address() as {port: number}).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const silentPort = (silent.address() as {port: number}).port;
  const knownHostsFile = join(dir, 'known_hosts');
  const hostKey = host.public.split(' ').slice(0, 2).join(' ');
  await writeFile(knownHostsFile, servers.map((s) => `[127.0.0.1]:${s.port} ${hostKey}\n`).join(''));
  return {
    knownHostsFile,
    servers: servers.length,
    inventory: async (file, c) => {
      const total = c.good + c.silent + c.refused;
      const bad = c.silent + c.refused;
      const lines: string[] = [];
      let good = 0;
      let dead = 0;
      let silents = 0;
      let refuseds = 0;
      for (let i = 0; i < total; i++) {
        const name = `n${String(i).padStart(4, '0')}`;
        // Dead nodes spread evenly, so they arrive throughout the run, not all at its end.
        const deadHere = dead < bad && (good >= c.good || Math.floor(((i + 1) * bad) / total) > dead);
        if (deadHere) {
          // Silent and refused alternate while both last.
          const isSilent = (dead % 2 === 0 && silents < c.silent) || refuseds >= c.refused;
          if (isSilent) silents++;
          else refuseds++;
          const port = isSilent ? silentPort : refusedPort;
          lines.push(`  - {name: ${name}, host: 127.0.0.1, port: ${port}, hostRoot: /}`);
          dead++;
        } else {
          const s = servers[good % servers.length]!;
          const r = recorded[good % recorded.length]!;
          lines.push(`  - {name: ${name}, host: 127.0.0.1, port: ${s.port}, hostRoot: ${r.root}}`);
          good++;
        }
      }
      await writeFile(file, ['defaults:', '  user: root', `  identity: ${lab.identityFile}`, 'hosts:', ...lines, ''].join('\n'));
    },
    stop: async () => {
      for (const s of silentSockets) s.destroy();
      await Promise.all([...servers.map((s) => s.stop()), new Promise<void>((resolve) => silent.close(() => resolve()))]);
    },
  };
}
