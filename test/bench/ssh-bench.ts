/**
 * The fleet benchmark (part of `npm run bench`; alone: `node dist/test/bench/ssh-bench.js`): a real
 * OpenSSH sshd on loopback, kubelet-doctor measured against OpenSSH's own client and parallel-ssh
 * in the same command, runs interleaved (ours, baseline, ours, …) so that load from anything
 * else on the machine falls on both sides alike:
 *   (a) one node, whole catalogue, whole process  vs  `ssh -o BatchMode=yes HOST true`
 *       (and, for scale, `ssh HOST sh -s` running the same probe)
 *   (b) 1, 50, 200 targets at the default concurrency (16)  vs  parallel-ssh -p 16 running the
 *       same probe, and parallel-ssh running `true`
 *   (c) peak memory of the 200-target run;
 *   (d) client CPU per node at 50 and 200 targets (user+sys of our process vs parallel-ssh and
 *       the ssh clients it runs; needs GNU time, /usr/bin/time): what the operator's machine
 *       pays, while here sshd and the probe also share its two cores.
 * Each row prints the median, the spread (min–max) and the load average when it finished.
 * BENCH_COMPARE_BIN=/path/to/other/dist/src/cli/bin.js adds the same rows for another build
 * (e.g. the previous commit), measured in the same interleaved runs against the same sshd.
 */
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, readFileSync, rmSync} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {loadavg, tmpdir} from 'node:os';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {pathToFileURL} from 'node:url';
import {startSshd} from '../helpers/sshd.js';
import {writeNodeTree} from '../../src/lab/node-tree.js';
import {buildProbeScript} from '../../src/probe/script.js';

/** One row of figures. */
export interface Row {
  what: string;
  ms: number;
  base: string;
  baseMs: number;
  /** min–max of both sides and the 1-minute load average when the row finished. */
  note?: string;
}

/** The built binary (the bench runs from dist/test/bench). */
const BIN = join(import.meta.dirname, '../../src/cli/bin.js');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
const load = () => loadavg()[0]!.toFixed(2);

/**
 * GNU time (Debian's `time` package) reports a command's CPU time including the processes it
 * waited for (parallel-ssh's ssh clients), and its peak RSS; without it only wall time and a
 * polled peak RSS are measured.
 */
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/**
 * Run a command; resolve with wall time, the peak RSS (KiB), the CPU time the command and the
 * processes it waited for used on this machine (user + system; null without GNU time), and the
 * exit code.
 */
function timed(cmd: string, args: string[], input?: string): Promise<{ms: number; peakKb: number; cpuMs: number | null; code: number | null}> {
  return new Promise((resolve) => {
    const usage = GNU_TIME ? join(tmpdir(), `kd-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`) : null;
    const t = performance.now();
    const child = usage
      ? spawn(GNU_TIME!, ['-f', '%U %S %M', '-o', usage, cmd, ...args], {stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'ignore']})
      : spawn(cmd, args, {stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'ignore']});
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
      resolve({ms, peakKb: peak, cpuMs, code});
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

/** Run the SSH benchmark; returns rows and the peak memory at 200 targets, or a reason to skip. */
export async function benchSsh(
  dir: string,
  runs: number,
  onRow?: (r: Row) => void,
): Promise<{rows: Row[]; peakMb: number; comparePeakMb?: number} | {skipped: string}> {
  if (!existsSync('/usr/sbin/sshd') || process.getuid?.() !== 0) return {skipped: 'needs root and /usr/sbin/sshd'};
  const pssh = ['parallel-ssh', 'pssh'].find((p) => spawnSync('sh', ['-c', `command -v ${p}`]).status === 0);
  if (!pssh) return {skipped: 'parallel-ssh (Debian pssh) is not installed'};
  const other = process.env['BENCH_COMPARE_BIN'];
  const bins: [string, string][] = [['kubelet-doctor', BIN], ...(other ? [['compare', other] as [string, string]] : [])];
  const sshd = await startSshd();
  try {
    const node = await writeNodeTree(join(dir, 'ssh-node'), {
      layout: 'deb',
      hostname: 'bench-node',
      kubeletVersion: 'v1.30.2',
      scenario: 'cgroup-driver-mismatch',
    });
    const kh = await sshd.knownHosts();
    const key = sshd.keys.ed25519;
    const sshOpts = [
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
      String(sshd.port),
    ];
    const ourArgs = (bin: string, extra: string[]) => [bin, 'check', '--ssh-config', 'none', '--known-hosts', kh, '-i', key, '--output', 'json', ...extra];
    const script = buildProbeScript({hostRoot: node.root, live: true});
    const rows: Row[] = [];
    const add = (r: Row) => {
      rows.push(r);
      onRow?.(r);
    };

    // (a) one node.
    const one = await interleaved(runs, [
      ...bins.map(
        ([name, bin]): Job => ({
          name,
          ok: (c) => c === 1, // 1: the node's cgroup driver mismatch fails its check
          run: () => timed(process.execPath, ourArgs(bin, ['-p', String(sshd.port), '--host-root', node.root, 'root@127.0.0.1'])),
        }),
      ),
      {name: 'ssh true', ok: (c) => c === 0, run: () => timed('ssh', [...sshOpts, 'root@127.0.0.1', 'true'])},
      {name: 'ssh probe', ok: (c) => c === 0, run: () => timed('ssh', [...sshOpts, 'root@127.0.0.1', 'sh -s'], script)},
    ]);
    const la = load();
    for (const [name] of bins) {
      const ours = one.get(name)!.ms;
      for (const base of ['ssh true', 'ssh probe']) {
        const b = one.get(base)!.ms;
        add({
          what: `${name === 'compare' ? '[compare] ' : ''}one node, all checks, whole process`,
          ms: median(ours),
          base: base === 'ssh true' ? 'ssh -o BatchMode=yes HOST true' : 'ssh HOST sh -s (same probe)',
          baseMs: median(b),
          note: `${spread(ours)} vs ${spread(b)} ms, load ${la}`,
        });
      }
    }

    // (b) fleets, (c) memory.
    let peakMb = 0;
    let comparePeakMb = 0;
    for (const n of [1, 50, 200]) {
      const inv = join(dir, `inventory-${n}.yaml`);
      const hostsFile = join(dir, `hosts-${n}`);
      await writeFile(
        inv,
        `defaults:\n  user: root\n  port: ${sshd.port}\n  hostRoot: ${node.root}\nhosts:\n${Array.from({length: n}, (_, i) => `  - name: node-${i}\n    host: 127.0.0.1\n`).join('')}`,
      );
      await writeFile(hostsFile, `${Array.from({length: n}, () => `root@127.0.0.1:${sshd.port}`).join('\n')}\n`);
      const r = n === 200 ? Math.max(1, Math.min(runs, 3)) : runs;
      const psshArgs = (cmd: string) => [
        '-p',
        '16',
        '-t',
        '120',
        '-h',
        hostsFile,
        '-x',
        `-F none -o BatchMode=yes -o UserKnownHostsFile=${kh} -o StrictHostKeyChecking=yes -i ${key}`,
        cmd,
      ];
      // The default concurrency (16), as an operator runs it: no --concurrency.
      const res = await interleaved(r, [
        ...bins.map(([name, bin]): Job => ({name, ok: (c) => c === 0 || c === 1, run: () => timed(process.execPath, ourArgs(bin, ['--inventory', inv]))})),
        {name: 'pssh probe', ok: (c) => c === 0, run: () => timed(pssh, [...psshArgs('sh -s'), '-I'], script)},
        {name: 'pssh true', ok: (c) => c === 0, run: () => timed(pssh, psshArgs('true'))},
      ]);
      const lb = load();
      for (const [name] of bins) {
        const ours = res.get(name)!;
        if (n === 200 && name === 'compare') comparePeakMb = ours.peakKb / 1024;
        else if (n === 200) peakMb = ours.peakKb / 1024;
        for (const base of ['pssh probe', 'pssh true']) {
          const b = res.get(base)!.ms;
          add({
            what: `${name === 'compare' ? '[compare] ' : ''}${n} targets, all checks, default concurrency`,
            ms: median(ours.ms),
            base: base === 'pssh probe' ? 'parallel-ssh -p 16, same probe' : 'parallel-ssh -p 16, true',
            baseMs: median(b),
            note: `${spread(ours.ms)} vs ${spread(b)} ms, load ${lb}`,
          });
        }
        // What the operator's machine pays per node (here sshd and the probe share the same two
        // cores; on a real fleet they run on the nodes): CPU of the client side only.
        const bc = res.get('pssh true')!.cpuMs;
        if (n > 1 && ours.cpuMs.length > 0 && bc.length > 0) {
          add({
            what: `${name === 'compare' ? '[compare] ' : ''}${n} targets, client CPU per node (user+sys)`,
            ms: median(ours.cpuMs) / n,
            base: 'parallel-ssh -p 16, true (with its ssh)',
            baseMs: median(bc) / n,
            note: `whole run ${(median(ours.cpuMs) / 1000).toFixed(2)} s vs ${(median(bc) / 1000).toFixed(2)} s of CPU`,
          });
        }
      }
    }
    return {rows, peakMb, ...(other ? {comparePeakMb} : {})};
  } finally {
    await sshd.stop();
  }
}

// Alone: `node dist/test/bench/ssh-bench.js` (BENCH_RUNS, BENCH_COMPARE_BIN as in the file comment).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = await mkdtemp(join(tmpdir(), 'kd-ssh-bench-'));
  try {
    const runs = Number(process.env['BENCH_RUNS'] ?? 7);
    console.log(
      `kubelet-doctor SSH bench: medians of ${runs} interleaved runs (200 targets: ${Math.min(runs, 3)}), node ${process.version}, load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}, ${new Date().toISOString()}\n`,
    );
    const r = await benchSsh(dir, runs, (x) => {
      console.log(
        `${x.what.padEnd(56)} ${`${x.ms.toFixed(0)} ms`.padStart(9)}   ${x.base.padEnd(32)} ${`${x.baseMs.toFixed(0)} ms`.padStart(9)}   ${(x.ms / x.baseMs).toFixed(2)}x   (${x.note ?? ''})`,
      );
    });
    if ('skipped' in r) console.log(`skipped: ${r.skipped}`);
    else {
      console.log(
        `peak memory, 200 targets: ${r.peakMb.toFixed(0)} MiB${r.comparePeakMb !== undefined ? ` (compare: ${r.comparePeakMb.toFixed(0)} MiB)` : ''}`,
      );
    }
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
}
