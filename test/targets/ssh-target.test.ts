import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {UsageError} from '../../src/errors.js';
import {parseHostSpec, sshEndpoint, type SshSettings} from '../../src/targets/ssh-target.js';
import {loadSshConfig, localUser} from '../../src/transport/ssh-config.js';

let home: string;
let savedHome: string | undefined;
let savedSock: string | undefined;

const CONFIG = `
Include config.d/*.conf

Host bastion
  HostName 127.0.0.1
  Port 2200
  User jumper

Host web-*
  HostName %h.internal.example.com
  User deploy
  IdentityFile ~/.ssh/web_ed25519
  ProxyJump bastion

Host db1
  HostName 10.0.0.9
  ProxyJump none
  UserKnownHostsFile ~/.ssh/known_hosts.db
  StrictHostKeyChecking accept-new
  ConnectTimeout 7
  ServerAliveInterval 5

Host *
  User fallback
  Port 2022
  IdentityFile ~/.ssh/id_%r
`;

function settings(over: Partial<SshSettings> = {}): SshSettings {
  return {identities: [], sshConfig: loadSshConfig(join(home, '.ssh', 'config')), acceptNewHostKeys: false, ...over};
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'kd-home-'));
  savedHome = process.env['HOME'];
  savedSock = process.env['SSH_AUTH_SOCK'];
  process.env['HOME'] = home;
  delete process.env['SSH_AUTH_SOCK'];
  await mkdir(join(home, '.ssh', 'config.d'), {recursive: true});
  await writeFile(join(home, '.ssh', 'config'), CONFIG);
  await writeFile(join(home, '.ssh', 'config.d', 'lab.conf'), 'Host lab\n  HostName 127.0.0.5\n  User labuser\n');
});
afterAll(async () => {
  if (savedHome === undefined) delete process.env['HOME'];
  else process.env['HOME'] = savedHome;
  if (savedSock !== undefined) process.env['SSH_AUTH_SOCK'] = savedSock;
  await rm(home, {recursive: true, force: true});
});

describe('parseHostSpec', () => {
  it.each([
    ['node-1', {host: 'node-1'}],
    ['root@node-1', {host: 'node-1', user: 'root'}],
    ['root@10.0.0.5:2222', {host: '10.0.0.5', user: 'root', port: 2222}],
    ['[::1]:2222', {host: '::1', port: 2222}],
    ['admin@[fe80::1%eth0]:22', {host: 'fe80::1%eth0', user: 'admin', port: 22}],
    ['::1', {host: '::1'}],
    ['ssh://core@node-2:2200', {host: 'node-2', user: 'core', port: 2200}],
  ])('reads %s', (s, want) => {
    expect(parseHostSpec(s, 'TARGET')).toEqual(want);
  });

  it.each([
    ['node-1:0', /port 0 is not a number from 1 to 65535/],
    ['node-1:99999', /port 99999/],
    ['node-1:ssh', /port ssh/],
    ['@node-1', /invalid user name/],
    ['root@', /has no host/],
    ['-oProxyCommand=x', /has no host/],
    ['node 1', /is not a host name/],
    ['', /is empty/],
  ])('refuses %j with a usage error naming it', (s, msg) => {
    expect(() => parseHostSpec(s, 'TARGET')).toThrow(UsageError);
    expect(() => parseHostSpec(s, 'TARGET')).toThrow(msg);
  });
});

describe('sshEndpoint: ~/.ssh/config, command line and defaults', () => {
  it('resolves an alias: HostName with %h, User, IdentityFile, ProxyJump through the jump alias', () => {
    const ep = sshEndpoint(parseHostSpec('web-3', 'TARGET'), settings(), 'TARGET');
    expect(ep).toMatchObject({alias: 'web-3', host: 'web-3.internal.example.com', user: 'deploy', port: 2022});
    expect(ep.identityFiles).toEqual([join(home, '.ssh', 'web_ed25519'), join(home, '.ssh', 'id_deploy')]);
    expect(ep.jumps.map((j) => `${j.user}@${j.host}:${j.port}`)).toEqual(['jumper@127.0.0.1:2200']);
    expect(ep.hostKeys).toEqual({knownHostsFile: join(home, '.ssh', 'known_hosts'), acceptNew: false});
  });

  it('lets user@ and :port in the TARGET beat -u and -p, which beat ssh_config', () => {
    const fromTarget = sshEndpoint(parseHostSpec('root@web-3:22', 'TARGET'), settings({user: 'ops', port: 2999}), 'TARGET');
    expect([fromTarget.user, fromTarget.port]).toEqual(['root', 22]);
    const fromFlags = sshEndpoint(parseHostSpec('web-3', 'TARGET'), settings({user: 'ops', port: 2999}), 'TARGET');
    expect([fromFlags.user, fromFlags.port]).toEqual(['ops', 2999]);
  });

  it('tries -i keys before IdentityFile, and -J replaces ProxyJump', () => {
    const ep = sshEndpoint(parseHostSpec('web-3', 'TARGET'), settings({identities: ['/keys/ops'], jump: ['a@127.0.0.2:2201', 'bastion']}), 'TARGET');
    expect(ep.identityFiles[0]).toBe('/keys/ops');
    expect(ep.jumps.map((j) => `${j.user}@${j.host}:${j.port}`)).toEqual(['a@127.0.0.2:2201', 'jumper@127.0.0.1:2200']);
  });

  it('honours ProxyJump none, UserKnownHostsFile, StrictHostKeyChecking accept-new and the timeouts', () => {
    const ep = sshEndpoint(parseHostSpec('db1', 'TARGET'), settings(), 'TARGET');
    expect(ep.host).toBe('10.0.0.9');
    expect(ep.jumps).toEqual([]);
    expect(ep.hostKeys).toEqual({knownHostsFile: join(home, '.ssh', 'known_hosts.db'), acceptNew: true});
    expect(ep.connectTimeoutMs).toBe(7000);
    expect(ep.keepaliveIntervalMs).toBe(5000);
  });

  it('reads hosts from Include files', () => {
    const ep = sshEndpoint(parseHostSpec('lab', 'TARGET'), settings(), 'TARGET');
    expect([ep.host, ep.user]).toEqual(['127.0.0.5', 'labuser']);
  });

  it('falls back to the local user, port 22 and the default keys with --ssh-config none', () => {
    const ep = sshEndpoint(parseHostSpec('web-3', 'TARGET'), settings({sshConfig: loadSshConfig('none')}), 'TARGET');
    expect(ep).toMatchObject({host: 'web-3', user: localUser(), port: 22, jumps: [], useAgent: false});
    expect(ep.identityFiles).toEqual(['id_rsa', 'id_ecdsa', 'id_ed25519'].map((n) => join(home, '.ssh', n)));
  });

  it('uses the agent when SSH_AUTH_SOCK is set', () => {
    process.env['SSH_AUTH_SOCK'] = join(home, 'agent.sock');
    try {
      expect(sshEndpoint(parseHostSpec('x', 'TARGET'), settings(), 'TARGET').useAgent).toBe(true);
    } finally {
      delete process.env['SSH_AUTH_SOCK'];
    }
  });

  it('refuses a ProxyJump loop', async () => {
    const f = join(home, 'loop.conf');
    await writeFile(f, 'Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n');
    expect(() => sshEndpoint(parseHostSpec('a', 'TARGET'), settings({sshConfig: loadSshConfig(f)}), 'TARGET')).toThrow(/ProxyJump loop: a -> b -> a/);
  });

  it('names the config file when a value is not a number', async () => {
    const f = join(home, 'bad.conf');
    await writeFile(f, 'Host x\n  Port twenty\n');
    expect(() => sshEndpoint(parseHostSpec('x', 'TARGET'), settings({sshConfig: loadSshConfig(f)}), 'TARGET')).toThrow(
      `${f}: Port twenty (for host x) is not a whole number >= 1`,
    );
  });

  it('refuses a --ssh-config file that does not exist, but not a missing ~/.ssh/config', () => {
    expect(() => loadSshConfig(join(home, 'nope'))).toThrow(/--ssh-config .*nope: cannot read it \(ENOENT\)/);
    process.env['HOME'] = join(home, 'empty-home');
    try {
      expect(loadSshConfig(null)).toEqual({file: null, parsed: null});
    } finally {
      process.env['HOME'] = home;
    }
  });
});
