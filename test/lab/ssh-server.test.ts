/**
 * The lab's SSH server (ssh2's Server on an ephemeral loopback port) against ssh2's Client and
 * OpenSSH's `ssh`: key authentication, the probe over one exec with framed output, the node's
 * stand-ins answering live commands, exit statuses, no orphaned processes, a clean stop.
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {spawn, spawnSync} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {connect} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import ssh2 from 'ssh2';
import {labKeyPair, startLabNode, type LabNode} from '../../src/lab/lab-fleet.js';
import {writeNodeTree} from '../../src/lab/node-tree.js';
import {parseFrames} from '../../src/probe/frame.js';
import {buildProbeScript} from '../../src/probe/script.js';

const {Client} = ssh2;

let dir: string;
let node: LabNode;
const labKey = labKeyPair('lab');
const otherKey = labKeyPair('other');
const haveSsh = spawnSync('sh', ['-c', 'command -v ssh']).status === 0;

interface Ran {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Connect with ssh2's Client; resolves when ready, rejects on error. */
function open(o: {key?: string; user?: string} = {}): Promise<InstanceType<typeof Client>> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.once('ready', () => resolve(c));
    c.once('error', reject);
    c.connect({
      host: '127.0.0.1',
      port: node.port,
      username: o.user ?? 'root',
      privateKey: o.key ?? labKey.private,
      readyTimeout: 20_000,
      // The host key the node serves, as known_hosts holds it.
      hostVerifier: (key: Buffer) => key.toString('base64') === node.hostKey.split(' ')[1],
    });
  });
}

/** One exec on a connected client, with stdin; exit code and signal from `close`. */
function exec(c: InstanceType<typeof Client>, command: string, stdin = ''): Promise<Ran> {
  return new Promise((resolve, reject) => {
    c.exec(command, (err, ch) => {
      if (err) return reject(err);
      const out: Buffer[] = [];
      let stderr = '';
      ch.on('data', (b: Buffer) => out.push(b));
      ch.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      ch.on('close', (code: number | null, signal?: string) =>
        resolve({code: code ?? null, signal: signal ?? null, stdout: Buffer.concat(out).toString(), stderr}),
      );
      ch.end(stdin);
    });
  });
}

async function run(command: string, stdin = ''): Promise<Ran> {
  const c = await open();
  try {
    return await exec(c, command, stdin);
  } finally {
    c.end();
  }
}

/** Poll until `ok()` or the deadline; the failure names what was awaited. */
async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function sshArgs(): Promise<string[]> {
  const id = join(dir, 'id_ed25519');
  await writeFile(id, labKey.private, {mode: 0o600});
  await writeFile(join(dir, 'known_hosts'), `[127.0.0.1]:${node.port} ${node.hostKey}\n`);
  return [
    '-p',
    String(node.port),
    '-i',
    id,
    '-F',
    'none',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
    '-o',
    'StrictHostKeyChecking=yes',
    'root@127.0.0.1',
  ];
}

/** OpenSSH's ssh with stdin; resolves with its exit status and output. */
function sshRun(args: string[], input: string): Promise<{status: number | null; stdout: Buffer; stderr: Buffer}> {
  return new Promise((resolve, reject) => {
    const p = spawn('ssh', args, {stdio: ['pipe', 'pipe', 'pipe']});
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.once('error', reject);
    p.once('close', (status) => resolve({status, stdout: Buffer.concat(out), stderr: Buffer.concat(err)}));
    p.stdin.end(input);
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-lab-ssh-'));
  const now = new Date();
  const info = await writeNodeTree(join(dir, 'node-3-removed-flag'), {
    layout: 'deb',
    hostname: 'node-3-removed-flag',
    kubeletVersion: 'v1.27.16',
    scenario: 'removed-flag',
    now,
  });
  node = await startLabNode({labDir: dir, info, authorizedKey: labKey.public, now});
});
afterAll(async () => {
  await node?.stop();
  await rm(dir, {recursive: true, force: true});
});

describe('lab SSH server', () => {
  it('listens on a loopback ephemeral port', () => {
    expect(node.server.host).toBe('127.0.0.1');
    expect(node.port).toBeGreaterThan(0);
  });

  it('accepts the lab key and answers live commands as the node, not as this machine', async () => {
    const r = await run('hostname; kubelet --version; systemctl show kubelet -p ActiveState,NRestarts,ExecMainStatus');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('node-3-removed-flag\nKubernetes v1.27.16\nActiveState=activating\nNRestarts=42\nExecMainStatus=1\n');
  });

  it('serves the journal lines the kubelet prints for the scenario', async () => {
    const r = await run('journalctl -u kubelet -n 300 --no-pager -o short-iso');
    expect(r.stdout).toMatch(
      /^\S+ node-3-removed-flag kubelet\[\d+\]: E\d{4} [\d:.]+ +\d+ run\.go:74\] "command failed" err="failed to parse kubelet flag: unknown flag: --container-runtime"$/m,
    );
    expect(r.stdout).toMatch(/systemd\[1\]: kubelet\.service: Scheduled restart job, restart counter is at 42\.$/m);
  });

  it('refuses another key with an authentication failure', async () => {
    await expect(open({key: otherKey.private})).rejects.toMatchObject({level: 'client-authentication'});
  });

  it('refuses the lab key for another user', async () => {
    await expect(open({user: 'ubuntu'})).rejects.toMatchObject({level: 'client-authentication'});
  });

  it('runs the probe over one exec with the script on stdin and returns complete framed output', async () => {
    const script = buildProbeScript({hostRoot: node.info.root, live: true});
    for (const command of ['sh -s', 'sudo -n sh -s']) {
      const r = await run(command, script);
      expect(r.code, r.stderr).toBe(0);
      const raw = parseFrames(Buffer.from(r.stdout), {hostRoot: node.info.root, live: true});
      expect(raw.complete).toBe(true);
      expect(raw.commands['kubelet-version']?.stdout).toBe('Kubernetes v1.27.16\n');
      expect(raw.commands['hostname']?.stdout).toBe('node-3-removed-flag\n');
      expect(raw.commands['systemctl-show']?.stdout).toMatch(/^SubState=auto-restart$/m);
      expect(raw.commands['cgroup-fs']?.stdout).toBe('cgroup2fs\n');
      expect(raw.commands['crictl-info']?.stdout).toMatch(/"SystemdCgroup": true/);
      expect(raw.files['/proc/swaps']?.status).toBe('ok');
      expect(raw.files['/var/lib/kubelet/kubeadm-flags.env']?.content).toMatch(/--container-runtime=remote/);
      expect(raw.dirs['/run/containerd']?.entries).toContainEqual({name: 'containerd.sock', type: 'socket'});
    }
  });

  it('keeps serving after a client that speaks no SSH and one that hangs up mid-handshake', async () => {
    await new Promise<void>((resolve) => {
      const s = connect(node.port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\n\r\n\u0000\u00ff garbage\r\n'));
      s.on('error', () => undefined);
      s.once('close', () => resolve());
      setTimeout(() => s.destroy(), 300);
    });
    await new Promise<void>((resolve) => {
      const s = connect(node.port, '127.0.0.1', () => s.write('SSH-2.0-OpenSSH_9.2\r\n', () => s.destroy()));
      s.on('error', () => undefined);
      s.once('close', () => resolve());
    });
    expect((await run('echo still here')).stdout).toBe('still here\n');
  });

  it('reports exit codes and signals as the command ended', async () => {
    expect((await run('exit 3')).code).toBe(3);
    const killed = await run('kill -TERM $$');
    // The server sends "TERM" (RFC 4254 §6.10); ssh2's client reports it as SIGTERM.
    expect(killed.signal).toBe('SIGTERM');
  });

  it('passes stdin, stdout and stderr through separately', async () => {
    const r = await run('tr a-z A-Z; echo oops >&2', 'hello\n');
    expect(r).toMatchObject({code: 0, stdout: 'HELLO\n', stderr: 'oops\n'});
  });

  it('refuses an interactive shell with a message', async () => {
    const c = await open();
    try {
      const r = await new Promise<Ran>((resolve, reject) => {
        c.shell((err, ch) => {
          if (err) return reject(err);
          let stderr = '';
          ch.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
          ch.on('data', () => undefined);
          ch.on('close', (code: number | null) => resolve({code, signal: null, stdout: '', stderr}));
        });
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/runs commands only; there is no interactive shell/);
    } finally {
      c.end();
    }
  });

  it.skipIf(!haveSsh)('works with the OpenSSH client, host key checked against known_hosts', async () => {
    const script = buildProbeScript({hostRoot: node.info.root, live: true});
    // Not spawnSync: the server runs in this process and must keep answering.
    const r = await sshRun([...(await sshArgs()), 'sh -s'], script);
    expect(r.status, r.stderr.toString()).toBe(0);
    const raw = parseFrames(r.stdout, {hostRoot: node.info.root, live: true});
    expect(raw.complete).toBe(true);
    expect(raw.commands['kubelet-version']?.stdout).toBe('Kubernetes v1.27.16\n');
  });

  it.skipIf(!haveSsh)('kills the command and its children when the client is killed', async () => {
    const ssh = spawn('ssh', [...(await sshArgs()), 'sleep 300 & echo $$ $!; wait'], {stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    ssh.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await until('the remote pids', () => /^\d+ \d+\n/.test(out));
    const pids = out.trim().split(' ').map(Number);
    expect(pids.every(alive)).toBe(true);
    ssh.kill('SIGKILL');
    await until('the remote shell and its sleep to be gone', () => !pids.some(alive));
    await until('the server to forget them', () => node.server.running() === 0);
  });

  it.skipIf(!haveSsh)('kills a background job still holding the output when the client is killed, after its shell exited', async () => {
    const ssh = spawn('ssh', [...(await sshArgs()), 'sleep 300 & echo $!'], {stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    ssh.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await until('the background pid', () => /^\d+\n/.test(out));
    const pid = Number(out.trim());
    expect(alive(pid)).toBe(true);
    ssh.kill('SIGKILL');
    await until('the background sleep to be gone', () => !alive(pid));
  });

  it('stops cleanly: connections end and the port no longer accepts', async () => {
    const {info} = node;
    const c = await open();
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    await node.stop();
    await closed;
    await expect(
      new Promise((resolve, reject) => {
        const s = connect(node.port, '127.0.0.1');
        s.once('connect', () => resolve(s.destroy()));
        s.once('error', reject);
      }),
    ).rejects.toMatchObject({code: 'ECONNREFUSED'});
    // Later tests in this file would need a new node: start one for afterAll symmetry.
    node = await startLabNode({labDir: dir, info, authorizedKey: labKey.public, now: new Date()});
  });
});
