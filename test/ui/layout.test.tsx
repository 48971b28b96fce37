/**
 * What the TUI writes to a real-sized terminal: it fits 80x24 as plain text (NO_COLOR), it
 * re-lays out on resize, and text from a hostile node never reaches the terminal as escapes.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {catalogue} from '../../checks/index.js';
import type {Facts} from '../../src/facts/types.js';
import type {TargetResult} from '../../src/report/types.js';
import {App} from '../../src/ui/app.js';
import {makeTheme} from '../../src/ui/theme.js';
import {makeFacts} from '../helpers/facts.js';
import {checkLabNodes, instantProbe, KEYS, type Checked} from './fixtures.js';
import {frameWhere, frameWith, renderSized} from './term.js';

let nodes: Checked[];
let cleanup: () => Promise<void>;
const theme = makeTheme({color: false});

beforeAll(async () => {
  ({nodes, cleanup} = await checkLabNodes(['healthy', 'cgroup-driver-mismatch', 'expired-client-cert']));
}, 120_000);
afterAll(() => cleanup());

/** Every row of a frame fits the width, and the frame leaves the last row free (no scrolling). */
function expectFits(frame: string, cols: number, rows: number): void {
  const lines = frame.replace(/\n$/, '').split('\n');
  expect(lines.length).toBeLessThanOrEqual(rows - 1);
  for (const l of lines) expect([...l].length, l).toBeLessThanOrEqual(cols);
}

describe('layout', () => {
  it('fits every view into 80x24 as plain text with NO_COLOR', async () => {
    const t = renderSized(<App targets={nodes.map((n) => n.info)} checks={catalogue} probe={instantProbe(nodes)} theme={theme} />, 80, 24);
    const frames: string[] = [];
    frames.push(await frameWith(t.lastFrame, '3 checked', 'CAUSE  WARN  FIRST CAUSE'));
    t.stdin.write(KEYS.enter);
    frames.push(await frameWith(t.lastFrame, '✗ FAIL', '✓ pass'));
    t.stdin.write(KEYS.enter);
    frames.push(await frameWith(t.lastFrame, 'EVIDENCE'));
    t.stdin.write('c');
    frames.push(await frameWith(t.lastFrame, 'SET AT'));
    t.stdin.write('/');
    t.stdin.write('certificate expired');
    frames.push(await frameWith(t.lastFrame, 'cert-expiry'));
    t.stdin.write(KEYS.escape);
    await frameWith(t.lastFrame, 'SET AT');
    t.stdin.write('?');
    frames.push(await frameWith(t.lastFrame, 'KEYS'));
    for (const f of frames) {
      expectFits(f, 80, 24);
      expect(f).not.toContain('\u001b');
    }
    t.unmount();
  });

  it('re-lays out to the new size when the terminal is resized', async () => {
    const t = renderSized(<App targets={nodes.map((n) => n.info)} checks={catalogue} probe={instantProbe(nodes)} theme={theme} />, 120, 30);
    const wide = await frameWith(t.lastFrame, '3 checked');
    expectFits(wide, 120, 30);
    expect(wide.split('\n').some((l) => [...l].length > 100)).toBe(true);
    t.stdout.resize(60, 16);
    const narrow = await frameWhere(t.lastFrame, (f) => f.split('\n').every((l) => [...l].length <= 60), 'a 60-column frame');
    expectFits(narrow, 60, 16);
    expect(narrow).toContain('node-2-cgroup');
    t.unmount();
  });
});

/** Escape sequences a compromised node could plant in a file or a command's output. */
const EVIL = '\u001b]0;pwned\u0007\u001b[2J\u001b[H\u001b[31mred\u001b[0m\u009b6n\u001b]8;;http://127.0.0.1/x\u001b\\link\u001b]8;;\u001b\\\u202e';

function hostileNode(): {result: TargetResult; facts: Facts} {
  const result: TargetResult = {
    target: 'evil',
    node: `evil${EVIL}-node`,
    transport: 'root',
    status: 'ok',
    error: null,
    kubeletVersion: `v1.30.2${EVIL}`,
    durationMs: 5,
    notes: [`probe note ${EVIL}`],
    results: [
      {
        id: 'cgroup-driver-match',
        title: 'Kubelet and container runtime use the same cgroup driver',
        category: 'runtime',
        severity: 'critical',
        status: 'fail',
        summary: `kubelet uses ${EVIL}cgroupfs`,
        evidence: [{source: {file: `/var/lib/kubelet/config${EVIL}.yaml`, line: 13}, text: `cgroupDriver: ${EVIL}cgroupfs\nsecond ${EVIL} line`}],
        remediation: 'Make the drivers match.',
        fix: null,
        causedBy: null,
        details: [`warn: ${EVIL}`],
        references: [],
      },
    ],
  };
  const facts = makeFacts({
    kubeletConfig: {
      collected: true,
      value: {
        configPath: null,
        configDir: null,
        files: [],
        unknownFields: [],
        typeErrors: [],
        defaultsFor: 'v1.30.2',
        effective: {
          cgroupDriver: {
            value: `cgroupfs${EVIL}`,
            origin: 'config-file',
            source: {file: `/etc/${EVIL}k.yaml`, line: 3},
            text: 'x',
            overridden: [{value: `systemd${EVIL}`, origin: 'default', source: {command: 'kubelet default'}, text: 'd'}],
          },
        },
      },
    },
  });
  return {result, facts};
}

describe('hostile node text', () => {
  it('neutralises escape sequences from the node in every view', async () => {
    const evil = hostileNode();
    const unreachable: TargetResult = {
      target: 'down',
      node: 'down',
      transport: 'root',
      status: 'unreachable',
      durationMs: 3,
      kubeletVersion: null,
      notes: [],
      results: [],
      error: {kind: 'unreachable', message: `refused ${EVIL}`, hint: `hint ${EVIL}`},
    };
    const probe = async (i: number) => (i === 0 ? evil : {result: unreachable, facts: null});
    const t = renderSized(
      <App
        targets={[
          {name: 'evil', transport: 'root'},
          {name: 'down', transport: 'root'},
        ]}
        checks={catalogue}
        probe={probe}
        theme={theme}
      />,
      100,
      30,
    );
    const frames = [await frameWith(t.lastFrame, '2 checked', 'refused')];
    t.stdin.write(KEYS.down);
    await frameWhere(t.lastFrame, (f) => /> evil/.test(f), 'evil node selected');
    t.stdin.write(KEYS.enter);
    frames.push(await frameWith(t.lastFrame, 'cgroup-driver-match', 'probe note'));
    t.stdin.write(KEYS.enter);
    frames.push(await frameWith(t.lastFrame, 'EVIDENCE', 'second'));
    t.stdin.write('c');
    frames.push(await frameWith(t.lastFrame, 'SET AT'));
    t.stdin.write('/');
    t.stdin.write('cgroup');
    frames.push(await frameWith(t.lastFrame, 'match'));
    for (const f of frames) {
      expect(f).not.toMatch(/[\u001b\u0007\u0080-\u009f\u202e]/);
      expect(f).not.toContain('pwned');
    }
    expect(frames[2]).toContain('cgroupDriver: redlinkcgroupfs');
    t.unmount();
  });
});

describe('a node whose output did not all arrive', () => {
  it('says in the node view that its results are partial and that none of them passes', async () => {
    const base = nodes[0]!;
    const partial: TargetResult = {
      ...base.result,
      status: 'error',
      partial: true,
      error: {kind: 'probe-output', message: 'the output ends inside a record (F /etc/fstab: 3 of 90 bytes)', hint: null},
      results: base.result.results.map((f) => (f.status === 'pass' ? {...f, status: 'skip' as const, summary: `not trusted: ${f.summary}`} : f)),
    };
    const probe = async () => ({result: partial, facts: base.facts});
    const t = renderSized(<App targets={[base.info]} checks={catalogue} probe={probe} theme={theme} />, 100, 30);
    // One target: the TUI opens its node view at once.
    const frame = await frameWith(t.lastFrame, 'could not be checked', 'PARTIAL results');
    expect(frame).toContain('the output ends inside a record');
    expect(frame).not.toContain('✓ pass');
    t.unmount();
  });
});
