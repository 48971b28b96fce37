/**
 * The SSH transport against a real OpenSSH sshd on loopback: authentication (agent, each key
 * type, encrypted keys), host keys, jump hosts, exit codes as data, timeouts and cancellation.
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {execFile, spawn, type ChildProcess} from 'node:child_process';
import {appendFile, readFile, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {TargetError} from '../../src/errors.js';
import {parseHostSpec, sshEndpoint, type SshSettings} from '../../src/targets/ssh-target.js';
import type {SshEndpoint} from '../../src/targets/types.js';
import {SshTransport, type SshProgress} from '../../src/transport/ssh.js';
import {loadSshConfig} from '../../src/transport/ssh-config.js';
import {makeKey, sshdMissing, startSshd, type Sshd} from '../helpers/sshd.js';

const skip = sshdMissing();
let sshd: Sshd;
let known: string;

function endpoint(over: Partial<SshSettings> = {}, target = `root@127.0.0.1:${sshd.port}`): SshEndpoint {
  return sshEndpoint(
    parseHostSpec(target, 'TARGET'),
    {
      identities: [sshd.keys.ed25519],
      sshConfig: loadSshConfig('none'),
      knownHosts: known,
      acceptNewHostKeys: false,
      ...over,
    },
    'TARGET',
  );
}

async function runOn(ep: SshEndpoint, script: string, timeoutMs = 20_000, opts: ConstructorParameters<typeof SshTransport>[2] = {}) {
  const t = new SshTransport(ep, '/', opts);
  try {
    return await t.run({script, timeoutMs});
  } finally {
    await t.close();
  }
}

async function rejection(p: Promise<unknown>): Promise<TargetError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TargetError) return e;
    throw e;
  }
  throw new Error('expected a TargetError');
}

beforeAll(async () => {
  if (skip) return;
  sshd = await startSshd();
  known = await sshd.knownHosts();
});
afterAll(async () => {
  await sshd?.stop();
});

describe.skipIf(skip)('SSH transport (real sshd)', () => {
  it.each(['ed25519', 'ecdsa', 'rsa'] as const)('runs the script on stdin as root with an %s key; a non-zero exit is data', async (type) => {
    const r = await runOn(endpoint({identities: [sshd.keys[type]]}), 'echo "uid=$(id -u)"; echo oops >&2; exit 3');
    expect(r).toMatchObject({exitCode: 3, signal: null, timedOut: false, stderr: 'oops\n'});
    expect(r.stdout.toString()).toBe('uid=0\n');
  });

  it('logs in with a key held by ssh-agent (SSH_AUTH_SOCK)', async () => {
    const sock = join(sshd.dir, 'client', 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', sock], {stdio: 'ignore'});
    try {
      await waitFor(
        async () =>
          await promisify(execFile)('ssh-add', ['-l'], {env: {SSH_AUTH_SOCK: sock}}).then(
            () => true,
            (e: {code?: number}) => e.code === 1,
          ),
      );
      await promisify(execFile)('ssh-add', [sshd.keys.ecdsa], {env: {SSH_AUTH_SOCK: sock}});
      process.env['SSH_AUTH_SOCK'] = sock;
      const viaAgent = await runOn(endpoint({identities: [join(sshd.dir, 'client', 'no-such-key')]}), 'echo agent');
      expect(viaAgent.stdout.toString()).toBe('agent\n');
      expect(sshd.log()).toMatch(/Accepted publickey for root .* ECDSA/);
    } finally {
      delete process.env['SSH_AUTH_SOCK'];
      agent.kill();
    }
  });

  it('falls back to key files when SSH_AUTH_SOCK points at no agent', async () => {
    process.env['SSH_AUTH_SOCK'] = join(sshd.dir, 'client', 'no-agent.sock');
    try {
      const r = await runOn(endpoint(), 'echo key');
      expect(r.stdout.toString()).toBe('key\n');
    } finally {
      delete process.env['SSH_AUTH_SOCK'];
    }
  });

  it('names what it tried when every key is refused', async () => {
    const e = await rejection(runOn(endpoint({identities: [sshd.wrongKey]}), 'true'));
    expect(e.kind).toBe('auth');
    expect(e.message).toBe(`permission denied (publickey) for root@127.0.0.1: tried ${sshd.wrongKey}`);
  });

  it('fails clearly on an encrypted key without a passphrase, and asks for it once when it can', async () => {
    const enc = await makeKey(join(sshd.dir, 'client', 'id_enc'), 'ed25519', 'correct horse');
    const e = await rejection(runOn(endpoint({identities: [enc]}), 'true'));
    expect(e.kind).toBe('auth');
    expect(e.message).toBe(`key ${enc} is encrypted: load it into ssh-agent (ssh-add ${enc})`);
    const asked: string[] = [];
    const passphrase = async (p: string) => {
      asked.push(p);
      return 'correct horse';
    };
    // Not authorised yet: the login fails, but only after the key was decrypted and offered.
    const e2 = await rejection(runOn(endpoint({identities: [enc]}), 'true', 20_000, {passphrase}));
    expect(e2.message).toBe(`permission denied (publickey) for root@127.0.0.1: tried ${enc}`);
    await appendFile(join(sshd.dir, 'authorized_keys'), await readFile(`${enc}.pub`, 'utf8'));
    const [a, b] = await Promise.all([
      runOn(endpoint({identities: [enc]}), 'echo a', 20_000, {passphrase}),
      runOn(endpoint({identities: [enc]}), 'echo b', 20_000, {passphrase}),
    ]);
    expect([a.stdout.toString(), b.stdout.toString()]).toEqual(['a\n', 'b\n']);
    expect(asked).toEqual([enc]); // asked once for the whole run, not once per node
    const e3 = await rejection(runOn(endpoint({identities: [enc]}), 'true', 20_000, {passphrase: async () => 'wrong'}));
    expect(e3.message).toBe(`wrong passphrase for key ${enc}`);
  });

  it('trusts a hashed known_hosts entry', async () => {
    const hashed = await sshd.knownHosts('hashed', {hashed: true});
    const r = await runOn(endpoint({knownHosts: hashed}), 'echo ok');
    expect(r.stdout.toString()).toBe('ok\n');
  });

  it('refuses an unknown host, then records it with --accept-new-host-keys', async () => {
    const file = join(sshd.dir, 'client', 'fresh_known_hosts');
    const e = await rejection(runOn(endpoint({knownHosts: file}), 'true'));
    expect(e.kind).toBe('host-key');
    expect(e.message).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} is not a known host: its key ssh-ed25519 SHA256:\\S+ is not in ${file}$`));
    await runOn(endpoint({knownHosts: file, acceptNewHostKeys: true}), 'true');
    const r = await runOn(endpoint({knownHosts: file}), 'echo known now');
    expect(r.stdout.toString()).toBe('known now\n');
    await rm(file);
  });

  it('goes through a jump host, and a chain of two', async () => {
    const hop = `root@127.0.0.1:${sshd.port}`;
    const one = await runOn(endpoint({jump: [hop]}), 'echo "via $SSH_CLIENT"');
    expect(one.stdout.toString()).toMatch(/^via 127\.0\.0\.1 \d+ \d+\n$/);
    const two = await runOn(endpoint({jump: [hop, hop]}), 'echo two');
    expect(two.stdout.toString()).toBe('two\n');
  });

  it('says which jump host failed, and when the jump host cannot reach the node', async () => {
    const e = await rejection(runOn(endpoint({jump: ['root@127.0.0.1:1']}), 'true'));
    expect(e.message).toBe('jump host 127.0.0.1: connection refused by 127.0.0.1:1');
    const e2 = await rejection(runOn(endpoint({jump: [`root@127.0.0.1:${sshd.port}`]}, 'root@127.0.0.1:1'), 'true'));
    expect(e2.kind).toBe('unreachable');
    expect(e2.message).toMatch(/^jump host 127\.0\.0\.1 could not reach 127\.0\.0\.1:1 \(.*Connection refused\)$/);
  });

  it('reuses one connection for sequential runs and closes it on close()', async () => {
    const t = new SshTransport(endpoint(), '/');
    const before = (sshd.log().match(/Accepted publickey/g) ?? []).length;
    const a = await t.run({script: 'echo one', timeoutMs: 20_000});
    const b = await t.run({script: 'echo two', timeoutMs: 20_000});
    await t.close();
    expect([a.stdout.toString(), b.stdout.toString()]).toEqual(['one\n', 'two\n']);
    expect((sshd.log().match(/Accepted publickey/g) ?? []).length - before).toBe(1);
  });

  it('stops a probe at the node time limit and keeps what arrived', async () => {
    // The limit covers connecting and logging in too: 8 s leaves room for a loaded 2-core
    // machine (at 2 s "partial" sometimes had not arrived yet); the sleep is far longer.
    const started = Date.now();
    const r = await runOn(endpoint(), 'echo partial; exec sleep 120', 8000);
    expect(r).toMatchObject({timedOut: true, exitCode: null});
    expect(r.stdout.toString()).toBe('partial\n');
    expect(Date.now() - started).toBeLessThan(100_000); // ended by the limit, not by the sleep
  }, 120_000);

  it('closes the connection at once on abort (Ctrl-C)', async () => {
    const ac = new AbortController();
    const t = new SshTransport(endpoint(), '/', {onProgress: (p: SshProgress) => p.phase === 'probe' && ac.abort()});
    const started = Date.now();
    const e = await rejection(t.run({script: 'exec sleep 30', timeoutMs: 20_000, signal: ac.signal}));
    expect(e.kind).toBe('interrupted');
    expect(Date.now() - started).toBeLessThan(5000);
    await t.close();
  });
});

async function waitFor(cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}
