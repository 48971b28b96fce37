/**
 * The reducer alone: every action, no rendering (STYLE 6.7: a pure reducer over a union).
 */
import {describe, expect, it} from 'vitest';
import type {Finding, TargetResult} from '../../src/report/types.js';
import {currentScreen, initialState, runReducer, screenKey, type Action, type UiState} from '../../src/ui/state/run-reducer.js';

const finding = (id: string, status: Finding['status']): Finding => ({
  id,
  title: id,
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
});

const result = (node: string, findings: Finding[]): TargetResult => ({
  target: node,
  node,
  transport: 'root',
  status: 'ok',
  error: null,
  kubeletVersion: 'v1.30.2',
  durationMs: 12,
  notes: [],
  results: findings,
});

const targets = [
  {name: 'a', transport: 'root'},
  {name: 'b', transport: 'ssh'},
  {name: 'c', transport: 'root'},
];
const apply = (s: UiState, ...actions: Action[]): UiState => actions.reduce(runReducer, s);

describe('runReducer', () => {
  it('starts with every node queued and requested, on the fleet view', () => {
    const s = initialState(targets);
    expect(s.nodes.map((n) => n.phase)).toEqual(['queued', 'queued', 'queued']);
    expect(s.runRequest).toEqual({seq: 1, indices: [0, 1, 2]});
    expect(currentScreen(s)).toEqual({kind: 'fleet'});
  });

  it('opens a single target on its node view, with the fleet beneath', () => {
    const s = initialState([targets[0]!]);
    expect(s.stack).toEqual([{kind: 'fleet'}, {kind: 'node', node: 0}]);
    expect(currentScreen(runReducer(s, {type: 'back'}))).toEqual({kind: 'fleet'});
  });

  it('records a probe start time and its result', () => {
    const r = result('a', [finding('swap', 'fail')]);
    const s = apply(initialState(targets), {type: 'target-start', index: 0, at: 5}, {type: 'target-done', index: 0, result: r, facts: null});
    expect(s.nodes[0]).toMatchObject({phase: 'done', startedAt: 5, result: r});
    expect(s.nodes[1]!.phase).toBe('queued');
  });

  it('ignores progress for a node it does not know', () => {
    const s = initialState(targets);
    expect(runReducer(s, {type: 'target-start', index: 9, at: 1})).toBe(s);
  });

  it('moves the selection by row key and stops at the ends', () => {
    const keys = ['node:2', 'node:0', 'node:1'];
    let s = initialState(targets);
    s = runReducer(s, {type: 'move', delta: 1, keys});
    expect(s.selected['fleet']).toBe('node:0');
    s = apply(s, {type: 'move', delta: 5, keys});
    expect(s.selected['fleet']).toBe('node:1');
    s = apply(s, {type: 'move', delta: -9, keys});
    expect(s.selected['fleet']).toBe('node:2');
  });

  it('keeps the selected node when rows re-sort as results arrive', () => {
    let s = runReducer(initialState(targets), {type: 'move', delta: 1, keys: ['node:0', 'node:1', 'node:2']});
    expect(s.selected['fleet']).toBe('node:1');
    s = runReducer(s, {type: 'move', delta: 1, keys: ['node:1', 'node:2', 'node:0']});
    expect(s.selected['fleet']).toBe('node:2');
  });

  it('scrolls text screens within their length', () => {
    let s = apply(initialState(targets), {type: 'open-config', node: 1});
    s = runReducer(s, {type: 'scroll', delta: 10, max: 4});
    expect(s.scroll[screenKey(currentScreen(s))]).toBe(4);
    s = runReducer(s, {type: 'scroll', delta: -10, max: 4});
    expect(s.scroll['config:1']).toBe(0);
  });

  it('pushes node, check and config screens and pops them with back', () => {
    let s = apply(initialState(targets), {type: 'open-node', node: 1}, {type: 'open-check', node: 1, check: 'swap'}, {type: 'open-config', node: 1});
    expect(s.stack.map((x) => x.kind)).toEqual(['fleet', 'node', 'check', 'config']);
    s = apply(s, {type: 'back'}, {type: 'back'}, {type: 'back'}, {type: 'back'});
    expect(s.stack).toEqual([{kind: 'fleet'}]);
  });

  it('opens search with an empty query in the context of the current node', () => {
    let s = apply(initialState(targets), {type: 'open-node', node: 2}, {type: 'type', text: 'stale'});
    s = runReducer(s, {type: 'open-search'});
    expect(currentScreen(s)).toEqual({kind: 'search', node: 2});
    expect(s.query).toBe('');
  });

  it('keeps a pasted line on one line without control characters, and erases a character at a time', () => {
    let s = apply(initialState(targets), {type: 'open-search'}, {type: 'type', text: 'E0416 \u001b[2Jbad\r\nline'});
    expect(s.query).toBe('E0416 bad line');
    s = apply(s, {type: 'erase'}, {type: 'erase'});
    expect(s.query).toBe('E0416 bad li');
  });

  it('toggles failing-only on the fleet and set-values-only on the configuration', () => {
    let s = runReducer(initialState(targets), {type: 'toggle-filter'});
    expect(s.failingOnly).toBe(true);
    s = apply(s, {type: 'open-config', node: 0}, {type: 'toggle-filter'});
    expect([s.failingOnly, s.setOnly]).toEqual([true, true]);
  });

  it('closes help with back before leaving the screen', () => {
    const s = apply(initialState(targets), {type: 'open-node', node: 0}, {type: 'toggle-help'});
    expect(s.help).toBe(true);
    const closed = runReducer(s, {type: 'back'});
    expect(closed.help).toBe(false);
    expect(currentScreen(closed).kind).toBe('node');
  });

  it('requests a re-run of finished nodes but not of one still running', () => {
    const s = apply(
      initialState(targets),
      {type: 'target-start', index: 0, at: 1},
      {type: 'target-start', index: 1, at: 1},
      {type: 'target-done', index: 1, result: result('b', []), facts: null},
      {type: 'rerun', indices: [0, 1]},
    );
    expect(s.runRequest).toEqual({seq: 2, indices: [1]});
    expect(s.nodes[1]!.phase).toBe('queued');
    expect(s.nodes[1]!.result).not.toBeNull();
    expect(runReducer(s, {type: 'rerun', indices: [0]})).toBe(s);
  });

  it('unfolds and folds what a cause explains, per node and cause', () => {
    let s = initialState(targets);
    s = runReducer(s, {type: 'fold', node: 1, check: 'swap', open: true});
    expect(s.expanded).toEqual({'1:swap': true});
    expect(runReducer(s, {type: 'fold', node: 1, check: 'swap', open: true})).toBe(s);
    s = runReducer(s, {type: 'fold', node: 1, check: 'swap', open: false});
    expect(s.expanded['1:swap']).toBe(false);
  });

  it('selects a row by key on the current screen', () => {
    const s = apply(initialState(targets), {type: 'open-node', node: 2}, {type: 'select', key: 'check:swap'});
    expect(s.selected['node:2']).toBe('check:swap');
  });

  it('remembers how far a text screen was scrolled, after scrolling back up', () => {
    const s = apply(initialState(targets), {type: 'open-config', node: 0}, {type: 'scroll', delta: 7, max: 10}, {type: 'scroll', delta: -5, max: 10});
    expect(s.scroll['config:0']).toBe(2);
    expect(s.reach['config:0']).toBe(7);
  });

  it('drops advice as it arrives unless it was asked for, and counts what it dropped', () => {
    const r = result('a', [finding('node-allocatable', 'advice'), finding('swap', 'pass'), finding('kubelet-flags', 'note')]);
    const hidden = runReducer(initialState(targets), {type: 'target-done', index: 0, result: r, facts: null});
    expect(hidden.nodes[0]!.result!.results.map((f) => f.status)).toEqual(['pass', 'note']);
    expect(hidden.nodes[0]!.result!.adviceHidden).toBe(1);
    const shown = runReducer(initialState(targets, {advice: true}), {type: 'target-done', index: 0, result: r, facts: null});
    expect(shown.nodes[0]!.result!.results.map((f) => f.status)).toEqual(['advice', 'pass', 'note']);
  });
});
