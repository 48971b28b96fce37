/**
 * `d` (compare a node with a baseline) and `w` (watch: re-probe on an interval, show transitions)
 * in the TUI: the reducer and selectors alone, then the App at 80x24 on real lab results.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {catalogue} from '../../checks/index.js';
import type {TargetResult} from '../../src/report/types.js';
import {App} from '../../src/ui/app.js';
import type {ProbeFn} from '../../src/ui/run-queue.js';
import {baselineRows, driftOf} from '../../src/ui/state/drift.js';
import {currentScreen, initialState, runReducer, type Action, type UiState} from '../../src/ui/state/run-reducer.js';
import {makeTheme} from '../../src/ui/theme.js';
import {statusLine} from '../../src/ui/view/watch-lines.js';
import {checkLabNodes, KEYS, type Checked} from './fixtures.js';
import {frameWhere, frameWith, renderSized} from './term.js';

let nodes: Checked[];
let cleanup: () => Promise<void>;
const theme = makeTheme({color: false});

beforeAll(async () => {
  ({nodes, cleanup} = await checkLabNodes(['healthy', 'cgroup-driver-mismatch', 'swap-on']));
}, 120_000);
afterAll(() => cleanup());

const apply = (s: UiState, ...actions: Action[]): UiState => actions.reduce(runReducer, s);
/** Every lab node checked, as the TUI holds them. */
const checked = (): UiState =>
  apply(initialState(nodes.map((n) => n.info)), ...nodes.map((n, index): Action => ({type: 'target-done', index, result: n.result, facts: n.facts})));
const text = (l: {segs: {text: string}[]} | null): string => (l ? l.segs.map((s) => s.text).join('') : '');

/** The cgroup-driver node's result as it reads once fixed: the healthy node's checks under its name. */
const fixedResult = (): TargetResult => ({...nodes[0]!.result, target: nodes[1]!.result.target, node: nodes[1]!.result.node});

describe('d: the baseline picker and the comparison (state)', () => {
  it('says there is no other node on a single-node run, and the next key clears it', () => {
    const one = initialState([nodes[0]!.info]);
    const s = runReducer(one, {type: 'open-baseline', node: 0});
    expect(currentScreen(s).kind).toBe('node');
    expect(s.notice).toMatch(/no other node to compare with/);
    expect(text(statusLine(s, 80))).toMatch(/no other node to compare with/);
    expect(runReducer(s, {type: 'move', delta: 1, keys: ['a', 'b']}).notice).toBeNull();
  });

  it('lists the other nodes healthy first, filters them as typed, and opens the comparison over the picker', () => {
    let s = runReducer(checked(), {type: 'open-baseline', node: 1});
    expect(currentScreen(s)).toEqual({kind: 'baseline', node: 1});
    expect(baselineRows(s, 1).map((r) => r.name)).toEqual(['node-1-healthy', 'node-3-swap-on']);
    s = runReducer(s, {type: 'type', text: 'SWAP'});
    expect(baselineRows(s, 1, s.query).map((r) => r.name)).toEqual(['node-3-swap-on']);
    s = apply(s, {type: 'open-diff', node: 1, baseline: 0});
    expect(currentScreen(s)).toEqual({kind: 'diff', node: 1, baseline: 0});
    expect(currentScreen(runReducer(s, {type: 'back'})).kind).toBe('baseline');
    // A node is never its own baseline.
    expect(runReducer(s, {type: 'open-diff', node: 1, baseline: 1})).toBe(s);
  });

  it('puts the value the failing check names first, with the file:line on both sides', () => {
    const d = driftOf(checked(), 1, 0);
    if (!d.ok) throw new Error(d.reason);
    const first = d.differences[0]!;
    expect(first.key).toBe('config cgroupDriver');
    expect(first.namedBy).toEqual([{node: 'node-2-cgroup-driver-mismatch', check: 'cgroup-driver-match'}]);
    const sides = Object.fromEntries(first.values.flatMap((g) => g.nodes.map((n) => [n.node, [g.value, n.source]])));
    expect(sides['node-2-cgroup-driver-mismatch']).toEqual(['cgroupfs', expect.stringMatching(/^\/var\/lib\/kubelet\/config\.yaml:\d+$/)]);
    expect(sides['node-1-healthy']).toEqual(['systemd', expect.stringMatching(/^\/var\/lib\/kubelet\/config\.yaml:\d+$/)]);
  });

  it('says why when a side was not read', () => {
    const s = apply(initialState(nodes.map((n) => n.info)), {type: 'target-done', index: 0, result: nodes[0]!.result, facts: nodes[0]!.facts});
    const d = driftOf(s, 0, 1);
    expect(d).toEqual({ok: false, reason: expect.stringMatching(/node-2-cgroup-driver-mismatch was not checked yet: nothing to compare/)});
    const row = baselineRows(s, 0).find((r) => r.index === 1)!;
    expect(row).toMatchObject({readable: false, why: 'not checked yet'});
  });
});

describe('w: watching (state)', () => {
  it('re-probes the watched node at once and on each tick, records transitions with their time, and stops', () => {
    let s = apply(checked(), {type: 'open-node', node: 1}, {type: 'toggle-watch', indices: [1], at: 1000});
    expect(s.watch).toEqual({indices: [1], intervalMs: 10_000, since: 1000});
    expect(s.runRequest.indices).toEqual([1]);
    expect(text(statusLine(s, 200))).toMatch(/watching node-2-cgroup-driver-mismatch every 10s {2}no change yet/);
    s = apply(s, {type: 'target-start', index: 1, at: 1100}, {type: 'target-done', index: 1, result: nodes[1]!.result, facts: nodes[1]!.facts, at: 1200});
    expect(s.transitions).toEqual([]);
    const seq = s.runRequest.seq;
    s = runReducer(s, {type: 'watch-tick'});
    expect(s.runRequest).toEqual({seq: seq + 1, indices: [1]});
    s = apply(s, {type: 'target-start', index: 1, at: 11_000}, {type: 'target-done', index: 1, result: fixedResult(), facts: nodes[0]!.facts, at: 11_500});
    const kinds = s.transitions.map((t) => [t.at, t.node, t.transition.kind]);
    expect(kinds).toContainEqual([11_500, 1, 'fixed']);
    expect(kinds).toContainEqual([11_500, 1, 'first-cause']);
    expect(s.transitions.find((t) => t.transition.kind === 'fixed')!.transition).toMatchObject({check: 'cgroup-driver-match', from: 'fail', to: 'pass'});
    expect(text(statusLine(s, 300))).toMatch(/^◉ 10s 00:00:11 node-2-cgroup-driver-mi… fixed: cgroup-driver-match .* fail → pass {2}\(\+2: t\)$/);
    s = runReducer(s, {type: 'toggle-watch', indices: [1], at: 12_000});
    expect(s.watch).toBeNull();
    expect(runReducer(s, {type: 'watch-tick'})).toBe(s);
  });

  it('records no transition when not watching (a re-run after a fix is not a watch)', () => {
    const s = apply(checked(), {type: 'target-done', index: 1, result: fixedResult(), facts: nodes[0]!.facts, at: 5});
    expect(s.transitions).toEqual([]);
  });
});

/** A probe whose answer for node 2 the test switches to "fixed". */
function switchableProbe(): {probe: ProbeFn; fix: () => void; calls: number[]} {
  let fixed = false;
  const calls: number[] = [];
  return {
    calls,
    fix: () => (fixed = true),
    probe: async (index) => {
      calls[index] = (calls[index] ?? 0) + 1;
      if (index === 1 && fixed) return {result: fixedResult(), facts: nodes[0]!.facts};
      return {result: nodes[index]!.result, facts: nodes[index]!.facts};
    },
  };
}

function expectFits(frame: string, cols: number, rows: number): void {
  const lines = frame.replace(/\n$/, '').split('\n');
  expect(lines.length).toBeLessThanOrEqual(rows - 1);
  for (const l of lines) expect([...l].length, l).toBeLessThanOrEqual(cols);
  expect(frame).not.toContain('\u001b');
}

describe('the App at 80x24', () => {
  it('d on the fleet: pick the healthy baseline by typing, see cgroupDriver with both file:lines, scroll, Esc back', async () => {
    const {probe} = switchableProbe();
    const t = renderSized(<App targets={nodes.map((n) => n.info)} checks={catalogue} probe={probe} theme={theme} />, 80, 24);
    await frameWith(t.lastFrame, '3 checked');
    // The worst node (the cgroup-driver one) is selected first on the fleet.
    t.stdin.write('d');
    const picker = await frameWith(t.lastFrame, 'compare node-2-cgroup-driver-mismatch with:', 'node-1-healthy');
    expect(picker.indexOf('node-1-healthy')).toBeLessThan(picker.indexOf('node-3-swap-on'));
    expectFits(picker, 80, 24);
    t.stdin.write('swap');
    await frameWhere(t.lastFrame, (f) => f.includes('node-3-swap-on') && !f.includes('node-1-healthy'), 'the filtered picker');
    for (let i = 0; i < 4; i++) t.stdin.write(KEYS.backspace);
    t.stdin.write('heal');
    await frameWhere(t.lastFrame, (f) => f.includes('> node-1-healthy') && !f.includes('node-3-swap-on'), 'only the healthy node');
    t.stdin.write(KEYS.enter);
    const diff = await frameWith(t.lastFrame, 'node-2-cgroup-driver-mismatch against node-1-healthy', 'config cgroupDriver');
    expectFits(diff, 80, 24);
    expect(diff).toMatch(/failing cgroup-driver-match/);
    expect(diff).toMatch(/node-2-cgroup-driver-mismatch: cgroupfs\n\s+at \/var\/lib\/kubelet\/config\.yaml:\d+/);
    expect(diff).toMatch(/node-1-healthy \(baseline\): systemd\n\s+at \/var\/lib\/kubelet\/config\.yaml:\d+/);
    t.stdin.write(KEYS.escape);
    await frameWith(t.lastFrame, 'compare node-2-cgroup-driver-mismatch with:');
    t.stdin.write(KEYS.escape);
    await frameWith(t.lastFrame, 'CAUSE  WARN');
    t.unmount();
  });

  it('scrolls a comparison longer than the terminal with PgDn and PgUp', async () => {
    const {probe} = switchableProbe();
    const t = renderSized(<App targets={nodes.map((n) => n.info)} checks={catalogue} probe={probe} theme={theme} />, 80, 10);
    await frameWith(t.lastFrame, '3 checked');
    t.stdin.write('d');
    await frameWith(t.lastFrame, '> node-1-healthy');
    t.stdin.write(KEYS.enter);
    const top = await frameWith(t.lastFrame, 'config cgroupDriver', 'node-2-cgroup-driver-mismatch: cgroupfs');
    expect(top).not.toContain('(baseline)');
    expectFits(top, 80, 10);
    t.stdin.write(KEYS.pageDown);
    const below = await frameWith(t.lastFrame, 'node-1-healthy (baseline): systemd', 'cgroupDriver: systemd');
    expectFits(below, 80, 10);
    t.stdin.write(KEYS.pageUp);
    await frameWith(t.lastFrame, 'Only what differs');
    t.unmount();
  });

  it('d on a single-node run says there is no other node', async () => {
    const {probe} = switchableProbe();
    const t = renderSized(<App targets={[nodes[0]!.info]} checks={catalogue} probe={probe} theme={theme} />, 80, 24);
    await frameWith(t.lastFrame, 'node-1-healthy');
    t.stdin.write('d');
    const f = await frameWith(t.lastFrame, 'no other node to compare with');
    expectFits(f, 80, 24);
    t.unmount();
  });

  it('w watches the node: re-probes on the interval and shows "fixed" when the node is fixed; t lists it; w stops', async () => {
    const p = switchableProbe();
    const t = renderSized(<App targets={nodes.map((n) => n.info)} checks={catalogue} probe={p.probe} theme={theme} watchIntervalMs={300} />, 80, 24);
    await frameWith(t.lastFrame, '3 checked');
    t.stdin.write(KEYS.enter);
    await frameWith(t.lastFrame, '✗ FAIL  cgroup-driver-match');
    t.stdin.write('w');
    await frameWith(t.lastFrame, '◉ watching node-2-cgroup-driver-mismatch every 300ms');
    const before = p.calls[1]!;
    await frameWhere(t.lastFrame, () => (p.calls[1] ?? 0) >= before + 2, 'two more probes of node 2');
    expect(p.calls[0]).toBe(1);
    p.fix();
    const seen = await frameWith(t.lastFrame, 'fixed: cgroup-driver-match');
    expectFits(seen, 80, 24);
    t.stdin.write('t');
    const list = await frameWith(t.lastFrame, 'Transitions', 'fixed: cgroup-driver-match', 'first cause cleared');
    expectFits(list, 80, 24);
    t.stdin.write('w');
    await frameWith(t.lastFrame, 'watch off');
    t.unmount();
  });
});

describe('search hits on a consequence', () => {
  it('say which cause explains it instead of showing it as a FAIL of its own', async () => {
    const {searchLines} = await import('../../src/ui/view/search-lines.js');
    const base = nodes[2]!.result;
    const f = (id: string, causedBy: string | null) => ({...base.results[0]!, id, title: id, status: 'fail' as const, summary: `${id} fails`, causedBy});
    const result: TargetResult = {...base, results: [f('swap', null), f('healthz', 'swap')]};
    const s = apply(initialState([nodes[2]!.info]), {type: 'target-done', index: 0, result, facts: null}, {type: 'open-search'}, {type: 'type', text: 'fails'});
    const hit = (id: string) => ({
      kind: 'finding' as const,
      id,
      check: id,
      title: id,
      score: 0.1,
      matchedBy: 'fuzzy' as const,
      node: 0,
      nodeName: 'n',
      status: 'fail' as const,
      summary: `${id} fails`,
    });
    const lines = searchLines({state: s, checks: catalogue, theme, cols: 120, rows: 20, now: 0}, [hit('swap'), hit('healthz')]).map(text);
    expect(lines[1]).toMatch(/✗ FAIL\s+n swap: swap fails/);
    expect(lines[2]).toMatch(/└ explained by swap n healthz: healthz fails/);
    expect(lines[2]).not.toContain('FAIL');
  });
});

describe('hostile node text in a comparison', () => {
  it('reaches the terminal without escapes: values, sources and lines are cleaned', async () => {
    const {diffLines} = await import('../../src/ui/view/drift-lines.js');
    const facts = structuredClone(nodes[1]!.facts!);
    if (!facts.kubeletConfig.collected) throw new Error('lab node without a kubelet config');
    const evil = '\u001b]52;c;cHduZWQ=\u0007\u001b[2Jcgroupfs';
    facts.kubeletConfig.value.effective['cgroupDriver'] = {...facts.kubeletConfig.value.effective['cgroupDriver']!, value: evil, text: `cgroupDriver: ${evil}`};
    const s = apply(checked(), {type: 'target-done', index: 1, result: nodes[1]!.result, facts});
    const lines = diffLines({state: s, checks: catalogue, theme, cols: 80, rows: 20, now: 0}, 1, 0).map(text);
    const all = lines.join('\n');
    expect(all).toContain('config cgroupDriver');
    expect(all).toMatch(/cgroupfs/);
    expect(all).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
  });
});
