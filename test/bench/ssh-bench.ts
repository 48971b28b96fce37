/**
 * The SSH rows of `npm run bench` (issue 14's table), each against OpenSSH running the SAME probe
 * script the client sends (src/probe/script.ts, sent as the SSH transport sends it: `sh -s` with
 * the script on stdin), so that a ratio is the client's own overhead, not the probe's work on the
 * node. Runs are interleaved (ours, baseline, ours, …) so load from anything else on the machine
 * falls on both sides alike:
 *   one node    whole process  vs  `ssh -o BatchMode=yes HOST sh -s < probe`   (goal <= 1.15x)
 *               (and, for scale, `ssh HOST true`), on a real OpenSSH sshd on loopback
 *   fleet       N nodes (default 200, BENCH_NODES) at the default concurrency 16  vs
 *               `parallel-ssh -p 16 -I HOST… sh -s < probe`                         (goal < 1.0x)
 *   client CPU  user+sys of our process per node  vs  parallel-ssh and the ssh clients it ran
 *               (GNU time counts the children it waited for), from the same runs   (goal <= 0.2x)
 * The fleet's server is OpenSSH sshd by default (the probe's real work on every node, shared by
 * both sides); BENCH_FLEET_SERVER=lab serves it from the bench fleet (src/lab/bench-fleet.ts,
 * recorded probe output, in a process of its own) instead, where the node side costs little.
 * Each row prints the median, the spread (min–max) and the load average when it finished.
 * BENCH_COMPARE_BIN=/path/to/other/dist/src/cli/bin.js adds the same rows for another build
 * (e.g. the previous commit), measured in the same interleaved runs against the same servers.
 * Alone: `BENCH_ONLY=ssh,fleet npm run bench`, or `node dist/test/bench/ssh-bench.js`.
 */
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, readFileSync, rmSync} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {loadavg, tmpdir} from 'node:os';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {pathToFileURL} from 'node:url';
import {startSshd, type Sshd} from '../helpers/sshd.js';
import {mixedNodes, writeBenchHosts, writeBenchInventory} from '../../src/lab/bench-fleet.js';
import {writeNodeTree, type NodeTreeInfo} from '../../src/lab/node-tree.js';
import {buildProbeScript} from '../../src/probe/script.js';
import {startFleetProcess, type FleetProcess} from './fleet-process.js';

/** One row of figures. */
export interface Row {
  what: string;
  ms: number;
  base: string;
  baseMs: number;
  /** min–max of both sides and the 1-minute load average when the row finished. */
  note?: string;
  /** Issue 14's goal for the ratio, when the row is one of its table's. */
  goal?: {text: string; met: (ratio: number) => boolean};
  /** The unit of ms/baseMs when they are not milliseconds of wall time. */
  unit?: string;
}

/** The built binary (the bench runs from dist/test/bench). */
export const BIN = join(import.meta.dirname, '../../src/cli/bin.js');
/** What `npm install -g` of the tarball runs (package.json bin; `prepare` builds it). */
export const INSTALLED = join(import.meta.dirname, '../../bin/esm/kubelet-doctor.js');

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
export const load = () => loadavg()[0]!.toFixed(2);

/**
 * GNU time (Debian's `time` package) reports a command's CPU time including the processes it
 * waited for (parallel-ssh's ssh clients), and its peak RSS; without it only wall time and a
 * polled peak RSS are measured.
 */
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/**
 * Run a command; resolve with wall time, the peak RSS (KiB), the CPU time the command and the
 * processes it waited for used on this machine (user + system; null without GNU time), the exit
 * code, and its stdout when `keepStdout`.
 */
export function timed(
  cmd: string,
  args: string[],
  input?: string,
  opts: {keepStdout?: boolean; env?: NodeJS.ProcessEnv} = {},
): Promise<{ms: number; peakKb: number; cpuMs: number | null; code: number | null; stdout: string}> {
  return new Promise((resolve) => {
    const usage = GNU_TIME ? join(tmpdir(), `kd-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`) : null;
    const out = opts.keepStdout ? 'pipe' : 'ignore';
    const env = {...process.env, SSH_AUTH_SOCK: '', NO_COLOR: '1', ...opts.env};
    const t = performance.now();
    const child = usage
      ? spawn(GNU_TIME!, ['-f', '%U %S %M', '-o', usage, cmd, ...args], {stdio: [input === undefined ? 'ignore' : 'pipe', out, 'ignore'], env})
      : spawn(cmd, args, {stdio: [input === undefined ? 'ignore' : 'pipe', out, 'ignore'], env});
    let stdout = '';
    child.stdout?.on('data', (b: Buffer) => void (stdout.length < 64 * 1024 * 1024 && (stdout += b.toString())));
    let peak = 0;
    const poll = usage
      ? null
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) peak = Math.max(peak, Number(m[1]));
          } catch {
            /* exited */
          }
        }, 20);
    if (input !== undefined) child.stdin!.end(input);
    child.on('close', (code) => {
      const ms = performance.now() - t;
      if (poll) clearInterval(poll);
      let cpuMs: number | null = null;
      if (usage) {
        try {
          const [u, sys, m] = readFileSync(usage, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
          cpuMs = (u! + sys!) * 1000;
          peak = m!;
        } catch {
          /* no figures: leave them out */
        }
        rmSync(usage, {force: true});
      }
      resolve({ms, peakKb: peak, cpuMs, code, stdout});
    });
  });
}

type Job = {name: string; run: () => ReturnType<typeof timed>; ok?: (code: number | null) => boolean};

/** Run every job `n` times, interleaved (a b c a b c …); the samples of each: wall and CPU ms. */
async function interleaved(n: number, jobs: Job[]): Promise<Map<string, {ms: number[]; cpuMs: number[]; peakKb: number}>> {
  const out = new Map(jobs.map((j) => [j.name, {ms: [] as number[], cpuMs: [] as number[], peakKb: 0}]));
  for (let i = 0; i < n; i++) {
    for (const j of jobs) {
      const r = await j.run();
      if (j.ok && !j.ok(r.code)) throw new Error(`bench: ${j.name} exited ${r.code}`);
      const o = out.get(j.name)!;
      o.ms.push(r.ms);
      if (r.cpuMs !== null) o.cpuMs.push(r.cpuMs);
      o.peakKb = Math.max(o.peakKb, r.peakKb);
    }
  }
  return out;
}

/** What the SSH rows need: root, sshd, parallel-ssh. Null when they can run. */
export function sshBenchMissing(): string | null {
  if (!existsSync('/usr/sbin/sshd') || process.getuid?.() !== 0) return 'needs root and /usr/sbin/sshd';
  if (!pssh()) return 'parallel-ssh (Debian pssh) is not installed';
  return null;
}
const pssh = () => ['parallel-ssh', 'pssh'].find((p) => spawnSync('sh', ['-c', `command -v ${p}`]).status === 0);

/**
 * The builds measured: ours as installed (the ESM bundle that is the package's bin, built by
 * `prepare`; from source when it is missing), from source beside it when asked (the one-node row),
 * and BENCH_COMPARE_BIN's when set. Goals apply to the first only.
 */
const builds = (o: {withSource?: boolean} = {}): [string, string][] => {
  const other = process.env['BENCH_COMPARE_BIN'];
  const ours: [string, string] = existsSync(INSTALLED) ? ['kubelet-doctor', INSTALLED] : ['kubelet-doctor', BIN];
  return [ours, ...(o.withSource && ours[1] !== BIN ? [['source', BIN] as [string, string]] : []), ...(other ? [['compare', other] as [string, string]] : [])];
};
const tag = (name: string) => (name === 'compare' ? '[compare] ' : name === 'source' ? '[from source] ' : '');

/** The node tree every SSH row probes (the same as the rest of the bench). */
export const benchTree = (dir: string): Promise<NodeTreeInfo> =>
  writeNodeTree(dir, {layout: 'deb', hostname: 'bench-node', kubeletVersion: 'v1.30.2', scenario: 'cgroup-driver-mismatch'});

/** sshd for the bench: sessions with a HOME of their own, as nodes have (not this machine's root dotfiles). */
const benchSshd = (): Promise<Sshd> => startSshd({ownHome: true});

const sshOptions = (kh: string, key: string, port: number) => [
  '-F',
  'none',
  '-o',
  'BatchMode=yes',
  '-o',
  `UserKnownHostsFile=${kh}`,
  '-o',
  'StrictHostKeyChecking=yes',
  '-i',
  key,
  '-p',
  String(port),
];

/**
 * Issue 14, row 1: one node, the whole catalogue, the whole process, against OpenSSH's client
 * running the same probe on the same sshd (and `ssh HOST true` for scale).
 */
export async function benchOneNode(dir: string, runs: number, onRow?: (r: Row) => void): Promise<Row[] | {skipped: string}> {
  const missing = sshBenchMissing();
  if (missing) return {skipped: missing};
  const sshd = await benchSshd();
  try {
    const node = await benchTree(join(dir, 'ssh-node'));
    const kh = await sshd.knownHosts();
    const key = sshd.keys.ed25519;
    const script = buildProbeScript({hostRoot: node.root, live: true});
    const opts = sshOptions(kh, key, sshd.port);
    const bins = builds({withSource: true});
    const one = await interleaved(runs, [
      ...bins.map(
        ([name, bin]): Job => ({
          name,
          ok: (c) => c === 1, // 1: the node's cgroup driver mismatch fails its check
          run: () =>
            timed(process.execPath, [
              bin,
              'check',
              '--ssh-config',
              'none',
              '--known-hosts',
              kh,
              '-i',
              key,
              '--output',
              'json',
              '-p',
              String(sshd.port),
              '--host-root',
              node.root,
              'root@127.0.0.1',
            ]),
        }),
      ),
      {name: 'ssh probe', ok: (c) => c === 0, run: () => timed('ssh', [...opts, 'root@127.0.0.1', 'sh -s'], script)},
      {name: 'ssh true', ok: (c) => c === 0, run: () => timed('ssh', [...opts, 'root@127.0.0.1', 'true'])},
    ]);
    const la = load();
    const rows: Row[] = [];
    for (const [name] of bins) {
      const ours = one.get(name)!.ms;
      for (const base of ['ssh probe', 'ssh true']) {
        const b = one.get(base)!.ms;
        const r: Row = {
          what: `${tag(name)}one node, all checks, whole process`,
          ms: median(ours),
          base: base === 'ssh probe' ? 'ssh HOST sh -s < probe (same probe)' : 'ssh -o BatchMode=yes HOST true',
          baseMs: median(b),
          note: `${spread(ours)} vs ${spread(b)} ms, load ${la}`,
          ...(base === 'ssh probe' && name === 'kubelet-doctor' ? {goal: {text: '<= 1.15x', met: (x: number) => x <= 1.15}} : {}),
        };
        rows.push(r);
        onRow?.(r);
      }
    }
    return rows;
  } finally {
    await sshd.stop();
  }
}

/** Where the fleet rows' nodes are: sshd (one port, every node a name for it) or the bench fleet. */
export type FleetServer = 'sshd' | 'lab';

/** An inventory, a parallel-ssh hosts file and the client options for `n` nodes on a fleet server. */
export interface FleetTargets {
  server: FleetServer;
  inventory: string;
  hosts: string;
  knownHosts: string;
  identity: string;
  script: string;
  stop(): Promise<void>;
}

/** Start `n` nodes on `server` (with `sshd`, one sshd answers for every node, all on one port). */
export async function fleetTargets(dir: string, n: number, server: FleetServer): Promise<FleetTargets> {
  const node = await benchTree(join(dir, `fleet-node-${server}`));
  if (server === 'lab') {
    const f: FleetProcess = await startFleetProcess({dir: join(dir, `bench-fleet-${n}`), hostRoot: node.root, nodes: n});
    const nodes = mixedNodes(f, n);
    return {
      server,
      inventory: await writeBenchInventory(f, join(dir, `fleet-lab-${n}.yaml`), nodes),
      hosts: await writeBenchHosts(join(dir, `fleet-lab-${n}.hosts`), nodes),
      knownHosts: f.knownHostsFile,
      identity: f.identityFile,
      script: f.script,
      stop: () => f.stop(),
    };
  }
  const sshd = await benchSshd();
  const inventory = join(dir, `fleet-sshd-${n}.yaml`);
  const hosts = join(dir, `fleet-sshd-${n}.hosts`);
  await writeFile(
    inventory,
    `defaults:\n  user: root\n  port: ${sshd.port}\n  identity: ${JSON.stringify(sshd.keys.ed25519)}\n  hostRoot: ${JSON.stringify(node.root)}\nhosts:\n${Array.from({length: n}, (_, i) => `  - {name: node-${i}, host: 127.0.0.1}\n`).join('')}`,
  );
  await writeFile(hosts, `${Array.from({length: n}, () => `root@127.0.0.1:${sshd.port}`).join('\n')}\n`);
  return {
    server,
    inventory,
    hosts,
    knownHosts: await sshd.knownHosts(),
    identity: sshd.keys.ed25519,
    script: buildProbeScript({hostRoot: node.root, live: true}),
    stop: () => sshd.stop(),
  };
}

/**
 * Issue 14, rows 2 and 3: `n` nodes at the default concurrency (16, no --concurrency, as an
 * operator runs it) against parallel-ssh -p 16 running the same probe; and the client CPU per
 * node from the same runs (ours: the one process; parallel-ssh: it and every ssh it ran).
 */
export async function benchFleet(dir: string, runs: number, n: number, server: FleetServer, onRow?: (r: Row) => void): Promise<Row[] | {skipped: string}> {
  const missing = sshBenchMissing();
  if (missing) return {skipped: missing};
  const f = await fleetTargets(dir, n, server);
  try {
    const bins = builds();
    const psshArgs = [
      '-p',
      '16',
      '-t',
      '120',
      '-h',
      f.hosts,
      '-x',
      `-F none -o BatchMode=yes -o UserKnownHostsFile=${f.knownHosts} -o StrictHostKeyChecking=yes -i ${f.identity}`,
      '-I',
      'sh -s',
    ];
    const res = await interleaved(runs, [
      ...bins.map(
        ([name, bin]): Job => ({
          name,
          ok: (c) => c === 0 || c === 1,
          run: () =>
            timed(process.execPath, [bin, 'check', '--ssh-config', 'none', '--known-hosts', f.knownHosts, '--inventory', f.inventory, '--output', 'json']),
        }),
      ),
      {name: 'pssh probe', ok: (c) => c === 0, run: () => timed(pssh()!, psshArgs, f.script)},
    ]);
    const lb = load();
    const where = server === 'lab' ? 'bench fleet' : 'sshd';
    const rows: Row[] = [];
    const add = (r: Row) => {
      rows.push(r);
      onRow?.(r);
    };
    const b = res.get('pssh probe')!;
    for (const [name] of bins) {
      const ours = res.get(name)!;
      add({
        what: `${tag(name)}${n} nodes (${where}), concurrency 16, all checks`,
        ms: median(ours.ms),
        base: 'parallel-ssh -p 16, same probe',
        baseMs: median(b.ms),
        note: `${spread(ours.ms)} vs ${spread(b.ms)} ms, peak RSS ${(ours.peakKb / 1024).toFixed(0)} MiB, load ${lb}`,
        ...(name === 'kubelet-doctor' ? {goal: {text: '< 1.0x', met: (x: number) => x < 1}} : {}),
      });
      // What the operator's machine pays per node (here the servers share the same two cores;
      // on a real fleet they run on the nodes): CPU of the client side only.
      if (ours.cpuMs.length > 0 && b.cpuMs.length > 0) {
        add({
          what: `${tag(name)}${n} nodes (${where}), client CPU per node (user+sys)`,
          ms: median(ours.cpuMs) / n,
          base: 'parallel-ssh + its ssh, same probe',
          baseMs: median(b.cpuMs) / n,
          note: `whole run ${(median(ours.cpuMs) / 1000).toFixed(2)} s vs ${(median(b.cpuMs) / 1000).toFixed(2)} s of CPU`,
          ...(name !== 'compare' ? {goal: {text: '<= 0.2x', met: (x: number) => x <= 0.2}} : {}),
        });
      }
    }
    return rows;
  } finally {
    await f.stop();
  }
}

/** A row as the stand-alone runs print it. */
export const printRow = (x: Row) =>
  console.log(
    `${x.what.padEnd(56)} ${`${x.ms.toFixed(x.ms < 10 ? 2 : 0)} ms`.padStart(9)}   ${x.base.padEnd(36)} ${`${x.baseMs.toFixed(x.baseMs < 10 ? 2 : 0)} ms`.padStart(9)}   ${(x.ms / x.baseMs).toFixed(2)}x${x.goal ? ` (goal ${x.goal.text})` : ''}   (${x.note ?? ''})`,
  );

// Alone: `node dist/test/bench/ssh-bench.js` (BENCH_RUNS, BENCH_NODES, BENCH_FLEET_SERVER, BENCH_COMPARE_BIN as above).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = await mkdtemp(join(tmpdir(), 'kd-ssh-bench-'));
  try {
    const runs = Number(process.env['BENCH_RUNS'] ?? 7);
    const n = Number(process.env['BENCH_NODES'] ?? 200);
    console.log(
      `kubelet-doctor SSH bench: medians of ${runs} interleaved runs (fleet: ${Math.min(runs, 3)}), node ${process.version}, load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}, ${new Date().toISOString()}\n`,
    );
    const one = await benchOneNode(dir, runs, printRow);
    if ('skipped' in one) console.log(`skipped: ${one.skipped}`);
    const fleet = await benchFleet(dir, Math.min(runs, 3), n, process.env['BENCH_FLEET_SERVER'] === 'lab' ? 'lab' : 'sshd', printRow);
    if ('skipped' in fleet) console.log(`skipped: ${fleet.skipped}`);
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
}
