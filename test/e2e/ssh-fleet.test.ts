/**
 * End-to-end fleets over SSH: an inventory of 50 nodes (the same real sshd 49 times, plus a
 * refused port), a node that never answers among good ones, nodes listed from a stand-in API
 * server, and Ctrl-C in the middle of a fleet run.
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import type {Socket} from 'node:net';
import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import type {NodeTreeInfo} from '../../src/lab/node-tree.js';
import {startApiServer, type ApiServer} from '../helpers/apiserver.js';
import {BIN, freePort, runCli, silentListener, sshdMissing, startSshdNode, type Sshd, type SshdNode} from '../helpers/sshd.js';

const skip = sshdMissing();
let dir: string;
let home: string;
let node: NodeTreeInfo;
let sshd: Sshd;
let known: string;

interface JsonReport {
  targets: {target: string; node: string; status: string; error: {kind: string; message: string} | null; durationMs: number}[];
}
const report = (s: string) => JSON.parse(s) as JsonReport;

/** An inventory: `hosts` as [name, port] pairs, all on loopback, root with the test key. */
async function inventory(name: string, hosts: [string, number][]): Promise<string> {
  const f = join(dir, name);
  await writeFile(f, [
    'defaults:', '  user: root', `  identity: ${sshd.keys.ed25519}`, `  hostRoot: ${node.root}`,
    'hosts:', ...hosts.map(([n, p]) => `  - {name: ${n}, host: 127.0.0.1, port: ${p}}`), '',
  ].join('\n'));
  return f;
}

let fixture: SshdNode | undefined;
beforeAll(async () => {
  if (skip) return;
  fixture = await startSshdNode('kd-e2e-fleet-');
  ({dir, home, sshd, node, known} = fixture);
});
afterAll(() => fixture?.stop());

describe.skipIf(skip)('fleets over SSH (real sshd)', () => {
  it('checks 50 nodes from an inventory: 49 ok and the refused one unreachable, in input order, exit 3', async () => {
    const bad = await freePort();
    const hosts: [string, number][] = Array.from({length: 50}, (_, i) => [`node-${String(i + 1).padStart(2, '0')}`, i === 25 ? bad : sshd.port]);
    const inv = await inventory('fifty.yaml', hosts);
    const r = await runCli(['check', '--inventory', inv, '--known-hosts', known, '--ssh-config', 'none', '--output', 'json'], {env: {HOME: home}});
    const rep = report(r.stdout);
    expect(rep.targets.map((t) => t.target)).toEqual(hosts.map(([n]) => n));
    expect(rep.targets.filter((t) => t.status === 'ok')).toHaveLength(49);
    expect(rep.targets[25]).toMatchObject({target: 'node-26', status: 'unreachable', error: {kind: 'unreachable', message: `connection refused by 127.0.0.1:${bad}`}});
    expect(r.code).toBe(3);
    const text = await runCli(['check', '--inventory', inv, '--known-hosts', known, '--ssh-config', 'none', '--only', 'kubeconfig'], {env: {HOME: home}});
    expect(text.stdout).toMatch(/\n50 targets: .*; 1 unreachable\n$/);
  }, 240_000);

  it('does not let a node that never answers stall the others', async () => {
    const silent = await silentListener();
    try {
      const hosts: [string, number][] = [['good-1', sshd.port], ['stuck', silent.port], ['good-2', sshd.port], ['good-3', sshd.port]];
      const inv = await inventory('stuck.yaml', hosts);
      const r = await runCli(['check', '--inventory', inv, '--known-hosts', known, '--ssh-config', 'none', '--output', 'json', '--timeout', '3', '--concurrency', '2'], {env: {HOME: home}});
      const rep = report(r.stdout);
      expect(rep.targets.map((t) => `${t.target}:${t.status}`)).toEqual(['good-1:ok', 'stuck:unreachable', 'good-2:ok', 'good-3:ok']);
      expect(rep.targets[1]!.error!.kind).toBe('timeout');
      expect(rep.targets[1]!.durationMs).toBeLessThan(5000);
      expect(r.code).toBe(3);
    } finally {
      await silent.close();
    }
  });

  it('shows a progress line on a terminal\'s stderr, and clears it at the end', async (ctx) => {
    if (!existsSync('/usr/bin/script')) return ctx.skip(); // util-linux `script` gives the run a terminal
    const bad = await freePort();
    const inv = await inventory('progress.yaml', [['a', sshd.port], ['b', bad], ['c', sshd.port]]);
    const out = join(dir, 'progress.json');
    const cmd = [process.execPath, BIN, 'check', '--inventory', inv, '--known-hosts', known, '--ssh-config', 'none', '--output', 'json', '-o', out]
      .map((a) => `'${a}'`).join(' ');
    const r = spawnSync('/usr/bin/script', ['-qfec', cmd, '/dev/null'], {encoding: 'utf8', env: {...process.env, HOME: home, SSH_AUTH_SOCK: ''}, timeout: 110_000});
    expect(r.stdout).toContain('\r\u001b[2K0/3 nodes');
    expect(r.stdout).toMatch(/\r\u001b\[2K3\/3 nodes · 1 unreachable\r\u001b\[2K/);
    expect(report(await readFile(out, 'utf8')).targets.map((t) => t.status)).toEqual(['ok', 'unreachable', 'ok']);
  });

  it('stops at Ctrl-C: connections close, unstarted nodes are reported as not checked, exit 3', async () => {
    const silent = await silentListener();
    try {
      const hosts: [string, number][] = Array.from({length: 6}, (_, i) => [`n${i}`, silent.port]);
      const inv = await inventory('ctrl-c.yaml', hosts);
      let sent = false;
      let atInterrupt: Socket[] = [];
      const r = await runCli(['check', '--inventory', inv, '--known-hosts', known, '--ssh-config', 'none', '--output', 'json', '--concurrency', '2'], {
        env: {HOME: home},
        onSpawn: (child) => {
          // Wait (without sleeping) until both workers hold a connection, then interrupt.
          const poll = setInterval(() => {
            if (!sent && silent.connections() >= 2) {
              sent = true;
              atInterrupt = silent.sockets();
              child.kill('SIGINT');
            }
          }, 10);
          child.once('close', () => clearInterval(poll));
        },
      });
      expect(sent).toBe(true);
      const rep = report(r.stdout);
      expect(rep.targets.map((t) => t.error?.kind)).toEqual(['interrupted', 'interrupted', 'interrupted', 'interrupted', 'interrupted', 'interrupted']);
      expect(rep.targets[5]!.error!.message).toBe('not checked: interrupted');
      expect(r.code).toBe(3);
      expect(r.ms).toBeLessThan(20_000);
      // Every connection open at Ctrl-C is closed (counting only those: a port recycled by a
      // concurrent test could bring a stranger's connection).
      await waitFor(() => atInterrupt.every((sock) => sock.destroyed));
    } finally {
      await silent.close();
    }
  });
});

/** Wait for a condition with a deadline (no sleeps as synchronisation). */
async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.skipIf(skip)('cluster nodes over SSH (stand-in API server + real sshd)', () => {
  let api: ApiServer;
  let kubeconfig: string;
  beforeAll(async () => {
    api = await startApiServer({nodes: [{name: 'cp-1', labels: {'node-role.kubernetes.io/control-plane': ''}}, {name: 'worker-1'}, {name: 'worker-2'}]});
    kubeconfig = await api.kubeconfig(join(dir, 'kubeconfig'));
  });
  afterAll(async () => {
    await api?.close();
  });

  const base = () => ['check', '--kubeconfig', kubeconfig, '-u', 'root', '-p', String(sshd.port), '-i', sshd.keys.ed25519,
    '--known-hosts', known, '--ssh-config', 'none', '--host-root', node.root, '--output', 'json', '--only', 'kubeconfig'];

  it('checks every node of the cluster over SSH to its InternalIP, named after the node', async () => {
    const r = await runCli([...base(), '--all-nodes'], {env: {HOME: home}});
    expect(r.stderr).toBe('');
    expect(report(r.stdout).targets.map((t) => `${t.target}:${t.status}`)).toEqual(['cp-1:ok', 'worker-1:ok', 'worker-2:ok']);
    expect(r.code).toBe(0);
  });

  it('checks only the nodes matching -l', async () => {
    const r = await runCli([...base(), '-l', '!node-role.kubernetes.io/control-plane'], {env: {HOME: home}});
    expect(report(r.stdout).targets.map((t) => t.target)).toEqual(['worker-1', 'worker-2']);
    expect(api.requests).toContain('GET /api/v1/nodes?labelSelector=%21node-role.kubernetes.io%2Fcontrol-plane');
  });

  it('says so when the cluster cannot be reached, exit 3', async () => {
    const port = await freePort();
    const f = join(dir, 'dead-kubeconfig');
    await writeFile(f, (await readFile(kubeconfig, 'utf8')).replace(api.url, `https://127.0.0.1:${port}`));
    const r = await runCli(['check', '--kubeconfig', f, '--all-nodes'], {env: {HOME: home}});
    expect(r.stderr).toBe(`kubelet-doctor: cannot list nodes from https://127.0.0.1:${port} (context lab): connection refused\nhint: is the API server reachable from here? check --kubeconfig and --context\n`);
    expect(r.code).toBe(3);
  });
});
