/**
 * First cause first, as the operator sees it at 80x24: a node leads with its root cause and folds
 * what it explains under it (a count, never cut; → shows the tree, ← folds it); the fleet counts
 * causes, not the failures that follow from them. Also: notes are not problems, advice shows only
 * when asked for, a machine with no kubelet is one line, the configuration's names are never cut,
 * search types j and k, and a verified fix counts as fixed when the TUI closes.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {catalogue} from '../../checks/index.js';
import type {Finding, TargetResult} from '../../src/report/types.js';
import {App} from '../../src/ui/app.js';
import type {FixOutcome} from '../../src/ui/state/fix-state.js';
import {initialState, runReducer, type UiState} from '../../src/ui/state/run-reducer.js';
import {exitCodeOfState} from '../../src/ui/state/selectors.js';
import {makeTheme} from '../../src/ui/theme.js';
import {shellLines} from '../../src/ui/view/fix-result-lines.js';
import {checkLabNodes, KEYS, type Checked} from './fixtures.js';
import {frameWhere, frameWith, renderSized} from './term.js';

let lab: Checked[];
let cleanup: () => Promise<void>;
const theme = makeTheme({color: false});

beforeAll(async () => {
  ({nodes: lab, cleanup} = await checkLabNodes(['swap-on', 'healthy']));
}, 120_000);
afterAll(() => cleanup());

/** What the live lab's swap node shows: swap fails, and the kubelet's restart loop, healthz and logs fail because of it. */
const CONSEQUENCES: Record<string, string> = {
  'systemd-dropin': 'kubelet is in a restart loop (42 restarts)',
  healthz: 'nothing answers on http://127.0.0.1:10248/healthz',
  'kubelet-logs': 'the kubelet exits with "failed to run Kubelet: running with swap on is not supported"',
};

function swapNode(): Checked {
  const n = lab[0]!;
  const results = n.result.results.map((f): Finding => (CONSEQUENCES[f.id] ? {...f, status: 'fail', causedBy: 'swap', summary: CONSEQUENCES[f.id]!} : f));
  return {...n, result: {...n.result, results}};
}

function withStatus(n: Checked, id: string, status: Finding['status'], summary: string): Checked {
  return {...n, result: {...n.result, results: n.result.results.map((f) => (f.id === id ? {...f, status, summary} : f))}};
}

function notANode(): Checked {
  const result: TargetResult = {
    ...lab[1]!.result,
    target: 'bastion',
    node: 'bastion',
    transport: 'ssh',
    status: 'not-a-node',
    error: {kind: 'not-a-node', message: 'no kubelet on this machine: no kubelet unit, binary or process', hint: null},
  };
  return {info: {name: 'bastion', transport: 'ssh'}, result, facts: null};
}

function show(nodes: Checked[], cols = 80, rows = 24, advice = false) {
  const probe = async (i: number) => ({result: nodes[i]!.result, facts: nodes[i]!.facts});
  return renderSized(<App targets={nodes.map((n) => n.info)} checks={catalogue} probe={probe} theme={theme} advice={advice} />, cols, rows);
}

const rowsOf = (frame: string) => frame.replace(/\n$/, '').split('\n');

describe('first cause first', () => {
  it('leads the node with its one root cause, what it explains folded under it, whole at 80 columns', async () => {
    const t = show([swapNode()]);
    const frame = await frameWith(t.lastFrame, 'FIRST CAUSE', 'explains 3');
    const rows = rowsOf(frame);
    // The header counts one cause, and the three failures it explains.
    expect(rows[0]).toMatch(/^node-1-swap-on · 1 cause \(explains 3\), /);
    // The cause is the first row of the body, selected; the folded count right under it, not cut.
    expect(rows[1]).toMatch(/^ {2}FIRST CAUSE/);
    expect(rows[2]).toMatch(/^> {3}✗ FAIL {2}swap /);
    expect(rows[3]).toBe('        └ explains 3: systemd-dropin, healthz, kubelet-logs  → shows them');
    // One red FAIL row on the whole screen: the consequences are not listed as failures of their own.
    expect(frame.match(/✗ FAIL/g)).toHaveLength(1);
    for (const id of Object.keys(CONSEQUENCES)) expect(frame).not.toMatch(new RegExp(`FAIL\\s+${id}`));
    for (const r of rows) expect([...r].length).toBeLessThanOrEqual(80);

    t.stdin.write(KEYS.right);
    const open = await frameWith(t.lastFrame, '├ ✗ systemd-dropin');
    const tree = rowsOf(open).slice(3, 6);
    expect(tree[0]).toMatch(/^ {8}├ ✗ systemd-dropin\s+kubelet is in a restart loop/);
    expect(tree[1]).toMatch(/^ {8}├ ✗ healthz\s+nothing answers/);
    expect(tree[2]).toMatch(/^ {8}└ ✗ kubelet-logs\s+the kubelet exits/);
    expect(open).not.toContain('└ explains 3');
    // A consequence is a row of its own: selectable, and ← on it folds the tree back onto its cause.
    t.stdin.write('j');
    await frameWhere(t.lastFrame, (f) => /^> {7}├ ✗ systemd-dropin/m.test(f), 'the first consequence selected');
    t.stdin.write(KEYS.left);
    const folded = await frameWith(t.lastFrame, '└ explains 3');
    expect(folded).toMatch(/^> {3}✗ FAIL {2}swap /m);
    t.unmount();
  });

  it('counts causes in the fleet view, with what the first cause explains beside it', async () => {
    const t = show([lab[1]!, swapNode()]);
    const frame = await frameWith(t.lastFrame, '2 checked');
    const rows = rowsOf(frame);
    expect(rows[0]).toBe('kubelet-doctor  2 nodes: 2 checked · 1 failing, 1 cause');
    expect(rows[1]).toMatch(/^ {2}NODE\s+VIA\s+CAUSE\s+WARN\s+FIRST CAUSE$/);
    expect(rows[2]).toMatch(/^> node-1-swap-on\s+root\s+1\s+\d+\s+✗ swap explains 3: /);
    expect(rows[3]).toMatch(/^ {2}node-2-healthy\s+root\s+0\s+\d+\s+/);
    t.unmount();
  });

  it('shows the PASS column where there is room (120 columns)', async () => {
    const t = show([lab[1]!, swapNode()], 120, 40);
    const frame = await frameWith(t.lastFrame, '2 checked');
    expect(rowsOf(frame)[1]).toMatch(/CAUSE\s+WARN\s+PASS\s+FIRST CAUSE$/);
    t.unmount();
  });
});

describe('notes, advice and machines that are not nodes', () => {
  it('shows a note as a note (not a problem), and advice only when asked for', async () => {
    let node = withStatus(lab[1]!, 'kubelet-flags', 'note', 'the deprecated flag is what kubeadm writes: nothing to do');
    node = withStatus(node, 'node-allocatable', 'advice', 'reserve memory for the system (systemReserved)');
    const t = show([node]);
    const frame = await frameWith(t.lastFrame, 'i note');
    expect(rowsOf(frame)[0]).toMatch(/^node-2-healthy · 0 causes, 0 warn, 1 note, /);
    expect(frame).toMatch(/i note {2}kubelet-flags\s+the deprecated flag/);
    expect(frame).not.toContain('node-allocatable');
    t.stdin.write(KEYS.pageDown);
    await frameWith(t.lastFrame, '1 best-practice advice not shown (--advice shows it)');
    t.unmount();
    const asked = show([node], 80, 40, true);
    const withAdvice = await frameWith(asked.lastFrame, '~ advice');
    expect(withAdvice).toMatch(/~ advice +node-allocatable\s+reserve memory/);
    expect(rowsOf(withAdvice)[0]).toMatch(/0 causes, 0 warn, 1 advice, 1 note, /);
    asked.unmount();
  });

  it('shows a machine with no kubelet as one line, with no failures and nothing to fix', async () => {
    const t = show([lab[1]!, notANode()]);
    const fleet = await frameWith(t.lastFrame, '2 checked');
    expect(rowsOf(fleet)[0]).toContain('· 1 not a node');
    const row = rowsOf(fleet).find((r) => r.includes('bastion'))!;
    expect(row).toMatch(/bastion\s+ssh\s+not a node: no kubelet on this machine/);
    // Not-a-node sorts first (it could not be checked): open it.
    t.stdin.write(KEYS.enter);
    const node = await frameWith(t.lastFrame, 'NOT A NODE');
    expect(node).not.toContain('FAIL');
    expect(node).not.toContain('FIRST CAUSE');
    expect(rowsOf(node).filter((r) => r.trim() !== '').length).toBeLessThanOrEqual(4);
    t.unmount();
  });
});

describe('the configuration at 80 columns', () => {
  it('never cuts a setting name: one too long for its column gets its own row', async () => {
    const t = show([lab[1]!], 80, 60);
    await frameWith(t.lastFrame, 'KUBELET CONFIGURATION');
    t.stdin.write('c');
    const frame = await frameWith(t.lastFrame, 'SET AT');
    expect(frame).not.toMatch(/^\S+…/m);
    expect(frame).toMatch(/^authentication\.webhook\.cacheTTL\n\s+2m\s+default/m);
    expect(frame).toMatch(/^authentication\.webhook\.enabled\n\s+true\s+\/var\/lib\/kubelet\/config\.yaml:\d+/m);
    t.unmount();
  });
});

describe('search keys', () => {
  it('types j and k into the query, and moves with ↓/↑ and Ctrl-N/Ctrl-P', async () => {
    const t = show([lab[1]!, swapNode()]);
    await frameWith(t.lastFrame, '2 checked');
    t.stdin.write('/');
    await frameWith(t.lastFrame, 'Paste a line from');
    for (const ch of 'kubelet j') t.stdin.write(ch);
    const typed = await frameWith(t.lastFrame, '/ kubelet j▏');
    expect(typed).toMatch(/^> /m);
    const firstHit = rowsOf(typed).findIndex((r) => r.startsWith('> '));
    t.stdin.write('\u000e'); // Ctrl-N
    await frameWhere(t.lastFrame, (f) => rowsOf(f)[firstHit + 1]?.startsWith('> ') === true, 'Ctrl-N moved down');
    t.stdin.write('\u0010'); // Ctrl-P
    await frameWhere(t.lastFrame, (f) => rowsOf(f)[firstHit]?.startsWith('> ') === true, 'Ctrl-P moved up');
    expect(t.lastFrame()).toContain('/ kubelet j▏');
    t.unmount();
  });
});

describe('after a fix', () => {
  const verified = (finding: Finding): FixOutcome => ({
    status: 'verified',
    backup: '20261205T081115Z',
    message: 'cgroup-driver-match passes after the fix',
    finding,
    changed: ['/var/lib/kubelet/config.yaml'],
    pending: [],
    output: [],
  });

  it('counts the check as the verification re-ran it: quitting right after a verified fix exits 0', () => {
    const failing: Finding = {...lab[1]!.result.results[0]!, id: 'cgroup-driver-match', status: 'fail', causedBy: null};
    const result = {...lab[1]!.result, results: [...lab[1]!.result.results.filter((f) => f.id !== 'cgroup-driver-match'), failing]};
    let s: UiState = initialState([{name: 'n', transport: 'root'}]);
    s = runReducer(s, {type: 'target-done', index: 0, result, facts: null});
    expect(exitCodeOfState(s)).toBe(1);
    s = runReducer(s, {type: 'open-fix', node: 0, check: 'cgroup-driver-match', fixId: 'set-kubelet-cgroup-driver'});
    // The wizard's stages up to the apply, as the runner reports them.
    s = {...s, fix: {...s.fix!, stage: 'applying'}};
    s = runReducer(s, {type: 'fix-done', seq: s.fix!.seq, result: verified({...failing, status: 'pass', summary: 'both use systemd'})});
    expect(s.fix?.stage).toBe('done');
    expect(exitCodeOfState(s)).toBe(0);
  });

  it('prints an undo command too long for the screen on rows a shell joins back into the same command', () => {
    const cmd = "kubelet-doctor fix root@10.0.3.17 --host-root '/mnt/a disk/node' --rollback 20261205T081115Z";
    const rows = shellLines(cmd, 40);
    expect(rows.length).toBeGreaterThan(1);
    for (const r of rows) expect([...r].length).toBeLessThanOrEqual(40);
    for (const r of rows.slice(0, -1)) expect(r.endsWith(' \\')).toBe(true);
    expect(rows.join('\n').replace(/ \\\n {2}/g, ' ')).toBe(cmd);
    expect(rows).toContain("  --host-root '/mnt/a disk/node' \\");
    expect(shellLines('kubelet-doctor fix --local --rollback X', 80)).toEqual(['kubelet-doctor fix --local --rollback X']);
  });
});
