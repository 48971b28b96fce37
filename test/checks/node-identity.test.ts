import {beforeAll, describe, expect, it} from 'vitest';
import check from '../../checks/node-identity.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {collected, notCollected} from '../../src/facts/types.js';
import type {Facts, KubeletArgv, RawSnapshot} from '../../src/facts/types.js';
import {ctx, makeFacts, rawFrom} from '../helpers/facts.js';
import {KUBEADM_FLAGS, argvOf, certAndKey, issue, kubeletConf, makeCA, tlsFacts} from '../helpers/certs.js';
import {clusterFacts, nodeView} from './cluster-fixtures.js';
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
  return rawFrom(
    {[KC]: kubeletConf({caData: ca.pem}), [CURRENT]: certAndKey(c)},
    {records: {[CURRENT]: {keys: [{origin: CURRENT, spkiSha256: c.key.spkiSha256}]}}},
  );
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
    expect(v.evidence.map((e) => e.source)).toEqual([
      {file: '/etc/hostname', line: 1},
      {file: CURRENT, line: 1},
    ]);
  });

  it('fails when --hostname-override names another node than the certificate', async () => {
    const argv = argvOf({...KUBEADM_FLAGS, 'hostname-override': {value: 'Node-2', file: FLAGS_ENV, line: 1}});
    const v = run(await worker({cn: 'system:node:node-1', o: ['system:nodes']}), hostnameFile('node-1'), argv);
    expect(v.status).toBe('fail');
    expect(v.summary).toBe(
      'the kubelet registers as node "node-2" (--hostname-override) but its client certificate is for "system:node:node-1": the API server will refuse its Node updates (kubelet.md R5)',
    );
    expect(v.evidence.map((e) => e.source)).toEqual([
      {file: FLAGS_ENV, line: 1},
      {file: CURRENT, line: 1},
    ]);
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
    expect(v.summary).toBe(
      'the client certificate system:node:node-1 is not in the group system:nodes (O=system:nodes), so the Node authorizer does not treat it as a node',
    );
    expect(v.evidence.map((e) => e.source)).toEqual([{file: CURRENT, line: 1}]);
  });

  it('skips a node that has not completed TLS bootstrap', () => {
    const raw = rawFrom({}, {records: {[KC]: {status: 'missing'}}});
    expect(run(raw, hostnameFile('node-1'))).toEqual({
      status: 'skip',
      summary: 'no kubelet client certificate: the node has not completed TLS bootstrap',
      evidence: [],
    });
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

describe('node-identity with the cluster view', () => {
  const NODE = {command: 'GET /api/v1/nodes/node-1'};
  async function runWith(cluster: Facts['cluster'], argv: KubeletArgv = argvOf(KUBEADM_FLAGS)): Promise<Verdict[]> {
    const tls = tlsFacts(await worker({cn: 'system:node:node-1', o: ['system:nodes']}), collected(argv));
    return [check.evaluate(makeFacts({...tls, hostname: hostnameFile('node-1'), cluster}), ctx)].flat();
  }

  it('adds a pass when the Node of the registration name exists, with its addresses', async () => {
    const out = await runWith(collected(clusterFacts()));
    expect(out.map((v) => v.status)).toEqual(['pass', 'pass']);
    expect(out[1]).toEqual({
      status: 'pass',
      summary: 'the Node "node-1" is registered (InternalIP=10.0.0.11 Hostname=node-1)',
      evidence: [{source: NODE, text: 'status.addresses: InternalIP=10.0.0.11 Hostname=node-1'}],
    });
  });

  it('warns when the cluster has no Node of that name', async () => {
    const out = await runWith(collected(clusterFacts({node: collected(null)})));
    expect(out[1]).toEqual({
      status: 'warn',
      summary: 'no Node named "node-1" in the cluster: the kubelet has not registered under the name it uses (see node-status)',
      evidence: [{source: NODE, text: '404 NotFound: nodes "node-1" not found'}],
    });
  });

  it('warns when the Node reports another hostname', async () => {
    const node = nodeView({
      addresses: [
        {type: 'InternalIP', address: '10.0.0.11'},
        {type: 'Hostname', address: 'old-name'},
      ],
    });
    const out = await runWith(collected(clusterFacts({node: collected(node)})));
    expect(out[1]?.status).toBe('warn');
    expect(out[1]?.summary).toMatch(/^the Node "node-1" reports the hostname "old-name", not "node-1"/);
  });

  it("warns when --node-ip is not among the Node's InternalIPs", async () => {
    const argv = argvOf({...KUBEADM_FLAGS, 'node-ip': {value: '10.0.0.99', file: FLAGS_ENV, line: 1}});
    const out = await runWith(collected(clusterFacts()), argv);
    expect(out[1]?.status).toBe('warn');
    expect(out[1]?.summary).toMatch(/^the kubelet's --node-ip is 10\.0\.0\.99 but the Node "node-1" reports InternalIP 10\.0\.0\.11/);
    expect(out[1]?.evidence[0]?.source).toEqual({file: FLAGS_ENV, line: 1});
  });

  it('keeps the single verdict when the cluster was not reached', async () => {
    const out = await runWith(notCollected('no --kubeconfig given'));
    expect(out.map((v) => v.status)).toEqual(['pass']);
  });
});
