/**
 * OpenSSH certificates against real sshds.
 *
 * Host certificates: known_hosts holds only `@cert-authority` lines (no key of any node); each
 * sshd serves a `HostCertificate` signed with `ssh-keygen -s CA -h`. A node is trusted when its
 * certificate is signed by that CA, names it among its principals, is within its validity, and
 * certifies the key the session proved (transport/host-cert.ts); otherwise refused, saying why.
 * Reached directly (TCP) and through a ProxyCommand (the certificate is fetched the same way).
 *
 * User certificates: ssh2 cannot present them (transport/ssh-auth.ts userCertificates): a node
 * that only trusts the user CA (`TrustedUserCAKeys`) refuses the login, and the message names the
 * certificate that was not used.
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {execFile} from 'node:child_process';
import {appendFile, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {makeKey, runCli, sshdMissing, startSshd, startSshdNode, type Sshd, type SshdNode} from '../helpers/sshd.js';

const run = promisify(execFile);
const skip = sshdMissing();

interface JsonReport {
  targets: {target: string; status: string; error: {kind: string; message: string; hint?: string} | null}[];
}
const report = (s: string) => JSON.parse(s) as JsonReport;
const count = (log: string, re: RegExp) => log.match(re)?.length ?? 0;

let dir: string;
let ca: string;
let rogueCa: string;
/** Certified for node-a.example and 127.0.0.1 by the CA. */
let good: SshdNode | undefined;
/** Certified by the CA, but for another host name. */
let wrongName: Sshd | undefined;
/** Certified by the CA, expired. */
let expired: Sshd | undefined;
/** Certified by another CA. */
let rogue: Sshd | undefined;
/** No certificate at all. */
let plain: Sshd | undefined;
let known: string;
let config: string;

beforeAll(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'kd-e2e-certs-'));
  ca = await makeKey(join(dir, 'host_ca'), 'ed25519');
  rogueCa = await makeKey(join(dir, 'rogue_ca'), 'ed25519');
  const o = {ownHome: true};
  [good, wrongName, expired, rogue, plain] = await Promise.all([
    startSshdNode('kd-e2e-certs-node-', {...o, hostCertificate: {caKey: ca, principals: 'node-a.example,127.0.0.1', id: 'node-a'}}),
    startSshd({...o, hostCertificate: {caKey: ca, principals: 'other.example', id: 'other'}}),
    startSshd({...o, hostCertificate: {caKey: ca, principals: '127.0.0.1', validity: '20200101:20200102', id: 'old'}}),
    startSshd({...o, hostCertificate: {caKey: rogueCa, principals: '127.0.0.1', id: 'rogue'}}),
    startSshd(o),
  ]);
  // One client key for every sshd.
  const pub = await readFile(`${good.sshd.keys.ed25519}.pub`, 'utf8');
  for (const s of [wrongName, expired, rogue, plain]) await appendFile(join(s!.dir, 'authorized_keys'), pub);
  const caPub = (await readFile(`${ca}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
  known = join(dir, 'known_hosts');
  await writeFile(known, `# host CA only, no host keys\n@cert-authority [*.example]:* ${caPub}\n@cert-authority [127.0.0.1]:* ${caPub}\n`, {mode: 0o600});
  config = join(dir, 'ssh_config');
  await writeFile(
    config,
    [
      'Host node-a',
      '  HostName node-a.example',
      `  Port ${good.sshd.port}`,
      '  ProxyCommand busybox nc 127.0.0.1 %p',
      'Host *',
      '  User root',
      `  IdentityFile ${good.sshd.keys.ed25519}`,
      '',
    ].join('\n'),
  );
}, 90_000);
afterAll(async () => {
  for (const s of [wrongName, expired, rogue, plain]) await s?.stop();
  await good?.stop();
  if (dir) await rm(dir, {recursive: true, force: true});
});

const args = (known_: string, ...targets: string[]) => [
  'check',
  ...targets,
  '--ssh-config',
  config,
  '--known-hosts',
  known_,
  '--host-root',
  good!.node.root,
  '--output',
  'json',
  '--only',
  'kubeconfig',
];

describe.skipIf(skip)('host certificates (@cert-authority, real sshd HostCertificate)', () => {
  it('trusts a node by its certificate, directly and through a ProxyCommand, with no host key in known_hosts', async () => {
    const before = count(good!.sshd.log(), /Accepted publickey for root/g);
    const r = await runCli(args(known, `127.0.0.1:${good!.sshd.port}`, 'node-a'), {env: {HOME: good!.home}});
    const rep = report(r.stdout);
    expect(rep.targets.map((t) => [t.status, t.error])).toEqual([
      ['ok', null],
      ['ok', null],
    ]);
    expect(r.code).toBe(0);
    expect(count(good!.sshd.log(), /Accepted publickey for root/g) - before).toBe(2);
    // Nothing was written to known_hosts.
    expect(await readFile(known, 'utf8')).not.toMatch(/^\[127|^\[node-a/m);
  }, 120_000);

  it('refuses a wrong name, an expired certificate, another CA and a host with no certificate, saying which', async () => {
    const targets = [wrongName!, expired!, rogue!, plain!].map((s) => `127.0.0.1:${s.port}`);
    const r = await runCli(args(known, ...targets), {env: {HOME: good!.home}, timeoutMs: 60_000});
    const rep = report(r.stdout);
    const msg = (i: number) => {
      expect(rep.targets[i]).toMatchObject({status: 'unreachable', error: {kind: 'host-key'}});
      return rep.targets[i]!.error!.message;
    };
    for (const i of [0, 1, 2, 3]) expect(msg(i)).toContain(`is not a known host: ${known}:3 trusts a host CA for it, but `);
    expect(msg(0)).toMatch(/its certificate \(id "other"\) does not vouch for it: 127\.0\.0\.1 is not among its principals \(other\.example\)/);
    expect(msg(1)).toMatch(/its certificate \(id "old"\) does not vouch for it: it expired \(valid until 2020-01-0[12]T/);
    expect(msg(2)).toMatch(/its certificate is signed by SHA256:\S+, which is not that CA/);
    expect(msg(3)).toMatch(/no certificate could be had: it has no certificate for its ssh-ed25519 key \(it offers [^)]*ssh-ed25519/);
    // No login was attempted on any of them.
    for (const s of [wrongName!, expired!, rogue!, plain!]) expect(count(s.log(), /Accepted publickey/g)).toBe(0);
    expect(r.code).toBe(3);
  }, 120_000);

  it('checks the certificates of a jump host and of the node behind it (fetched through the tunnel)', async () => {
    const before = count(good!.sshd.log(), /Accepted publickey for root/g);
    const port = good!.sshd.port;
    // The good sshd is both the jump host and the node: both hops judged by certificate.
    const r = await runCli([...args(known, `127.0.0.1:${port}`), '-J', `root@127.0.0.1:${port}`], {env: {HOME: good!.home}});
    expect(report(r.stdout).targets[0]).toMatchObject({status: 'ok', error: null});
    expect(count(good!.sshd.log(), /Accepted publickey for root/g) - before).toBe(2);
    // Behind the jump host, a node whose certificate names another host is refused, naming it.
    const r2 = await runCli([...args(known, `127.0.0.1:${wrongName!.port}`), '-J', `root@127.0.0.1:${port}`], {env: {HOME: good!.home}, timeoutMs: 60_000});
    expect(report(r2.stdout).targets[0]).toMatchObject({
      status: 'unreachable',
      error: {
        kind: 'host-key',
        message: expect.stringMatching(/^\[127\.0\.0\.1\]:\d+ is not a known host: .* 127\.0\.0\.1 is not among its principals \(other\.example\)/),
      },
    });
  }, 120_000);

  it('a plain key line still decides alone (no certificate fetched), beside @cert-authority lines', async () => {
    const k2 = join(dir, 'known_hosts_mixed');
    await writeFile(k2, `${await readFile(known, 'utf8')}${plain!.token} ${plain!.hostKeyPub}\n`, {mode: 0o600});
    const conns = count(plain!.log(), /Connection from/g);
    const r = await runCli(args(k2, `127.0.0.1:${plain!.port}`), {env: {HOME: good!.home}});
    expect(report(r.stdout).targets[0]).toMatchObject({status: 'ok', error: null});
    expect(count(plain!.log(), /Connection from/g) - conns).toBe(1);
  }, 60_000);
});

describe.skipIf(skip)('user certificates (real sshd TrustedUserCAKeys)', () => {
  let node: Sshd | undefined;
  let userKey: string;
  beforeAll(async () => {
    const userCa = await makeKey(join(dir, 'user_ca'), 'ed25519');
    userKey = await makeKey(join(dir, 'id_certified'), 'ed25519');
    await run('ssh-keygen', ['-q', '-s', userCa, '-I', 'ops', '-n', 'root', `${userKey}.pub`]);
    node = await startSshd({ownHome: true, extra: `TrustedUserCAKeys ${userCa}.pub`});
    await writeFile(join(node.dir, 'known_hosts'), `${node.token} ${node.hostKeyPub}\n`, {mode: 0o600});
  }, 60_000);
  afterAll(async () => {
    await node?.stop();
  });

  it('OpenSSH logs in with the certificate; kubelet-doctor is refused and names the certificate it cannot use', async () => {
    const kh = join(node!.dir, 'known_hosts');
    // The fixture is right: ssh(1) itself gets in with KEY-cert.pub beside KEY.
    const ssh = await run('ssh', [
      '-F',
      'none',
      '-o',
      'BatchMode=yes',
      '-o',
      `UserKnownHostsFile=${kh}`,
      '-i',
      userKey,
      '-p',
      String(node!.port),
      'root@127.0.0.1',
      'echo in',
    ]);
    expect(ssh.stdout.trim()).toBe('in');
    const r = await runCli(
      ['check', `root@127.0.0.1:${node!.port}`, '-i', userKey, '--known-hosts', kh, '--ssh-config', 'none', '--output', 'json', '--only', 'kubeconfig'],
      {
        env: {HOME: good!.home},
        timeoutMs: 60_000,
      },
    );
    const t = report(r.stdout).targets[0]!;
    expect(t).toMatchObject({status: 'unreachable', error: {kind: 'auth'}});
    expect(t.error!.message).toBe(
      `permission denied (publickey) for root@127.0.0.1: tried ${userKey}, but not the certificate ${userKey}-cert.pub: kubelet-doctor cannot log in with OpenSSH user certificates`,
    );
    expect(r.code).toBe(3);
  }, 60_000);
});
