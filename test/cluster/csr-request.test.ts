import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {execFileSync} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {requestedCommonName} from '../../src/cluster/csr-request.js';

let dir: string;
let key: string;

/** A PEM request made by openssl, as the kubelet's would look. */
const opensslRequest = (subj: string, ...extra: string[]) => execFileSync('openssl', ['req', '-new', '-subj', subj, '-key', key, ...extra], {encoding: 'utf8'});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-csr-'));
  key = join(dir, 'key.pem');
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('the CN a CSR asks for', () => {
  it('reads the subject CN of a PEM request, given base64 as the API sends it', () => {
    const pem = opensslRequest('/O=system:nodes/CN=system:node:node-7');
    expect(requestedCommonName(Buffer.from(pem).toString('base64'))).toBe('system:node:node-7');
  });

  it('reads a DER request, and a UTF8String CN', () => {
    const der = execFileSync('openssl', ['req', '-new', '-utf8', '-subj', '/CN=système:node:nœud/O=system:nodes', '-key', key, '-outform', 'DER']);
    expect(requestedCommonName(der)).toBe('système:node:nœud');
  });

  it('is null without a CN, and for anything that is not a request', () => {
    expect(requestedCommonName(Buffer.from(opensslRequest('/O=system:nodes')).toString('base64'))).toBeNull();
    expect(requestedCommonName('')).toBeNull();
    expect(requestedCommonName(null)).toBeNull();
    expect(requestedCommonName(Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n').toString('base64'))).toBeNull();
    expect(requestedCommonName(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00]))).toBeNull();
    expect(requestedCommonName('bm90IGEgcmVxdWVzdA==')).toBeNull();
  });
});
