/**
 * `npm run bench`: measured figures, each against a baseline run in the same command.
 *   1. `check --root` on a lab node, whole process, vs the floor of starting node itself.
 *   2. the probe alone on that node (sh + files), vs `sh -c true`.
 *   3. parse + evaluate on a snapshot (no I/O), vs JSON.parse of the same snapshot.
 *   4. the TUI: first frame and search per keystroke (tui-bench.ts).
 *   5. over SSH: see ssh-bench.ts (one node vs `ssh true`; 1/50/200 nodes vs parallel-ssh), runs interleaved.
 *   6. memory under hostile nodes: peak RSS with 16 nodes streaming output endlessly at
 *      --concurrency 16 vs 16 healthy nodes (hostile-bench.ts).
 *   7. start-up of each install form (tarball, bundle, single executable) vs from source (startup-bench.ts).
 * Medians of repeated runs; run with `npm run bench` (builds first). `BENCH_ONLY=hostile` runs
 * only row 6, `BENCH_ONLY=startup` only row 7.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import {loadavg, tmpdir} from 'node:os';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {writeNodeTree} from '../../src/lab/node-tree.js';
import {LocalTransport} from '../../src/transport/local.js';
import {collectRaw} from '../../src/probe/collect.js';
import {buildFacts} from '../../src/facts/build.js';
import {evaluateAll} from '../../src/engine/evaluate.js';
import {catalogue} from '../../checks/index.js';
import type {RawSnapshot} from '../../src/facts/types.js';
import {benchSsh} from './ssh-bench.js';
import {benchTui} from './tui-bench.js';
import {benchHostile, printHostile} from './hostile-bench.js';
import {benchStartup, printStartup} from './startup-bench.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const time = (n: number, f: () => void) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    f();
    out.push(performance.now() - t);
  }
  return median(out);
};
const timeAsync = async (n: number, f: () => Promise<unknown>) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    out.push(performance.now() - t);
  }
  return median(out);
};
const fmt = (ms: number) => (ms >= 10 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(2)} ms`);
const row = (what: string, ms: number, base: string, baseMs: number) =>
  console.log(`${what.padEnd(56)} ${fmt(ms).padStart(10)}   ${base.padEnd(34)} ${fmt(baseMs).padStart(10)}   ${(ms / baseMs).toFixed(2)}x`);

/** Row 6: the client's memory under hostile nodes (BENCH_RUNS pairs of runs, at most 3). */
async function hostileRow(dir: string, runs: number): Promise<void> {
  console.log('\nmemory under hostile nodes (ssh2 Server streaming endlessly vs OpenSSH sshd serving a lab node; peak RSS of the client):');
  const r = await benchHostile(dir, Math.max(1, Math.min(runs, 3)));
  if ('skipped' in r) console.log(`  skipped: ${r.skipped}`);
  else printHostile(r);
}

/** Row 7: start-up of each install form (BENCH_RUNS interleaved runs, at least 5). */
async function startupRow(dir: string, runs: number): Promise<void> {
  console.log('\nstart-up by install form (docs/install.md), interleaved runs, against from source in the same run:');
  printStartup(await benchStartup(dir, Math.max(5, runs)), fmt);
}

const dir = await mkdtemp(join(tmpdir(), 'kd-bench-'));
if (process.env['BENCH_ONLY'] === 'startup') {
  try {
    await startupRow(dir, Number(process.env['BENCH_RUNS'] ?? 15));
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
  process.exit(0);
}
if (process.env['BENCH_ONLY'] === 'hostile') {
  try {
    await hostileRow(dir, Number(process.env['BENCH_RUNS'] ?? 3));
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
  process.exit(0);
}
try {
  const node = await writeNodeTree(join(dir, 'node'), {layout: 'deb', hostname: 'bench-node', kubeletVersion: 'v1.30.2', scenario: 'cgroup-driver-mismatch'});
  const bin = join(import.meta.dirname, '../../src/cli/bin.js');
  const runs = Number(process.env['BENCH_RUNS'] ?? 15);
  console.log(
    `kubelet-doctor bench: medians of ${runs} runs, node ${process.version}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${new Date().toISOString()}\n`,
  );
  console.log(`${'measured'.padEnd(46)} ${'median'.padStart(10)}   ${'baseline'.padEnd(34)} ${'median'.padStart(10)}   ratio`);

  const nodeFloor = time(runs, () => void spawnSync(process.execPath, ['-e', '']));
  const whole = time(runs, () => void spawnSync(process.execPath, [bin, 'check', '--root', node.root, '--output', 'json']));
  row('check --root (whole process, all checks)', whole, 'node -e "" (process floor)', nodeFloor);

  const shFloor = time(runs, () => void execFileSync('sh', ['-c', 'true']));
  const probe = await timeAsync(runs, () => collectRaw(new LocalTransport('root', node.root, false), {timeoutMs: 60_000}));
  row('probe alone on the node tree (sh, framed)', probe, 'sh -c true', shFloor);

  const raw: RawSnapshot = await collectRaw(new LocalTransport('root', node.root, false), {timeoutMs: 60_000});
  const snapText = JSON.stringify({raw});
  const n = runs * 20;
  const parseOnly = time(n, () => void JSON.parse(snapText));
  const evalMs = time(n, () => {
    const r = (JSON.parse(snapText) as {raw: RawSnapshot}).raw;
    evaluateAll(catalogue, buildFacts(r, {name: 'bench', transport: 'snapshot'}), {now: new Date(), expiryWarnDays: 30});
  });
  row(`parse + facts + ${catalogue.length} checks (snapshot)`, evalMs, 'JSON.parse of the snapshot', parseOnly);
  console.log(`\nsnapshot size: ${(snapText.length / 1024).toFixed(1)} KiB, files read: ${Object.keys(raw.files).length}`);

  console.log('\nTUI (real binary in a pseudo-terminal on a lab node; search in-process per keystroke):');
  try {
    const tui = await benchTui(runs);
    const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] ?? 0;
    console.log(
      `  first frame: median ${fmt(median(tui.firstFrameMs))}, p90 ${fmt(p90(tui.firstFrameMs))} (goal < 300 ms); Ink interactive: median ${fmt(median(tui.inkFrameMs))}`,
    );
    console.log(`  search per keystroke: median ${fmt(median(tui.searchMsPerKeystroke))}, p90 ${fmt(p90(tui.searchMsPerKeystroke))} (goal < 5 ms)`);
  } catch (e) {
    console.log(`  skipped: ${(e as Error).message}`);
  }

  console.log('\nover SSH (OpenSSH sshd on loopback, the same node tree via --host-root):');
  const ssh = await benchSsh(dir, Math.max(3, Math.floor(runs / 2)));
  if ('skipped' in ssh) console.log(`  skipped: ${ssh.skipped}`);
  else {
    for (const r of ssh.rows) {
      row(r.what, r.ms, r.base, r.baseMs);
      if (r.note) console.log(`${''.padEnd(4)}(${r.note})`);
    }
    console.log(
      `peak memory, 200 targets: ${ssh.peakMb.toFixed(0)} MiB${ssh.comparePeakMb !== undefined ? ` (compare: ${ssh.comparePeakMb.toFixed(0)} MiB)` : ''}`,
    );
  }

  await hostileRow(dir, runs);
  await startupRow(dir, runs);
} finally {
  await rm(dir, {recursive: true, force: true});
}
