/**
 * The fix wizard's state, without rendering: nothing reaches `applying` (the only stage in which
 * the runner writes) but through a yes on every step, answers for a wizard already left are
 * ignored, Esc is refused while applying, and leaving after an apply re-runs the node.
 */
import {describe, expect, it} from 'vitest';
import type {FixPlan} from '../../src/fixes/types.js';
import type {Finding} from '../../src/report/types.js';
import {blocker, type PlannedFix} from '../../src/ui/state/fix-state.js';
import {initialState, runReducer, type Action, type UiState} from '../../src/ui/state/run-reducer.js';

const finding: Finding = {
  id: 'swap',
  title: 'swap',
  category: 'host',
  severity: 'high',
  status: 'fail',
  summary: 'swap is on',
  evidence: [],
  remediation: '',
  fix: 'swap-off',
  causedBy: null,
  details: [],
  references: [],
};
const plan: FixPlan = {
  fixId: 'swap-off',
  checkId: 'swap',
  title: 'Turn swap off',
  choice: 'off',
  choices: [
    {name: 'off', description: 'off'},
    {name: 'keep', description: 'keep'},
  ],
  steps: [
    {kind: 'write-file', path: '/etc/fstab', before: 'a\n', after: '#a\n', why: 'comment it out'},
    {kind: 'restart-unit', unit: 'kubelet'},
    {kind: 'manual', text: 'mask the swap units'},
  ],
};
const planned = (over: Partial<PlannedFix> = {}): PlannedFix => ({target: 'n1', spec: '--root /n1', offline: true, finding, plan, ...over});

const run = (s: UiState, ...actions: Action[]): UiState => actions.reduce(runReducer, s);

function opened(): UiState {
  const s = run(
    initialState([{name: 'n1', transport: 'root'}]),
    {type: 'open-check', node: 0, check: 'swap'},
    {type: 'open-fix', node: 0, check: 'swap', fixId: 'swap-off'},
  );
  expect(s.fix?.stage).toBe('opening');
  return s;
}

describe('the fix wizard state', () => {
  it('ignores yes before the plan is on screen, and answers for an older wizard', () => {
    let s = run(opened(), {type: 'fix-confirm', all: true});
    expect(s.fix?.stage).toBe('opening');
    s = run(s, {type: 'fix-planned', seq: 99, planned: planned()});
    expect(s.fix?.stage).toBe('opening');
    s = run(s, {type: 'fix-planned', seq: s.fix!.seq, planned: planned()});
    expect(s.fix?.stage).toBe('confirm');
  });

  it('applies only after a yes on every step but the manual ones', () => {
    let s = run(opened(), {type: 'fix-planned', seq: 1, planned: planned()});
    s = run(s, {type: 'fix-confirm', all: false});
    expect(s.fix).toMatchObject({stage: 'confirm', confirmed: 1});
    s = run(s, {type: 'fix-confirm', all: false});
    expect(s.fix).toMatchObject({stage: 'applying', confirmed: 2});
  });

  it('declines with n, and picks a choice only before the first yes', () => {
    let s = run(opened(), {type: 'fix-planned', seq: 1, planned: planned()});
    expect(run(s, {type: 'fix-choose', choice: 'keep'}).fix).toMatchObject({stage: 'planning', choice: 'keep'});
    s = run(s, {type: 'fix-confirm', all: false});
    expect(run(s, {type: 'fix-choose', choice: 'keep'}).fix?.stage).toBe('confirm');
    expect(run(s, {type: 'fix-decline'}).fix?.stage).toBe('declined');
  });

  it('refuses Esc while applying; after the result Esc goes back and re-runs the node', () => {
    let s = run(opened(), {type: 'fix-planned', seq: 1, planned: planned()}, {type: 'fix-confirm', all: true});
    expect(run(s, {type: 'back'})).toBe(s);
    s = run(s, {
      type: 'fix-done',
      seq: 1,
      result: {status: 'verified', backup: '20260101T000000Z', message: 'ok', finding: null, changed: ['/etc/fstab'], pending: [], output: []},
    });
    const seq = s.runRequest.seq;
    s = run(s, {type: 'back'});
    expect(s.fix).toBeNull();
    expect(s.stack.at(-1)).toEqual({kind: 'check', node: 0, check: 'swap'});
    expect(s.runRequest).toEqual({seq: seq + 1, indices: [0]});
  });

  it('says why a plan cannot be applied: not applicable, only manual steps, or only live steps under --root', () => {
    expect(blocker(planned({plan: {notApplicable: true, reason: 'no config'}}))).toBe('no config');
    expect(blocker(planned({plan: {...plan, steps: [{kind: 'manual', text: 'x'}]}}))).toMatch(/nothing here can be done automatically/);
    expect(blocker(planned({plan: {...plan, steps: [{kind: 'restart-unit', unit: 'kubelet'}]}}))).toMatch(/nothing to change offline/);
    expect(blocker(planned({offline: false, plan: {...plan, steps: [{kind: 'restart-unit', unit: 'kubelet'}]}}))).toBeNull();
  });
});
