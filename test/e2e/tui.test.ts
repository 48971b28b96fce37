/**
 * End-to-end: the real binary in a real terminal (tmux), on kubeadm node trees. An operator
 * opens it, goes to a failing check, searches with a pasted journal line, quits, and gets the
 * shell back as it was: normal screen, cursor shown, echo and line editing on.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it, onTestFinished, vi} from 'vitest';
import {writeNodeTree, type NodeTreeInfo, type ScenarioId} from '../../src/lab/node-tree.js';
import {selectRow} from '../helpers/tmux-select.js';

const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');
const SOCKET = `kd-tui-e2e-${process.pid}`;
const PROMPT = 'tui-e2e$ ';
const hasTmux = spawnSync('tmux', ['-V']).status === 0;

/** Run a tmux command on this test's own server (never the user's). */
function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, ...args], {encoding: 'utf8'});
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/**
 * A tmux session's pane and a wait on it: until the pane shows what `ok` wants (polling, with a
 * deadline). `-J` joins what the terminal wrapped softly.
 */
function paneOf(session: string, o: {timeout?: number; join?: boolean} = {}) {
  const pane = (): string => tmux('capture-pane', '-p', ...(o.join ? ['-J'] : []), '-t', session);
  const paneWhere = async (ok: (s: string) => boolean, what: string, timeout = o.timeout ?? 30_000): Promise<string> => {
    let last = '';
    await vi.waitFor(
      () => {
        last = pane();
        if (!ok(last)) throw new Error(`waiting for ${what}; screen:\n${last}`);
      },
      {timeout, interval: 50},
    );
    return last;
  };
  return {pane, paneWhere, paneWith: (...texts: string[]) => paneWhere((s) => texts.every((t) => s.includes(t)), texts.join(' + '))};
}

const {paneWhere: screenWhere} = paneOf('tui');
const screenWith = (...texts: string[]) => screenWhere((s) => texts.every((t) => s.includes(t)), texts.join(' + '));
const keys = (...k: string[]) => void tmux('send-keys', '-t', 'tui', ...k);
const type = (text: string) => void tmux('send-keys', '-t', 'tui', '-l', text);

let dir: string;
let nodes: NodeTreeInfo[];

beforeAll(async () => {
  expect(existsSync(BIN), 'build first: npm test runs tsc before vitest').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'kd-tui-e2e-'));
  const scenarios: ScenarioId[] = ['healthy', 'cgroup-driver-mismatch', 'swap-on'];
  nodes = [];
  for (const [i, scenario] of scenarios.entries()) {
    const hostname = `node-${i + 1}-${scenario}`;
    nodes.push(await writeNodeTree(join(dir, hostname), {layout: 'deb', hostname, kubeletVersion: 'v1.30.2', scenario}));
  }
}, 120_000);

afterAll(async () => {
  if (hasTmux) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  await rm(dir, {recursive: true, force: true});
});

describe.skipIf(!hasTmux)('the TUI in a real terminal', () => {
  it('opens, shows a failing check, searches, quits, and restores the terminal', async () => {
    // CI=true on purpose: Ink draws no live frames under CI (is-in-ci); the TUI must still work in a CI job's terminal.
    tmux('new-session', '-d', '-s', 'tui', '-x', '100', '-y', '30', 'env', 'CI=true', `PS1=${PROMPT}`, 'sh');
    await screenWith(PROMPT.trim());
    type(`node ${BIN} ${nodes.map((n) => `--root ${n.root}`).join(' ')}`);
    keys('Enter');

    const fleet = await screenWith('3 nodes: 3 checked', 'CAUSE  WARN');
    expect(tmux('display-message', '-p', '-t', 'tui', '#{alternate_on}').trim()).toBe('1');
    expect(fleet.indexOf('node-2-cgroup-driver-mismatch')).toBeLessThan(fleet.indexOf('node-1-healthy'));

    keys('Enter');
    await screenWith('node-2-cgroup-driver-mismatch · 1 cause', 'FIRST CAUSE', 'CONTAINER RUNTIME', '✗ FAIL  cgroup-driver-match');
    keys('Enter');
    const detail = await screenWith('EVIDENCE', 'cgroupDriver: cgroupfs', 'WHAT TO DO');
    expect(detail).toMatch(/at \/var\/lib\/kubelet\/config\.yaml:\d+/);

    keys('Escape');
    await screenWith('CONTAINER RUNTIME');
    keys('Escape');
    await screenWith('CAUSE  WARN');

    keys('/');
    await screenWith('Paste a line from');
    type(
      'Apr 16 03:12:44 worker-9 kubelet[4821]: E0416 03:12:44.123456 4821 run.go:74] "command failed" err="failed to parse kubelet flag: unknown flag: --network-plugin"',
    );
    await screenWith('known log line recognised', 'kubelet-flags');
    keys('Enter');
    await screenWith('› kubelet-flags', 'WHAT TO DO');

    keys('q');
    const after = await screenWhere(
      (s) => s.includes('kubelet-doctor: 3/3 nodes checked') && s.trimEnd().endsWith(PROMPT.trim()),
      'the shell prompt after quitting',
    );
    expect(after).not.toContain('CAUSE  WARN');
    expect(tmux('display-message', '-p', '-t', 'tui', '#{alternate_on} #{cursor_flag}').trim()).toBe('0 1');

    type("stty -a | tr ' ;' '\\n\\n' | grep -x -E -e '-?(echo|icanon)' | tr '\\n' ' '; echo");
    keys('Enter');
    const stty = await screenWhere((s) => /\n-?(?:echo|icanon) -?(?:echo|icanon)\s*\n/.test(s), 'stty output');
    expect(stty).toMatch(/\n(icanon echo|echo icanon)\s*\n/);
  }, 120_000);
});

describe.skipIf(!hasTmux)('the fix wizard in a real terminal', () => {
  it('x plans the fix with its diff, n writes nothing, y on every step fixes the file and shows the verified result', async () => {
    const node = nodes[1]!;
    const config = join(node.root, 'var/lib/kubelet/config.yaml');
    const before = await readFile(config, 'utf8');
    onTestFinished(() => writeFile(config, before)); // the tree goes back for the other tests, pass or fail
    tmux('new-session', '-d', '-s', 'fix', '-x', '100', '-y', '40', 'env', 'CI=true', `PS1=${PROMPT}`, `HOME=${dir}`, 'sh');
    const {pane: fix, paneWith: fixWith} = paneOf('fix');
    const press = (...k: string[]) => void tmux('send-keys', '-t', 'fix', ...k);
    await fixWith(PROMPT.trim());
    tmux('send-keys', '-t', 'fix', '-l', `node ${BIN} --root ${node.root}`);
    press('Enter');
    // One node: the TUI opens on its node view.
    await fixWith('✗ FAIL  cgroup-driver-match');
    press('Enter');
    await fixWith('EVIDENCE', 'x');
    press('x');
    const plan = await fixWith('STEP 1 OF', '-cgroupDriver: cgroupfs', '+cgroupDriver: systemd', 'Apply step 1 of');
    expect(plan).toContain('--- a/var/lib/kubelet/config.yaml');
    press('n');
    await fixWith('NOT APPLIED', 'nothing was written');
    expect(await readFile(config, 'utf8')).toBe(before);
    press('Escape');
    await fixWith('EVIDENCE');

    press('x');
    await fixWith('STEP 1 OF', 'Apply step 1 of');
    press('y');
    await fixWith('Apply step 2 of');
    press('a');
    const done = await fixWith('RESULT', 'FIXED', '--rollback');
    expect(done).toMatch(/cgroup-driver-match passes after the fix/);
    expect(await readFile(config, 'utf8')).toMatch(/^cgroupDriver: systemd$/m);
    // Back on the check: the node was re-run and the check passes now.
    press('Escape');
    await fixWith('cgroup-driver-match', 'pass');
    press('q');
    await vi.waitFor(() => expect(fix().trimEnd().endsWith(PROMPT.trim()), fix()).toBe(true), {timeout: 15_000, interval: 50});
  }, 120_000);
});

describe.skipIf(!hasTmux)('quitting after a verified fix', () => {
  it('exits 0 when the fix was the node only failure, and leaves the undo command whole in the scrollback', async () => {
    const node = await writeNodeTree(join(dir, 'quit-after-fix'), {
      layout: 'deb',
      hostname: 'node-9-quit-after-fix',
      kubeletVersion: 'v1.30.2',
      scenario: 'cgroup-driver-mismatch',
    });
    tmux('new-session', '-d', '-s', 'quit', '-x', '80', '-y', '24', 'env', `PS1=${PROMPT}`, `HOME=${dir}`, 'sh');
    const {paneWhere} = paneOf('quit', {join: true});
    await paneWhere((s) => s.includes(PROMPT.trim()), 'the prompt');
    tmux('send-keys', '-t', 'quit', '-l', `node ${BIN} --root ${node.root}; echo "exit=$?"`);
    tmux('send-keys', '-t', 'quit', 'Enter');
    await paneWhere((s) => /^> {3}✗ FAIL {2}cgroup-driver-match/m.test(s), 'the node view');
    tmux('send-keys', '-t', 'quit', 'Enter');
    await paneWhere((s) => s.includes('press x'), 'the check');
    tmux('send-keys', '-t', 'quit', 'x');
    // At 80x24 the diff's last line is below the screen: read it first, then the wizard asks.
    await paneWhere((s) => s.includes('Step 1 of 3 goes on below'), 'the step, not yet whole');
    tmux('send-keys', '-t', 'quit', 'PageDown');
    await paneWhere((s) => s.includes('Apply step 1 of 3?'), 'the question');
    tmux('send-keys', '-t', 'quit', 'a');
    await paneWhere((s) => s.includes('✓ FIXED'), 'the verified fix');
    tmux('send-keys', '-t', 'quit', 'q');
    const after = await paneWhere((s) => /exit=\d+/.test(s), 'the exit status');
    expect(after).toMatch(/^exit=0$/m);
    // The undo command, whole on one line (-J joins what the terminal wrapped softly).
    expect(after).toMatch(new RegExp(`^kubelet-doctor fix --root ${node.root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} --rollback \\d{8}T\\d{6}Z$`, 'm'));
  }, 120_000);
});

describe.skipIf(!hasTmux)("the lab's swap node at 80x24", () => {
  let lab: ChildProcess | null = null;
  afterAll(async () => {
    if (lab && lab.exitCode === null) {
      const closed = new Promise((r) => lab!.once('close', r));
      lab.kill('SIGINT');
      await closed;
    }
  });

  it('leads with one root cause, its consequences folded under it, and the fleet counts causes', async () => {
    // The lab as an operator starts it: demo nodes over SSH on loopback, and the fleet command it prints.
    lab = spawn(process.execPath, [BIN, 'lab', '--dir', join(dir, 'lab')], {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1'}});
    let said = '';
    lab.stdout!.on('data', (b: Buffer) => (said += b.toString()));
    lab.stderr!.on('data', (b: Buffer) => (said += b.toString()));
    let fleetArgs = '';
    await vi.waitFor(
      () => {
        const m = /kubelet-doctor check (--inventory \S+ --known-hosts \S+ --kubeconfig \S+)/.exec(said);
        if (!m) throw new Error(`waiting for the lab; it said:\n${said}`);
        fleetArgs = m[1]!;
      },
      {timeout: 60_000, interval: 50},
    );
    tmux('new-session', '-d', '-s', 'lab80', '-x', '80', '-y', '24', 'env', `PS1=${PROMPT}`, 'sh');
    const {pane, paneWhere} = paneOf('lab80', {timeout: 90_000});
    await paneWhere((s) => s.includes(PROMPT.trim()), 'the prompt');
    // Without `check`, on a terminal: the TUI.
    tmux('send-keys', '-t', 'lab80', '-l', `node ${BIN} ${fleetArgs}`);
    tmux('send-keys', '-t', 'lab80', 'Enter');
    const fleet = await paneWhere((s) => s.includes('11 nodes: 11 checked'), 'the fleet checked');
    const rows = fleet.split('\n');
    expect(rows[1]).toMatch(/NODE\s+VIA\s+CAUSE\s+WARN\s+FIRST CAUSE/);
    // The swap node counts 1 cause (its restart loop, healthz, logs and Node status follow from it).
    const swapRow = rows.findIndex((r) => r.includes('node-8-swap-on'));
    expect(rows[swapRow]).toMatch(/node-8-swap-on\s+ssh\s+1\s+\d+\s+✗ swap explains \d+: /);
    // Every failing lab node has one cause: the header counts as many causes as failing nodes.
    const failing = /(\d+) failing, (\d+) causes?/.exec(rows[0]!);
    expect(failing?.[1]).toBe(failing?.[2]);
    for (const r of rows) expect([...r].length).toBeLessThanOrEqual(80);

    await selectRow({
      pane,
      press: (k) => void tmux('send-keys', '-t', 'lab80', k),
      row: (r) => r.startsWith('node-8-swap-on'),
      what: 'the swap node',
    });
    tmux('send-keys', '-t', 'lab80', 'Enter');
    const node = await paneWhere((s) => s.includes('FIRST CAUSE') && s.includes('└ explains'), "the swap node's first screen");
    const lines = node.split('\n');
    expect(lines[0]).toMatch(/^node-8-swap-on · 1 cause \(explains \d+\)/);
    expect(lines[2]).toMatch(/^> {3}✗ FAIL {2}swap /);
    // The consequences, folded under the cause: a count and their names, whole at 80 columns.
    expect(lines[3]).toMatch(/^ {8}└ explains \d+: [a-z-]+(, [a-z-]+)*( \+\d+ more)?( {2}→ shows them)?$/);
    for (const id of ['healthz', 'kubelet-logs', 'systemd-dropin']) expect(lines[3]).toContain(id);
    expect(node.match(/✗ FAIL/g)).toHaveLength(1);

    // → shows them as a tree under the cause; ← folds them again.
    tmux('send-keys', '-t', 'lab80', 'Right');
    const open = await paneWhere((s) => /^ {8}└ ✗ /m.test(s), 'the consequences shown');
    expect(open).toMatch(/^ {8}├ ✗ healthz\s/m);
    tmux('send-keys', '-t', 'lab80', 'Left');
    await paneWhere((s) => s.includes('└ explains'), 'folded again');

    tmux('send-keys', '-t', 'lab80', 'q');
    await paneWhere((s) => /kubelet-doctor: 11\/11 nodes checked, \d+ failing \(\d+ causes?\)/.test(s), 'the farewell line');
  }, 180_000);
});

describe('the headless path', () => {
  /** Runs the CLI in-process with stdout a pipe and reports whether React (CJS, so in require.cache) was loaded. */
  const loadsReact = (args: string[]): {react: boolean; code: number} => {
    const script = `import {createRequire} from 'node:module';
      const {main} = await import(${JSON.stringify(join(import.meta.dirname, '../../dist/src/cli/main.js'))});
      const code = await main(${JSON.stringify(args)});
      const react = Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/react/'));
      process.stderr.write('RESULT ' + JSON.stringify({react, code}) + '\\n');`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8', timeout: 60_000});
    const line = /RESULT (.*)/.exec(r.stderr)?.[1];
    if (!line) throw new Error(r.stderr);
    return JSON.parse(line) as {react: boolean; code: number};
  };

  it('prints the report without loading React or Ink when stdout is not a terminal', () => {
    expect(loadsReact(['--root', nodes[1]!.root])).toEqual({react: false, code: 1});
    expect(loadsReact(['check', '--root', nodes[0]!.root, '--output', 'json'])).toEqual({react: false, code: 0});
  }, 120_000);
});
