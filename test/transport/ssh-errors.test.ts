import {describe, it, expect} from 'vitest';
import {TargetError} from '../../src/errors.js';
import type {SshHop} from '../../src/targets/types.js';
import {newAuthLog} from '../../src/transport/ssh-auth.js';
import {connectError, timeoutError, viaJump} from '../../src/transport/ssh-errors.js';

const hop: SshHop = {
  alias: 'node-7',
  host: 'node-7.example.com',
  port: 22,
  user: 'root',
  identityFiles: [],
  useAgent: true,
  connectTimeoutMs: 15_000,
  keepaliveIntervalMs: 15_000,
  keepaliveCountMax: 3,
};
const err = (message: string, props: {code?: string; level?: string}) => Object.assign(new Error(message), props);
const map = (e: Error, phase: 'tcp' | 'handshake' | 'auth' = 'tcp') => connectError(e, hop, phase, newAuthLog(), null, 15_000);

describe('SSH connection errors as the operator reads them', () => {
  it.each([
    ['ECONNREFUSED', 'unreachable', 'connection refused by node-7.example.com:22'],
    ['ENOTFOUND', 'unreachable', 'cannot resolve host name node-7.example.com: no such host'],
    ['EAI_AGAIN', 'unreachable', 'cannot resolve host name node-7.example.com: DNS lookup failed (temporary failure)'],
    ['EHOSTUNREACH', 'unreachable', 'no route to node-7.example.com:22'],
    ['ETIMEDOUT', 'timeout', 'no answer from node-7.example.com:22 within 15 s (connect timed out)'],
    ['ECONNRESET', 'unreachable', 'node-7.example.com:22 closed the connection during the SSH handshake'],
  ])('%s → %s: %s', (code, kind, message) => {
    const e = map(err(`connect ${code}`, {code, level: 'client-socket'}));
    expect(e).toBeInstanceOf(TargetError);
    expect([e.kind, e.message]).toEqual([kind, message]);
    expect(e.hint).toBeTruthy();
  });

  it('says what a connect+auth timeout means at each phase', () => {
    const t = err('Timed out while waiting for handshake', {level: 'client-timeout'});
    expect(map(t, 'tcp').message).toBe('no answer from node-7.example.com:22 within 15 s (connect timed out)');
    expect(map(t, 'handshake').message).toBe('node-7.example.com:22 accepted the connection but did not speak SSH within 15 s');
    expect(map(t, 'auth').message).toBe('logging in as root@node-7 did not finish within 15 s');
    expect(timeoutError(hop, 'auth', 400).message).toBe('logging in as root@node-7 did not finish within 1 s');
  });

  it('names what authentication tried', () => {
    const log = {...newAuthLog(), tried: ['agent', '~/.ssh/id_ed25519'], encrypted: ['~/.ssh/id_rsa'], serverMethods: ['publickey']};
    const e = connectError(err('All configured authentication methods failed', {level: 'client-authentication'}), hop, 'auth', log, null, 15_000);
    expect(e.kind).toBe('auth');
    expect(e.message).toBe(
      'permission denied (publickey) for root@node-7: tried agent, ~/.ssh/id_ed25519; skipped ~/.ssh/id_rsa is encrypted (ssh-add ~/.ssh/id_rsa)',
    );
  });

  it('says so when the server takes no keys at all', () => {
    const log = {...newAuthLog(), serverMethods: ['password', 'keyboard-interactive']};
    const e = connectError(err('All configured authentication methods failed', {level: 'client-authentication'}), hop, 'auth', log, null, 15_000);
    expect(e.message).toBe('root@node-7 does not accept public keys (it allows: password,keyboard-interactive)');
  });

  it("prefers the host-key verdict over ssh2's generic refusal", () => {
    const verdict = new TargetError('host-key', 'HOST KEY CHANGED for node-7.example.com: …');
    expect(connectError(err('Host denied (verification failed)', {level: 'handshake'}), hop, 'handshake', newAuthLog(), verdict, 15_000)).toBe(verdict);
  });

  it('prefixes failures of a jump host with its name', () => {
    const e = viaJump(new TargetError('unreachable', 'connection refused by bastion:22', 'is sshd running?'), {...hop, alias: 'bastion'}, true);
    expect(e.message).toBe('jump host bastion: connection refused by bastion:22');
    expect(e.hint).toBe('is sshd running?');
  });
});
