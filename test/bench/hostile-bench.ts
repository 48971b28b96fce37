/**
 * Memory under hostile nodes (part of `npm run bench`; alone: `BENCH_ONLY=hostile npm run bench`
 * or `node dist/test/bench/hostile-bench.js`): the peak RSS of the real client checking 16 nodes
 * at `--concurrency 16` that each stream output endlessly (an `ssh2` Server on 127.0.0.1, in this
 * process), against the peak RSS of the same client on 16 healthy nodes (a real OpenSSH sshd on
 * loopback serving a lab node tree) in the same run, runs interleaved. The promise: the client's
 * memory is bounded by --concurrency times the per-node output cap, whatever the nodes send
 * (goal: under 200 MiB). Peak RSS comes from `process.resourceUsage().maxRSS` at exit (the
 * peak-rss.ts preload).
 */
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {loadavg, tmpdir} from 'node:os';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {pathToFileURL} from 'node:url';
import {startHostileSsh} from '../helpers/hostile-ssh.js';
import {startSshd} from '../helpers/sshd.js';
import {writeNodeTree} from '../../src/lab/node-tree.js';

const BIN = join(import.meta.dirname, '../../src/cli/bin.js');
const PRELOAD = pathToFileURL(join(import.meta.dirname, '../helpers/peak-rss.js')).href;

/** One client run: exit code, wall ms, peak RSS (KiB), and how many targets ended in each status. */
async function client(args: string[], home: string): Promise<{code: number | null; ms: number; peakKb: number; statuses: Record<string, number>}> {
  const rss = join(tmpdir(), `kd-bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const t = performance.now();
  const {code, stdout} = await new Promise<{code: number | null; stdout: string}>((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', PRELOAD, BIN, ...args], {
      env: {...process.env, HOME: home, NO_COLOR: '1', SSH_AUTH_SOCK: '', KD_PEAK_RSS_FILE: rss},
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    c.stdout.on('data', (b: Buffer) => void (out += b.toString()));
    c.on('error', reject);
    c.on('close', (code) => resolve({code, stdout: out}));
  });
  const ms = performance.now() - t;
  const peakKb = Number((await readFile(rss, 'utf8').catch(() => '0')).trim());
  await rm(rss, {force: true});
  const statuses: Record<string, number> = {};
  try {
    for (const x of (JSON.parse(stdout) as {targets: {status: string}[]}).targets) statuses[x.status] = (statuses[x.status] ?? 0) + 1;
  } catch {
    statuses['no-report'] = 1;
  }
  return {code, ms, peakKb, statuses};
}

/** The figures: peak RSS (MiB) of every run, hostile and healthy, and what the runs reported. */
export interface HostileBench {
  nodes: number;
  hostilePeakMb: number[];
  healthyPeakMb: number[];
  hostileMs: number[];
  healthyMs: number[];
  hostileStatuses: Record<string, number>;
  healthyStatuses: Record<string, number>;
  /** Bytes the hostile server managed to send, in all runs. */
  hostileSentMb: number;
}

/** Run it (`runs` interleaved pairs); a reason to skip without root and sshd. */
export async function benchHostile(dir: string, runs: number, nodes = 16): Promise<HostileBench | {skipped: string}> {
  if (!existsSync('/usr/sbin/sshd') || process.getuid?.() !== 0) return {skipped: 'needs root and /usr/sbin/sshd (for the healthy side)'};
  const home = join(dir, 'hostile-home');
  await mkdir(home, {recursive: true});
  const [sshd, hostile, node] = await Promise.all([
    startSshd(),
    startHostileSsh('endless'),
    writeNodeTree(join(dir, 'hostile-bench-node'), {layout: 'deb', hostname: 'bench-node', kubeletVersion: 'v1.30.2', scenario: 'cgroup-driver-mismatch'}),
  ]);
  try {
    const kh = join(dir, 'hostile-known_hosts');
    await writeFile(kh, `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPub}\n[127.0.0.1]:${hostile.port} ${hostile.hostKeyPub}\n`, {mode: 0o600});
    const inventory = async (name: string, port: number) => {
      const f = join(dir, name);
      await writeFile(
        f,
        `defaults:\n  user: root\n  port: ${port}\n  hostRoot: ${node.root}\nhosts:\n${Array.from({length: nodes}, (_, i) => `  - name: node-${i}\n    host: 127.0.0.1\n`).join('')}`,
      );
      return f;
    };
    const args = (inv: string) => [
      'check',
      '--inventory',
      inv,
      '--concurrency',
      String(nodes),
      '--ssh-config',
      'none',
      '--known-hosts',
      kh,
      '-i',
      sshd.keys.ed25519,
      '--timeout',
      '120',
      '--output',
      'json',
    ];
    const hostileInv = await inventory('inventory-hostile.yaml', hostile.port);
    const healthyInv = await inventory('inventory-healthy.yaml', sshd.port);
    const out: HostileBench = {
      nodes,
      hostilePeakMb: [],
      healthyPeakMb: [],
      hostileMs: [],
      healthyMs: [],
      hostileStatuses: {},
      healthyStatuses: {},
      hostileSentMb: 0,
    };
    for (let i = 0; i < runs; i++) {
      const h = await client(args(hostileInv), home);
      out.hostilePeakMb.push(h.peakKb / 1024);
      out.hostileMs.push(h.ms);
      for (const [k, v] of Object.entries(h.statuses)) out.hostileStatuses[k] = (out.hostileStatuses[k] ?? 0) + v;
      const g = await client(args(healthyInv), home);
      out.healthyPeakMb.push(g.peakKb / 1024);
      out.healthyMs.push(g.ms);
      for (const [k, v] of Object.entries(g.statuses)) out.healthyStatuses[k] = (out.healthyStatuses[k] ?? 0) + v;
    }
    out.hostileSentMb = hostile.sent() / (1024 * 1024);
    return out;
  } finally {
    await Promise.all([sshd.stop(), hostile.stop()]);
  }
}

/** Print the row (shared by bench.ts and the stand-alone run). */
export function printHostile(r: HostileBench): void {
  const max = (xs: number[]) => Math.max(...xs);
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const st = (s: Record<string, number>) =>
    Object.entries(s)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ');
  console.log(
    `${`peak RSS, ${r.nodes} hostile nodes (endless output), --concurrency ${r.nodes}`.padEnd(64)} ${`${max(r.hostilePeakMb).toFixed(0)} MiB`.padStart(8)}   ` +
      `${`${r.nodes} healthy nodes, same client`.padEnd(30)} ${`${max(r.healthyPeakMb).toFixed(0)} MiB`.padStart(8)}   ${(max(r.hostilePeakMb) / max(r.healthyPeakMb)).toFixed(2)}x   (goal < 200 MiB)`,
  );
  console.log(
    `    (max of ${r.hostilePeakMb.length} runs each; hostile ${r.hostilePeakMb.map((x) => x.toFixed(0)).join('/')} MiB, median ${med(r.hostileMs).toFixed(0)} ms, ` +
      `targets: ${st(r.hostileStatuses)}; healthy ${r.healthyPeakMb.map((x) => x.toFixed(0)).join('/')} MiB, median ${med(r.healthyMs).toFixed(0)} ms, targets: ${st(r.healthyStatuses)}; ` +
      `the hostile server sent ${r.hostileSentMb.toFixed(0)} MiB in all; load ${loadavg()[0]!.toFixed(2)})`,
  );
}

// Alone: `node dist/test/bench/hostile-bench.js` (BENCH_RUNS: pairs of runs, default 3).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = await mkdtemp(join(tmpdir(), 'kd-hostile-bench-'));
  try {
    const r = await benchHostile(dir, Number(process.env['BENCH_RUNS'] ?? 3));
    if ('skipped' in r) console.log(`skipped: ${r.skipped}`);
    else printHostile(r);
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
}
