/**
 * Nodes behind one jump host share one connection to it (src/transport/ssh-jump-pool.ts),
 * against a real OpenSSH sshd on loopback that is both the jump host and the nodes: logins are
 * counted in its log (one for the jump host, one per node).
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {execFileSync} from 'node:child_process';
import {connect, createServer, type Socket} from 'node:net';
import {appendFile, readFile} from 'node:fs/promises';
import {parseHostSpec, sshEndpoint} from '../../src/targets/ssh-target.js';
import type {SshEndpoint} from '../../src/targets/types.js';
import {SshTransport} from '../../src/transport/ssh.js';
import {loadSshConfig} from '../../src/transport/ssh-config.js';
import {openJumps} from '../../src/transport/ssh-jump-pool.js';
import {sshdMissing, startSshd, type Sshd} from '../helpers/sshd.js';
import {join} from 'node:path';

const skip = sshdMissing();
let sshd: Sshd;
let known: string;

function behindJump(jumpPort = sshd.port, knownHosts = known): SshEndpoint {
  return sshEndpoint(
    parseHostSpec(`root@127.0.0.1:${sshd.port}`, 'TARGET'),
    {
      identities: [sshd.keys.ed25519],
      sshConfig: loadSshConfig('none'),
      knownHosts,
      acceptNewHostKeys: false,
      jump: [`root@127.0.0.1:${jumpPort}`],
    },
    'TARGET',
  );
}

const logins = () => sshd.log().match(/Accepted publickey/g)?.length ?? 0;
/** The pool closes an unused jump connection a turn of the event loop after its last node. */
const turn = () => new Promise((r) => setImmediate(r));

beforeAll(async () => {
  if (skip) return;
  sshd = await startSshd({ownHome: true});
  known = await sshd.knownHosts();
});
afterAll(async () => {
  await sshd?.stop();
});

describe.skipIf(skip)('jump connections shared by the nodes behind them (real sshd)', () => {
  it('runs on three nodes over one login at the jump host, and closes it after the last node', async () => {
    const before = logins();
    const nodes = [1, 2, 3].map(() => new SshTransport(behindJump(), '/'));
    const out = await Promise.all(nodes.map((t, i) => t.run({script: `echo node-${i}`, timeoutMs: 30_000})));
    expect(out.map((r) => r.stdout.toString().trim())).toEqual(['node-0', 'node-1', 'node-2']);
    expect(logins() - before).toBe(1 + 3);
    expect(openJumps()).toBe(1);
    await nodes[0]!.close();
    await nodes[1]!.close();
    await turn();
    expect(openJumps()).toBe(1); // the third node still holds it
    await nodes[2]!.close();
    await turn();
    expect(openJumps()).toBe(0);
    // A node after that logs in at the jump host again.
    const later = new SshTransport(behindJump(), '/');
    try {
      expect((await later.run({script: 'echo again', timeoutMs: 30_000})).stdout.toString()).toBe('again\n');
    } finally {
      await later.close();
    }
    expect(logins() - before).toBe(1 + 3 + 2);
  }, 60_000);

  it("a node's time limit ends that node only: the others behind the same jump host go on", async () => {
    const slow = new SshTransport(behindJump(), '/');
    const fine = new SshTransport(behindJump(), '/');
    try {
      const [s, f] = await Promise.all([
        slow.run({script: 'echo started; sleep 30', timeoutMs: 1500}),
        fine.run({script: 'sleep 3; echo finished', timeoutMs: 30_000}),
      ]);
      expect(s).toMatchObject({timedOut: true});
      expect(f).toMatchObject({exitCode: 0, timedOut: false});
      expect(f.stdout.toString()).toBe('finished\n');
    } finally {
      await slow.close();
      await fine.close();
    }
    await turn();
    expect(openJumps()).toBe(0);
  }, 60_000);

  it('an abort ends every node and the jump connection', async () => {
    const ac = new AbortController();
    let probing = 0;
    let bothProbing: () => void = () => undefined;
    const probes = new Promise<void>((r) => (bothProbing = r));
    const onProgress = (p: {phase: string}) => {
      if (p.phase === 'probe' && ++probing === 2) bothProbing();
    };
    const nodes = [1, 2].map(() => new SshTransport(behindJump(), '/', {onProgress}));
    const runs = nodes.map((t) =>
      t.run({script: 'echo up; sleep 30', timeoutMs: 60_000, signal: ac.signal}).then(
        () => 'finished',
        (e: Error) => e.message,
      ),
    );
    await probes; // both nodes connected through the jump host, their probes running
    expect(openJumps()).toBe(1);
    ac.abort();
    expect(await Promise.all(runs)).toEqual(['interrupted', 'interrupted']);
    await Promise.all(nodes.map((t) => t.close()));
    await turn();
    expect(openJumps()).toBe(0);
  }, 60_000);

  it('a node whose time runs out while the jump host is still answering gives up alone, and never logs in', async () => {
    // A relay in front of the jump host that holds every connection for 3 s before passing bytes.
    const held = new Set<Socket>();
    const relay = createServer((c) => {
      held.add(c);
      c.on('error', () => undefined);
      const up = connect(sshd.port, '127.0.0.1');
      up.on('error', () => undefined);
      c.on('close', () => up.destroy());
      up.on('close', () => c.destroy());
      setTimeout(() => {
        c.pipe(up);
        up.pipe(c);
      }, 3000);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    const port = (relay.address() as {port: number}).port;
    const kh = join(sshd.dir, 'client', 'relay_known_hosts');
    await appendFile(kh, `${sshd.token} ${sshd.hostKeyPub}\n[127.0.0.1]:${port} ${sshd.hostKeyPub}\n`);
    const before = logins();
    const impatient = new SshTransport(behindJump(port, kh), '/');
    const patient = new SshTransport(behindJump(port, kh), '/');
    try {
      const [a, b] = await Promise.all([
        impatient.run({script: 'echo impatient', timeoutMs: 1000}).then(
          () => null,
          (e: Error & {kind?: string}) => e,
        ),
        patient.run({script: 'echo patient', timeoutMs: 30_000}),
      ]);
      expect(a).toMatchObject({kind: 'timeout', message: expect.stringMatching(/^jump host 127\.0\.0\.1: /)});
      expect(b.stdout.toString()).toBe('patient\n');
      expect(held.size).toBe(1); // one connection to the jump host for both nodes
      expect(logins() - before).toBe(2); // the jump host and the patient node; the impatient one never logged in
    } finally {
      await impatient.close();
      await patient.close();
      await new Promise((r) => relay.close(r));
      for (const c of held) c.destroy();
    }
  }, 60_000);

  it('a jump host that drops the connection mid-probe fails the nodes behind it, naming the jump host', async () => {
    // A jump host of its own, so that its per-connection processes are the jump connection only.
    const jump = await startSshd({ownHome: true});
    try {
      await appendFile(join(jump.dir, 'authorized_keys'), await readFile(`${sshd.keys.ed25519}.pub`, 'utf8'));
      const kh = join(jump.dir, 'client', 'both_known_hosts');
      await appendFile(kh, `${sshd.token} ${sshd.hostKeyPub}\n${jump.token} ${jump.hostKeyPub}\n`);
      let probing = 0;
      let bothProbing: () => void = () => undefined;
      const probes = new Promise<void>((r) => (bothProbing = r));
      const onProgress = (p: {phase: string}) => {
        if (p.phase === 'probe' && ++probing === 2) bothProbing();
      };
      const nodes = [1, 2].map(() => new SshTransport(behindJump(jump.port, kh), '/', {onProgress}));
      const runs = nodes.map((t) =>
        t.run({script: 'echo up; sleep 30', timeoutMs: 60_000}).then(
          () => 'finished',
          (e: Error) => e.message,
        ),
      );
      await probes;
      // The jump host's sshd ends the connection: kill its per-connection processes.
      for (const pid of execFileSync('pgrep', ['-P', String(jump.pid)], {encoding: 'utf8'})
        .split('\n')
        .filter(Boolean))
        process.kill(Number(pid), 'SIGKILL');
      const lost = await Promise.all(runs);
      for (const m of lost) expect(m).toMatch(/^the connection to jump host 127\.0\.0\.1 was lost during the probe on 127\.0\.0\.1 \(/);
      await Promise.all(nodes.map((t) => t.close()));
      await turn();
      expect(openJumps()).toBe(0);
    } finally {
      await jump.stop();
    }
  }, 60_000);
});
