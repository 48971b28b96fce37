/**
 * The TUI as an operator drives it: ink-testing-library renders the App on real lab results
 * (through a fake probe), key presses go to stdin, and assertions read the frames.
 */
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {render} from 'ink-testing-library';
import {catalogue} from '../../checks/index.js';
import {App} from '../../src/ui/app.js';
import {makeTheme} from '../../src/ui/theme.js';
import type {FixRequest} from '../../src/ui/components/fix-panel.js';
import {checkLabNodes, gatedProbe, instantProbe, KEYS, type Checked} from './fixtures.js';
import {frameWhere, frameWith} from './term.js';

let nodes: Checked[];
let cleanup: () => Promise<void>;
const theme = makeTheme({color: false});

beforeAll(async () => {
  ({nodes, cleanup} = await checkLabNodes(['healthy', 'cgroup-driver-mismatch', 'swap-on']));
}, 120_000);
afterAll(() => cleanup());

const targets = () => nodes.map((n) => n.info);

function start(extra: {onFix?: (r: FixRequest) => void; calls?: number[]} = {}) {
  return render(
    <App targets={targets()} checks={catalogue} probe={instantProbe(nodes, extra.calls)} theme={theme} {...(extra.onFix ? {onFix: extra.onFix} : {})} />,
  );
}

describe('the fleet view', () => {
  it('shows a spinner and elapsed time while a probe runs, then the counts and the worst finding', async () => {
    const gated = gatedProbe(nodes);
    let clock = 1_000_000;
    const t = render(<App targets={targets()} checks={catalogue} probe={gated.probe} theme={theme} now={() => clock} />);
    const running = await frameWith(t.lastFrame, 'node-2-cgroup-driver-mismatch', 'probing');
    expect(running).toMatch(/3 nodes: 0 checked, 3 running/);
    clock += 1500;
    await frameWith(t.lastFrame, 'probing 1.5s');
    gated.release(1);
    const frame = await frameWhere(
      t.lastFrame,
      (f) => /node-2-cgroup-driver-mismatch\s+root\s+1\s+\d+\s+\d+\s+✗ cgroup-driver-match/.test(f),
      'node-2 finished',
    );
    expect(frame).toMatch(/1 checked, 2 running/);
    gated.release(0);
    gated.release(2);
    await frameWith(t.lastFrame, '3 checked');
    t.unmount();
  });

  it('sorts the failing nodes above the healthy one', async () => {
    const t = start();
    const frame = await frameWith(t.lastFrame, '3 nodes: 3 checked');
    const order = ['node-2-cgroup-driver-mismatch', 'node-3-swap-on', 'node-1-healthy'].map((n) => frame.indexOf(n));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    t.unmount();
  });

  it('keeps only failing nodes when f is pressed, and all again on the second f', async () => {
    const t = start();
    await frameWith(t.lastFrame, '3 checked');
    t.stdin.write('f');
    const filtered = await frameWith(t.lastFrame, '[failing only]');
    expect(filtered).not.toContain('node-1-healthy');
    expect(filtered).toContain('node-3-swap-on');
    t.stdin.write('f');
    await frameWhere(t.lastFrame, (f) => f.includes('node-1-healthy') && !f.includes('[failing only]'));
    t.unmount();
  });
});

describe('navigation', () => {
  it('opens a node, a failing check with its evidence, and goes back with Esc', async () => {
    const t = start();
    await frameWith(t.lastFrame, '3 checked');
    t.stdin.write(KEYS.enter);
    const node = await frameWith(t.lastFrame, 'CONTAINER RUNTIME', '✗ FAIL  cgroup-driver-match');
    expect(node).toMatch(/node-2-cgroup-driver-mismatch · 1 cause, .* · root · kubelet v1\.30\.2/);
    t.stdin.write(KEYS.enter);
    const detail = await frameWith(t.lastFrame, 'EVIDENCE', 'WHAT TO DO');
    expect(detail).toMatch(/at \/var\/lib\/kubelet\/config\.yaml:\d+/);
    expect(detail).toContain('cgroupDriver: cgroupfs');
    expect(detail).toContain('WHY IT MATTERS');
    t.stdin.write(KEYS.escape);
    await frameWith(t.lastFrame, 'CONTAINER RUNTIME');
    t.stdin.write(KEYS.escape);
    await frameWith(t.lastFrame, 'CAUSE  WARN');
    t.unmount();
  });

  it('moves with j/k and the arrows', async () => {
    const t = start();
    await frameWith(t.lastFrame, '3 checked');
    t.stdin.write('j');
    await frameWhere(t.lastFrame, (f) => /> node-3-swap-on/.test(f), 'selection on node-3');
    t.stdin.write(KEYS.down);
    await frameWhere(t.lastFrame, (f) => /> node-1-healthy/.test(f), 'selection on node-1');
    t.stdin.write('k');
    await frameWhere(t.lastFrame, (f) => /> node-3-swap-on/.test(f), 'selection back on node-3');
    t.stdin.write(KEYS.up);
    await frameWhere(t.lastFrame, (f) => /> node-2-cgroup/.test(f), 'selection on node-2');
    t.unmount();
  });

  it('shows the effective configuration with the file and line that set each value', async () => {
    const t = start();
    await frameWith(t.lastFrame, '3 checked');
    t.stdin.write(KEYS.enter);
    await frameWith(t.lastFrame, 'CONTAINER RUNTIME');
    t.stdin.write('c');
    const frame = await frameWith(t.lastFrame, 'effective kubelet configuration', 'SET AT');
    expect(frame).toMatch(/Precedence, lowest first: kubelet defaults/);
    t.stdin.write('f');
    await frameWith(t.lastFrame, '[set values only]');
    t.stdin.write(' ');
    const set = await frameWhere(
      t.lastFrame,
      (f) => /cgroupDriver\s+cgroupfs\s+\S+\n\s+overrides\s+cgroupfs\s+default/.test(f),
      'the default cgroupDriver under the file value',
    );
    expect(set).toMatch(/cgroupDriver\s+cgroupfs\s+\S*config\.yaml:\d+/);
    t.unmount();
  });

  it('shows every key of the keymap in the help overlay and closes it with Esc', async () => {
    const t = start();
    await frameWith(t.lastFrame, '3 checked');
    t.stdin.write('?');
    const help = await frameWith(t.lastFrame, 'KEYS', 'Ctrl-C');
    for (const k of ['↑/k/Ctrl-P', '↓/j/Ctrl-N', 'Enter', '→/l', '←/h', 'Esc/Backspace', '/', 'f', 'c', 'r', '?', 'q/Ctrl-C']) expect(help).toContain(k);
    t.stdin.write(KEYS.escape);
    await frameWith(t.lastFrame, 'CAUSE  WARN');
    t.unmount();
  });

  it('re-runs the node on r and the whole fleet on r from the fleet view', async () => {
    const calls: number[] = [];
    const t = start({calls});
    await frameWith(t.lastFrame, '3 checked');
    t.stdin.write('r');
    await until(() => calls.every((c) => c === 2) && calls.length === 3);
    t.stdin.write(KEYS.enter);
    await frameWith(t.lastFrame, 'CONTAINER RUNTIME');
    t.stdin.write('r');
    await until(() => calls[1] === 3);
    expect([calls[0], calls[2]]).toEqual([2, 2]);
    t.unmount();
  });

  it('quits on q', async () => {
    const t = start();
    await frameWith(t.lastFrame, '3 checked');
    const before = t.frames.length;
    t.stdin.write('q');
    await until(() => t.frames.length > before);
    t.stdin.write('j');
    // Once quit, keys do nothing: the selection never moves to the second row. (Under CI=true Ink
    // prints only its final frame, so assert on every frame since quitting, not the last one.)
    expect(t.frames.slice(before).some((f) => /^>\s+node-3-swap-on/m.test(f))).toBe(false);
  });
});

describe('search', () => {
  it('lands on the check that explains a pasted journal line', async () => {
    const t = start();
    await frameWith(t.lastFrame, '3 checked');
    t.stdin.write('/');
    await frameWith(t.lastFrame, 'Paste a line from');
    t.stdin.write(
      'Apr 16 03:12:44 ip-10-0-3-17 kubelet[48213]: E0416 03:12:44.123456   48213 run.go:74] "command failed" err="failed to run Kubelet: running with swap on is not supported, please disable swap! or set --fail-swap-on flag to false"',
    );
    const hits = await frameWith(t.lastFrame, 'known log line recognised');
    expect(hits).toMatch(/> 0\.00\s+log line\s+swap /);
    t.stdin.write(KEYS.enter);
    const detail = await frameWith(t.lastFrame, 'node-3-swap-on › swap', 'EVIDENCE');
    expect(detail).toContain('/etc/fstab');
    t.stdin.write(KEYS.escape);
    await frameWith(t.lastFrame, 'known log line recognised');
    t.unmount();
  });

  it('finds checks by words as they are typed, and Backspace edits the query', async () => {
    const t = start();
    await frameWith(t.lastFrame, '3 checked');
    t.stdin.write('/');
    for (const ch of 'cgroup driverx') t.stdin.write(ch);
    await frameWith(t.lastFrame, '/ cgroup driverx');
    t.stdin.write(KEYS.backspace);
    const frame = await frameWhere(t.lastFrame, (f) => f.includes('/ cgroup driver▏'), 'query without the x');
    expect(frame).toContain('cgroup-driver-match');
    t.unmount();
  });
});

describe('the fix seam', () => {
  it('shows the fix a failing check offers, and hands it to the fix wizard on x', async () => {
    const asked: FixRequest[] = [];
    const t = start({onFix: (r) => asked.push(r)});
    await frameWith(t.lastFrame, '3 checked');
    t.stdin.write(KEYS.enter);
    await frameWith(t.lastFrame, 'CONTAINER RUNTIME');
    t.stdin.write(KEYS.enter);
    await frameWith(t.lastFrame, 'FIX set-kubelet-cgroup-driver', 'press x');
    t.stdin.write('x');
    await until(() => asked.length === 1);
    expect(asked[0]).toEqual({fixId: 'set-kubelet-cgroup-driver', checkId: 'cgroup-driver-match', node: 1});
    t.unmount();
  });

  it('points at the fix command when no fix wizard is installed', async () => {
    const t = start();
    await frameWith(t.lastFrame, '3 checked');
    t.stdin.write(KEYS.enter);
    await frameWith(t.lastFrame, 'CONTAINER RUNTIME');
    t.stdin.write(KEYS.enter);
    await frameWith(t.lastFrame, 'FIX set-kubelet-cgroup-driver', 'shell: kubelet-doctor fix NODE');
    t.unmount();
  });
});

/** Wait for a condition (not a frame) with a deadline. */
async function until(ok: () => boolean): Promise<void> {
  await vi.waitFor(
    () => {
      if (!ok()) throw new Error('condition not met yet');
    },
    {timeout: 10_000, interval: 10},
  );
}
