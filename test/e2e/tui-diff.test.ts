/**
 * End-to-end: `d` and `w` in the real binary, in a real terminal (tmux, 80x24), on the lab's
 * nodes over SSH on loopback. The operator compares the cgroup-driver node with the healthy
 * node and sees the one setting that differs with its file:line on both sides; then watches
 * the node while its file is fixed from outside, and sees the transition when it happens.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {selectRow} from '../helpers/tmux-select.js';

const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');
const SOCKET = `kd-tui-diff-${process.pid}`;
const PROMPT = 'tui-diff$ ';
const hasTmux = spawnSync('tmux', ['-V']).status === 0;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, ...args], {encoding: 'utf8'});
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const pane = (): string => tmux('capture-pane', '-p', '-t', 'diff');
async function paneWhere(ok: (s: string) => boolean, what: string, timeout = 90_000): Promise<string> {
  let last = '';
  await vi.waitFor(
    () => {
      last = pane();
      if (!ok(last)) throw new Error(`waiting for ${what}; screen:\n${last}`);
    },
    {timeout, interval: 100},
  );
  return last;
}
const paneWith = (...texts: string[]) => paneWhere((s) => texts.every((t) => s.includes(t)), texts.join(' + '));
const keys = (...k: string[]) => void tmux('send-keys', '-t', 'diff', ...k);
const type = (text: string) => void tmux('send-keys', '-t', 'diff', '-l', text);

let dir: string;
let lab: ChildProcess | null = null;
let fleetArgs = '';

beforeAll(async () => {
  expect(existsSync(BIN), 'build first: npm test runs tsc before vitest').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'kd-tui-diff-'));
  if (!hasTmux) return;
  lab = spawn(process.execPath, [BIN, 'lab', '--dir', join(dir, 'lab')], {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1'}});
  let said = '';
  lab.stdout!.on('data', (b: Buffer) => (said += b.toString()));
  lab.stderr!.on('data', (b: Buffer) => (said += b.toString()));
  await vi.waitFor(
    () => {
      const m = /kubelet-doctor check (--inventory \S+ --known-hosts \S+ --kubeconfig \S+)/.exec(said);
      if (!m) throw new Error(`waiting for the lab; it said:\n${said}`);
      fleetArgs = m[1]!;
    },
    {timeout: 60_000, interval: 50},
  );
}, 120_000);

afterAll(async () => {
  if (hasTmux) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  if (lab && lab.exitCode === null) {
    const closed = new Promise((r) => lab!.once('close', r));
    lab.kill('SIGINT');
    await closed;
  }
  await rm(dir, {recursive: true, force: true});
});

describe.skipIf(!hasTmux)('d and w in a real terminal, on the lab over SSH', () => {
  it('d compares the cgroup-driver node with the healthy one; w shows "fixed" once the file is fixed from outside', async () => {
    // The lab names its nodes node-<n>-<scenario>, one directory each.
    const names = await readdir(join(dir, 'lab'));
    const name = names.find((n) => /^node-\d+-cgroup-driver-mismatch$/.test(n))!;
    const healthy = names.find((n) => /^node-\d+-healthy$/.test(n))!;
    expect([name, healthy]).toEqual([expect.any(String), expect.any(String)]);
    const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const config = join(dir, 'lab', name, 'var/lib/kubelet/config.yaml');
    const before = await readFile(config, 'utf8');
    expect(before).toMatch(/^cgroupDriver: cgroupfs$/m);

    tmux('new-session', '-d', '-s', 'diff', '-x', '80', '-y', '24', 'env', `PS1=${PROMPT}`, 'sh');
    await paneWhere((s) => s.includes(PROMPT.trim()), 'the prompt');
    type(`node ${BIN} ${fleetArgs}; echo "exit=$?"`);
    keys('Enter');
    const fleet = await paneWhere((s) => /(\d+) nodes: \1 checked/.test(s), 'the fleet checked');
    // The fleet's NODE column cuts long names at 80 columns: the start is enough.
    const prefix = name.slice(0, 16);
    expect(fleet.split('\n').some((r) => r.slice(2).startsWith(prefix))).toBe(true);
    await selectRow({pane, press: keys, row: (r) => r.startsWith(prefix), what: 'the cgroup-driver node'});

    // d: the picker lists the other nodes, healthy first; typing filters them.
    keys('d');
    const picker = await paneWith(`compare ${name} with:`, 'healthy');
    expect(picker.split('\n').slice(1).join('\n')).not.toContain(name);
    type(healthy.slice(0, -2));
    await paneWhere((s) => new RegExp(`^> ${esc(healthy)}\\s+healthy`, 'm').test(s) && !s.includes('swap-on'), 'the healthy node, alone');
    keys('Enter');
    const diff = await paneWith(`${name} against ${healthy}`, 'config cgroupDriver');
    expect(diff).toMatch(/failing cgroup-driver-match/);
    expect(diff).toMatch(new RegExp(`${esc(name)}: cgroupfs\\n\\s+at /var/lib/kubelet/config\\.yaml:\\d+`));
    expect(diff).toMatch(new RegExp(`${esc(healthy)} \\(baseline\\): systemd\\n\\s+at /var/lib/kubelet/config\\.yaml:\\d+`));
    for (const r of diff.split('\n')) expect([...r].length).toBeLessThanOrEqual(80);
    // The cgroup driver is what differs first (under the two lines that say how to read it): the failing check names it.
    expect(diff.split('\n')[4]).toMatch(/^config cgroupDriver {2}kubelet config {2}failing cgroup-driver-match/);

    // w on the comparison watches its node; the file is fixed from another "terminal".
    keys('w');
    await paneWith(`◉ watching ${name} every 10s`);
    try {
      await writeFile(config, before.replace(/^cgroupDriver: cgroupfs$/m, 'cgroupDriver: systemd'));
      const seen = await paneWith('fixed: cgroup-driver-match');
      expect(seen).toMatch(new RegExp(`^◉ 10s \\d\\d:\\d\\d:\\d\\d ${esc(name.slice(0, 23))}… fixed: cgroup-driver-match`, 'm'));
      // The comparison follows the node: its cgroup driver no longer differs from the baseline's.
      await paneWhere((s) => !s.includes('cgroupfs') && s.includes(`against ${healthy}`), 'the comparison without the cgroup driver');
      keys('t');
      await paneWhere(
        (s) => s.includes('Transitions') && s.includes('fixed: cgroup-driver-match') && /first cause cleared \(was\s+cgroup-driver-match\)/.test(s),
        'the transitions listed',
      );
    } finally {
      await writeFile(config, before);
    }
    keys('w');
    await paneWith('watch off');
    keys('q');
    const after = await paneWhere((s) => /exit=\d+/.test(s), 'the exit status');
    expect(after).toMatch(/kubelet-doctor: \d+\/\d+ nodes checked/);
  }, 240_000);
});
