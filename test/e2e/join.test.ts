/**
 * End-to-end: `kubelet-doctor join` with the built binary against a lab node over SSH (the lab's
 * SSH server, in this process). The node's kubelet is broken (cgroupfs against containerd's
 * systemd) and its stand-in kubeadm fails the way a real join then fails: in kubelet-start,
 * waiting for the kubelet's healthz. The join must show the step, the check and its evidence;
 * run nothing before it is confirmed; and never let the token out.
 */
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {chmod, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {labKeyPair, startLabNode, type LabNode} from '../../src/lab/lab-fleet.js';
import {writeNodeTree} from '../../src/lab/node-tree.js';
import {createClusterCa} from '../../src/lab/pki.js';
import {kubeadmFailPhaseFor} from '../../src/lab/scenarios.js';
import {kubeadmScript} from '../../src/lab/stand-in-scripts.js';

const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');
const TOKEN = 'k3x9qa.7fj2m0c4z8w1p6rt';
const SECRET = '7fj2m0c4z8w1p6rt';
const HASH = `sha256:${'4d'.repeat(32)}`;
let dir: string;
let node: LabNode;
let target: string[];
let invocations: string;

/** Run the binary without blocking this process's event loop (the lab's SSH server lives here). */
function run(args: string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], {env: {...process.env, NO_COLOR: '1', SSH_AUTH_SOCK: ''}, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 110_000);
    p.once('error', reject);
    p.once('close', (code) => {
      clearTimeout(timer);
      resolve({code, stdout, stderr});
    });
  });
}

const joinCmd = ['--', 'kubeadm', 'join', '10.20.0.10:6443', '--token', TOKEN, '--discovery-token-ca-cert-hash', HASH];

beforeAll(async () => {
  expect(existsSync(BIN), 'build first: npx tsc -p .').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'kd-join-e2e-'));
  const now = new Date();
  const ca = await createClusterCa(now);
  const info = await writeNodeTree(join(dir, 'worker-j'), {
    layout: 'deb',
    hostname: 'worker-j',
    kubeletVersion: 'v1.30.2',
    scenario: 'cgroup-driver-mismatch',
    ca,
    now,
  });
  const client = labKeyPair('join-test');
  const identity = join(dir, 'id_ed25519');
  await writeFile(identity, client.private, {mode: 0o600});
  node = await startLabNode({labDir: dir, info, authorizedKey: client.public, now});
  // The lab writes its stand-ins at start; the kubeadm one is added here (see the report: stand-ins.ts).
  const kubeadm = join(node.dirs.bin, 'kubeadm');
  await writeFile(
    kubeadm,
    kubeadmScript(
      {data: node.dirs.data, hostname: 'worker-j', kubeletVersion: 'v1.30.2', real: {stat: '/usr/bin/stat'}},
      kubeadmFailPhaseFor('cgroup-driver-mismatch'),
    ),
  );
  await chmod(kubeadm, 0o755);
  invocations = join(node.dirs.data, 'kubeadm.invocations');
  const known = join(dir, 'known_hosts');
  await writeFile(known, `[127.0.0.1]:${node.port} ${node.hostKey}\n`);
  target = [`root@127.0.0.1:${node.port}`, '-i', identity, '--known-hosts', known, '--ssh-config', 'none', '--host-root', info.root];
}, 60_000);
afterAll(async () => {
  await node?.stop();
  if (dir) await rm(dir, {recursive: true, force: true});
});

const noSecret = (...texts: string[]) => {
  for (const t of texts) {
    expect(t).not.toContain(TOKEN);
    expect(t).not.toContain(SECRET);
  }
};

describe('kubelet-doctor join over SSH', () => {
  it('without --yes and without a terminal, shows what it would run (token redacted), refuses, and runs nothing', async () => {
    const r = await run(['join', ...target, ...joinCmd]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`kubeadm join 10.20.0.10:6443 --token <redacted> --discovery-token-ca-cert-hash ${HASH} -v=5`);
    expect(r.stderr).toMatch(/refusing to run kubeadm join without a confirmation: there is no terminal to ask on; nothing was run/);
    // What an earlier join left is read first (read-only): this node was joined before.
    expect(r.stderr).toMatch(/\/etc\/kubernetes\/kubelet\.conf .*\[pre-flight: FileAvailable--etc-kubernetes-kubelet\.conf\]/);
    expect(existsSync(invocations)).toBe(false);
    noSecret(r.stdout, r.stderr);
  }, 120_000);

  it('with --yes, runs it with -v=5, streams the output, and names the step, the check and its evidence', async () => {
    const out = join(dir, 'join-report.txt');
    const r = await run(['join', ...target, '--yes', '-o', out, ...joinCmd]);
    expect(r.code).toBe(1);
    // Streamed as it ran, redacted (the stand-in prints the token once at -v=5, as kubeadm can).
    expect(r.stderr).toContain('  | [kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s');
    expect(r.stderr).toMatch(/\| I\d{4} .*\[discovery\] lab stand-in: bootstrap token in use is <redacted>/);
    expect(r.stdout).toMatch(/^kubeadm join on worker-j: failed in kubelet-healthz \(kubeadm phase kubelet-start\): waiting for the kubelet's healthz/m);
    expect(r.stdout).toMatch(/output:\d+ {2}error execution phase kubelet-start: The HTTP call equal to 'curl -sSL http:\/\/127\.0\.0\.1:10248\/healthz'/);
    expect(r.stdout).toMatch(/^First cause: cgroup-driver-match: /m);
    expect(r.stdout).toMatch(/^ {2}evidence: \/var\/lib\/kubelet\/config\.yaml:\d+ {2}cgroupDriver: cgroupfs/m);
    // It ran once, with -v=5, and the node's record carries no token.
    const calls = (await readFile(invocations, 'utf8')).trim().split('\n');
    expect(calls).toEqual(['join 10.20.0.10:6443 v=5 control-plane=0 fail=kubelet-start']);
    const report = await readFile(out, 'utf8');
    expect(report).toContain("kubeadm's output (redacted):");
    expect(report).toMatch(/First cause: cgroup-driver-match/);
    noSecret(r.stdout, r.stderr, report);
  }, 120_000);

  it('exits 0 when the join succeeds', async () => {
    await writeFile(join(node.dirs.data, 'kubeadm.fail-phase'), 'none\n');
    try {
      const r = await run(['join', ...target, '--yes', ...joinCmd]);
      expect(r.stdout).toBe('kubeadm join on worker-j: joined the cluster.\n');
      expect(r.code).toBe(0);
      noSecret(r.stdout, r.stderr);
    } finally {
      await rm(join(node.dirs.data, 'kubeadm.fail-phase'));
    }
  }, 120_000);

  it('--from-log with the node: the saved output and the node give the same diagnosis, nothing is run', async () => {
    const before = (await readFile(invocations, 'utf8')).split('\n').length;
    const r = await run(['join', '--from-log', join(import.meta.dirname, '../fixtures/kubeadm-join/kubelet-healthz.log'), ...target]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/failed in kubelet-healthz \(kubeadm phase kubelet-start\)/);
    expect(r.stdout).toMatch(/^First cause: cgroup-driver-match: /m);
    expect((await readFile(invocations, 'utf8')).split('\n').length).toBe(before);
  }, 120_000);

  it('exits 3 when the node cannot be reached, and 2 for a command that is not kubeadm join', async () => {
    const down = await run(['join', 'root@127.0.0.1:1', '--ssh-config', 'none', '--yes', ...joinCmd]);
    expect(down.code).toBe(3);
    noSecret(down.stdout, down.stderr);
    const bad = await run(['join', ...target, '--', 'kubeadm', 'reset', '-f']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/join runs `kubeadm join …`/);
  }, 120_000);
});
