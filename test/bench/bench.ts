/**
 * `npm run bench`: measured figures, each against a baseline run in the same command, runs
 * interleaved where both sides are processes. First issue 14's table, every row with its baseline:
 *   ssh      one node, whole process, vs OpenSSH running the same probe (`ssh HOST sh -s < probe`)
 *   fleet    N nodes (200, BENCH_NODES) at concurrency 16 vs parallel-ssh running the same probe,
 *            and the client CPU per node vs parallel-ssh and its ssh processes (ssh-bench.ts)
 *   rss      peak RSS at 100/500/2,000 nodes of the bench fleet, 8 % silent or refusing (rss-bench.ts)
 *   startup  `check --root` whole process vs `node -e ""`; then each install form's start-up
 *            (tarball, bundle, single executable) vs from source (startup-bench.ts)
 * then the rest:
 *   split    where a node's time goes in the fleet run (split-bench.ts)
 *   probe    the probe alone on the node tree vs `sh -c true`; parse + facts + checks vs JSON.parse
 *   tui      first frame and search per keystroke (tui-bench.ts)
 *   hostile  peak RSS with 16 nodes streaming output endlessly vs 16 healthy nodes (hostile-bench.ts)
 * and last the table again, one line a row, with its goal.
 * Knobs: BENCH_ONLY=ssh,fleet,rss,startup,split,probe,tui,hostile (any of them, comma-separated;
 * default all); BENCH_RUNS (default 15: one-node and start-up rows); BENCH_FLEET_RUNS (runs a side
 * of the fleet row, default 2); BENCH_NODES (fleet and split rows, default 200); BENCH_FLEET_SERVER
 * (sshd, the default, or lab); BENCH_SPLIT_SERVER (lab, the default, or sshd); BENCH_RSS_NODES (default 100,500,2000); BENCH_RSS_TIMEOUT (s);
 * BENCH_COMPARE_BIN (another build's bin.js, measured beside ours in the SSH rows).
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import {loadavg, tmpdir} from 'node:os';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {LocalTransport} from '../../src/transport/local.js';
import {collectRaw} from '../../src/probe/collect.js';
import {buildFacts} from '../../src/facts/build.js';
import {evaluateAll} from '../../src/engine/evaluate.js';
import {catalogue} from '../../checks/index.js';
import type {RawSnapshot} from '../../src/facts/types.js';
import {benchFleet, benchOneNode, benchTree, fleetTargets, median, type FleetServer, type Row} from './ssh-bench.js';
import {benchRss, printRssPoint, rssSizes, type RssPoint} from './rss-bench.js';
import {benchSplit, printSplit} from './split-bench.js';
import {benchTui} from './tui-bench.js';
import {benchHostile, printHostile} from './hostile-bench.js';
import {benchStartup, printStartup} from './startup-bench.js';
import {bundleEsm, ESM_ENTRY} from '../../src/build/bundle.js';

const SECTIONS = ['ssh', 'fleet', 'rss', 'startup', 'split', 'probe', 'tui', 'hostile'] as const;
type Section = (typeof SECTIONS)[number];
const only = (process.env['BENCH_ONLY'] ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const s of only) {
  if (!(SECTIONS as readonly string[]).includes(s)) {
    console.error(`BENCH_ONLY: unknown section ${JSON.stringify(s)} (one or more of ${SECTIONS.join(', ')})`);
    process.exit(2);
  }
}
const wanted = (s: Section) => only.length === 0 || only.includes(s);
const runs = Number(process.env['BENCH_RUNS'] ?? 15);
const fleetNodes = Number(process.env['BENCH_NODES'] ?? 200);
const fleetServer: FleetServer = process.env['BENCH_FLEET_SERVER'] === 'lab' ? 'lab' : 'sshd';
/** The split runs in-process on the bench fleet by default: the client's steps, with little node-side work in the way. */
const splitServer: FleetServer = process.env['BENCH_SPLIT_SERVER'] === 'sshd' ? 'sshd' : 'lab';
/** 200 sshd nodes running the real probe take about a minute a run here: two runs a side by default. */
const fleetRuns = Math.max(1, Number(process.env['BENCH_FLEET_RUNS'] ?? Math.min(2, runs)));

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
const line = (what: string, ms: number, base: string, baseMs: number, goal?: string) =>
  console.log(
    `${what.padEnd(56)} ${fmt(ms).padStart(10)}   ${base.padEnd(36)} ${fmt(baseMs).padStart(10)}   ${(ms / baseMs).toFixed(2)}x${goal ? `   (goal ${goal})` : ''}`,
  );
const printRow = (r: Row) => {
  line(r.what, r.ms, r.base, r.baseMs, r.goal?.text);
  if (r.note) console.log(`${''.padEnd(4)}(${r.note})`);
};

/** Issue 14's table, filled in as the rows are measured and printed again at the end. */
const table: {row: string; figure: string; goal: string; met: boolean | null}[] = [];
const tableRow = (r: Row) => {
  if (!r.goal) return;
  const ratio = r.ms / r.baseMs;
  table.push({row: r.what, figure: `${ratio.toFixed(2)}x (${fmt(r.ms)} vs ${fmt(r.baseMs)}: ${r.base})`, goal: r.goal.text, met: r.goal.met(ratio)});
};
const skipped = (row: string, why: string) => table.push({row, figure: `skipped: ${why}`, goal: '', met: null});

const dir = await mkdtemp(join(tmpdir(), 'kd-bench-'));
try {
  console.log(
    `kubelet-doctor bench: node ${process.version}, ${runs} runs a row (fleet: ${fleetRuns}), load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${new Date().toISOString()}${only.length ? `, only ${only.join(',')}` : ''}\n`,
  );
  const node = await benchTree(join(dir, 'node'));
  // The installed form (package.json bin) is what the SSH, fleet and start-up rows measure: build it
  // from this tree's dist, as `prepare` does, so the rows never time a stale bundle.
  await bundleEsm();
  const bin = join(import.meta.dirname, '../../src/cli/bin.js');

  if (wanted('ssh')) {
    console.log('issue 14 / one node over SSH (OpenSSH sshd on loopback; the same probe script on both sides):');
    const r = await benchOneNode(dir, Math.max(3, runs), (x) => {
      printRow(x);
      tableRow(x);
    });
    if ('skipped' in r) {
      console.log(`  skipped: ${r.skipped}`);
      skipped('one node, whole process vs ssh sh -s', r.skipped);
    }
  }

  if (wanted('fleet')) {
    console.log(`\nissue 14 / fleet: ${fleetNodes} nodes on ${fleetServer === 'lab' ? 'the bench fleet' : 'OpenSSH sshd'}, runs interleaved:`);
    const r = await benchFleet(dir, fleetRuns, fleetNodes, fleetServer, (x) => {
      printRow(x);
      tableRow(x);
    });
    if ('skipped' in r) {
      console.log(`  skipped: ${r.skipped}`);
      skipped(`${fleetNodes} nodes vs parallel-ssh`, r.skipped);
    }
  }

  if (wanted('rss')) {
    const sizes = rssSizes();
    console.log(`\nissue 14 / peak RSS by fleet size (bench fleet in its own process, --output ndjson, default concurrency; goal <= 150 MiB at 500, flat):`);
    const points: RssPoint[] = await benchRss(dir, sizes, printRssPoint);
    const at500 = points.find((p) => p.nodes === 500) ?? points.at(-1)!;
    const curve = points.map((p) => `${p.nodes}: ${p.peakMb.toFixed(0)}`).join(', ');
    table.push({
      row: `peak RSS at ${at500.nodes} nodes (${at500.broken} silent or refusing)`,
      figure: `${at500.peakMb.toFixed(0)} MiB (curve ${curve} MiB)`,
      goal: '<= 150 MiB, flat',
      met: at500.peakMb <= 150 && (points.length < 2 || points.at(-1)!.peakMb <= 1.25 * points[0]!.peakMb),
    });
  }

  if (wanted('startup')) {
    console.log('\nissue 14 / start-up (interleaved: the process floor, from source, the installed bin = the ESM bundle):');
    // What `npm install -g` puts on PATH is the ESM bundle (package.json bin); from source is `npm start`.
    const esm = ESM_ENTRY;
    const forms = {floor: [] as number[], source: [] as number[], esm: [] as number[]};
    const once = (argv: string[]) => {
      const t = performance.now();
      spawnSync(process.execPath, argv);
      return performance.now() - t;
    };
    for (let i = 0; i < runs; i++) {
      forms.floor.push(once(['-e', '']));
      forms.source.push(once([bin, 'check', '--root', node.root, '--output', 'json']));
      forms.esm.push(once([esm, 'check', '--root', node.root, '--output', 'json']));
    }
    const floorMs = median(forms.floor);
    printRow({what: 'check --root from source (node dist/src/cli/bin.js)', ms: median(forms.source), base: 'node -e "" (process floor)', baseMs: floorMs});
    const r: Row = {
      what: 'check --root, installed bin (ESM bundle, whole process)',
      ms: median(forms.esm),
      base: 'node -e "" (process floor)',
      baseMs: floorMs,
      goal: {text: '<= 2.5x', met: (x) => x <= 2.5},
    };
    printRow(r);
    tableRow(r);
  }

  if (wanted('split')) {
    console.log(
      `\nwhere a node's time goes: ${fleetNodes} nodes on ${splitServer === 'lab' ? 'the bench fleet' : 'OpenSSH sshd'}, concurrency 16, the engine's steps in this process:`,
    );
    const f = await fleetTargets(dir, fleetNodes, splitServer);
    try {
      printSplit(await benchSplit({inventory: f.inventory, knownHosts: f.knownHosts, concurrency: 16}), fmt);
    } finally {
      await f.stop();
    }
  }

  if (wanted('probe')) {
    console.log('\nprobe and evaluation, in this process:');
    const shFloor = time(runs, () => void execFileSync('sh', ['-c', 'true']));
    const probe = await timeAsync(runs, () => collectRaw(new LocalTransport('root', node.root, false), {timeoutMs: 60_000}));
    line('probe alone on the node tree (sh, framed)', probe, 'sh -c true', shFloor);
    const raw: RawSnapshot = await collectRaw(new LocalTransport('root', node.root, false), {timeoutMs: 60_000});
    const snapText = JSON.stringify({raw});
    const n = runs * 20;
    const parseOnly = time(n, () => void JSON.parse(snapText));
    const evalMs = time(n, () => {
      const r = (JSON.parse(snapText) as {raw: RawSnapshot}).raw;
      evaluateAll(catalogue, buildFacts(r, {name: 'bench', transport: 'snapshot'}), {now: new Date(), expiryWarnDays: 30});
    });
    line(`parse + facts + ${catalogue.length} checks (snapshot)`, evalMs, 'JSON.parse of the snapshot', parseOnly);
    console.log(`    (snapshot size: ${(snapText.length / 1024).toFixed(1)} KiB, files read: ${Object.keys(raw.files).length})`);
  }

  if (wanted('tui')) {
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
  }

  if (wanted('hostile')) {
    console.log('\nmemory under hostile nodes (ssh2 Server streaming endlessly vs OpenSSH sshd serving a lab node; peak RSS of the client):');
    const r = await benchHostile(dir, Math.max(1, Math.min(runs, 3)));
    if ('skipped' in r) console.log(`  skipped: ${r.skipped}`);
    else printHostile(r);
  }

  if (wanted('startup')) {
    console.log('\nstart-up by install form (docs/install.md), interleaved runs, against from source in the same run:');
    try {
      printStartup(await benchStartup(dir, Math.max(5, runs)), fmt);
    } catch (e) {
      // A form that does not build (the bundler's own checks) is reported; the table still prints.
      console.log(`  failed: ${(e as Error).message.split('\n')[0]}`);
    }
  }

  if (table.length > 0) {
    console.log(`\nissue 14's table (this run; load now ${loadavg()[0]!.toFixed(2)}):`);
    console.log('| measured | this run | goal | met |\n|---|---|---|---|');
    for (const t of table) console.log(`| ${t.row} | ${t.figure} | ${t.goal} | ${t.met === null ? '–' : t.met ? 'yes' : 'no'} |`);
  }
} finally {
  await rm(dir, {recursive: true, force: true});
}
