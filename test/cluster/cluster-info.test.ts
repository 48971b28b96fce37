import {describe, it, expect, beforeAll} from 'vitest';
import {parseClusterInfo, verifyDetachedJws} from '../../src/cluster/cluster-info.js';
import {detachedJws} from '../helpers/apiserver.js';
import {createClusterCa, type ClusterCa} from '../../src/lab/pki.js';

let ca: ClusterCa;
let other: ClusterCa;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const kubeconfig = (cluster: string[]) =>
  ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: ""', '  cluster:', ...cluster.map((l) => `    ${l}`), ''].join('\n');

beforeAll(async () => {
  ca = await createClusterCa(new Date());
  other = await createClusterCa(new Date());
});

describe('reading cluster-info', () => {
  it('reads the server, every CA with its pin, and the signing token ids', () => {
    const v = parseClusterInfo({
      kubeconfig: kubeconfig([`server: https://10.0.0.1:6443`, `certificate-authority-data: ${b64(ca.certPem + other.certPem)}`]),
      'jws-kubeconfig-abcdef': 'e30..sig',
      'jws-kubeconfig-012345': 'e30..sig',
    });
    expect(v).toEqual({
      server: 'https://10.0.0.1:6443',
      cas: [
        {subject: 'CN=kubernetes', notAfter: ca.cert.notAfter.toISOString(), pin: `sha256:${ca.spkiSha256}`},
        {subject: 'CN=kubernetes', notAfter: other.cert.notAfter.toISOString(), pin: `sha256:${other.spkiSha256}`},
      ],
      jwsTokenIds: ['012345', 'abcdef'],
      jwsValidForJoin: null,
      error: null,
    });
  });

  it('says what is wrong with it', () => {
    expect(parseClusterInfo({}).error).toBe('cluster-info has no kubeconfig key');
    expect(parseClusterInfo(undefined).error).toBe('cluster-info has no kubeconfig key');
    expect(parseClusterInfo({kubeconfig: 'clusters: [unclosed'}).error).toMatch(/^its kubeconfig is not YAML \(/);
    expect(parseClusterInfo({kubeconfig: 'kind: Config\n'}).error).toBe('its kubeconfig names no cluster');
    expect(parseClusterInfo({kubeconfig: kubeconfig(['server: https://x:6443', 'certificate-authority: /etc/kubernetes/pki/ca.crt'])})).toMatchObject({
      server: 'https://x:6443',
      error: 'its kubeconfig names a CA file, not certificate-authority-data',
    });
    expect(parseClusterInfo({kubeconfig: kubeconfig(['server: https://x:6443', `certificate-authority-data: ${b64('junk')}`])})).toMatchObject({
      cas: [],
      error: 'its certificate-authority-data holds no readable certificate',
    });
  });
});

describe('verifying cluster-info signatures with the join token', () => {
  const content = 'apiVersion: v1\nkind: Config\n';
  it('accepts the BootstrapSigner signature made with the secret, refuses another secret or a tampered document', () => {
    const jws = detachedJws(content, 'abcdef', '0123456789abcdef');
    expect(verifyDetachedJws(jws, content, '0123456789abcdef')).toBe(true);
    expect(verifyDetachedJws(jws, content, 'ffffffffffffffff')).toBe(false);
    expect(verifyDetachedJws(jws, `${content}# changed\n`, '0123456789abcdef')).toBe(false);
    expect(verifyDetachedJws('not-a-jws', content, '0123456789abcdef')).toBe(false);
  });
  it('records the verdict for the join token id only', () => {
    const data = {kubeconfig: content, 'jws-kubeconfig-abcdef': detachedJws(content, 'abcdef', '0123456789abcdef')};
    expect(parseClusterInfo(data, {tokenId: 'abcdef', tokenSecret: '0123456789abcdef'}).jwsValidForJoin).toBe(true);
    expect(parseClusterInfo(data, {tokenId: 'abcdef', tokenSecret: 'x'.repeat(16)}).jwsValidForJoin).toBe(false);
    expect(parseClusterInfo(data, {tokenId: 'zzzzzz', tokenSecret: 'x'.repeat(16)}).jwsValidForJoin).toBeNull();
    expect(parseClusterInfo(data).jwsValidForJoin).toBeNull();
  });
});
