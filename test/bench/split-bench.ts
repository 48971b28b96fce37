/**
 * Where a node's time goes in a fleet run (issue 14: where does the 200-node run lose to
 * parallel-ssh?). The pipeline of `check` (engine/run.ts: transport → probe → facts → checks →
 * report line) run in this process over an inventory at a concurrency, with a timestamp at each
 * step of each node:
 *   tcp        connect() until the TCP connection is up
 *   handshake  SSH version exchange, key exchange, host key checked against known_hosts
 *   auth       public-key login
 *   exec       channel opened and `sh -s` started, until the probe's first byte
 *   probe      first byte until the channel closed (the probe runs on the node; its output streams)
 *   parse      frames decoded and secrets redacted (collectRaw after the channel closed)
 *   close      the connection ended (the engine awaits it before the node's slot is free)
 *   facts      buildFacts
 *   checks     the catalogue evaluated (checkRaw)
 *   report     the node's NDJSON line serialised
 * and, over the whole run, how busy the event loop was (its utilisation) and how long timers
 * and socket reads waited behind it (event-loop delay): while one node's facts and checks run,
 * the other fifteen connections' handshakes and output wait.
 * The same code paths as the CLI, minus its start-up (see the whole-process rows for that).
 */
import {monitorEventLoopDelay, performance} from 'node:perf_hooks';
import {catalogue} from '../../checks/index.js';
import {buildFacts} from '../../src/facts/build.js';
import {eachLimited} from '../../src/engine/pool.js';
import {checkRaw, type RunOptions} from '../../src/engine/run.js';
import {collectRaw} from '../../src/probe/collect.js';
import {ndjsonLine, targetRecord} from '../../src/report/ndjson.js';
import {resolveTargets} from '../../src/targets/resolve.js';
import {SshTransport} from '../../src/transport/ssh.js';
import {TOOL_VERSION} from '../../src/version.js';

export const STEPS = ['tcp', 'handshake', 'auth', 'exec', 'probe', 'parse', 'close', 'facts', 'checks', 'report'] as const;
export type Step = (typeof STEPS)[number];

/** The figures of one run. */
export interface Split {
  nodes: number;
  ok: number;
  concurrency: number;
  wallMs: number;
  /** Per step: the median and p90 over the nodes, and the sum over them (ms). */
  steps: Record<Step, {median: number; p90: number; sum: number}>;
  /** Share of the run the event loop was busy (0..1). */
  eventLoopUtilization: number;
  /** Event-loop delay: p50, p99 and max (ms). */
  loopDelayMs: {p50: number; p99: number; max: number};
  /** Client CPU of this process during the run (user+sys, ms). */
  cpuMs: number;
  scriptBytes: number;
  outputBytes: number;
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
};

/** Run every node of `inventory` once, at `concurrency`, and time each step. */
export async function benchSplit(o: {inventory: string; knownHosts: string; concurrency: number; timeoutMs?: number}): Promise<Split> {
  const targets = await resolveTargets({
    local: false,
    root: [],
    snapshot: [],
    hostRoot: null,
    positional: [],
    inventory: o.inventory,
    ssh: {sshConfig: 'none', knownHosts: o.knownHosts},
  });
  const ro: RunOptions = {
    checks: catalogue,
    kubeletVersion: null,
    timeoutMs: o.timeoutMs ?? 60_000,
    concurrency: o.concurrency,
    now: () => new Date(),
    expiryWarnDays: 30,
  };
  const samples = new Map<Step, number[]>(STEPS.map((s) => [s, []]));
  const add = (s: Step, ms: number) => samples.get(s)!.push(ms);
  let ok = 0;
  let scriptBytes = 0;
  let outputBytes = 0;
  const startedAt = new Date().toISOString();
  const delay = monitorEventLoopDelay({resolution: 5});
  delay.enable();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await eachLimited(targets, o.concurrency, async (t, i) => {
    if (t.kind !== 'ssh') return;
    const at: Partial<Record<'start' | 'handshake' | 'auth' | 'ready' | 'probe' | 'first' | 'exit' | 'raw' | 'closed', number>> = {start: performance.now()};
    const tr = new SshTransport(t.ssh, t.hostRoot, {
      onProgress: (p) => {
        if (p.phase !== 'tcp') at[p.phase] ??= performance.now();
      },
      onFirstByte: () => void (at.first = performance.now()),
    });
    const run = tr.run.bind(tr);
    tr.run = async (r) => {
      scriptBytes = r.script.length;
      const res = await run(r);
      at.exit = performance.now();
      outputBytes = Math.max(outputBytes, res.stdout.length);
      return res;
    };
    try {
      const raw = await collectRaw(tr, {timeoutMs: ro.timeoutMs});
      at.raw = performance.now();
      await tr.close();
      at.closed = performance.now();
      const f0 = performance.now();
      const facts = buildFacts(raw, {name: t.name, transport: 'ssh', kubeletVersion: null});
      const f1 = performance.now();
      const {result} = checkRaw(t, {raw, transport: 'ssh', name: t.name}, ro, Date.now(), {facts});
      const f2 = performance.now();
      ndjsonLine(targetRecord(result, i, TOOL_VERSION, startedAt));
      const f3 = performance.now();
      add('tcp', at.handshake! - at.start!);
      add('handshake', at.auth! - at.handshake!);
      add('auth', at.ready! - at.auth!);
      add('exec', at.first! - at.probe!);
      add('probe', at.exit! - at.first!);
      add('parse', at.raw - at.exit!);
      add('close', at.closed - at.raw);
      add('facts', f1 - f0);
      add('checks', f2 - f1);
      add('report', f3 - f2);
      ok++;
    } catch {
      await tr.close();
    }
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  delay.disable();
  const steps = Object.fromEntries(
    STEPS.map((s) => {
      const xs = samples.get(s)!;
      return [s, {median: pct(xs, 0.5), p90: pct(xs, 0.9), sum: xs.reduce((a, b) => a + b, 0)}];
    }),
  ) as Split['steps'];
  return {
    nodes: targets.length,
    ok,
    concurrency: o.concurrency,
    wallMs,
    steps,
    eventLoopUtilization: elu.utilization,
    loopDelayMs: {p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6},
    cpuMs: (cpu.user + cpu.system) / 1000,
    scriptBytes,
    outputBytes,
  };
}

/** Print the split: one line per step, then the event loop's figures. */
export function printSplit(s: Split, fmt: (ms: number) => string): void {
  const per = (x: number) => fmt(x).padStart(9);
  console.log(
    `  ${s.ok}/${s.nodes} nodes at concurrency ${s.concurrency}: ${(s.wallMs / 1000).toFixed(1)} s wall, ${(s.cpuMs / s.nodes).toFixed(1)} ms client CPU per node`,
  );
  console.log(`  ${'step'.padEnd(10)} ${'median'.padStart(9)} ${'p90'.padStart(9)}   share of the nodes' summed time`);
  const total = STEPS.reduce((a, k) => a + s.steps[k].sum, 0);
  for (const k of STEPS) {
    const x = s.steps[k];
    console.log(`  ${k.padEnd(10)} ${per(x.median)} ${per(x.p90)}   ${((100 * x.sum) / Math.max(1, total)).toFixed(1).padStart(5)} %`);
  }
  console.log(
    `  event loop: ${(100 * s.eventLoopUtilization).toFixed(0)} % busy; delay p50 ${fmt(s.loopDelayMs.p50)}, p99 ${fmt(s.loopDelayMs.p99)}, max ${fmt(s.loopDelayMs.max)}; probe script ${(s.scriptBytes / 1024).toFixed(1)} KiB, output ${(s.outputBytes / 1024).toFixed(1)} KiB per node`,
  );
}
