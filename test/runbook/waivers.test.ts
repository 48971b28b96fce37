import {describe, expect, it} from 'vitest';
import {applyWaivers, exitCodeWithWaivers, globMatch, isExpired, type Waiver} from '../../src/runbook/waivers.js';
import type {Finding, Report, TargetResult} from '../../src/report/types.js';

const finding = (id: string, status: Finding['status']): Finding => ({
  id,
  title: id,
  category: 'host',
  severity: 'high',
  status,
  summary: `${id} ${status}`,
  evidence: [],
  remediation: '',
  fix: null,
  causedBy: null,
  details: [],
  references: [],
});
const target = (node: string, results: Finding[]): TargetResult => ({
  target: node,
  node,
  transport: 'ssh',
  status: 'ok',
  error: null,
  kubeletVersion: null,
  durationMs: 0,
  notes: [],
  results,
});
const report = (...targets: TargetResult[]): Report => ({
  schema: 1,
  tool: 'kubelet-doctor',
  version: 't',
  startedAt: '',
  targets,
  summary: {pass: 0, warn: 0, fail: 0, skip: 0, error: 0, note: 0, advice: 0},
});
const waiver = (over: Partial<Waiver>): Waiver => ({
  check: 'swap',
  nodes: null,
  labels: null,
  reason: 'accepted',
  expires: '2026-12-31',
  at: 'w.yaml:1',
  ...over,
});

describe('waivers', () => {
  it('match node names with shell globs', () => {
    expect(globMatch('gpu-*', 'gpu-7')).toBe(true);
    expect(globMatch('gpu-?', 'gpu-17')).toBe(false);
    expect(globMatch('node.1', 'nodex1')).toBe(false);
  });

  it('hold through the whole expiry day (UTC) and lapse after it', () => {
    expect(isExpired({expires: '2026-12-31'}, new Date('2026-12-31T23:59:59Z'))).toBe(false);
    expect(isExpired({expires: '2026-12-31'}, new Date('2027-01-01T00:00:00Z'))).toBe(true);
  });

  it('mark a covered failure as waived so it no longer fails the run', () => {
    const r = applyWaivers(
      report(target('gpu-1', [finding('swap', 'fail')]), target('cpu-1', [finding('swap', 'fail')])),
      [waiver({nodes: 'gpu-*'})],
      new Date('2026-06-01T00:00:00Z'),
    );
    expect(r.targets[0]!.results[0]!.waived).toEqual({reason: 'accepted', expires: '2026-12-31', expired: false});
    expect(r.targets[1]!.results[0]!.waived).toBeUndefined();
    expect(exitCodeWithWaivers(r)).toBe(1);
    expect(exitCodeWithWaivers(applyWaivers(report(target('gpu-1', [finding('swap', 'fail')])), [waiver({})], new Date('2026-06-01T00:00:00Z')))).toBe(0);
  });

  it('bring the failure back once the waiver expired, saying so', () => {
    const r = applyWaivers(report(target('gpu-1', [finding('swap', 'fail')])), [waiver({})], new Date('2027-02-01T00:00:00Z'));
    expect(r.targets[0]!.results[0]!.waived).toEqual({reason: 'accepted', expires: '2026-12-31', expired: true});
    expect(exitCodeWithWaivers(r)).toBe(1);
  });

  it('match labels from the inventory, and never touch passing checks', () => {
    const t = target('n1', [finding('swap', 'fail'), finding('kernel-prereqs', 'pass')]);
    const w = [waiver({labels: {pool: 'gpu'}}), waiver({check: 'kernel-prereqs'})];
    const now = new Date('2026-06-01T00:00:00Z');
    expect(applyWaivers(report(t), w, now, () => ({pool: 'cpu'})).targets[0]!.results.map((f) => f.waived)).toEqual([undefined, undefined]);
    expect(applyWaivers(report(t), w, now, () => ({pool: 'gpu'})).targets[0]!.results[0]!.waived?.expired).toBe(false);
  });
});
