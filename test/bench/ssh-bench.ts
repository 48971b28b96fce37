/**
 * The fleet benchmark (part of `npm run bench`): a real OpenSSH sshd on loopback, measured
 * against OpenSSH's own client and parallel-ssh run in the same command:
 *   (a) one node, whole catalogue, whole process  vs  `ssh -o BatchMode=yes HOST true`
 *   (b) 1, 50, 200 targets at concurrency 16      vs  parallel-ssh -p 16 running the same probe,
 *                                                     and parallel-ssh running `true`
 *   (c) peak memory (VmHWM) of the 200-target run.
 */
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {startSshd} from '../helpers/sshd.js';
import {writeNodeTree} from '../../src/lab/node-tree.js';
import {buildProbeScript} from '../../src/probe/script.js';

/** One row of figures. */
export interface Row {
  what: string;
  ms: number;
  base: string;
  baseMs: number;
}

/** The built binary (the bench runs from dist/test/bench). */
const BIN = join(import.meta.dirname, '../../src/cli/bin.js');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Run a command, resolve with wall time and the peak RSS seen in /proc (KiB). */
function timed(cmd: string, args: string[], input?: string): Promise<{ms: number; peakKb: number; code: number | null}> {
  return new Promise((resolve) => {
    const t = performance.now();
    const child = spawn(cmd, args, {stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'ignore']});
    let peak = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]));
      } catch {
        /* exited */
      }
    }, 20);
    if (input !== undefined) child.stdin!.end(input);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ms: performance.now() - t, peakKb: peak, code});
    });
  });
}

async function medianOf(n: number, f: () => Promise<{ms: number}>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push((await f()).ms);
  return median(xs);
}

/** Run the SSH benchmark; returns rows and the peak memory at 200 targets, or a reason to skip. */
export async function benchSsh(dir: string, runs: number): Promise<{rows: Row[]; peakMb: number} | {skipped: string}> {
  if (!existsSync('/usr/sbin/sshd') || process.getuid?.() !== 0) return {skipped: 'needs root and /usr/sbin/sshd'};
  const pssh = ['parallel-ssh', 'pssh'].find((p) => spawnSync('sh', ['-c', `command -v ${p}`]).status === 0);
  if (!pssh) return {skipped: 'parallel-ssh (Debian pssh) is not installed'};
  const sshd = await startSshd();
  try {
    const node = await writeNodeTree(join(dir, 'ssh-node'), {layout: 'deb', hostname: 'bench-node', kubeletVersion: 'v1.30.2', scenario: 'cgroup-driver-mismatch'});
    const kh = await sshd.knownHosts();
    const key = sshd.keys.ed25519;
    const sshOpts = ['-F', 'none', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${kh}`, '-o', 'StrictHostKeyChecking=yes', '-i', key, '-p', String(sshd.port)];
    const ourArgs = (extra: string[]) => [BIN, 'check', '--ssh-config', 'none', '--known-hosts', kh, '-i', key, '--output', 'json', ...extra];
    const rows: Row[] = [];

    const floor = await medianOf(runs, () => timed('ssh', [...sshOpts, 'root@127.0.0.1', 'true']));
    const one = await medianOf(runs, async () => {
      const res = await timed(process.execPath, ourArgs(['-p', String(sshd.port), '--host-root', node.root, 'root@127.0.0.1']));
      if (res.code !== 1) throw new Error(`bench: kubelet-doctor exited ${res.code} on one node (expected 1: cgroup driver mismatch)`);
      return res;
    });
    rows.push({what: 'one node, all checks, whole process', ms: one, base: 'ssh -o BatchMode=yes HOST true', baseMs: floor});

    const script = buildProbeScript({hostRoot: node.root, live: true});
    let peakMb = 0;
    for (const n of [1, 50, 200]) {
      const inv = join(dir, `inventory-${n}.yaml`);
      const hostsFile = join(dir, `hosts-${n}`);
      await writeFile(inv, `defaults:\n  user: root\n  port: ${sshd.port}\n  hostRoot: ${node.root}\nhosts:\n${Array.from({length: n}, (_, i) => `  - name: node-${i}\n    host: 127.0.0.1\n`).join('')}`);
      await writeFile(hostsFile, Array.from({length: n}, () => `root@127.0.0.1:${sshd.port}`).join('\n') + '\n');
      const r = n === 200 ? Math.max(1, Math.min(runs, 3)) : runs;
      const psshArgs = (cmd: string) => ['-p', '16', '-t', '120', '-h', hostsFile, '-x', `-F none -o BatchMode=yes -o UserKnownHostsFile=${kh} -o StrictHostKeyChecking=yes -i ${key}`, cmd];
      const ours: number[] = [];
      for (let i = 0; i < r; i++) {
        const res = await timed(process.execPath, ourArgs(['--inventory', inv, '--concurrency', '16']));
        if (res.code !== 0 && res.code !== 1) throw new Error(`bench: kubelet-doctor exited ${res.code} on ${n} targets`);
        ours.push(res.ms);
        if (n === 200) peakMb = Math.max(peakMb, res.peakKb / 1024);
      }
      const probe = await medianOf(r, () => timed(pssh, [...psshArgs('sh -s'), '-I'], script));
      const tru = await medianOf(r, () => timed(pssh, psshArgs('true')));
      rows.push({what: `${n} targets, all checks, concurrency 16`, ms: median(ours), base: `parallel-ssh -p 16, same probe`, baseMs: probe});
      rows.push({what: `${n} targets, all checks, concurrency 16`, ms: median(ours), base: `parallel-ssh -p 16, true`, baseMs: tru});
    }
    return {rows, peakMb};
  } finally {
    await sshd.stop();
  }
}
