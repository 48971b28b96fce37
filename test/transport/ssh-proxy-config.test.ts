/**
 * ProxyCommand from ssh_config, as the endpoint sees it: tokens expanded, and of ProxyJump and
 * ProxyCommand only the one obtained first (ssh(1)'s readconf.c ignores the other, `none`
 * included); a jump given on the command line beats the config's ProxyCommand.
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseHostSpec, sshEndpoint, type SshSettings} from '../../src/targets/ssh-target.js';
import {expandProxyTokens, hostConfig, loadSshConfig} from '../../src/transport/ssh-config.js';

let dir: string;
let cfgFile: string;

const CONFIG = `
Host cmd-first
  HostName 10.1.2.3
  ProxyCommand ssh -W %h:%p -l %r bastion-for-%n
  ProxyJump jumper

Host jump-first
  ProxyJump jumper
  ProxyCommand nc %h %p

Host cmd-none
  ProxyCommand none

Host jump-none
  ProxyJump none

Host jumper
  ProxyCommand nc bastion.example %p

Host *
  User ops
  Port 2222
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-proxycfg-'));
  cfgFile = join(dir, 'config');
  await writeFile(cfgFile, CONFIG);
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

const settings = (over: Partial<SshSettings> = {}): SshSettings => ({identities: [], sshConfig: loadSshConfig(cfgFile), acceptNewHostKeys: false, ...over});

describe('ProxyCommand in ssh_config', () => {
  it('keeps whichever of ProxyCommand and ProxyJump was obtained first', () => {
    const cfg = loadSshConfig(cfgFile);
    expect(hostConfig(cfg, 'cmd-first')).toMatchObject({proxyCommand: 'ssh -W %h:%p -l %r bastion-for-%n'});
    expect(hostConfig(cfg, 'cmd-first').proxyJump).toBeUndefined();
    expect(hostConfig(cfg, 'jump-first')).toMatchObject({proxyJump: ['jumper']});
    expect(hostConfig(cfg, 'jump-first').proxyCommand).toBeUndefined();
    // `ProxyCommand none` obtained first disables both; `ProxyJump none` too.
    const none = hostConfig(cfg, 'cmd-none');
    expect([none.proxyCommand, none.proxyJump]).toEqual([undefined, undefined]);
    const jnone = hostConfig(cfg, 'jump-none');
    expect([jnone.proxyCommand, jnone.proxyJump]).toEqual([undefined, []]);
    expect(hostConfig(cfg, 'other')).toMatchObject({identityFiles: [], certificateFiles: []});
    expect(hostConfig(cfg, 'other').proxyCommand).toBeUndefined();
  });

  it('expands %h (after HostName), %p, %r, %n and %% in the endpoint, and nothing else', () => {
    expect(expandProxyTokens('a %h %p %r %n %% %u %d', {host: 'h', alias: 'n', port: 22, user: 'r'})).toBe('a h 22 r n % %u %d');
    const ep = sshEndpoint(parseHostSpec('cmd-first', 'TARGET'), settings(), 'TARGET');
    expect(ep.proxyCommand).toBe('ssh -W 10.1.2.3:2222 -l ops bastion-for-cmd-first');
    expect(ep.jumps).toEqual([]);
    // A user and port on the command line are what %r and %p see.
    const ep2 = sshEndpoint(parseHostSpec('admin@cmd-first:2200', 'TARGET'), settings(), 'TARGET');
    expect(ep2.proxyCommand).toBe('ssh -W 10.1.2.3:2200 -l admin bastion-for-cmd-first');
  });

  it('a jump given with -J beats the config ProxyCommand (as `ssh -J` does)', () => {
    const ep = sshEndpoint(parseHostSpec('cmd-first', 'TARGET'), settings({jump: ['root@127.0.0.1:2201']}), 'TARGET');
    expect(ep.proxyCommand).toBeUndefined();
    expect(ep.jumps.map((h) => `${h.user}@${h.host}:${h.port}`)).toEqual(['root@127.0.0.1:2201']);
  });

  it('a jump host reached by its own ProxyCommand keeps it (the first hop of the chain)', () => {
    const ep = sshEndpoint(parseHostSpec('jump-first', 'TARGET'), settings(), 'TARGET');
    expect(ep.proxyCommand).toBeUndefined();
    // jumper's ProxyCommand is obtained before the catch-all's ProxyJump: it is reached by the command.
    expect(ep.jumps.map((h) => [h.alias, h.proxyCommand])).toEqual([['jumper', 'nc bastion.example 2222']]);
  });
});
