/**
 * End-to-end: `kubelet-doctor lab` as a subprocess. `lab --run` checks the demo fleet over SSH
 * (inventory, known_hosts, the ssh2 transport) and reports each scenario's fault; `lab` serves
 * the fleet until Ctrl-C, and the commands it prints work as printed.
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {connect} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {scenarios} from '../../src/lab/node-tree.js';

const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');
const SSH_TRANSPORT = join(import.meta.dirname, '../../src/transport/ssh.ts');
const haveSsh = spawnSync('sh', ['-c', 'command -v ssh']).status === 0;
let base: string;

interface Done {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of the binary: no colour, and not started by `npm start` (whose commands it prints then). */
const ENV: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1'};
delete ENV['npm_lifecycle_event'];

/** Run the binary to the end (async: never block the event loop while a child serves SSH). */
function run(args: string[], timeoutMs = 110_000): Promise<Done> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], {env: ENV, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.once('error', reject);
    p.once('close', (code) => {
      clearTimeout(timer);
      resolve({code, stdout, stderr});
    });
  });
}

/** Resolve once `text()` matches, or fail with what was seen by the deadline. */
async function waitFor(what: string, text: () => string, re: RegExp, ms = 60_000): Promise<RegExpExecArray> {
  const end = Date.now() + ms;
  for (;;) {
    const m = re.exec(text());
    if (m) return m;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; saw:\n${text()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function exited(p: ChildProcess): Promise<number | null> {
  return p.exitCode !== null ? Promise.resolve(p.exitCode) : new Promise((r) => p.once('close', (code) => r(code)));
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

interface JsonReport {
  targets: {
    target: string;
    node: string;
    transport: string;
    status: string;
    error: unknown;
    cluster?: unknown;
    results: {id: string; status: string; summary: string; causedBy?: string | null; evidence: {source: string; text: string}[]}[];
  }[];
}

beforeAll(async () => {
  expect(existsSync(BIN), 'build first: npm test runs tsc before vitest').toBe(true);
  base = await mkdtemp(join(tmpdir(), 'kd-e2e-lab-'));
});
afterAll(async () => {
  await rm(base, {recursive: true, force: true});
});

// The SSH transport is built by another part of the same issue; without it `lab --run` has no way to reach the nodes.
describe.skipIf(!existsSync(SSH_TRANSPORT))('lab --run', () => {
  let r: Done;
  let rep: JsonReport;
  beforeAll(async () => {
    r = await run(['lab', '--run', '--output', 'json']);
    rep = JSON.parse(r.stdout) as JsonReport;
  });

  it('checks every demo node over SSH and exits 1 because checks failed', () => {
    expect(r.code, r.stderr).toBe(1);
    expect(rep.targets.map((t) => [t.transport, t.status])).toEqual(scenarios.map(() => ['ssh', 'ok']));
    expect(rep.targets.map((t) => t.node)).toEqual(scenarios.map((s, i) => `node-${i + 1}-${s.id}`));
  });

  it('reports each scenario as the check that explains it, and nothing failing on the healthy node', () => {
    const healthy = rep.targets[0]!;
    expect(healthy.results.filter((x) => x.status === 'fail' || x.status === 'error').map((x) => `${x.id}: ${x.summary}`)).toEqual([]);
    // A typo'd field is silently ignored by the kubelet's lenient decoder: a warning, not a failure.
    for (const [i, s] of scenarios.entries()) {
      if (!s.breaks) continue;
      const res = rep.targets[i]!.results.find((x) => x.id === s.breaks)!;
      expect(res.status, `${s.id}: ${res.summary}`).toBe(s.id === 'config-typo' ? 'warn' : 'fail');
    }
  });

  it('sees the live state of the node, not of this machine', () => {
    const loop = rep.targets.find((t) => t.node.endsWith('removed-flag'))!.results.find((x) => x.id === 'systemd-dropin')!;
    expect(loop.status).toBe('fail');
    expect(loop.evidence.map((e) => e.text)).toContain('NRestarts=42');
    const healthy = rep.targets[0]!.results.find((x) => x.id === 'cgroup-version')!;
    expect(healthy.status).toBe('pass');
  });

  it("shows the lab control plane's view of each node beside its findings, first cause first", () => {
    const byScenario = (id: string) => rep.targets[scenarios.findIndex((s) => s.id === id)]!;
    const noCni = byScenario('no-cni');
    expect(noCni.cluster).toMatchObject({node: {registered: true, ready: {status: 'False', reason: 'KubeletNotReady'}}});
    expect(noCni.results.find((x) => x.id === 'node-status')).toMatchObject({status: 'fail', causedBy: 'cni-config'});
    // A crash-looping kubelet stopped posting status: the Node is Unknown, explained by what stops the kubelet.
    const swap = byScenario('swap-on');
    expect(swap.cluster).toMatchObject({node: {ready: {status: 'Unknown', reason: 'NodeStatusUnknown'}}});
    expect(swap.results.find((x) => x.id === 'node-status')).toMatchObject({status: 'fail', causedBy: 'swap'});
    expect(rep.targets[0]!.results.find((x) => x.id === 'node-status')!.status).toBe('pass');
    // The v1.27 node under the v1.30 control plane: three minors, the most the policy allows.
    expect(byScenario('removed-flag').results.find((x) => x.id === 'version-skew')!.status).toBe('warn');
  });

  it('prints the fleet and the command it runs, and removes its temporary directory', () => {
    expect(r.stderr).toMatch(/node-3-removed-flag +\d+ +v1\.27\.16 +kubeadm-flags\.env carries a flag this kubelet removed/);
    expect(r.stderr).toMatch(/kubelet-doctor check --inventory \S+\/inventory\.yaml --known-hosts \S+\/known_hosts --kubeconfig \S+\/kubeconfig/);
    const files = /^files: (\S+)$/m.exec(r.stderr)![1]!;
    expect(existsSync(files)).toBe(false);
  });

  it('ends with the command that opens the TUI on the lab', () => {
    expect(r.stderr.trimEnd().split('\n').slice(-2)).toEqual([
      'Open the interactive TUI on the lab (it starts the fleet again and stops it when you quit with q):',
      '  kubelet-doctor lab --tui',
    ]);
  });
});

describe('lab (serving)', () => {
  it('serves until SIGINT, the printed commands work as printed, and the files stay', async () => {
    const dir = join(base, 'serve');
    const lab = spawn(process.execPath, [BIN, 'lab', '--dir', dir], {env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']});
    let err = '';
    lab.stderr.on('data', (b: Buffer) => (err += b.toString()));
    try {
      await waitFor('the lab to serve', () => err, /Serving until Ctrl-C; the files stay\./);
      const one = await waitFor('the one-node command', () => err, /^ {2}kubelet-doctor (check -p (\d+) .* root@127\.0\.0\.1)$/m);
      // The TUI command is the fleet's check command without `check` (the same targets, on a terminal).
      const fleet = /^ {2}kubelet-doctor check (--inventory .*)$/m.exec(err)![1]!;
      expect(err).toContain(`Open the interactive TUI on the fleet (from another terminal while this one serves):\n  kubelet-doctor ${fleet}\n`);
      const port = Number(one[2]);
      if (existsSync(SSH_TRANSPORT)) {
        const c = await run([...one[1]!.split(' '), '--output', 'json']);
        const t = (JSON.parse(c.stdout) as JsonReport).targets[0]!;
        expect(t, c.stderr).toMatchObject({transport: 'ssh', status: 'ok'});
        expect(c.code).toBe(1);
      }
      if (haveSsh) {
        const ssh = await waitFor('the ssh command', () => err, /^ {2}ssh (.*) '(journalctl -u kubelet -n 20)'$/m);
        const s = await new Promise<Done>((resolve) => {
          const p = spawn('ssh', [...ssh[1]!.split(' '), '-o', 'BatchMode=yes', ssh[2]!], {stdio: ['ignore', 'pipe', 'pipe']});
          let stdout = '';
          let stderr = '';
          p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
          p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
          p.once('close', (code) => resolve({code, stdout, stderr}));
        });
        expect(s.code, s.stderr).toBe(0);
        expect(s.stdout).toMatch(/^\w{3} \d\d [\d:]+ node-\S+ kubelet\[\d+\]: E\d{4} /m);
      }
      lab.kill('SIGINT');
      expect(await exited(lab)).toBe(0);
      expect(err).toMatch(/lab: stopping/);
      expect(await refused(port)).toBe(true);
      expect(await readFile(join(dir, 'inventory.yaml'), 'utf8')).toMatch(/hostRoot: \S+node-1-healthy/);
      expect(existsSync(join(dir, 'node-1-healthy', 'etc/kubernetes/kubelet.conf'))).toBe(true);
    } finally {
      if (lab.exitCode === null) lab.kill('SIGKILL');
    }
  });

  it('removes its temporary directory when stopped with SIGTERM', async () => {
    const lab = spawn(process.execPath, [BIN, 'lab'], {env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']});
    let err = '';
    lab.stderr.on('data', (b: Buffer) => (err += b.toString()));
    try {
      await waitFor('the lab to serve', () => err, /Serving until Ctrl-C; the temporary directory is removed then\./);
      const files = /^files: (\S+)$/m.exec(err)![1]!;
      expect(existsSync(join(files, 'id_ed25519'))).toBe(true);
      lab.kill('SIGTERM');
      expect(await exited(lab)).toBe(0);
      expect(existsSync(files)).toBe(false);
    } finally {
      if (lab.exitCode === null) lab.kill('SIGKILL');
    }
  });
});

const REPO = join(import.meta.dirname, '../..');
const TMUX_SOCKET = `kd-lab-e2e-${process.pid}`;
const PROMPT = 'lab-e2e$ ';
const hasTmux = spawnSync('tmux', ['-V']).status === 0;

/** Run a tmux command on this test's own server (never the user's). */
function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', TMUX_SOCKET, ...args], {encoding: 'utf8'});
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The pane's text, trailing blank lines dropped. */
const pane = (): string => tmux('capture-pane', '-p', '-t', 'lab').trimEnd();
/** True when the pane's last line is the shell prompt, i.e. the command typed before it ended. */
const atPrompt = (s: string): boolean => s.endsWith(PROMPT.trim()) && s.split('\n').length > 1;

describe.skipIf(!hasTmux || !existsSync(SSH_TRANSPORT))('npm start in a terminal, then the TUI command it prints', () => {
  afterAll(() => {
    spawnSync('tmux', ['-L', TMUX_SOCKET, 'kill-server']);
  });

  it('npm start ends with the report and the command that opens the TUI, and that command works as printed', async () => {
    // CI=true on purpose: the TUI must work in a CI job's terminal as well as on a desk.
    tmux('new-session', '-d', '-s', 'lab', '-x', '160', '-y', '50', '-c', REPO, 'env', 'CI=true', 'NO_COLOR=1', `PS1=${PROMPT}`, 'sh');
    await waitFor('the shell prompt', pane, new RegExp(`${PROMPT.trim().replace('$', '\\$')}$`));
    tmux('send-keys', '-t', 'lab', '-l', 'clear; npm start');
    tmux('send-keys', '-t', 'lab', 'Enter');
    await waitFor('npm start to finish', () => (atPrompt(pane()) && pane().includes('lab --tui') ? pane() : ''), /lab --tui/, 100_000);
    const lines = pane()
      .split('\n')
      .filter((l) => l.trim() !== '');
    // The last words before the prompt: the TUI command, after the fleet report (its last finding or summary).
    expect(lines.slice(-3, -1)).toEqual([
      'Open the interactive TUI on the lab (it starts the fleet again and stops it when you quit with q):',
      '  npm start -- lab --tui',
    ]);
    expect(lines.slice(0, -3).join('\n')).toMatch(/node-11-key-mismatch/);

    tmux('send-keys', '-t', 'lab', '-l', 'clear; npm start -- lab --tui; echo "exit=$?"');
    tmux('send-keys', '-t', 'lab', 'Enter');
    await waitFor('the TUI on the lab fleet', pane, /11 nodes: 11 checked/, 100_000);
    expect(pane()).toMatch(/node-2-cgroup-driver-mismatch +ssh +\d+ +\d+ +\d+ +✗ cgroup-driver-match/);
    tmux('send-keys', '-t', 'lab', 'q');
    await waitFor('the TUI to quit', () => (atPrompt(pane()) ? pane() : ''), /exit=\d+/);
    const after = pane();
    expect(after).toMatch(/kubelet-doctor: 11\/11 nodes checked/);
    // Quitting stops the lab: the node's port no longer answers, and its temporary files are gone.
    const port = Number(/^ {2}node-1-healthy +(\d+) /m.exec(after)![1]);
    expect(await refused(port)).toBe(true);
    expect(existsSync(/^files: (\S+)$/m.exec(after)![1]!)).toBe(false);
  }, 240_000);

  it('lab --tui without a terminal is bad usage, and says what prints the report instead', async () => {
    const r = await run(['lab', '--tui']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/`lab --tui` needs a terminal/);
    expect(r.stderr).toMatch(/lab --run` prints the report instead/);
    expect(r.stderr).not.toMatch(/^files: /m);
  });
});
