import {beforeAll, describe, expect, it} from 'vitest';
import check from '../../checks/cert-expiry.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {collected} from '../../src/facts/types.js';
import type {KubeletConfigFacts, RawSnapshot} from '../../src/facts/types.js';
import type {RawOptions} from '../helpers/facts.js';
import {NOW, ctx, makeFacts, rawFrom} from '../helpers/facts.js';
import {CONFIG, KUBEADM_FLAGS, argvOf, certAndKey, configOf, days, issue, kubeletConf, makeCA, tlsFacts} from '../helpers/certs.js';
import type {TestCA, TestCert} from '../helpers/certs.js';

const KC = '/etc/kubernetes/kubelet.conf';
const PKI = '/var/lib/kubelet/pki';
const CURRENT = `${PKI}/kubelet-client-current.pem`;
const DATED = `${PKI}/kubelet-client-2026-01-01-00-00-00.pem`;
const CA_CRT = '/etc/kubernetes/pki/ca.crt';
const SERVING = `${PKI}/kubelet.crt`;

let ca: TestCA;
let client: TestCert;
let serving: string;
beforeAll(async () => {
  ca = await makeCA();
  client = await issue(ca, {
    cn: 'system:node:node-1',
    o: ['system:nodes'],
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2027-01-01T00:00:00Z'),
  });
  // client-go GenerateSelfSignedCertKey: kubelet.crt holds the serving cert, then its own "<host>-ca@<ts>" CA.
  const hostCA = await makeCA({cn: 'node-1-ca@1767225600', notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-03-01T00:00:00Z')});
  serving =
    (await issue(hostCA, {cn: 'node-1@1767225600', notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-03-01T00:00:00Z')})).pem + hostCA.pem;
});

/** A kubeadm worker: kubelet.conf → symlinked client cert, /etc/kubernetes/pki/ca.crt, self-signed kubelet.crt. */
function worker(o: {client?: TestCert; files?: Record<string, string>; records?: RawOptions['records']} = {}): RawSnapshot {
  const c = o.client ?? client;
  return rawFrom(
    {[KC]: kubeletConf({caData: ca.pem}), [CURRENT]: certAndKey(c), [DATED]: certAndKey(c), [CA_CRT]: ca.pem, [SERVING]: serving, ...o.files},
    {records: {[CURRENT]: {realPath: DATED, keys: [{origin: CURRENT, spkiSha256: c.key.spkiSha256}]}, ...o.records}},
  );
}

const kubeadmCfg = (extra: Parameters<typeof configOf>[0] = {}): KubeletConfigFacts =>
  configOf({'authentication.x509.clientCAFile': {value: CA_CRT, line: 11}, rotateCertificates: {value: true, line: 30}, ...extra});

const run = (raw: RawSnapshot, cfg: KubeletConfigFacts = kubeadmCfg()): Verdict[] => {
  const v = check.evaluate(makeFacts(tlsFacts(raw, collected(argvOf(KUBEADM_FLAGS)), collected(cfg))), ctx);
  return Array.isArray(v) ? v : [v];
};
const sources = (v: Verdict | undefined) => v?.evidence.map((e) => e.source);

describe('cert-expiry check', () => {
  it('passes when every certificate is valid, naming the first to expire and listing each one', () => {
    const [v, ...rest] = run(worker());
    expect(rest).toEqual([]);
    expect(v?.status).toBe('pass');
    expect(v?.summary).toBe('4 certificates valid; the first to expire is the kubelet client certificate on 2027-01-01 (in 214 days)');
    expect(sources(v)).toEqual([
      {file: CURRENT, line: 1},
      {file: SERVING, line: 1},
      {file: SERVING, line: 10},
      {file: KC, line: 4},
    ]);
    expect(v?.evidence[0]?.text).toBe(
      'subject=O=system:nodes, CN=system:node:node-1 notBefore=2026-01-01T00:00:00.000Z notAfter=2027-01-01T00:00:00.000Z (→ kubelet-client-2026-01-01-00-00-00.pem)',
    );
  });

  it('fails an expired client certificate and says how many days ago it expired', async () => {
    const old = await issue(ca, {
      cn: 'system:node:node-1',
      o: ['system:nodes'],
      notBefore: new Date('2025-05-20T00:00:00Z'),
      notAfter: new Date('2026-05-20T00:00:00Z'),
    });
    const [v, ...rest] = run(worker({client: old}));
    expect(rest).toEqual([]);
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(
      'kubelet client certificate expired 12 days ago (notAfter 2026-05-20T00:00:00.000Z); rotation is on but has not renewed it: look for certificate_manager errors in the kubelet log and Pending CSRs',
    );
    expect(sources(v)).toEqual([
      {file: CURRENT, line: 1},
      {file: CONFIG, line: 30},
    ]);
  });

  it('fails a certificate that is not valid yet and points at the node clock', async () => {
    const future = await issue(ca, {cn: 'system:node:node-1', o: ['system:nodes'], notBefore: days(NOW, 3), notAfter: days(NOW, 368)});
    const [v] = run(worker({client: future}));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(
      'kubelet client certificate is not valid until 2026-06-04T00:00:00.000Z (in 3 days): the node clock may be wrong (check date and NTP)',
    );
    expect(sources(v)).toEqual([{file: CURRENT, line: 1}]);
  });

  it('warns about a client certificate expiring within 30 days and says rotation is off', async () => {
    const soon = await issue(ca, {cn: 'system:node:node-1', o: ['system:nodes'], notBefore: days(NOW, -345), notAfter: days(NOW, 20)});
    const [v] = run(worker({client: soon}), kubeadmCfg({rotateCertificates: {value: false, line: 30}}));
    expect(v?.status).toBe('warn');
    expect(v?.summary).toBe(
      'kubelet client certificate expires in 20 days (notAfter 2026-06-21T00:00:00.000Z); certificate rotation is off (rotateCertificates: false), so the kubelet will not renew it',
    );
    expect(sources(v)).toEqual([
      {file: CURRENT, line: 1},
      {file: CONFIG, line: 30},
    ]);
  });

  it('names a CA used in two roles once, with both roles', async () => {
    const oldCA = await makeCA({notBefore: days(NOW, -3640), notAfter: days(NOW, 10)});
    const c = await issue(oldCA, {cn: 'system:node:node-1', o: ['system:nodes']});
    const raw = worker({client: c, files: {[KC]: kubeletConf({caData: oldCA.pem}), [CA_CRT]: oldCA.pem}});
    const [v, ...rest] = run(raw);
    expect(rest).toEqual([]);
    expect(v?.status).toBe('warn');
    expect(v?.summary).toBe(`kubeconfig CA / client CA certificate "kubernetes" expires in 10 days (notAfter ${days(NOW, 10).toISOString()})`);
    expect(sources(v)).toEqual([{file: KC, line: 4}]);
  });

  it('fails a client certificate that another CA signed', async () => {
    const foreign = await issue(await makeCA({cn: 'other-cluster'}), {cn: 'system:node:node-1', o: ['system:nodes']});
    const [v] = run(worker({client: foreign}));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(
      "kubelet client certificate is not signed by the kubeconfig CA: issuer CN=other-cluster is not the kubeconfig CA CN=kubernetes; the node's credentials belong to another cluster (kubelet.md R8)",
    );
    expect(sources(v)).toEqual([
      {file: CURRENT, line: 1},
      {file: KC, line: 4},
    ]);
  });

  it('fails an expired self-signed serving certificate (leaf and its CA, named by CN) and says how to regenerate it', async () => {
    const hostCA = await makeCA({cn: 'node-1-ca@1700000000', notBefore: new Date('2023-11-14T00:00:00Z'), notAfter: new Date('2024-11-14T00:00:00Z')});
    const leaf = await issue(hostCA, {cn: 'node-1@1700000000', notBefore: new Date('2023-11-14T00:00:00Z'), notAfter: new Date('2024-11-14T00:00:00Z')});
    const verdicts = run(worker({files: {[SERVING]: leaf.pem + hostCA.pem}}));
    expect(verdicts.map((v) => v.status)).toEqual(['fail', 'fail']);
    expect(verdicts[0]?.summary).toBe(
      'kubelet serving certificate "node-1@1700000000" expired 564 days ago (notAfter 2024-11-14T00:00:00.000Z); the kubelet never renews its self-signed certificate: delete kubelet.crt and kubelet.key and restart it',
    );
    expect(verdicts[1]?.summary).toMatch(/^kubelet serving certificate "node-1-ca@1700000000" expired 564 days ago/);
    expect(sources(verdicts[0])).toEqual([{file: SERVING, line: 1}]);
  });

  it('warns when a certificate file is garbage, at the file and line', () => {
    const [v] = run(worker({files: {[CA_CRT]: 'not a certificate\n'}}));
    expect(v?.status).toBe('warn');
    expect(v?.summary).toBe(`cannot read the client CA certificate ${CA_CRT}: no PEM certificate found`);
    expect(sources(v)).toEqual([
      {file: CONFIG, line: 11},
      {file: CA_CRT, line: 1},
    ]);
  });

  it('fails when the configured clientCAFile does not exist', () => {
    const raw = worker({records: {[CA_CRT]: {status: 'missing', content: undefined}}});
    const [v] = run(raw);
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(`the client CA certificate ${CA_CRT} does not exist`);
    expect(sources(v)).toEqual([{file: CONFIG, line: 11}, {file: CA_CRT}]);
  });

  it('warns that serverTLSBootstrap has not produced a serving certificate yet', () => {
    const raw = worker({records: {[`${PKI}/kubelet-server-current.pem`]: {status: 'missing'}}});
    const [v] = run(raw, kubeadmCfg({serverTLSBootstrap: {value: true, line: 35}}));
    expect(v?.status).toBe('warn');
    expect(v?.summary).toBe(
      `no serving certificate yet: ${PKI}/kubelet-server-current.pem does not exist; approve the node's kubernetes.io/kubelet-serving CSR (kubectl get csr)`,
    );
    expect(sources(v)).toEqual([{file: CONFIG, line: 35}, {file: `${PKI}/kubelet-server-current.pem`}]);
  });

  it('skips when the certificate facts were not collected', () => {
    const v = check.evaluate(makeFacts({certs: {collected: false, reason: 'kubelet unit not found'}}), ctx);
    expect(v).toEqual({status: 'skip', summary: 'kubelet unit not found', evidence: []});
  });
});
