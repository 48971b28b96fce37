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
import {appendFile, chmod, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {appendJournal, kubeletLine} from '../../src/lab/journal.js';
import {labKeyPair, LAB_USER, startLabNode, type LabNode} from '../../src/lab/lab-fleet.js';
import {startLabSshServer, type LabSshServer} from '../../src/lab/ssh-server.js';
import {writeNodeTree, type ScenarioId} from '../../src/lab/node-tree.js';
import {sshdMissing, startSshdNode, type SshdNode} from '../helpers/sshd.js';

const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');
let dir: string;
let key: {private: string; public: string};
const nodes: LabNode[] = [];
const servers: LabSshServer[] = [];

beforeAll(async () => {
  expect(existsSync(BIN), 'build first: npx tsc -p .').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'kd-watch-'));
  key = labKeyPair('watch-test');
  await writeFile(join(dir, 'id'), key.private, {mode: 0o600});
});
afterAll(async () => {
  await Promise.all([...nodes.map((n) => n.stop()), ...servers.map((s) => s.stop())]);
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
    // On a busy machine the first probe may not even finish in 3 s: either way the node is not healthy.
    for (const p of events.filter((e) => e.kind === 'probe')) expect(p).toMatchObject({target: name, healthy: false});
    expect(events.some((e) => e.kind === 'transition' && e['transition'] === 'fixed')).toBe(false);
    expect(events.at(-1)).toMatchObject({kind: 'watch-end', reason: 'timeout', exitCode: 1, healthy: [], notHealthy: [name]});
    expect(code).toBe(1);
  });

  it('a node that stops answering is unreachable, comes back on its next probe, and was fixed meanwhile', async () => {
    const {node, args, name} = await labNode('cgroup-driver-mismatch');
    const w = start(['watch', ...args, '--until-healthy', '--interval', '0.5', '--timeout', '60']);
    await w.seen(/first probe: 1 failing/);
    // The node's sshd goes away (its connections with it), and the node is fixed while it is away.
    await node.server.stop();
    await w.seen(/ unreachable: /);
    const file = join(node.info.root, CONFIG);
    await writeFile(file, (await readFile(file, 'utf8')).replace('\ncgroupDriver: cgroupfs\n', '\ncgroupDriver: systemd\n'));
    // Back on the same port with the same host key.
    const hostKey = await readFile(join(dir, '.lab', node.info.hostname, 'ssh_host_ed25519_key'), 'utf8');
    servers.push(
      await startLabSshServer({
        hostKey,
        authorizedKey: key.public,
        user: LAB_USER,
        port: node.port,
        node: {hostname: node.info.hostname, binDir: node.dirs.bin, homeDir: node.dirs.home},
      }),
    );
    const code = await w.done;
    const lines = w.out().trimEnd().split('\n');
    const at = (s: string) => lines.findIndex((l) => l.includes(`${name} ${s}`));
    expect(at('unreachable: '), w.out()).toBeGreaterThan(at('first probe'));
    expect(at('reachable again (ok)')).toBeGreaterThan(at('unreachable: '));
    expect(at('fixed: cgroup-driver-match')).toBeGreaterThan(at('reachable again (ok)'));
    expect(lines.at(-1)).toMatch(/every node is healthy \(1\); exit 0$/);
    expect(code).toBe(0);
  });

  it('a journal error line written while it watches is shown beside its check and re-probes before the interval; Ctrl-C exits 130 and leaves nothing running', async () => {
    const {node, args, name} = await labNode('cgroup-driver-mismatch');
    // An interval far longer than the test: any second probe comes from the journal.
    const w = start(['watch', ...args, '--interval', '10m', '--timeout', '90s']);
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

/**
 * The follow path over a real OpenSSH sshd: a `journalctl` first on the session's PATH that
 * follows (`-f` is `tail -f` of a file here), so the journal streams over a second channel of
 * the probe's connection. One login for the whole watch: every probe and the follow share it.
 */
const noSshd = sshdMissing();
describe.skipIf(noSshd)('watch over a real sshd: journalctl -f on the same connection', () => {
  let fx: SshdNode;
  let bin: string;
  beforeAll(async () => {
    const base = await mkdtemp(join(tmpdir(), 'kd-watch-sshd-'));
    bin = join(base, 'bin');
    await mkdir(bin);
    await writeFile(join(base, 'journal'), '2026-01-01T00:00:00+00:00 node-2 kubelet[2392]: I0101 00:00:00.000000    2392 server.go:1264] "Started kubelet"\n');
    await writeFile(
      join(bin, 'journalctl'),
      `#!/bin/sh
n=10; follow=0
while [ $# -gt 0 ]; do
  case $1 in -f|--follow) follow=1;; -n|--lines) n=$2; shift;; -u|-o|-D|-S|--since) shift;; esac
  shift
done
echo "follow=$follow n=$n" >> ${base}/journalctl.log
if [ $follow = 1 ]; then echo $$ >> ${base}/tail.pids; exec tail -n "$n" -f ${base}/journal; fi
tail -n "$n" ${base}/journal
`,
    );
    await chmod(join(bin, 'journalctl'), 0o755);
    await mkdir(join(base, 'home'));
    // One SetEnv line (sshd keeps the first): our PATH, and a HOME of its own (see SshdOptions.ownHome).
    fx = await startSshdNode('kd-watch-sshd-node-', {
      extra: `SetEnv PATH=${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=${base}/home`,
    });
    bin = base;
  });
  afterAll(async () => {
    // A `tail -f` the session left behind (sshd without a pty does not signal it): ours, by pid.
    const pids = await readFile(join(bin, 'tail.pids'), 'utf8').catch(() => '');
    for (const p of pids.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
    await fx?.stop();
    if (bin) await rm(bin, {recursive: true, force: true});
  });

  it('streams a new journal line beside its check, re-probes, and logs in once', async () => {
    const name = `root@127.0.0.1:${fx.sshd.port}`;
    const logins = () => (fx.sshd.log().match(/Accepted publickey/g) ?? []).length;
    const before = logins();
    const w = start([
      'watch',
      name,
      '-i',
      fx.sshd.keys.ed25519,
      '--known-hosts',
      fx.known,
      '--host-root',
      fx.node.root,
      '--interval',
      '600',
      '--timeout',
      '90',
      '--output',
      'ndjson',
    ]);
    await w.seen(/"kind":"probe"/);
    // The follow is running once journalctl was asked to follow.
    for (let i = 0; i < 100 && !(await readFile(join(bin, 'journalctl.log'), 'utf8').catch(() => '')).includes('follow=1'); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await appendFile(
      join(bin, 'journal'),
      '2026-01-01T00:01:00+00:00 node-2 kubelet[2393]: E0101 00:01:00.000000    2393 run.go:74] "command failed" err="failed to run Kubelet: running with swap on is not supported, please disable swap!"\n',
    );
    await w.seen(/"reason":"journal"/);
    w.child.kill('SIGINT');
    const code = await w.done;
    const events = w
      .out()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as {kind: string; [k: string]: unknown});
    const journal = events.filter((e) => e.kind === 'journal');
    expect(journal).toHaveLength(1);
    expect(journal[0]).toMatchObject({target: name, signature: 'swap-on-not-supported', check: 'swap', time: '2026-01-01T00:01:00+00:00'});
    const probes = events.filter((e) => e.kind === 'probe');
    expect(probes.map((p) => p['reason'])).toEqual(['start', 'journal']);
    expect(probes[1]).toMatchObject({journal: 'follow'});
    expect(events.at(-1)).toMatchObject({kind: 'watch-end', reason: 'interrupted', exitCode: 130});
    expect(code).toBe(130);
    expect(await readFile(join(bin, 'journalctl.log'), 'utf8')).toContain('follow=1');
    // Two probes and the follow: one login.
    expect(logins() - before).toBe(1);
  });
});
