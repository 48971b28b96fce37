/**
 * End-to-end fleets over SSH: an inventory of 50 nodes (the same real sshd 49 times, plus a
 * refused port), a node that never answers among good ones, an sshd that drops connections
 * beyond MaxStartups, a login that never gets to the probe, nodes listed from a stand-in API
 * server, and Ctrl-C in the middle of a fleet run.
 *
 * The sshd's sessions get a home of their own (`ownHome`): this machine's root ~/.bashrc runs
 * `pyenv init -`, whose rehash lets one shell at a time hold a lock file and makes the others
 * wait for it, so 49 "nodes" that are one machine queued behind each other's shell startup
 * until some passed the 60 s per-node limit. Real nodes each have their own home.
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import type {Socket} from 'node:net';
import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import type {NodeTreeInfo} from '../../src/lab/node-tree.js';
import {startApiServer, type ApiServer} from '../helpers/apiserver.js';
import {BIN, freePort, runCli, silentListener, sshdMissing, startSshd, startSshdNode, type Sshd, type SshdNode} from '../helpers/sshd.js';

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

/**
 * The failures a node may report on a machine too starved to finish it within the per-node time
 * limit: each says where it was when the limit ran out. Nothing else is an acceptable reason.
 */
const TIME_LIMIT =
  /^(no answer from \S+ within \d+ s \(connect timed out\)|\S+ accepted the connection but did not speak SSH within \d+ s|logging in as \S+ did not finish within \d+ s|the probe did not answer within \d+ s|the session opened, but the probe had not started within \d+ s \(nothing arrived from it(; its last error line: ".*")?\))$/;

/** An inventory: `hosts` as [name, port] pairs, all on loopback, root with `server`'s test key. */
async function inventory(name: string, hosts: [string, number][], server: Sshd = sshd): Promise<string> {
  const f = join(dir, name);
  await writeFile(
    f,
    [
      'defaults:',
      '  user: root',
      `  identity: ${server.keys.ed25519}`,
      `  hostRoot: ${node.root}`,
      'hosts:',
      ...hosts.map(([n, p]) => `  - {name: ${n}, host: 127.0.0.1, port: ${p}}`),
      '',
    ].join('\n'),
  );
  return f;
}

let fixture: SshdNode | undefined;
beforeAll(async () => {
  if (skip) return;
  fixture = await startSshdNode('kd-e2e-fleet-', {ownHome: true});
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
    expect(rep.targets[25]).toMatchObject({
      target: 'node-26',
      status: 'unreachable',
      error: {kind: 'unreachable', message: `connection refused by 127.0.0.1:${bad}`},
    });
    // Every other node is checked. The one thing a machine too busy for the 60 s per-node limit
    // may change is a node reported as stopped by that limit, saying where it was; no connection
    // is dropped (the helper's sshd allows 300 logins at once) and nothing fails otherwise.
    const others = rep.targets.filter((t) => t.target !== 'node-26');
    const notOk = others.filter((t) => t.status !== 'ok');
    for (const t of notOk) expect(t).toMatchObject({status: 'unreachable', error: {kind: 'timeout', message: expect.stringMatching(TIME_LIMIT)}});
    if (notOk.length > 0)
      console.warn(
        `ssh-fleet: ${notOk.length} of 49 nodes hit the time limit on this machine: ${notOk.map((t) => `${t.target}: ${t.error!.message}`).join('; ')}`,
      );
    expect(others.filter((t) => t.status === 'ok')).toHaveLength(49 - notOk.length);
    expect(r.code).toBe(3);
    const text = await runCli(['check', '--inventory', inv, '--known-hosts', known, '--ssh-config', 'none', '--only', 'kubeconfig'], {env: {HOME: home}});
    const unreachable = Number(/\n50 nodes: .*; (\d+) unreachable\n$/.exec(text.stdout)?.[1]);
    expect(text.stdout).toContain(`unreachable: connection refused by 127.0.0.1:${bad}`);
    const limited = text.stdout
      .split('\n')
      .filter((l) => l.startsWith('E error probe  timeout: '))
      .map((l) => l.slice('E error probe  timeout: '.length));
    for (const m of limited) expect(m).toMatch(TIME_LIMIT);
    expect(unreachable).toBe(1 + limited.length);
  }, 240_000);

  it('says so when sshd drops connections before its banner (MaxStartups), and attempts no login on them', async () => {
    // sshd drops every unauthenticated connection beyond the first (MaxStartups 1:100:1); the
    // fleet opens eight at once, so some are dropped whatever the machine's load.
    const busy = await startSshd({ownHome: true, maxStartups: '1:100:1'});
    try {
      const kh = await busy.knownHosts();
      const hosts: [string, number][] = Array.from({length: 8}, (_, i) => [`m${i}`, busy.port]);
      const inv = await inventory('maxstartups.yaml', hosts, busy);
      const r = await runCli(
        ['check', '--inventory', inv, '--known-hosts', kh, '--ssh-config', 'none', '--output', 'json', '--only', 'kubeconfig', '--concurrency', '8'],
        {env: {HOME: home}},
      );
      const rep = report(r.stdout);
      const dropped = rep.targets.filter((t) => t.status !== 'ok');
      expect(dropped.length).toBeGreaterThan(0);
      for (const t of dropped) {
        expect(t).toMatchObject({
          status: 'unreachable',
          error: {
            kind: 'unreachable',
            message: expect.stringMatching(
              new RegExp(
                `^127\\.0\\.0\\.1:${busy.port} closed the connection before its SSH banner(, saying "Exceeded MaxStartups")? \\(no login was attempted\\)$`,
              ),
            ),
          },
        });
      }
      expect(r.stdout).toContain('lower --concurrency, or raise MaxStartups');
      // sshd logged one drop per dropped node, and a login for each node that was checked only.
      expect(busy.log().match(/past MaxStartups/g)?.length).toBe(dropped.length);
      expect(busy.log().match(/Accepted publickey/g)?.length).toBe(8 - dropped.length);
      expect(r.code).toBe(3);
    } finally {
      await busy.stop();
    }
  }, 120_000);

  it('says so when the session opens but the login never gets to the probe', async () => {
    // A login that never runs the command, as a shell startup file stuck on a lock does: the
    // session's shell records its pid and sleeps (killed below: sshd leaves a non-pty session's
    // command running when the client goes).
    const pids = join(dir, 'stuck-login.pids');
    const stuck = await startSshd({ownHome: true, extra: `ForceCommand echo $$ >> ${pids}; echo "rc: waiting for a lock" >&2; exec sleep 3600`});
    try {
      const kh = await stuck.knownHosts();
      const inv = await inventory('stuck-login.yaml', [['slow-login', stuck.port]], stuck);
      const r = await runCli(
        ['check', '--inventory', inv, '--known-hosts', kh, '--ssh-config', 'none', '--output', 'json', '--only', 'kubeconfig', '--timeout', '15'],
        {env: {HOME: home}},
      );
      const rep = report(r.stdout);
      expect(rep.targets[0]).toMatchObject({
        status: 'unreachable',
        error: {
          kind: 'timeout',
          message: 'the session opened, but the probe had not started within 15 s (nothing arrived from it; its last error line: "rc: waiting for a lock")',
        },
      });
      expect((rep.targets[0]!.error as {hint?: string}).hint).toMatch(/login shell runs .*~\/\.bashrc/);
      expect(r.code).toBe(3);
    } finally {
      await stuck.stop();
      const left = (await readFile(pids, 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }, 120_000);

  it('does not let a node that never answers stall the others', async () => {
    const silent = await silentListener();
    try {
      const hosts: [string, number][] = [
        ['good-1', sshd.port],
        ['stuck', silent.port],
        ['good-2', sshd.port],
        ['good-3', sshd.port],
      ];
      const inv = await inventory('stuck.yaml', hosts);
      const r = await runCli(
        ['check', '--inventory', inv, '--known-hosts', known, '--ssh-config', 'none', '--output', 'json', '--timeout', '3', '--concurrency', '2'],
        {env: {HOME: home}},
      );
      const rep = report(r.stdout);
      expect(rep.targets.map((t) => `${t.target}:${t.status}`)).toEqual(['good-1:ok', 'stuck:unreachable', 'good-2:ok', 'good-3:ok']);
      // Stopped by its own 3 s limit (the product's timer, not a wall-clock guess here).
      expect(rep.targets[1]!.error).toMatchObject({
        kind: 'timeout',
        message: `127.0.0.1:${silent.port} accepted the connection but did not speak SSH within 3 s`,
      });
      expect(r.code).toBe(3);
    } finally {
      await silent.close();
    }
  });

  it("shows a progress line on a terminal's stderr, and clears it at the end", async (ctx) => {
    if (!existsSync('/usr/bin/script')) return ctx.skip(); // util-linux `script` gives the run a terminal
    const bad = await freePort();
    const inv = await inventory('progress.yaml', [
      ['a', sshd.port],
      ['b', bad],
      ['c', sshd.port],
    ]);
    const out = join(dir, 'progress.json');
    const cmd = [process.execPath, BIN, 'check', '--inventory', inv, '--known-hosts', known, '--ssh-config', 'none', '--output', 'json', '-o', out]
      .map((a) => `'${a}'`)
      .join(' ');
    const r = spawnSync('/usr/bin/script', ['-qfec', cmd, '/dev/null'], {
      encoding: 'utf8',
      env: {...process.env, HOME: home, SSH_AUTH_SOCK: ''},
      timeout: 110_000,
    });
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

  const base = () => [
    'check',
    '--kubeconfig',
    kubeconfig,
    '-u',
    'root',
    '-p',
    String(sshd.port),
    '-i',
    sshd.keys.ed25519,
    '--known-hosts',
    known,
    '--ssh-config',
    'none',
    '--host-root',
    node.root,
    '--output',
    'json',
    '--only',
    'kubeconfig',
  ];

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
    expect(r.stderr).toBe(
      `kubelet-doctor: cannot list nodes from https://127.0.0.1:${port} (context lab): connection refused\nhint: is the API server reachable from here? check --kubeconfig and --context\n`,
    );
    expect(r.code).toBe(3);
  });
});
