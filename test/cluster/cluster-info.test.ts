import {describe, it, expect, beforeAll} from 'vitest';
import {parseClusterInfo} from '../../src/cluster/cluster-info.js';
import {createClusterCa, type ClusterCa} from '../../src/lab/pki.js';

let ca: ClusterCa;
let other: ClusterCa;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const kubeconfig = (cluster: string[]) => ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: ""', '  cluster:', ...cluster.map((l) => `    ${l}`), ''].join('\n');

beforeAll(async () => {
  ca = await createClusterCa(new Date());
  other = await createClusterCa(new Date());
});

describe('reading cluster-info', () => {
  it('reads the server, every CA with its pin, and the signing token ids', () => {
    const v = parseClusterInfo({
      kubeconfig: kubeconfig([`server: https://10.0.0.1:6443`, `certificate-authority-data: ${b64(ca.certPem + other.certPem)}`]),
      'jws-kubeconfig-abcdef': 'e30..sig', 'jws-kubeconfig-012345': 'e30..sig',
    });
    expect(v).toEqual({
      server: 'https://10.0.0.1:6443',
      cas: [
        {subject: 'CN=kubernetes', notAfter: ca.cert.notAfter.toISOString(), pin: `sha256:${ca.spkiSha256}`},
        {subject: 'CN=kubernetes', notAfter: other.cert.notAfter.toISOString(), pin: `sha256:${other.spkiSha256}`},
      ],
      jwsTokenIds: ['012345', 'abcdef'],
      error: null,
    });
  });

  it('says what is wrong with it', () => {
    expect(parseClusterInfo({}).error).toBe('cluster-info has no kubeconfig key');
    expect(parseClusterInfo(undefined).error).toBe('cluster-info has no kubeconfig key');
    expect(parseClusterInfo({kubeconfig: 'clusters: [unclosed'}).error).toMatch(/^its kubeconfig is not YAML \(/);
    expect(parseClusterInfo({kubeconfig: 'kind: Config\n'}).error).toBe('its kubeconfig names no cluster');
    expect(parseClusterInfo({kubeconfig: kubeconfig(['server: https://x:6443', 'certificate-authority: /etc/kubernetes/pki/ca.crt'])}))
      .toMatchObject({server: 'https://x:6443', error: 'its kubeconfig names a CA file, not certificate-authority-data'});
    expect(parseClusterInfo({kubeconfig: kubeconfig(['server: https://x:6443', `certificate-authority-data: ${b64('junk')}`])}))
      .toMatchObject({cas: [], error: 'its certificate-authority-data holds no readable certificate'});
  });
});
