/**
 * `explain` finds the check that explains a log line: for every signature in the catalogue (read
 * at run time, so new checks are covered as they land), for journal lines that differ from the
 * catalogued text in timestamps, pids, node names, IPs, paths and versions, and for real lines.
 */
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {catalogue} from '../../checks/index.js';
import {allSignatures} from '../../src/catalogue/signatures.js';
import {explain, renderExplain} from '../../src/cli/commands/explain.js';

const signatures = allSignatures(catalogue);

/** Port numbers are part of the message (10250 is the kubelet's, 10248 its healthz): kept as they are. */
const PORTS = new Set(['6443', '10248', '10250', '10255', '10256']);

/** The same message as another node would log it: other numbers, hosts, paths and versions. */
function mutate(text: string): string {
  return text
    .replace(/\bv\d+\.\d+\.\d+\b/g, 'v1.31.7')
    .replace(/\bnode-1\b/g, 'ip-10-0-3-17.ec2.internal')
    .replace(/\bnode-2\b/g, 'worker-b')
    .replace(/\/etc\/kubernetes\//g, '/srv/kubernetes/')
    .replace(/\/var\/lib\/kubelet\//g, '/data/kubelet/')
    .replace(/\/etc\/systemd\/system\//g, '/run/systemd/system/')
    .replace(/\b\d+\b/g, (n) => (PORTS.has(n) ? n : String(Number(n) + 7)));
}

/** Wrapped as journald shows a modern kubelet's fatal error (kubelet.md §0, >= 1.23). */
const asKlogError = (text: string, i: number): string =>
  `Oct ${10 + (i % 18)} 0${i % 10}:1${i % 6}:4${i % 10} ip-172-31-${i}-9 kubelet[${4000 + i * 37}]: E10${10 + (i % 18)} 0${i % 10}:1${i % 6}:4${i % 10}.${String(123456 + i).padStart(6, '0')} ${4000 + i * 37} run.go:74] "command failed" err="${text.replace(/"/g, '\\"')}"`;

/** Wrapped as `journalctl -o short-iso` shows a plain line (systemd, kubeadm, older klog). */
const asShortIso = (text: string, i: number): string => `2025-0${1 + (i % 9)}-1${i % 10}T0${i % 10}:22:33+0000 worker-${i} kubelet[${900 + i}]: ${text}`;

describe('explain finds the check for every catalogued signature', () => {
  it('has signatures to test', () => {
    expect(signatures.length).toBeGreaterThan(20);
  });

  for (const [i, sig] of signatures.entries()) {
    it(`${sig.id}: the catalogued text leads to ${sig.check}, with the log pattern matched`, () => {
      const first = explain(sig.text).matches[0];
      expect(first, JSON.stringify(explain(sig.text).matches.slice(0, 3))).toMatchObject({check: sig.check, score: 0, matchedBy: 'pattern'});
    });

    it(`${sig.id}: a journal line with other timestamps, pids, hosts, paths and versions leads to ${sig.check}`, () => {
      for (const line of [asKlogError(mutate(sig.text), i), asShortIso(mutate(sig.text), i + 3)]) {
        const first = explain(line).matches[0];
        expect(first?.check, `${line}\n${JSON.stringify(explain(line).matches.slice(0, 3))}`).toBe(sig.check);
      }
    });
  }
});

describe('explain on real journal lines', () => {
  const real: [string, string][] = [
    ['E0912 00:39:45.346378 2392 run.go:74] "command failed" err="failed to parse kubelet flag: unknown flag: --container-runtime"', 'kubelet-flags'],
    ['Error: failed to parse kubelet flag: unknown flag: --network-plugin', 'kubelet-flags'],
    [
      'F1211 18:17:03.334953 14346 server.go:273] failed to run Kubelet: unable to load bootstrap kubeconfig: stat /etc/kubernetes/bootstrap-kubelet.conf: no such file or directory',
      'kubeconfig',
    ],
    ['Apr 16 12:04:20 node-7 systemd[1]: kubelet.service: Scheduled restart job, restart counter is at 7.', 'systemd-dropin'],
    [
      'E0306 19:43:23.655747 16076 server.go:302] "Failed to run kubelet" err="failed to run Kubelet: misconfiguration: kubelet cgroup driver: \\"systemd\\" is different from docker cgroup driver: \\"cgroupfs\\""',
      'cgroup-driver-match',
    ],
    [
      'E0306 19:43:23.655747 16076 server.go:302] "Failed to run kubelet" err="failed to run Kubelet: running with swap on is not supported, please disable swap! or set --fail-swap-on flag to false. /proc/swaps contained: [Filename\tType\tSize\tUsed\tPriority /dev/dm-1 partition\t1003516\t0\t-2]"',
      'swap',
    ],
    [
      'E0416 10:01:02.000003 811 kubelet.go:2862] "Container runtime network not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"',
      'cni-config',
    ],
  ];
  for (const [line, check] of real) {
    it(`leads to ${check}: ${line.slice(0, 70)}…`, () => {
      expect(explain(line).matches[0]?.check).toBe(check);
    });
  }
});

describe('explain results', () => {
  it('lists matches best first with scores from 0 (exact) upward', () => {
    const {matches} = explain('cgroup driver');
    expect(matches.length).toBeGreaterThan(1);
    expect(matches[0]!.check).toBe('cgroup-driver-match');
    const scores = matches.map((m) => m.score);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    for (const m of matches) expect(m.score).toBeGreaterThanOrEqual(0);
  });

  it('prints the remediation once per check in the text form', () => {
    const text = renderExplain(explain('failed to parse kubelet flag: unknown flag: --network-plugin'));
    expect(text).toMatch(/^1\. log line unknown-flag → check kubelet-flags {2}score 0\.00 {2}\(the log pattern matches\)$/m);
    expect(text.match(/what to do:/g)).toHaveLength(
      new Set(
        explain('failed to parse kubelet flag: unknown flag: --network-plugin')
          .matches.slice(0, 5)
          .map((m) => m.check),
      ).size,
    );
  });
});

describe('kubelet-doctor explain (the binary)', () => {
  const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');
  const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}, timeout: 60_000});

  it('prints JSON best first and exits 0 when something matches', () => {
    expect(existsSync(BIN), 'build first: npm test runs tsc before vitest').toBe(true);
    const r = run([
      'explain',
      'E0416 12:04:10.794442 7769 run.go:74] "command failed" err="failed to parse kubelet flag: unknown flag: --network-plugin"',
      '--output',
      'json',
    ]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {query: string; matches: {kind: string; id: string; check: string; score: number; title: string}[]};
    expect(out.query).toContain('unknown flag');
    expect(out.matches[0]).toMatchObject({kind: 'signature', id: 'unknown-flag', check: 'kubelet-flags', score: 0});
    expect(out.matches[1]).toMatchObject({kind: 'check', id: 'kubelet-flags', check: 'kubelet-flags'});
  });

  it('says so and exits 1 when nothing matches', () => {
    const r = run(['explain', 'zqxjv wqpz']);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('No check matches "zqxjv wqpz"');
  });

  it('exits 2 with a hint when no text is given', () => {
    const r = run(['explain']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/explain needs the text to look up/);
    expect(r.stderr).toMatch(/hint: paste a journal line/);
  });
});
