/**
 * Bastion fleets: 20 nodes behind one jump host, all reached over ONE connection to it (each
 * node's SSH connection is a forwarded channel inside it), counted in the jump host's own sshd
 * log; and a jump host that refuses, which fails every node behind it at once, naming it.
 *
 * Two real OpenSSH sshds on loopback: the jump host (AllowTcpForwarding yes, LogLevel VERBOSE:
 * one "Accepted publickey" line per login, one "Connection from" line per TCP connection) and
 * the "nodes": the same sshd serving a kubeadm node tree, named 20 times by the inventory.
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {appendFile, readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {freePort, runCli, sshdMissing, startSshd, startSshdNode, type Sshd, type SshdNode} from '../helpers/sshd.js';

const skip = sshdMissing();

interface JsonReport {
  targets: {target: string; node: string; status: string; error: {kind: string; message: string} | null; results: {id: string; status: string}[]}[];
}
const report = (s: string) => JSON.parse(s) as JsonReport;
const count = (log: string, re: RegExp) => log.match(re)?.length ?? 0;

const NODES = Array.from({length: 20}, (_, i) => `node-${String(i + 1).padStart(2, '0')}`);

let fixture: SshdNode | undefined;
let jump: Sshd | undefined;
let known: string;

/** The inventory: the 20 nodes (all the fixture's sshd) behind `jumpSpec`. */
async function inventory(name: string, jumpSpec: string): Promise<string> {
  const f = join(fixture!.dir, name);
  await writeFile(
    f,
    [
      'defaults:',
      '  user: root',
      `  jump: ${jumpSpec}`,
      `  hostRoot: ${fixture!.node.root}`,
      'hosts:',
      ...NODES.map((n) => `  - {name: ${n}, host: 127.0.0.1, port: ${fixture!.sshd.port}}`),
      '',
    ].join('\n'),
  );
  return f;
}

beforeAll(async () => {
  if (skip) return;
  [fixture, jump] = await Promise.all([startSshdNode('kd-e2e-bastion-', {ownHome: true}), startSshd({ownHome: true})]);
  // One key for the jump host and the nodes (`-i` is offered to both), one known_hosts for both.
  await appendFile(join(jump.dir, 'authorized_keys'), await readFile(`${fixture.sshd.keys.ed25519}.pub`, 'utf8'));
  known = join(fixture.dir, 'known_hosts');
  await writeFile(known, `${fixture.sshd.token} ${fixture.sshd.hostKeyPub}\n${jump.token} ${jump.hostKeyPub}\n`, {mode: 0o600});
}, 60_000);
afterAll(async () => {
  await jump?.stop();
  await fixture?.stop();
});

describe.skipIf(skip)('bastion fleets (real sshd as the jump host)', () => {
  it('checks 20 nodes through one jump host over a single connection to it', async () => {
    const inv = await inventory('bastion.yaml', `root@127.0.0.1:${jump!.port}`);
    const before = jump!.log();
    const nodesBefore = count(fixture!.sshd.log(), /Accepted publickey/g);
    const r = await runCli(
      ['check', '--inventory', inv, '-i', fixture!.sshd.keys.ed25519, '--known-hosts', known, '--ssh-config', 'none', '--output', 'json'],
      {env: {HOME: fixture!.home}},
    );
    const rep = report(r.stdout);
    // All 20 checked, in input order, each with the node's real findings (its cgroup drivers differ).
    expect(rep.targets.map((t) => t.target)).toEqual(NODES);
    for (const t of rep.targets) {
      expect(t).toMatchObject({status: 'ok', error: null});
      expect(t.results.find((x) => x.id === 'cgroup-driver-match')).toMatchObject({status: 'fail'});
      expect(t.results.find((x) => x.id === 'kubeconfig')).toMatchObject({status: 'pass'});
    }
    expect(r.code).toBe(1);
    // At the jump host: one login for the whole fleet; at the nodes' sshd: one per node.
    const log = jump!.log().slice(before.length);
    expect(count(log, /Accepted publickey for root/g)).toBe(1);
    expect(count(fixture!.sshd.log(), /Accepted publickey/g) - nodesBefore).toBe(20);
    // ...and one TCP connection: the start-up's early socket (engine/warm.ts) is one per jump host.
    expect(count(log, /Connection from 127\.0\.0\.1/g)).toBe(1);
  }, 180_000);

  it('fails every node behind a jump host that refuses, naming it, exit 3, no hang', async () => {
    const dead = await freePort();
    const inv = await inventory('refused.yaml', `root@127.0.0.1:${dead}`);
    const nodesBefore = count(fixture!.sshd.log(), /Accepted publickey/g);
    const r = await runCli(
      ['check', '--inventory', inv, '-i', fixture!.sshd.keys.ed25519, '--known-hosts', known, '--ssh-config', 'none', '--output', 'json'],
      {env: {HOME: fixture!.home}, timeoutMs: 60_000},
    );
    const rep = report(r.stdout);
    expect(rep.targets.map((t) => t.target)).toEqual(NODES);
    for (const t of rep.targets) {
      expect(t).toMatchObject({
        status: 'unreachable',
        error: {kind: 'unreachable', message: `jump host 127.0.0.1: connection refused by 127.0.0.1:${dead}`},
      });
    }
    expect(r.code).toBe(3);
    expect(count(fixture!.sshd.log(), /Accepted publickey/g)).toBe(nodesBefore);
  }, 90_000);

  it('names the jump host when it refuses the login, for every node behind it', async () => {
    const inv = await inventory('wrongkey.yaml', `root@127.0.0.1:${jump!.port}`);
    const before = jump!.log();
    const r = await runCli(
      ['check', '--inventory', inv, '-i', jump!.wrongKey, '--known-hosts', known, '--ssh-config', 'none', '--output', 'json', '--only', 'kubeconfig'],
      {env: {HOME: fixture!.home}, timeoutMs: 60_000},
    );
    const rep = report(r.stdout);
    for (const t of rep.targets) {
      expect(t).toMatchObject({status: 'unreachable', error: {kind: 'auth', message: expect.stringMatching(/^jump host 127\.0\.0\.1: /)}});
    }
    expect(r.code).toBe(3);
    // The login was tried once for the whole fleet, not once per node.
    const log = jump!.log().slice(before.length);
    expect(count(log, /Failed publickey for root/g)).toBe(1);
    expect(count(log, /Accepted publickey/g)).toBe(0);
  }, 90_000);
});
