import {describe, expect, it} from 'vitest';
import {catalogue} from '../../checks/index.js';
import type {FixPlan} from '../../src/fixes/types.js';
import type {ScenarioId} from '../../src/lab/node-tree.js';
import {runRunbook, type RunbookRunOptions} from '../../src/runbook/run.js';
import type {FixRule} from '../../src/runbook/schema.js';
import {exitCodeWithWaivers} from '../../src/runbook/waivers.js';
import type {Target} from '../../src/targets/types.js';
import {NOW, hashTree, labTrees} from '../fixes/helpers.js';

const trees = labTrees('kd-rbrun-');

let n = 0;
const node = async (scenario: ScenarioId): Promise<Extract<Target, {kind: 'root'}>> => {
  const name = `n${++n}-${scenario}`;
  return {kind: 'root', name, dir: (await trees.write(name, scenario)).root};
};
const rule = (check: string, policy: FixRule['policy'], choice: string | null = null): FixRule => ({check, policy, choice, at: 'rb.yaml:1'});

function options(targets: Target[], rules: FixRule[], over: Partial<RunbookRunOptions> = {}) {
  const log: string[] = [];
  const audit: unknown[] = [];
  const asked: string[] = [];
  const o: RunbookRunOptions = {
    targets,
    rules,
    checks: catalogue.filter((c) => ['cgroup-driver-match', 'swap', 'kubelet-config'].includes(c.id)),
    waivers: [],
    stopOnFailure: false,
    concurrency: 2,
    timeoutMs: 60_000,
    kubeletVersion: null,
    expiryWarnDays: 30,
    now: () => NOW,
    ask: async (_p: FixPlan, target: string) => {
      asked.push(target);
      return false;
    },
    log: (l) => log.push(l),
    audit: async (e) => void audit.push(e),
    ...over,
  };
  return {o, log, audit, asked};
}
const status = (r: Awaited<ReturnType<typeof runRunbook>>, node: string, check: string) =>
  r.report.targets.find((t) => t.target === node)!.results.find((f) => f.id === check)!.status;

describe('runRunbook on node trees', () => {
  it('applies auto fixes, reports the nodes as they are afterwards, and audits each fix', async () => {
    const [a, b] = [await node('cgroup-driver-mismatch'), await node('swap-on')];
    const {o, audit} = options([a, b], [rule('cgroup-driver-match', 'auto'), rule('swap', 'auto', 'off')]);
    const r = await runRunbook(o);
    expect(r.outcomes.map((x) => [x.target, x.check, x.outcome])).toEqual([
      [a.name, 'cgroup-driver-match', 'verified'],
      [b.name, 'swap', 'verified'],
    ]);
    expect([status(r, a.name, 'cgroup-driver-match'), status(r, b.name, 'swap')]).toEqual(['pass', 'pass']);
    expect(r.report.targets[0]!.notes.some((x) => x.startsWith('fix cgroup-driver-match: verified'))).toBe(true);
    expect(audit).toHaveLength(4);
    expect(exitCodeWithWaivers(r.report)).toBe(0);
  });

  it('reports but leaves alone a fix with policy never, and asks before a fix with policy ask', async () => {
    const [a, b] = [await node('swap-on'), await node('config-typo')];
    const before = await hashTree(b.dir);
    const {o, asked} = options([a, b], [rule('swap', 'never'), rule('kubelet-config', 'ask')]);
    const r = await runRunbook(o);
    expect(r.outcomes.map((x) => x.outcome)).toEqual(['skipped', 'declined']);
    expect(asked).toEqual([b.name]);
    expect(status(r, a.name, 'swap')).toBe('fail');
    expect(await hashTree(b.dir)).toEqual(before);
    expect(exitCodeWithWaivers(r.report)).toBe(1);
  });

  it('stops starting nodes after a fix that did not verify (stopOnFailure), and leaves that node as it was', async () => {
    const [a, b] = [await node('swap-on'), await node('swap-on')];
    const before = await hashTree(a.dir);
    const {o} = options([a, b], [rule('swap', 'auto')], {stopOnFailure: true, concurrency: 1, verify: () => false});
    const r = await runRunbook(o);
    expect(r.stopped).toBe(true);
    expect(r.outcomes.map((x) => x.outcome)).toEqual(['rolled-back']);
    expect(r.report.targets[1]).toMatchObject({
      status: 'error',
      error: {kind: 'interrupted', message: 'not run: the runbook stopped after a failure (stopOnFailure)'},
    });
    expect(await hashTree(a.dir)).toEqual(before);
  });

  it('does not fix a waived finding, and the waived failure does not fail the run until the waiver expires', async () => {
    const a = await node('swap-on');
    const waiver = {check: 'swap', nodes: 'n*-swap-on', labels: null, reason: 'swap by design', expires: '2099-01-01', at: 'rb.yaml:9'};
    const {o} = options([a], [rule('swap', 'auto')], {waivers: [waiver]});
    const r = await runRunbook(o);
    expect(r.outcomes).toMatchObject([{outcome: 'skipped', message: 'waived until 2099-01-01: swap by design'}]);
    expect(r.report.targets[0]!.results.find((f) => f.id === 'swap')).toMatchObject({status: 'fail', waived: {expired: false}});
    expect(exitCodeWithWaivers(r.report)).toBe(0);
  });

  it('shows the plans and changes nothing in a dry run', async () => {
    const a = await node('cgroup-driver-mismatch');
    const before = await hashTree(a.dir);
    const {o, log} = options([a], [rule('cgroup-driver-match', 'auto')], {dryRun: true});
    const r = await runRunbook(o);
    expect(r.outcomes.map((x) => x.outcome)).toEqual(['skipped']);
    expect(log.join('\n')).toContain('+cgroupDriver: systemd');
    expect(await hashTree(a.dir)).toEqual(before);
  });
});
