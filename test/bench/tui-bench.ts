/**
 * TUI figures for `npm run bench` (goals: first frame < 300 ms on a fixture node, search < 5 ms
 * per keystroke):
 *   1. first frame: the real binary started in a pseudo-terminal (util-linux `script`) on a lab
 *      node tree, timed from spawn to the first frame Ink draws (the footer's `? help`);
 *   2. search per keystroke, in-process: the index over the catalogue plus the findings of a
 *      checked lab fleet, queried with every prefix of typed queries and with pasted journal lines.
 * Run alone with `node dist/test/bench/tui-bench.js`; test/bench/bench.ts calls {@link benchTui}.
 */
import {spawn, spawnSync} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {pathToFileURL} from 'node:url';
import {catalogue} from '../../checks/index.js';
import {runTarget} from '../../src/engine/run.js';
import {writeFleet, writeNodeTree} from '../../src/lab/node-tree.js';
import {createSearchIndex, type FindingDoc} from '../../src/search/search-index.js';

const BIN = join(import.meta.dirname, '../../src/cli/bin.js');
/** Drawn in every first frame (the footer's first hint), once bold/dim attributes are taken out. */
const FIRST_FRAME_MARK = '↑↓/jk move';
const SGR = /\u001b\[[0-9;]*m/g;

/** Queries typed one key at a time, and lines pasted whole (one keystroke each). */
const TYPED = ['cgroup driver', 'swap', 'certificate expired', 'unknown flag network plugin', 'maxPods'];
const PASTED = [
  'Apr 16 03:12:44 worker-7 kubelet[48213]: E0416 03:12:44.123456   48213 run.go:74] "command failed" err="failed to parse kubelet flag: unknown flag: --container-runtime"',
  'E0306 19:43:23.655747 16076 server.go:302] "Failed to run kubelet" err="failed to run Kubelet: running with swap on is not supported, please disable swap! or set --fail-swap-on flag to false"',
  'Oct 02 11:00:00 ip-10-0-1-5 kubelet[1234]: E1002 11:00:00.000001 1234 kubelet.go:2862] "Container runtime network not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"',
  'the kubelet keeps restarting after the upgrade and the node is NotReady since this morning',
];

/** start.tsx clears the first paint with this right before Ink's first frame. */
const INK_TAKES_OVER = '\u001b[?2026h\u001b[H\u001b[2J';

/**
 * Times from spawn, in a pseudo-terminal: to the first frame on screen (the first paint), and to
 * Ink's first frame (from then on keys are handled; earlier ones wait in the terminal's buffer).
 * The TUI is then quit with `q`, as an operator would.
 */
function firstFrame(root: string): Promise<{paintMs: number; inkMs: number}> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {...process.env, TERM: 'xterm-256color', NO_COLOR: '1'};
    const command = `stty cols 100 rows 30; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} --root ${JSON.stringify(root)}`;
    const started = performance.now();
    const child = spawn('script', ['-qfec', command, '/dev/null'], {env, stdio: ['pipe', 'pipe', 'inherit']});
    let out = '';
    let elapsed: number | null = null;
    let ink: number | null = null;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no first frame within 20 s; output so far:\n${out}`));
    }, 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (elapsed === null && out.replace(SGR, '').includes(FIRST_FRAME_MARK)) elapsed = performance.now() - started;
      const handover = out.indexOf(INK_TAKES_OVER);
      if (ink === null && handover >= 0 && out.slice(handover).replace(SGR, '').includes(FIRST_FRAME_MARK)) {
        ink = performance.now() - started;
        child.stdin.write('q');
      }
    });
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      if (elapsed === null || ink === null) reject(new Error(`the TUI exited before its first frame:\n${out}`));
      else resolve({paintMs: elapsed, inkMs: ink});
    });
  });
}

/** Every finding of a checked lab fleet, as the TUI indexes them. */
async function fleetFindings(dir: string): Promise<FindingDoc[]> {
  const fleet = await writeFleet(join(dir, 'fleet'));
  const docs: FindingDoc[] = [];
  for (const [node, n] of fleet.entries()) {
    const {result} = await runTarget(
      {kind: 'root', name: n.hostname, dir: n.root},
      {
        checks: catalogue,
        kubeletVersion: null,
        timeoutMs: 60_000,
        concurrency: 1,
        now: () => new Date(),
        expiryWarnDays: 30,
      },
    );
    for (const finding of result.results) docs.push({node, nodeName: result.node, finding});
  }
  return docs;
}

/** Milliseconds for each keystroke: every prefix of the typed queries, each pasted line once. */
function searchKeystrokes(findings: readonly FindingDoc[], rounds: number): number[] {
  const index = createSearchIndex(catalogue, findings);
  const samples: number[] = [];
  const time = (q: string): void => {
    const t = performance.now();
    index.search(q, 50);
    samples.push(performance.now() - t);
  };
  for (const q of [...TYPED, ...PASTED]) index.search(q, 50); // warm the JIT as a session would
  for (let r = 0; r < rounds; r++) {
    for (const q of TYPED) for (let i = 1; i <= q.length; i++) time(q.slice(0, i));
    for (const line of PASTED) time(line);
  }
  return samples;
}

/**
 * Measure the TUI: `runs` starts of the real binary on a lab node (first frame on screen, and
 * Ink's first frame), and search latency per keystroke over the catalogue and a checked lab
 * fleet's findings. Raw samples in milliseconds.
 */
export async function benchTui(
  runs = Number(process.env['BENCH_RUNS'] ?? 10),
): Promise<{firstFrameMs: number[]; searchMsPerKeystroke: number[]; inkFrameMs: number[]}> {
  if (spawnSync('script', ['--version']).status !== 0) throw new Error('benchTui needs `script` (util-linux) for a pseudo-terminal');
  const dir = await mkdtemp(join(tmpdir(), 'kd-tui-bench-'));
  try {
    const node = await writeNodeTree(join(dir, 'node'), {layout: 'deb', hostname: 'bench-node', kubeletVersion: 'v1.30.2', scenario: 'cgroup-driver-mismatch'});
    await firstFrame(node.root); // one unmeasured start: the OS page cache, as on a second run
    const firstFrameMs: number[] = [];
    const inkFrameMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = await firstFrame(node.root);
      firstFrameMs.push(t.paintMs);
      inkFrameMs.push(t.inkMs);
    }
    const searchMsPerKeystroke = searchKeystrokes(await fleetFindings(dir), Math.max(1, Math.ceil(runs / 5)));
    return {firstFrameMs, searchMsPerKeystroke, inkFrameMs};
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
}

const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

/** `median 142 ms, p90 160 ms, max 171 ms (10 runs)`. */
export function describeSamples(xs: readonly number[]): string {
  const f = (ms: number) => (ms >= 10 ? ms.toFixed(0) : ms.toFixed(2));
  return `median ${f(quantile(xs, 0.5))} ms, p90 ${f(quantile(xs, 0.9))} ms, max ${f(Math.max(...xs))} ms (${xs.length} samples)`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const {firstFrameMs, searchMsPerKeystroke, inkFrameMs} = await benchTui();
  console.log(`TUI first frame (real binary in a pty, lab node):  ${describeSamples(firstFrameMs)}   goal < 300 ms`);
  console.log(`TUI interactive (Ink's first frame, keys live):    ${describeSamples(inkFrameMs)}`);
  console.log(`search per keystroke (catalogue + 11-node fleet):  ${describeSamples(searchMsPerKeystroke)}   goal < 5 ms`);
}
