import {describe, it, expect} from 'vitest';
import {formatSource, orderFindings, placeFindings, sanitizeReport, summarize} from '../../src/report/order.js';
import {HOSTILE, hostileReport, makeFinding, makeTarget, sampleReport} from '../helpers/report.js';

const ids = (fs: {id: string}[]): string[] => fs.map((f) => f.id);

describe('orderFindings', () => {
  it('puts first causes first, critical before high, each followed by what it explains', () => {
    const findings = [
      makeFinding({id: 'pass-a', status: 'pass'}),
      makeFinding({id: 'healthz', status: 'fail', severity: 'high', causedBy: 'cgroup-driver-match'}),
      makeFinding({id: 'skip-a', status: 'skip'}),
      makeFinding({id: 'kubeconfig', status: 'fail', severity: 'high'}),
      makeFinding({id: 'warn-a', status: 'warn'}),
      makeFinding({id: 'cgroup-driver-match', status: 'fail', severity: 'critical'}),
      makeFinding({id: 'error-a', status: 'error'}),
      makeFinding({id: 'node-status', status: 'fail', severity: 'medium', causedBy: 'healthz'}),
    ];
    expect(ids(orderFindings(findings))).toEqual(['cgroup-driver-match', 'healthz', 'node-status', 'kubeconfig', 'warn-a', 'error-a', 'pass-a', 'skip-a']);
  });

  it('gives explained failures their depth under the cause', () => {
    const placed = placeFindings([
      makeFinding({id: 'b', status: 'fail', causedBy: 'a'}),
      makeFinding({id: 'c', status: 'fail', causedBy: 'b'}),
      makeFinding({id: 'a', status: 'fail'}),
    ]);
    expect(placed.map((p) => [p.finding.id, p.depth])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]);
  });

  it('keeps the given order among equals (stable)', () => {
    const findings = ['w1', 'w2', 'w3'].map((id) => makeFinding({id, status: 'warn'}));
    const fails = ['f1', 'f2'].map((id) => makeFinding({id, status: 'fail', severity: 'high'}));
    expect(ids(orderFindings([...findings, ...fails]))).toEqual(['f1', 'f2', 'w1', 'w2', 'w3']);
  });

  it('treats a failure whose cause did not fail as a first cause', () => {
    const out = placeFindings([
      makeFinding({id: 'cgroup-driver-match', status: 'pass'}),
      makeFinding({id: 'healthz', status: 'fail', causedBy: 'cgroup-driver-match'}),
    ]);
    expect(out.map((p) => [p.finding.id, p.depth])).toEqual([
      ['healthz', 0],
      ['cgroup-driver-match', 0],
    ]);
  });

  it('lists every failure once even when causes form a cycle', () => {
    const out = orderFindings([
      makeFinding({id: 'a', status: 'fail', severity: 'low', causedBy: 'b'}),
      makeFinding({id: 'b', status: 'fail', severity: 'high', causedBy: 'a'}),
    ]);
    expect(ids(out)).toEqual(['b', 'a']);
  });
});

describe('summarize', () => {
  it('counts results by status across targets, unreachable ones adding nothing', () => {
    expect(summarize(sampleReport().targets)).toEqual({pass: 2, warn: 1, fail: 2, skip: 1, error: 1, note: 0, advice: 0});
  });

  it('counts zero for an empty fleet', () => {
    expect(summarize([makeTarget()])).toEqual({pass: 0, warn: 0, fail: 0, skip: 0, error: 0, note: 0, advice: 0});
  });
});

describe('formatSource', () => {
  it('prints file:line, a bare file, or the command', () => {
    expect(formatSource({file: '/var/lib/kubelet/config.yaml', line: 14})).toBe('/var/lib/kubelet/config.yaml:14');
    expect(formatSource({file: '/etc/fstab'})).toBe('/etc/fstab');
    expect(formatSource({command: 'kubelet --version'})).toBe('kubelet --version');
  });
});

describe('sanitizeReport', () => {
  it('removes escapes from every remote string without touching the original', () => {
    const r = hostileReport();
    const clean = sanitizeReport(r);
    expect(JSON.stringify(clean)).not.toMatch(/\\u001b|\\u0007|\\u009b/);
    expect(clean.targets[0]?.node).toBe('node-1');
    expect(r.targets[0]?.node).toBe(`node-1${HOSTILE}`);
  });
});
