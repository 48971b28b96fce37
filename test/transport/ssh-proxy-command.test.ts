/**
 * The ProxyCommand stream on its own (no sshd): what a command prints reaches the reader, its
 * exit is recorded before the stream ends (so the connection error can say how it ended), the
 * messages name the command's end and output, and destroying the stream kills the command.
 */
import {describe, it, expect} from 'vitest';
import {once} from 'node:events';
import type {SshHop} from '../../src/targets/types.js';
import {proxyCommandStream, proxyExit} from '../../src/transport/ssh-proxy-command.js';
import {closedBeforeBanner, timeoutError} from '../../src/transport/ssh-errors.js';

const hop = (proxyCommand: string): SshHop => ({
  alias: 'node-7',
  host: 'node-7.internal',
  port: 2222,
  user: 'root',
  identityFiles: [],
  useAgent: false,
  connectTimeoutMs: 15_000,
  keepaliveIntervalMs: 15_000,
  keepaliveCountMax: 3,
  proxyCommand,
});

async function readAll(h: SshHop): Promise<string> {
  const s = proxyCommandStream(h);
  let out = '';
  s.on('data', (d: Buffer) => (out += d.toString()));
  await once(s, 'close');
  return out;
}

describe('ProxyCommand stream', () => {
  it('carries both directions and records how the command ended before the stream closes', async () => {
    const h = hop('sh -c \'read line; echo "got $line"; echo "bye" >&2; exit 3\'');
    const s = proxyCommandStream(h);
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString()));
    s.write('SSH-2.0-test\n');
    await once(s, 'close');
    expect(out).toBe('got SSH-2.0-test\n');
    expect(proxyExit(h)).toEqual({how: 'exited with status 3', stderr: 'bye'});
  });

  it('a command that cannot start is recorded as such', async () => {
    const h = hop('/nonexistent/kd-proxy-command %h');
    await readAll(h);
    expect(proxyExit(h)?.how).toBe('exited with status 127');
    expect(proxyExit(h)?.stderr).toMatch(/nonexistent/);
  });

  it('strips terminal escapes and bounds what the command wrote to stderr', async () => {
    const h = hop(`sh -c 'printf "\\033[31mred\\033[0m %0500d" 0 >&2'`);
    await readAll(h);
    const e = proxyExit(h)!.stderr;
    expect(e).not.toMatch(/\x1b/);
    expect(e.length).toBeLessThanOrEqual(201);
  });

  it('destroying the stream kills the command (and what it started)', async () => {
    const h = hop("sh -c 'sleep 6072 & wait'");
    const s = proxyCommandStream(h);
    const {execFileSync} = await import('node:child_process');
    const running = () => {
      try {
        return execFileSync('pgrep', ['-f', '^sleep 6072$'], {encoding: 'utf8'});
      } catch {
        return ''; // pgrep exits 1 when nothing matches
      }
    };
    for (let i = 0; i < 50 && running() === ''; i++) await new Promise((r) => setTimeout(r, 100));
    expect(running()).not.toBe('');
    s.destroy();
    await once(s, 'close');
    // The group got SIGTERM: give it a moment, then nothing of it is left.
    for (let i = 0; i < 50; i++) {
      if (running() === '') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('sleep 6072 still running');
  });

  it('messages: how it ended, what it printed, the command in the hint', async () => {
    const h = hop("sh -c 'echo denied >&2; exit 255'");
    await readAll(h);
    const e = closedBeforeBanner(h, '');
    expect(e.message).toBe('ProxyCommand for node-7 exited with status 255 before SSH began (its stderr: "denied")');
    expect(e.hint).toBe(
      "run it by hand to see why: sh -c 'echo denied >&2; exit 255' (it must connect its stdin and stdout to sshd on node-7.internal:2222; see ProxyCommand in your ssh_config)",
    );
    expect(closedBeforeBanner(hop('nc x 1'), 'HTTP/1.1 400').message).toBe('ProxyCommand for node-7 printed "HTTP/1.1 400" instead of an SSH banner');
    expect(timeoutError(hop('sleep 9'), 'handshake', 15_000)).toMatchObject({
      kind: 'timeout',
      message: 'ProxyCommand for node-7 did not speak SSH within 15 s',
    });
    // Once logged in, a timeout is the login's, as without a ProxyCommand.
    expect(timeoutError(hop('sleep 9'), 'auth', 15_000).message).toBe('logging in as root@node-7 did not finish within 15 s');
  });
});
