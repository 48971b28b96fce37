/**
 * Start-up of each way the tool is installed (docs/install.md), against running it from source:
 *   from source   node dist/src/cli/bin.js            (the baseline, measured in the same run)
 *   tarball       kubelet-doctor from `npm pack` + `npm install -g --prefix TMP` (the ESM bundle, split)
 *   bundle        node kubelet-doctor.cjs             (`npm run bundle`)
 *   executable    kubelet-doctor                      (`npm run sea`)
 * each for `--help` and for `check --root` on a lab node tree. The forms run interleaved (one run
 * of each, then again), so load on the busy box falls on all of them alike; medians are reported.
 * `npm run bench` runs it last; `BENCH_ONLY=startup npm run bench` runs only this.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdir} from 'node:fs/promises';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {buildSea} from '../../src/build/sea.js';
import {bundleEsm} from '../../src/build/bundle.js';
import {writeNodeTree} from '../../src/lab/node-tree.js';

const REPO = join(import.meta.dirname, '../../..');

/** One way of starting the tool: the program and the arguments before the tool's own. */
interface Form {
  name: string;
  file: string;
  pre: string[];
}

/** A measured row: the form, what it ran, its median and the baseline's. */
export interface StartupRow {
  form: string;
  what: string;
  ms: number;
  baseMs: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Pack, install into `dir`/prefix, bundle and build the executable into `dir`; then time them all. */
export async function benchStartup(dir: string, runs: number): Promise<{rows: StartupRow[]; sizes: Record<string, number>}> {
  const out = join(dir, 'startup');
  await mkdir(out, {recursive: true});
  const tree = await writeNodeTree(join(out, 'node'), {layout: 'deb', hostname: 'bench-node', kubeletVersion: 'v1.30.2', scenario: 'cgroup-driver-mismatch'});
  // The tarball holds dist/bin/esm (package.json files); pack runs without `prepare`, so build it here.
  await bundleEsm();
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', out], {cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}),
  ) as {filename: string; size: number}[];
  const prefix = join(out, 'prefix');
  execFileSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(out, packed[0]!.filename)], {
    cwd: out,
    stdio: 'ignore',
  });
  const exe = await buildSea(join(out, 'sea'));
  const forms: Form[] = [
    {name: 'from source (node dist/src/cli/bin.js)', file: process.execPath, pre: [join(REPO, 'dist/src/cli/bin.js')]},
    {name: 'tarball, npm install -g', file: join(prefix, 'bin/kubelet-doctor'), pre: []},
    {name: 'bundle (node kubelet-doctor.cjs)', file: process.execPath, pre: [join(out, 'sea/kubelet-doctor.cjs')]},
    {name: 'single executable', file: exe, pre: []},
  ];
  const jobs: {what: string; args: string[]}[] = [
    {what: '--help', args: ['--help']},
    {what: 'check --root (all checks, JSON)', args: ['check', '--root', tree.root, '--output', 'json']},
  ];
  const times = new Map<string, number[]>();
  for (let i = 0; i < runs; i++) {
    for (const job of jobs) {
      for (const f of forms) {
        const t = performance.now();
        const r = spawnSync(f.file, [...f.pre, ...job.args], {cwd: out, env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']});
        const ms = performance.now() - t;
        // check exits 1 on this node (its cgroup drivers disagree); anything else is a broken form.
        if (r.status !== (job.what === '--help' ? 0 : 1)) throw new Error(`${f.name} ${job.what}: exit ${r.status}\n${r.stderr}`);
        const key = `${f.name}\u0000${job.what}`;
        times.set(key, [...(times.get(key) ?? []), ms]);
      }
    }
  }
  const rows: StartupRow[] = [];
  for (const job of jobs) {
    const baseMs = median(times.get(`${forms[0]!.name}\u0000${job.what}`)!);
    for (const f of forms) rows.push({form: f.name, what: job.what, ms: median(times.get(`${f.name}\u0000${job.what}`)!), baseMs});
  }
  const size = (p: string) => Number(execFileSync('stat', ['-c', '%s', p], {encoding: 'utf8'}).trim());
  return {
    rows,
    sizes: {'tarball (.tgz)': packed[0]!.size, 'bundle (.cjs)': size(join(out, 'sea/kubelet-doctor.cjs')), 'single executable': size(exe)},
  };
}

/** The rows as `npm run bench` prints them. */
export function printStartup(r: {rows: StartupRow[]; sizes: Record<string, number>}, fmt: (ms: number) => string): void {
  for (const row of r.rows) {
    console.log(`  ${`${row.what}: ${row.form}`.padEnd(70)} ${fmt(row.ms).padStart(8)}   ${(row.ms / row.baseMs).toFixed(2)}x from source`);
  }
  console.log(
    `  sizes: ${Object.entries(r.sizes)
      .map(([k, b]) => `${k} ${(b / 1024 / 1024).toFixed(1)} MiB`)
      .join(', ')}`,
  );
}
