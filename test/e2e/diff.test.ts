/**
 * End-to-end: `kubelet-doctor diff` with the built binary. Two node trees differing by one
 * injected fault show exactly that difference with file:line on both sides; two healthy nodes
 * (different hostnames) show none; golden and drifted snapshots fail a CI step (exit 1); and
 * a fleet diff over the lab's SSH fleet groups values across nodes, outliers named.
 */
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startLabFleet, type LabFleet} from '../../src/lab/lab-fleet.js';
import {writeNodeTree, type ScenarioId} from '../../src/lab/node-tree.js';
import {createClusterCa, type ClusterCa} from '../../src/lab/pki.js';

const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');
let dir: string;
let ca: ClusterCa;
let fleet: LabFleet | undefined;

/** Run the binary without blocking this process's event loop (the lab's SSH servers live here). */
function run(args: string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], {env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 110_000);
    p.once('error', reject);
    p.once('close', (code) => {
      clearTimeout(timer);
      resolve({code, stdout, stderr});
    });
  });
}

let n = 0;
async function tree(scenario: ScenarioId): Promise<string> {
  const root = join(dir, `${scenario}-${n++}`);
  await writeNodeTree(root, {layout: 'deb', hostname: `worker-${n}`, kubeletVersion: 'v1.30.2', scenario, ca});
  return root;
}

beforeAll(async () => {
  expect(existsSync(BIN), 'build first: npm test runs tsc before vitest').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'kd-diff-'));
  ca = await createClusterCa(new Date());
});
afterAll(async () => {
  await fleet?.stop();
  if (dir) await rm(dir, {recursive: true, force: true});
});

describe('diff between two nodes', () => {
  it('shows exactly the injected difference, with file:line on both sides, and exits 1', async () => {
    const a = await tree('healthy');
    const b = await tree('cgroup-driver-mismatch');
    const r = await run(['diff', '--root', a, '--root', b]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      [
        '1 setting differs between 2 nodes:',
        '',
        `config cgroupDriver  (failing cgroup-driver-match on ${b.split('/').pop()})`,
        `  ${a.split('/').pop()}: systemd  at /var/lib/kubelet/config.yaml:15  cgroupDriver: systemd`,
        `  ${b.split('/').pop()}: cgroupfs  at /var/lib/kubelet/config.yaml:15  cgroupDriver: cgroupfs`,
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(1);
  });

  it('finds no drift between two healthy nodes with different names, and exits 0', async () => {
    const r = await run(['diff', '--root', await tree('healthy'), '--root', await tree('healthy')]);
    expect(r.stdout).toBe('no drift between 2 nodes\n');
    expect(r.code).toBe(0);
  });

  it('names a part it could not read on one node once, with why, not as dozens of missing values', async () => {
    const r = await run(['diff', '--root', await tree('healthy'), '--root', await tree('dropin-no-reset'), '--output', 'json']);
    const doc = JSON.parse(r.stdout) as {differences: {key: string; namedBy: {check: string}[]}[]};
    const keys = doc.differences.map((d) => d.key);
    expect(keys[0]).toBe('unit drop-ins');
    expect(doc.differences[0]!.namedBy.map((x) => x.check)).toContain('systemd-dropin');
    expect(keys).toContain('kubelet config (whole)');
    expect(keys.length).toBeLessThan(8);
    expect(r.code).toBe(1);
  });

  it('refuses one target, or a baseline that is not a target, with exit 2 and no stack', async () => {
    const one = await run(['diff', '--root', await tree('healthy')]);
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/diff needs at least two targets/);
    const bad = await run(['diff', '--root', await tree('healthy'), '--root', await tree('healthy'), '--baseline', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--baseline nope is not one of the targets/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('drift against a golden snapshot (a CI step)', () => {
  it('passes for a copy of the golden node and fails, naming the value and line, for a drifted one', async () => {
    const golden = join(dir, 'golden.json');
    const same = join(dir, 'same.json');
    const drifted = join(dir, 'drifted.json');
    expect((await run(['collect', '--root', await tree('healthy'), '-o', golden])).code).toBe(0);
    expect((await run(['collect', '--root', await tree('healthy'), '-o', same])).code).toBe(0);
    expect((await run(['collect', '--root', await tree('swap-on'), '-o', drifted])).code).toBe(0);
    const ok = await run(['diff', '--snapshot', golden, '--snapshot', same, '--baseline', golden]);
    expect(ok.stdout).toBe(`no drift between 2 nodes against ${golden}\n`);
    expect(ok.code).toBe(0);
    const drift = await run(['diff', '--snapshot', golden, '--snapshot', drifted, '--baseline', golden, '--output', 'json']);
    expect(drift.code).toBe(1);
    const doc = JSON.parse(drift.stdout) as {
      drift: boolean;
      differences: {key: string; outliers: string[]; values: {value: string; nodes: {source: string}[]}[]}[];
    };
    expect(doc.drift).toBe(true);
    expect(doc.differences.map((d) => d.key)).toEqual(['swap (fstab)']);
    expect(doc.differences[0]!.outliers).toEqual([drifted]);
    expect(doc.differences[0]!.values[1]).toMatchObject({value: 'on: /swap.img', nodes: [{source: '/etc/fstab:10'}]});
  });
});

describe('fleet diff over the lab (SSH)', () => {
  it('groups each value across the nodes, the common value first and each outlier with its file:line', async () => {
    fleet = await startLabFleet({dir: join(dir, 'lab')});
    const r = await run(['diff', '--inventory', fleet.inventoryFile, '--known-hosts', fleet.knownHostsFile, '--ssh-config', 'none', '--output', 'json']);
    const doc = JSON.parse(r.stdout) as {
      nodes: string[];
      differences: {
        key: string;
        outliers: string[];
        namedBy: {node: string; check: string}[];
        values: {value: string; nodes: {node: string; source: string}[]}[];
      }[];
    };
    expect(doc.nodes).toHaveLength(11);
    const driver = doc.differences.find((d) => d.key === 'config cgroupDriver')!;
    expect(driver.values[0]!.value).toBe('systemd');
    expect(driver.values[0]!.nodes.length).toBeGreaterThanOrEqual(8);
    expect(driver.outliers).toContain('node-2-cgroup-driver-mismatch');
    const odd = driver.values.find((g) => g.nodes.some((s) => s.node === 'node-2-cgroup-driver-mismatch'))!;
    expect(odd.value).toBe('cgroupfs');
    expect(odd.nodes).toContainEqual(expect.objectContaining({node: 'node-2-cgroup-driver-mismatch', source: '/var/lib/kubelet/config.yaml:15'}));
    // Most consequential first: what a failing check names leads the report.
    expect(doc.differences[0]!.namedBy.length).toBeGreaterThan(0);
    expect(r.code).toBe(1);
  }, 180_000);
});
