/**
 * ssh_config ProxyCommand: SSH spoken over a command's stdin/stdout, through a real OpenSSH sshd.
 * The nodes' HostName does not resolve (`*.invalid`), so a run that reached them at all went
 * through the command; the command gets the port from %p. Also a real bastion reached as
 * `ProxyCommand ssh -W %h:%p jump`, and the commands that fail: one that exits, one that prints
 * something else than SSH, one that hangs (killed, its node timed out, no hang of the run).
 *
 * The commands are `busybox nc` (busybox is one of .ci/run's packages; Debian's `nc` is not
 * installed here) and OpenSSH's own `ssh`.
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {execFileSync} from 'node:child_process';
import {appendFile, readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {runCli, sshdMissing, startSshd, startSshdNode, type Sshd, type SshdNode} from '../helpers/sshd.js';

function busyboxMissing(): string | null {
  try {
    execFileSync('busybox', ['nc', '--help'], {stdio: 'ignore'});
    return null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'busybox is not installed (apt-get install busybox)' : null;
  }
}
const skip = sshdMissing() ?? busyboxMissing();

interface JsonReport {
  targets: {target: string; status: string; error: {kind: string; message: string; hint?: string} | null; results: {id: string; status: string}[]}[];
}
const report = (s: string) => JSON.parse(s) as JsonReport;
const count = (log: string, re: RegExp) => log.match(re)?.length ?? 0;

let fixture: SshdNode | undefined;
let jump: Sshd | undefined;
let known: string;
let config: string;

beforeAll(async () => {
  if (skip) return;
  [fixture, jump] = await Promise.all([startSshdNode('kd-e2e-proxycmd-', {ownHome: true}), startSshd({ownHome: true})]);
  const s = fixture.sshd;
  await appendFile(join(jump.dir, 'authorized_keys'), await readFile(`${s.keys.ed25519}.pub`, 'utf8'));
  known = join(fixture.dir, 'known_hosts');
  // known_hosts names the nodes as ssh(1) would: by HostName and port (the command is not a host).
  await writeFile(
    known,
    [
      `[node-a.invalid]:${s.port} ${s.hostKeyPub}`,
      `[node-b.invalid]:${s.port} ${s.hostKeyPub}`,
      `${s.token} ${s.hostKeyPub}`,
      `${jump.token} ${jump.hostKeyPub}`,
      '',
    ].join('\n'),
    {mode: 0o600},
  );
  const viaSsh = [
    'ssh -F none -q -o BatchMode=yes -o StrictHostKeyChecking=yes',
    `-o UserKnownHostsFile=${known} -i ${s.keys.ed25519} -p ${jump.port} -W %h:%p root@127.0.0.1`,
  ].join(' ');
  config = join(fixture.dir, 'ssh_config');
  await writeFile(
    config,
    [
      'Host node-a node-b',
      '  HostName %h.invalid',
      `  Port ${s.port}`,
      '  ProxyCommand busybox nc 127.0.0.1 %p',
      'Host via-bastion',
      '  HostName 127.0.0.1',
      `  Port ${s.port}`,
      `  ProxyCommand ${viaSsh}`,
      'Host exits',
      '  HostName 127.0.0.1',
      `  Port ${s.port}`,
      '  ProxyCommand sh -c \'echo "bastion: no route to %h" >&2; exit 7\'',
      'Host garbage',
      '  HostName 127.0.0.1',
      `  Port ${s.port}`,
      "  ProxyCommand printf 'HTTP/1.1 400 Bad Request\\r\\n\\r\\n'",
      'Host hangs',
      '  HostName 127.0.0.1',
      `  Port ${s.port}`,
      '  ConnectTimeout 2',
      '  ProxyCommand sleep 6071',
      // ProxyCommand obtained first: it wins over a ProxyJump read later (ssh(1)).
      'Host first-command',
      '  HostName %h.invalid',
      `  Port ${s.port}`,
      '  ProxyCommand busybox nc 127.0.0.1 %p',
      'Host *',
      '  User root',
      `  IdentityFile ${s.keys.ed25519}`,
      `  ProxyJump root@127.0.0.1:1`,
      '',
    ].join('\n'),
  );
  // first-command's HostName: first-command.invalid.
  await appendFile(known, `[first-command.invalid]:${s.port} ${s.hostKeyPub}\n`);
}, 60_000);
afterAll(async () => {
  await jump?.stop();
  await fixture?.stop();
});

const args = (...targets: string[]) => [
  'check',
  ...targets,
  '--ssh-config',
  config,
  '--known-hosts',
  known,
  '--host-root',
  fixture!.node.root,
  '--output',
  'json',
  '--only',
  'kubeconfig,cgroup-driver-match',
];

describe.skipIf(skip)('ProxyCommand (real sshd)', () => {
  it('checks nodes over their ProxyCommand (%h %p expanded), the node names unresolvable', async () => {
    const before = count(fixture!.sshd.log(), /Accepted publickey for root/g);
    const r = await runCli(args('node-a', 'node-b', 'first-command'), {env: {HOME: fixture!.home}});
    const rep = report(r.stdout);
    expect(rep.targets.map((t) => [t.target, t.status, t.error])).toEqual([
      ['node-a', 'ok', null],
      ['node-b', 'ok', null],
      ['first-command', 'ok', null],
    ]);
    for (const t of rep.targets) expect(t.results.find((x) => x.id === 'cgroup-driver-match')).toMatchObject({status: 'fail'});
    expect(r.code).toBe(1);
    expect(count(fixture!.sshd.log(), /Accepted publickey for root/g) - before).toBe(3);
  }, 120_000);

  it('reaches a node through a real bastion as `ProxyCommand ssh -W %h:%p`', async () => {
    const jumpBefore = jump!.log().length;
    const r = await runCli(args('via-bastion'), {env: {HOME: fixture!.home}});
    const rep = report(r.stdout);
    expect(rep.targets[0]).toMatchObject({target: 'via-bastion', status: 'ok', error: null});
    expect(r.code).toBe(1);
    // The bastion saw the login of the ssh the command ran, and the forwarding it asked for.
    const log = jump!.log().slice(jumpBefore);
    expect(count(log, /Accepted publickey for root/g)).toBe(1);
  }, 120_000);

  it('a ProxyCommand that exits, or prints something else than SSH, fails its node with what it did', async () => {
    const r = await runCli(args('exits', 'garbage', 'node-a'), {env: {HOME: fixture!.home}, timeoutMs: 60_000});
    const rep = report(r.stdout);
    expect(rep.targets[0]).toMatchObject({
      target: 'exits',
      status: 'unreachable',
      error: {kind: 'unreachable', message: 'ProxyCommand for exits exited with status 7 before SSH began (its stderr: "bastion: no route to 127.0.0.1")'},
    });
    expect(rep.targets[0]!.error!.hint).toContain("run it by hand to see why: sh -c 'echo");
    expect(rep.targets[1]).toMatchObject({
      target: 'garbage',
      status: 'unreachable',
      error: {kind: 'unreachable', message: 'ProxyCommand for garbage exited with status 0 after printing "HTTP/1.1 400 Bad Request" instead of an SSH banner'},
    });
    // The others are unaffected.
    expect(rep.targets[2]).toMatchObject({target: 'node-a', status: 'ok'});
    expect(r.code).toBe(3);
  }, 90_000);

  it('a ProxyCommand that hangs is a timeout of its node (ConnectTimeout), and is killed', async () => {
    const r = await runCli(args('hangs', 'node-b'), {env: {HOME: fixture!.home}, timeoutMs: 60_000});
    const rep = report(r.stdout);
    expect(rep.targets[0]).toMatchObject({
      target: 'hangs',
      status: 'unreachable',
      error: {kind: 'timeout', message: 'ProxyCommand for hangs did not speak SSH within 2 s'},
    });
    expect(rep.targets[1]).toMatchObject({target: 'node-b', status: 'ok'});
    expect(r.code).toBe(3);
    // No `sleep 6071` left behind.
    let left = '';
    try {
      left = execFileSync('pgrep', ['-f', '^sleep 6071$'], {encoding: 'utf8'});
    } catch {
      left = ''; // pgrep exits 1 when nothing matches
    }
    expect(left).toBe('');
  }, 90_000);
});
