/**
 * OpenSSH certificates as ssh-keygen writes them: parsed, the CA signature checked for ed25519,
 * ECDSA and RSA CAs, a tampered certificate refused, and the checks ssh(1) makes on a host
 * certificate (type, key, validity, principals).
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {execFile} from 'node:child_process';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {certificateProblem, parseCertificate, verifySshSignature} from '../../src/transport/host-cert.js';
import {makeKey} from '../helpers/sshd.js';

const run = promisify(execFile);
let dir: string;

const blobOf = async (pubFile: string) => Buffer.from((await readFile(pubFile, 'utf8')).trim().split(/\s+/)[1]!, 'base64');

/** Sign `key`.pub with `ca` (extra ssh-keygen flags), return the certificate blob. */
async function sign(ca: string, key: string, flags: string[]): Promise<Buffer> {
  await run('ssh-keygen', ['-q', '-s', ca, '-I', 'test-id', ...flags, `${key}.pub`]);
  return blobOf(`${key}-cert.pub`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-hostcert-'));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('OpenSSH certificates', () => {
  for (const caType of ['ed25519', 'ecdsa', 'rsa'] as const) {
    it(`verifies a host certificate signed by an ${caType} CA, and refuses it tampered`, async () => {
      const ca = await makeKey(join(dir, `ca_${caType}`), caType);
      const host = await makeKey(join(dir, `host_for_${caType}`), 'ed25519');
      const blob = await sign(ca, host, ['-h', '-n', 'node-1.example,10.0.0.1']);
      const cert = parseCertificate(blob);
      expect(cert).toMatchObject({certType: 'ssh-ed25519-cert-v01@openssh.com', type: 2, keyId: 'test-id', principals: ['node-1.example', '10.0.0.1']});
      expect(cert.key.equals(await blobOf(`${host}.pub`))).toBe(true);
      expect(cert.signatureKey.equals(await blobOf(`${ca}.pub`))).toBe(true);
      expect(verifySshSignature(cert.signatureKey, cert.signed, cert.signature)).toBeNull();
      // One principal changed after signing: the signature no longer holds.
      const tampered = Buffer.from(blob);
      const at = tampered.indexOf('node-1.example');
      tampered[at] = 'm'.charCodeAt(0);
      const t = parseCertificate(tampered);
      expect(t.principals[0]).toBe('mode-1.example');
      expect(verifySshSignature(t.signatureKey, t.signed, t.signature)).toBe('the CA signature does not verify');
    });
  }

  it('judges type, key, validity and principals as ssh(1) does', async () => {
    const ca = await makeKey(join(dir, 'ca2'), 'ed25519');
    const host = await makeKey(join(dir, 'host2'), 'ecdsa');
    const other = await makeKey(join(dir, 'other2'), 'ed25519');
    const sessionKey = await blobOf(`${host}.pub`);
    const now = BigInt(Math.floor(Date.now() / 1000));
    const hostCert = parseCertificate(await sign(ca, host, ['-h', '-n', 'node-1.example', '-V', '20200101:20991231']));
    expect(hostCert.certType).toBe('ecdsa-sha2-nistp256-cert-v01@openssh.com');
    expect(certificateProblem(hostCert, {host: 'NODE-1.example', sessionKey, now})).toBeNull();
    expect(certificateProblem(hostCert, {host: 'node-2.example', sessionKey, now})).toBe('node-2.example is not among its principals (node-1.example)');
    expect(certificateProblem(hostCert, {host: 'node-1.example', sessionKey: await blobOf(`${other}.pub`), now})).toMatch(
      /^it certifies SHA256:\S+, not the key the connection proved/,
    );
    expect(certificateProblem(hostCert, {host: 'node-1.example', sessionKey, now: 1577836800n - 86400n})).toMatch(
      /^it is not valid yet \(valid from 2020-01-01/,
    );
    expect(certificateProblem(hostCert, {host: 'node-1.example', sessionKey, now: 4102444800n})).toMatch(/^it expired \(valid until 2099-12-31/);
    // A user certificate is not a host certificate; no principals names any host (as OpenSSH).
    const userCert = parseCertificate(await sign(ca, host, ['-n', 'root']));
    expect(certificateProblem(userCert, {host: 'node-1.example', sessionKey, now})).toBe('it is a user certificate, not a host certificate');
    const anyHost = parseCertificate(await sign(ca, host, ['-h']));
    expect(anyHost.principals).toEqual([]);
    expect(certificateProblem(anyHost, {host: 'whatever', sessionKey, now})).toBeNull();
  });

  it('refuses what is not a certificate, or is cut short', () => {
    expect(() => parseCertificate(Buffer.from('\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20', 'latin1'))).toThrow(/not an OpenSSH certificate type/);
    expect(() => parseCertificate(Buffer.from('\x00\x00\x00\x20ssh-ed25519-cert-v01@openssh.com\x00\x00', 'latin1'))).toThrow(/truncated/);
  });
});
