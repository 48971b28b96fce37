/**
 * The bench fleet (src/lab/bench-fleet.ts) is only worth its figures if what the client meets
 * there is what it meets on a node: a real SSH login, the real probe's bytes, and broken nodes
 * that fail the way dead ones do. Checked with the real binary and with OpenSSH's own client.
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {spawn} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {mixedNodes, startBenchFleet, writeBenchHosts, writeBenchInventory, type BenchFleet} from '../../src/lab/bench-fleet.js';
import {writeNodeTree, type NodeTreeInfo} from '../../src/lab/node-tree.js';
import {parseFrames} from '../../src/probe/frame.js';
import {runCli} from '../helpers/sshd.js';

let dir: string;
let tree: NodeTreeInfo;
let fleet: BenchFleet;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-bench-fleet-'));
  tree = await writeNodeTree(join(dir, 'node'), {layout: 'deb', hostname: 'bench-node', kubeletVersion: 'v1.30.2', scenario: 'cgroup-driver-mismatch'});
  fleet = await startBenchFleet({dir: join(dir, 'fleet'), hostRoot: tree.root, nodes: 4, silent: 1, refusing: 1});
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  if (dir) await rm(dir, {recursive: true, force: true});
});

/** OpenSSH's client, run asynchronously (the fleet answers from this process). */
function ssh(args: string[], input: string): Promise<{code: number | null; stdout: Buffer}> {
  return new Promise((resolve, reject) => {
    const c = spawn('ssh', args, {stdio: ['pipe', 'pipe', 'ignore'], env: {...process.env, SSH_AUTH_SOCK: ''}});
    const out: Buffer[] = [];
    c.stdout.on('data', (b: Buffer) => out.push(b));
    c.on('error', reject);
    c.on('close', (code) => resolve({code, stdout: Buffer.concat(out)}));
    c.stdin.end(input);
  });
}

describe('bench fleet', () => {
  it('spreads the broken nodes through a list and refuses a list larger than the fleet', () => {
    const six = mixedNodes(fleet, 6, 2);
    expect(six.map((n) => n.kind)).toEqual(['ok', 'silent', 'ok', 'ok', 'refusing', 'ok']);
    expect(new Set(six.filter((n) => n.kind === 'ok').map((n) => n.port)).size).toBe(4);
    expect(() => mixedNodes(fleet, 7, 2)).toThrow(/7 nodes with 2 broken/);
  });

  it('answers OpenSSH running the probe with the whole framed output of the node tree', async () => {
    const n = fleet.nodes[2]!;
    const r = await ssh(
      [
        '-F',
        'none',
        '-o',
        'BatchMode=yes',
        '-o',
        `UserKnownHostsFile=${fleet.knownHostsFile}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-i',
        fleet.identityFile,
        '-p',
        String(n.port),
        `root@${n.host}`,
        'sh -s',
      ],
      fleet.script,
    );
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(fleet.outputBytes);
    const parsed = parseFrames(r.stdout, {hostRoot: tree.root, live: true});
    expect(parsed.complete).toBe(true);
    expect(parsed.files['/var/lib/kubelet/config.yaml']?.content).toContain('cgroupDriver');
  }, 60_000);

  it('is checked by the real binary: healthy nodes fail the same check, silent ones time out, refused ones are unreachable', async () => {
    const inv = await writeBenchInventory(fleet, join(dir, 'inv.yaml'), mixedNodes(fleet, 6, 2));
    await writeBenchHosts(join(dir, 'hosts'), mixedNodes(fleet, 6, 2));
    const r = await runCli(
      ['check', '--inventory', inv, '--known-hosts', fleet.knownHostsFile, '--ssh-config', 'none', '--timeout', '5', '--output', 'ndjson'],
      {
        env: {SSH_AUTH_SOCK: ''},
      },
    );
    const targets = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{"kind":"target"'))
      .map((l) => JSON.parse(l) as {target: string; status: string; error: {kind: string; message: string} | null; results: {id: string; status: string}[]});
    const by = Object.fromEntries(targets.map((t) => [t.target, t]));
    expect(Object.keys(by).sort()).toEqual(['bench-0', 'bench-1', 'bench-2', 'bench-3', 'refusing-0', 'silent-0']);
    for (const name of ['bench-0', 'bench-1', 'bench-2', 'bench-3']) {
      expect(by[name]).toMatchObject({status: 'ok', error: null});
      expect(by[name]!.results.find((x) => x.id === 'cgroup-driver-match')?.status).toBe('fail');
    }
    expect(by['silent-0']).toMatchObject({status: 'unreachable', error: {kind: 'timeout'}});
    expect(by['refusing-0']).toMatchObject({status: 'unreachable', error: {kind: 'unreachable', message: expect.stringMatching(/connection refused/)}});
    expect(r.code).toBe(3);
    expect(fleet.running()).toBe(0);
  }, 120_000);
});
