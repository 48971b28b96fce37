import {describe as group, expect, it} from 'vitest';
import type {Finding, TargetResult} from '../../src/report/types.js';
import {describe, isHealthy, step, transitions, type NodeHistory} from '../../src/watch/transitions.js';

const finding = (id: string, status: Finding['status'], extra: Partial<Finding> = {}): Finding => ({
  id,
  title: `${id} title`,
  category: 'kubelet',
  severity: 'high',
  status,
  summary: `${id} is ${status}`,
  evidence: [],
  remediation: '',
  fix: null,
  causedBy: null,
  details: [],
  references: [],
  ...extra,
});

const result = (results: Finding[], status: TargetResult['status'] = 'ok', message?: string): TargetResult => ({
  target: 'node-1',
  node: 'node-1.example',
  transport: 'ssh',
  status,
  error: message ? {kind: 'unreachable', message, hint: null} : null,
  kubeletVersion: 'v1.30.0',
  durationMs: 1,
  notes: [],
  results,
});

const down = result([], 'unreachable', 'connection refused');

group('transitions', () => {
  it('a failing check that passes is fixed, and the node becomes healthy', () => {
    const t = transitions(result([finding('swap', 'fail'), finding('a', 'pass')]), result([finding('swap', 'pass'), finding('a', 'pass')]));
    expect(t.map((x) => x.kind)).toEqual(['fixed', 'first-cause', 'healthy']);
    expect(t[0]).toMatchObject({check: 'swap', from: 'fail', to: 'pass', node: 'node-1'});
    expect(t[1]).toMatchObject({from: 'swap', to: null});
    expect(t[2]).toMatchObject({healthy: true});
    expect(describe(t[0]!)).toBe('fixed: swap (swap title) fail → pass');
  });

  it('a passing check that fails is a new failure with its summary', () => {
    const t = transitions(result([finding('swap', 'pass')]), result([finding('swap', 'fail')]));
    expect(t[0]).toMatchObject({kind: 'new-failure', check: 'swap', from: 'pass', summary: 'swap is fail'});
    expect(t.map((x) => x.kind)).toEqual(['new-failure', 'first-cause', 'healthy']);
  });

  it('other status changes are reported as such; nothing changed reports nothing', () => {
    expect(transitions(result([finding('x', 'warn')]), result([finding('x', 'pass')]))).toEqual([
      {kind: 'status', node: 'node-1', check: 'x', title: 'x title', from: 'warn', to: 'pass', summary: 'x is pass'},
    ]);
    expect(transitions(result([finding('x', 'fail')]), result([finding('x', 'fail')]))).toEqual([]);
  });

  it('the first cause changing is one transition', () => {
    const prev = result([finding('a', 'fail', {severity: 'critical'}), finding('b', 'fail', {severity: 'low'})]);
    const next = result([finding('a', 'pass', {severity: 'critical'}), finding('b', 'fail', {severity: 'low'})]);
    const t = transitions(prev, next);
    expect(t.find((x) => x.kind === 'first-cause')).toMatchObject({from: 'a', to: 'b'});
    expect(t.some((x) => x.kind === 'healthy')).toBe(false);
  });

  it('the first probe reports no news, except an unreachable node', () => {
    expect(transitions(null, result([finding('a', 'fail')]))).toEqual([]);
    expect(transitions(null, down)).toEqual([{kind: 'unreachable', node: 'node-1', from: null, message: 'connection refused'}]);
  });

  it('unreachable then back: checks compare with the last probe whose checks ran', () => {
    let h: NodeHistory | undefined;
    const kinds: string[][] = [];
    for (const r of [result([finding('swap', 'fail')]), down, down, result([finding('swap', 'pass')])]) {
      const s = step(h, r);
      h = s.history;
      kinds.push(s.transitions.map((x) => x.kind));
    }
    expect(kinds).toEqual([[], ['unreachable'], [], ['back', 'fixed', 'first-cause', 'healthy']]);
  });

  it('an unreachable node, a cut output and a waiver: health', () => {
    expect(isHealthy(down)).toBe(false);
    expect(isHealthy(result([finding('a', 'pass')], 'error'))).toBe(false);
    expect(isHealthy(result([finding('a', 'fail', {waived: {reason: 'r', expires: '2099-01-01', expired: false}})]))).toBe(true);
    expect(isHealthy(result([finding('a', 'fail', {waived: {reason: 'r', expires: '2020-01-01', expired: true}})]))).toBe(false);
    expect(isHealthy(result([finding('a', 'warn')]))).toBe(true);
  });

  it('ok → error is a node status change', () => {
    const t = transitions(result([finding('a', 'pass')]), result([finding('a', 'pass')], 'error', 'output cut'));
    expect(t[0]).toEqual({kind: 'node-status', node: 'node-1', from: 'ok', to: 'error', message: 'output cut'});
    expect(t.at(-1)).toEqual({kind: 'healthy', node: 'node-1', healthy: false});
  });
});
