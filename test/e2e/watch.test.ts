/**
 * End-to-end: `kubelet-doctor watch` with the built binary against lab nodes served over SSH from
 * this process. A node with a failing check is fixed from "another terminal" (the test edits the
 * node's file while the watch runs): --until-healthy exits 0 and says what was fixed, after the
 * fix. Without a fix the deadline exits 1. A journal error line written while the watch runs is
 * shown beside the check it points to and re-probes the node long before the interval; Ctrl-C
 * exits 130 and leaves nothing running on the node.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {appendJournal, kubeletLine} from '../../src/lab/journal.js';
import {labKeyPair, startLabNode, type LabNode} from '../../src/lab/lab-fleet.js';
import {writeNodeTree, type ScenarioId} from '../../src/lab/node-tree.js';

const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');
let dir: string;
let key: {private: string; public: string};
const nodes: LabNode[] = [];

beforeAll(async () => {
  expect(existsSync(BIN), 'build first: npx tsc -p .').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'kd-watch-'));
  key = labKeyPair('watch-test');
  await writeFile(join(dir, 'id'), key.private, {mode: 0o600});
});
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  if (dir) await rm(dir, {recursive: true, force: true});
});

let count = 0;
/** A lab node over SSH with the scenario, and the arguments that reach it. */
async function labNode(scenario: ScenarioId): Promise<{node: LabNode; args: string[]; name: string}> {
  const hostname = `node-${++count}`;
  const info = await writeNodeTree(join(dir, hostname), {layout: 'deb', hostname, kubeletVersion: 'v1.30.2', scenario});
  const node = await startLabNode({labDir: dir, info, authorizedKey: key.public, now: new Date()});
  nodes.push(node);
  const known = join(dir, `${hostname}.known_hosts`);
  await writeFile(known, `[127.0.0.1]:${node.port} ${node.hostKey}\n`);
  const name = `root@127.0.0.1:${node.port}`;
  return {node, name, args: [name, '-i', join(dir, 'id'), '--known-hosts', known, '--host-root', info.root]};
}

/** The binary, spawned (the lab's SSH servers live in this process, so never spawnSync). */
function start(args: string[]): {child: ChildProcess; out: () => string; err: () => string; done: Promise<number | null>; seen: (re: RegExp) => Promise<void>} {
  const child = spawn(process.execPath, [BIN, ...args], {env: {...process.env, NO_COLOR: '1', SSH_AUTH_SOCK: ''}, stdio: ['ignore', 'pipe', 'pipe']});
  let stdout = '';
  let stderr = '';
  const waiters: {re: RegExp; resolve: () => void}[] = [];
  child.stdout!.on('data', (b: Buffer) => {
    stdout += b.toString();
    for (const w of [...waiters]) {
      if (w.re.test(stdout)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const kill = setTimeout(() => child.kill('SIGKILL'), 100_000);
  const done = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(kill);
      for (const w of waiters) w.resolve();
      resolve(code ?? (signal ? -1 : null));
    });
  });
  const seen = (re: RegExp) => (re.test(stdout) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({re, resolve})));
  return {child, out: () => stdout, err: () => stderr, done, seen};
}

const CONFIG = 'var/lib/kubelet/config.yaml';

describe('watch over SSH (lab node)', () => {
  it('--until-healthy exits 0 after a fix applied while it watches, and prints the fixed transition after the fix', async () => {
    const {node, args, name} = await labNode('cgroup-driver-mismatch');
    const w = start(['watch', ...args, '--until-healthy', '--interval', '1', '--timeout', '60']);
    await w.seen(/first probe: 1 failing \(first cause cgroup-driver-match\)/);
    expect(w.out()).not.toContain('fixed:');
    // "Another terminal" fixes the node: the kubelet's cgroup driver now matches containerd's.
    const file = join(node.info.root, CONFIG);
    const before = await readFile(file, 'utf8');
    expect(before).toContain('\ncgroupDriver: cgroupfs\n');
    await writeFile(file, before.replace('\ncgroupDriver: cgroupfs\n', '\ncgroupDriver: systemd\n'));
    const code = await w.done;
    expect(w.err()).toBe('');
    const out = w.out();
    const lines = out.trimEnd().split('\n');
    const first = lines.findIndex((l) => l.includes('first probe'));
    const fixed = lines.findIndex((l) => l.includes(`${name} fixed: cgroup-driver-match`));
    expect(fixed, out).toBeGreaterThan(first);
    expect(lines[fixed]).toMatch(/^\d\d:\d\d:\d\d root@127\.0\.0\.1:\d+ fixed: cgroup-driver-match \(.+\) fail → pass$/);
    expect(out).toContain(`${name} healthy: no failing check`);
    expect(lines.at(-1)).toMatch(/every node is healthy \(1\); exit 0$/);
    expect(code).toBe(0);
  });

  it('without a fix, --until-healthy --timeout 3 exits 1 at the deadline (NDJSON events)', async () => {
    const {args, name} = await labNode('cgroup-driver-mismatch');
    const w = start(['watch', ...args, '--until-healthy', '--interval', '1', '--timeout', '3', '--output', 'ndjson']);
    const code = await w.done;
    expect(w.err()).toBe('');
    const events = w
      .out()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as {kind: string; [k: string]: unknown});
    expect(events[0]).toMatchObject({kind: 'watch-start', targets: [name], untilHealthy: true, timeoutS: 3, intervalS: 1});
    expect(events.find((e) => e.kind === 'probe')).toMatchObject({target: name, reason: 'start', healthy: false, firstCause: 'cgroup-driver-match'});
    expect(events.some((e) => e.kind === 'transition' && e['transition'] === 'fixed')).toBe(false);
    expect(events.at(-1)).toMatchObject({kind: 'watch-end', reason: 'timeout', exitCode: 1, healthy: [], notHealthy: [name]});
    expect(code).toBe(1);
  });

  it('a journal error line written while it watches is shown beside its check and re-probes before the interval; Ctrl-C exits 130 and leaves nothing running', async () => {
    const {node, args, name} = await labNode('cgroup-driver-mismatch');
    // An interval far longer than the test: any second probe comes from the journal.
    const w = start(['watch', ...args, '--interval', '600', '--timeout', '90']);
    await w.seen(/first probe: 1 failing/);
    const hostile = '\u001b]0;owned\u0007\u001b[31m';
    await appendJournal(node.dirs.data, node.info.hostname, [
      kubeletLine(
        'E',
        new Date(),
        'run.go:74',
        `"command failed" err="failed to run Kubelet: running with swap on is not supported, please disable swap! or set --fail-swap-on flag to false.${hostile}"`,
      ),
    ]);
    await w.seen(/re-probed after the journal line/);
    const out = w.out();
    const journal = out.split('\n').find((l) => l.includes(' journal '));
    expect(journal).toMatch(
      new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d ${name.replace(/\./g, '\\.')} journal → swap \\(.+, pass at the last probe\\) \\[swap-on-not-supported\\]: .*running with swap on is not supported`,
      ),
    );
    expect(out.indexOf(journal!)).toBeLessThan(out.indexOf('re-probed after the journal line'));
    // Escapes from the node never reach the terminal.
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(out).not.toContain('owned\u0007');
    w.child.kill('SIGINT');
    const code = await w.done;
    expect(w.out().trimEnd().split('\n').at(-1)).toMatch(/interrupted; exit 130$/);
    expect(code).toBe(130);
    // The connection is closed: the node's server has no command left running for it.
    for (let i = 0; i < 50 && node.server.running() > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(node.server.running()).toBe(0);
  });
});
