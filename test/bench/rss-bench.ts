/**
 * Issue 14, row 4: the client's peak memory as the fleet grows. The real binary checks 100, 500
 * and 2,000 nodes of the bench fleet (src/lab/bench-fleet.ts: lab SSH servers in a process of
 * their own, every node answering with the recorded probe output), one in twelve and a half of
 * them broken (40 of 500: half silent, half refusing), at the default concurrency with
 * `--output ndjson`; its peak RSS comes from `process.resourceUsage().maxRSS` at exit (the
 * test/helpers/peak-rss.ts preload), its CPU from GNU time. Memory flat in fleet size means the
 * 2,000-node figure is about the 100-node one (goal: at most 150 MiB at 500 nodes).
 * Sizes: BENCH_RSS_NODES (default 100,500,2000); the broken nodes' wait: BENCH_RSS_TIMEOUT
 * seconds (default 8, the client's --timeout).
 * Alone: `BENCH_ONLY=rss npm run bench`, or `node dist/test/bench/rss-bench.js`.
 */
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {mixedNodes, writeBenchInventory} from '../../src/lab/bench-fleet.js';
import {startFleetProcess} from './fleet-process.js';
import {BIN, benchTree, load, timed} from './ssh-bench.js';

const PRELOAD = pathToFileURL(join(import.meta.dirname, '../helpers/peak-rss.js')).href;

/** One size of the curve. */
export interface RssPoint {
  nodes: number;
  broken: number;
  peakMb: number;
  wallMs: number;
  /** Client CPU (user+sys) per node, ms; null without GNU time. */
  cpuPerNodeMs: number | null;
  /** Target lines by status, from the NDJSON. */
  statuses: Record<string, number>;
  load: string;
}

/** The sizes asked for (BENCH_RSS_NODES), ascending. */
export function rssSizes(): number[] {
  const s = (process.env['BENCH_RSS_NODES'] ?? '100,500,2000')
    .split(',')
    .map((x) => Number(x.trim()))
    .filter((x) => Number.isInteger(x) && x > 0);
  return [...new Set(s)].sort((a, b) => a - b);
}

/** The broken share of issue 14's row: 40 of 500. */
const brokenOf = (n: number) => Math.round((n * 40) / 500);

/** Run the curve: one fleet (the largest size), each size once, smallest first. */
export async function benchRss(dir: string, sizes = rssSizes(), onPoint?: (p: RssPoint) => void): Promise<RssPoint[]> {
  const max = Math.max(...sizes);
  const tree = await benchTree(join(dir, 'rss-node'));
  const bad = brokenOf(max);
  const fleet = await startFleetProcess({
    dir: join(dir, 'rss-fleet'),
    hostRoot: tree.root,
    nodes: max - brokenOf(max),
    silent: Math.ceil(bad / 2),
    refusing: Math.floor(bad / 2),
  });
  const timeoutS = Number(process.env['BENCH_RSS_TIMEOUT'] ?? 8);
  const out: RssPoint[] = [];
  try {
    for (const n of sizes) {
      const broken = brokenOf(n);
      const inv = await writeBenchInventory(fleet, join(dir, `rss-${n}.yaml`), mixedNodes(fleet, n, broken));
      const rssFile = join(dir, `rss-${n}.peak`);
      const r = await timed(
        process.execPath,
        [
          '--import',
          PRELOAD,
          BIN,
          'check',
          '--inventory',
          inv,
          '--known-hosts',
          fleet.knownHostsFile,
          '--ssh-config',
          'none',
          '--timeout',
          String(timeoutS),
          '--output',
          'ndjson',
        ],
        undefined,
        {keepStdout: true, env: {KD_PEAK_RSS_FILE: rssFile}},
      );
      const peakKb = Number((await readFile(rssFile, 'utf8').catch(() => '0')).trim());
      const statuses: Record<string, number> = {};
      for (const line of r.stdout.split('\n')) {
        if (!line.startsWith('{"kind":"target"')) continue;
        try {
          const s = (JSON.parse(line) as {status: string}).status;
          statuses[s] = (statuses[s] ?? 0) + 1;
        } catch {
          statuses['unreadable'] = (statuses['unreadable'] ?? 0) + 1;
        }
      }
      if (Object.keys(statuses).length === 0) statuses[`no NDJSON (exit ${r.code})`] = n;
      const p: RssPoint = {
        nodes: n,
        broken,
        peakMb: peakKb / 1024,
        wallMs: r.ms,
        cpuPerNodeMs: r.cpuMs === null ? null : r.cpuMs / n,
        statuses,
        load: load(),
      };
      out.push(p);
      onPoint?.(p);
    }
    return out;
  } finally {
    await fleet.stop();
  }
}

/** One line per size. */
export function printRssPoint(p: RssPoint): void {
  const st = Object.entries(p.statuses)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  console.log(
    `  ${`${p.nodes} nodes (${p.broken} silent or refusing)`.padEnd(36)} peak RSS ${`${p.peakMb.toFixed(0)} MiB`.padStart(8)}   ${`${(p.wallMs / 1000).toFixed(1)} s`.padStart(7)} wall   ${p.cpuPerNodeMs === null ? '' : `${p.cpuPerNodeMs.toFixed(1)} ms CPU/node`}   (${st}; load ${p.load})`,
  );
}

// Alone: `node dist/test/bench/rss-bench.js` (BENCH_RSS_NODES, BENCH_RSS_TIMEOUT).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = await mkdtemp(join(tmpdir(), 'kd-rss-bench-'));
  try {
    console.log(`peak RSS of the client by fleet size (bench fleet, --output ndjson, default concurrency), load ${load()}:`);
    await benchRss(dir, rssSizes(), printRssPoint);
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
}
