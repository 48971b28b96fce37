import {beforeAll, describe, expect, it} from 'vitest';
import check from '../../checks/node-identity.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {collected, notCollected} from '../../src/facts/types.js';
import type {Facts, KubeletArgv, RawSnapshot} from '../../src/facts/types.js';
import {ctx, makeFacts, rawFrom} from '../helpers/facts.js';
import {KUBEADM_FLAGS, argvOf, certAndKey, issue, kubeletConf, makeCA, tlsFacts} from '../helpers/certs.js';
import type {CertOptions, TestCA} from '../helpers/certs.js';

const KC = '/etc/kubernetes/kubelet.conf';
const CURRENT = '/var/lib/kubelet/pki/kubelet-client-current.pem';
const FLAGS_ENV = '/var/lib/kubelet/kubeadm-flags.env';

let ca: TestCA;
beforeAll(async () => {
  ca = await makeCA();
});

/** A bootstrapped worker whose client certificate has the given subject. */
async function worker(subject: Omit<CertOptions, 'key'>): Promise<RawSnapshot> {
  const c = await issue(ca, subject);
  return rawFrom({[KC]: kubeletConf({caData: ca.pem}), [CURRENT]: certAndKey(c)}, {records: {[CURRENT]: {keys: [{origin: CURRENT, spkiSha256: c.key.spkiSha256}]}}});
}

const hostnameFile = (name: string): Facts['hostname'] => collected({value: name, source: {file: '/etc/hostname', line: 1}, text: name});

function run(raw: RawSnapshot, hostname: Facts['hostname'], argv: KubeletArgv = argvOf(KUBEADM_FLAGS)): Verdict {
  const tls = tlsFacts(raw, collected(argv));
  const v = check.evaluate(makeFacts({...tls, hostname}), ctx);
  if (Array.isArray(v)) throw new Error('node-identity returns one verdict');
  return v;
}

describe('node-identity check', () => {
  it('passes when the lower-cased hostname matches the certificate CN and the group is system:nodes', async () => {
    const v = run(await worker({cn: 'system:node:node-1', o: ['system:nodes']}), hostnameFile('Node-1'));
    expect(v.status).toBe('pass');
    expect(v.summary).toBe('node name node-1 (hostname) matches the client certificate system:node:node-1, O=system:nodes');
    expect(v.evidence.map((e) => e.source)).toEqual([{file: '/etc/hostname', line: 1}, {file: CURRENT, line: 1}]);
  });

  it('fails when --hostname-override names another node than the certificate', async () => {
    const argv = argvOf({...KUBEADM_FLAGS, 'hostname-override': {value: 'Node-2', file: FLAGS_ENV, line: 1}});
    const v = run(await worker({cn: 'system:node:node-1', o: ['system:nodes']}), hostnameFile('node-1'), argv);
    expect(v.status).toBe('fail');
    expect(v.summary).toBe(
      'the kubelet registers as node "node-2" (--hostname-override) but its client certificate is for "system:node:node-1": the API server will refuse its Node updates (kubelet.md R5)',
    );
    expect(v.evidence.map((e) => e.source)).toEqual([{file: FLAGS_ENV, line: 1}, {file: CURRENT, line: 1}]);
    expect(v.evidence[1]?.text).toBe('subject=O=system:nodes, CN=system:node:node-1');
  });

  it('fails when the hostname changed since the node joined', async () => {
    const v = run(await worker({cn: 'system:node:node-1', o: ['system:nodes']}), hostnameFile('worker-7'));
    expect(v.status).toBe('fail');
    expect(v.summary).toContain('registers as node "worker-7" (hostname)');
    expect(v.evidence[0]?.source).toEqual({file: '/etc/hostname', line: 1});
  });

  it('fails a certificate outside the system:nodes group', async () => {
    const v = run(await worker({cn: 'system:node:node-1', o: ['system:masters']}), hostnameFile('node-1'));
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('the client certificate system:node:node-1 is not in the group system:nodes (O=system:nodes), so the Node authorizer does not treat it as a node');
    expect(v.evidence.map((e) => e.source)).toEqual([{file: CURRENT, line: 1}]);
  });

  it('skips a node that has not completed TLS bootstrap', () => {
    const raw = rawFrom({}, {records: {[KC]: {status: 'missing'}}});
    expect(run(raw, hostnameFile('node-1'))).toEqual({status: 'skip', summary: 'no kubelet client certificate: the node has not completed TLS bootstrap', evidence: []});
  });

  it('skips when the hostname was not collected and there is no --hostname-override', async () => {
    const v = run(await worker({cn: 'system:node:node-1', o: ['system:nodes']}), notCollected('/etc/hostname not read'));
    expect(v.status).toBe('skip');
    expect(v.summary).toBe('cannot tell the node name: no --hostname-override and the hostname was not collected (/etc/hostname not read)');
  });

  it('skips when the certificate facts were not collected', () => {
    const v = check.evaluate(makeFacts({certs: notCollected('kubelet unit not found'), hostname: hostnameFile('node-1')}), ctx);
    expect(v).toEqual({status: 'skip', summary: 'kubelet unit not found', evidence: []});
  });
});
