/**
 * End-to-end: `kubelet-doctor runbook FILE` as a subprocess on node trees: unattended fixes, the
 * report file, waivers and exit codes, and the refusals (a typo, policy ask without a terminal).
 */
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createClusterCa, type ClusterCa} from '../../src/lab/pki.js';
import {writeNodeTree, type NodeTreeInfo, type ScenarioId} from '../../src/lab/node-tree.js';
import {hashTree} from '../fixes/helpers.js';

const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');
let dir: string;
let ca: ClusterCa;

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd: dir,
    env: {...process.env, NO_COLOR: '1', KUBELET_DOCTOR_AUDIT_LOG: join(dir, 'audit.log'), ...env},
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}
let n = 0;
const node = async (scenario: ScenarioId): Promise<NodeTreeInfo> =>
  writeNodeTree(join(dir, `node-${++n}`), {layout: 'deb', hostname: `node-${n}`, kubeletVersion: 'v1.30.2', scenario, ca});
const runbook = async (name: string, lines: string[]) => {
  const p = join(dir, name);
  await writeFile(p, `${lines.join('\n')}\n`);
  return p;
};
interface JsonReport {
  targets: {target: string; notes: string[]; results: {id: string; status: string; waived?: {reason: string; expires: string; expired: boolean}}[]}[];
}

beforeAll(async () => {
  expect(existsSync(BIN), 'build first: npm test runs tsc before vitest').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'kd-e2e-rb-'));
  ca = await createClusterCa(new Date());
});
afterAll(() => rm(dir, {recursive: true, force: true}));

describe('runbook FILE', () => {
  it('applies auto fixes on every node, writes the report file and exits 0 when nothing fails', async () => {
    const [a, b] = [await node('cgroup-driver-mismatch'), await node('swap-on')];
    const file = await runbook('fleet.yaml', [
      'name: lab repair',
      'targets:',
      `  - root: ${a.root}`,
      `  - root: ${b.root}`,
      'checks: [cgroup-driver-match, swap]',
      'fixes:',
      '  - check: cgroup-driver-match',
      '    policy: auto',
      '  - check: swap',
      '    policy: auto',
      'output:',
      '  format: json',
      '  file: report.json',
    ]);
    const r = run(['runbook', file]);
    expect(r.stderr).toMatch(/cgroup-driver-match: verified: cgroup-driver-match passes after the fix/);
    expect(r.code).toBe(0);
    const rep = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as JsonReport;
    expect(rep.targets.map((t) => t.results.map((x) => `${x.id}=${x.status}`).join(','))).toEqual([
      'cgroup-driver-match=pass,swap=pass',
      'cgroup-driver-match=pass,swap=pass',
    ]);
    expect(rep.targets[0]!.notes.some((x) => /^fix cgroup-driver-match: verified/.test(x))).toBe(true);
  });

  it("takes the nodes from the command line over the runbook's, and honours --waivers (exit 0 while waived)", async () => {
    const a = await node('swap-on');
    const file = await runbook('report-only.yaml', [
      'targets: [{root: /nonexistent}]',
      'checks: [swap]',
      'fixes:',
      '  - check: swap',
      '    policy: never',
      'output: {format: json}',
    ]);
    const failing = run(['runbook', file, '--root', a.root]);
    expect(failing.code).toBe(1);
    await writeFile(join(dir, 'waivers.yaml'), `- check: swap\n  nodes: "node-*"\n  reason: swap by design on this pool\n  expires: 2099-12-31\n`);
    const waived = run(['runbook', file, '--root', a.root, '--waivers', join(dir, 'waivers.yaml')]);
    expect(waived.code).toBe(0);
    const rep = JSON.parse(waived.stdout) as JsonReport;
    expect(rep.targets[0]!.results[0]).toMatchObject({
      id: 'swap',
      status: 'fail',
      waived: {reason: 'swap by design on this pool', expires: '2099-12-31', expired: false},
    });
  });

  it('refuses a runbook with policy ask when there is no terminal and no --yes, before touching anything', async () => {
    const a = await node('config-typo');
    const before = await hashTree(a.root);
    const file = await runbook('ask.yaml', ['targets:', `  - root: ${a.root}`, 'fixes:', '  - check: kubelet-config', '    policy: ask']);
    const r = run(['runbook', file]);
    expect(r.stderr).toContain('kubelet-config has policy ask, and there is no terminal to ask on');
    expect(r.code).toBe(2);
    expect(await hashTree(a.root)).toEqual(before);
    const yes = run(['runbook', file, '--yes', '--output', 'json']);
    expect((JSON.parse(yes.stdout) as JsonReport).targets[0]!.results.find((x) => x.id === 'kubelet-config')!.status).toBe('pass');
    expect(yes.code).toBe(0);
  });

  it('names the line and the nearest field for a typo in the runbook (exit 2)', async () => {
    const file = await runbook('typo.yaml', ['targets: [{root: /x}]', 'fixes:', '  - check: swap', '    polcy: auto', 'stopOnFailur: true']);
    const r = run(['runbook', file]);
    expect(r.stderr).toContain(
      `kubelet-doctor: ${file}:4: fixes[]: unknown field "polcy" (did you mean "policy"?); ${file}:5: runbook: unknown field "stopOnFailur" (did you mean "stopOnFailure"?)`,
    );
    expect(r.code).toBe(2);
  });

  it('loads the example runbooks and runs one in a dry run without changing the node', async () => {
    const a = await node('removed-flag');
    const before = await hashTree(a.root);
    const example = join(import.meta.dirname, '../../docs/runbooks/node-notready-after-upgrade.yaml');
    const r = run(['runbook', example, '--root', a.root, '--dry-run', '--output', 'json', '-o', join(dir, 'dry.json')]);
    expect(r.stderr).toContain('runbook: node NotReady after upgrade (1 node)');
    expect(r.stderr).toContain('kubelet-flags: skipped: dry run: the plan is shown above, nothing was changed');
    expect(await hashTree(a.root)).toEqual(before);
  });
});
