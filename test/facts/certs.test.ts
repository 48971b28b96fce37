import {beforeAll, describe, expect, it} from 'vitest';
import {buildCerts} from '../../src/facts/pki/certs.js';
import type {CertEntry, CertFacts, CertRole} from '../../src/facts/pki/certs.js';
import {buildKubeconfig} from '../../src/facts/kubeconfig/kubeconfig.js';
import {collected, notCollected} from '../../src/facts/types.js';
import type {Collected, KubeletArgv, KubeletConfigFacts, RawSnapshot} from '../../src/facts/types.js';
import type {RawOptions} from '../helpers/facts.js';
import {rawFrom} from '../helpers/facts.js';
import {CONFIG, KUBEADM_FLAGS, REDACTED_KEY, argvOf, certAndKey, configOf, days, issue, kubeletConf, makeCA, makeKey} from '../helpers/certs.js';
import type {TestCA, TestCert} from '../helpers/certs.js';

const KC = '/etc/kubernetes/kubelet.conf';
const PKI = '/var/lib/kubelet/pki';
const CURRENT = `${PKI}/kubelet-client-current.pem`;
const DATED = `${PKI}/kubelet-client-2026-01-01-00-00-00.pem`;
const CA_CRT = '/etc/kubernetes/pki/ca.crt';

let ca: TestCA;
let otherCA: TestCA;
let client: TestCert;
beforeAll(async () => {
  ca = await makeCA();
  otherCA = await makeCA({cn: 'kubernetes'});
  client = await issue(ca, {
    cn: 'system:node:node-1',
    o: ['system:nodes'],
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2027-01-01T00:00:00Z'),
  });
});

const kubeadmArgv = collected(argvOf(KUBEADM_FLAGS));
const kubeadmConfig = (): KubeletConfigFacts =>
  configOf({'authentication.x509.clientCAFile': {value: CA_CRT, line: 11}, rotateCertificates: {value: true, line: 30}});

function build(raw: RawSnapshot, cfg: Collected<KubeletConfigFacts> = collected(kubeadmConfig()), argv: Collected<KubeletArgv> = kubeadmArgv): CertFacts {
  const out = buildCerts(raw, buildKubeconfig(raw, argv), cfg, argv);
  if (!out.collected) throw new Error(out.reason);
  return out.value;
}
const role = (f: CertFacts, r: CertRole): CertEntry | undefined => f.entries.find((e) => e.role === r);

/** A kubeadm worker after TLS bootstrap; `keySpki` is what the probe saw for the client key. */
function worker(o: {keySpki?: string | null; reason?: string; files?: Record<string, string>; records?: RawOptions['records']} = {}): RawSnapshot {
  const spki = o.keySpki === undefined ? client.key.spkiSha256 : o.keySpki;
  return rawFrom(
    {[KC]: kubeletConf({caData: ca.pem}), [CURRENT]: certAndKey(client), [DATED]: certAndKey(client), [CA_CRT]: ca.pem, ...o.files},
    {records: {[CURRENT]: {realPath: DATED, keys: [{origin: CURRENT, spkiSha256: spki, ...(o.reason ? {reason: o.reason} : {})}]}, ...o.records}},
  );
}

describe('buildCerts', () => {
  it('reads the symlinked client certificate with its target, subject, validity, fingerprints and key match', () => {
    const c = role(build(worker()), 'kubelet-client');
    expect(c).toMatchObject({path: CURRENT, realPath: DATED, status: 'ok', ref: {source: {file: KC, line: 19}}});
    expect(c?.certs).toHaveLength(1);
    expect(c?.certs[0]).toMatchObject({
      subject: 'O=system:nodes, CN=system:node:node-1',
      issuer: 'CN=kubernetes',
      commonName: 'system:node:node-1',
      organizations: ['system:nodes'],
      notBefore: '2026-01-01T00:00:00.000Z',
      notAfter: '2027-01-01T00:00:00.000Z',
      spkiSha256: client.key.spkiSha256,
      isCA: false,
      source: {file: CURRENT, line: 1},
      text: '-----BEGIN CERTIFICATE-----',
    });
    expect(c?.certs[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(c?.key).toMatchObject({status: 'match', keyOrigin: CURRENT, source: {file: KC, line: 20}});
    expect(c?.chain).toMatchObject({status: 'verified', ca: {subject: 'CN=kubernetes', source: {file: KC, line: 4}}});
  });

  it('lists the kubeconfig CA, the client CA file and the default self-signed serving certificate', () => {
    const f = build(worker({records: {[`${PKI}/kubelet.crt`]: {status: 'missing'}}}));
    expect(f.entries.map((e) => e.role)).toEqual(['kubelet-client', 'kubeconfig-ca', 'kubelet-serving', 'client-ca']);
    expect(role(f, 'kubeconfig-ca')).toMatchObject({path: null, status: 'ok', certs: [{isCA: true, source: {file: KC, line: 4}}]});
    expect(role(f, 'client-ca')).toMatchObject({path: CA_CRT, ref: {source: {file: CONFIG, line: 11}}, certs: [{commonName: 'kubernetes'}]});
    expect(role(f, 'kubelet-serving')).toMatchObject({path: `${PKI}/kubelet.crt`, status: 'missing', serving: 'self-signed'});
    expect(f.rotateCertificates).toEqual({value: true, source: {file: CONFIG, line: 30}, text: 'rotateCertificates: true'});
    expect(f.certDir.value).toBe(PKI);
  });

  it('finds clientCAFile inside a nested authentication value and reads every certificate of a bundle', () => {
    const cfg = configOf({authentication: {value: {x509: {clientCAFile: '/etc/kubernetes/pki/bundle.crt'}}, line: 3, text: 'authentication:'}});
    const f = build(worker({files: {'/etc/kubernetes/pki/bundle.crt': `${ca.pem}${otherCA.pem}`}}), collected(cfg));
    const bundle = role(f, 'client-ca');
    expect(bundle?.certs.map((c) => c.source)).toEqual([
      {file: '/etc/kubernetes/pki/bundle.crt', line: 1},
      {file: '/etc/kubernetes/pki/bundle.crt', line: ca.pem.trimEnd().split('\n').length + 1},
    ]);
    expect(f.rotateCertificates).toEqual({value: false, source: {command: 'kubelet default'}, text: 'rotateCertificates: false (default)'});
  });

  it('splits a bundle whose END and BEGIN lines were glued together by cat, keeping file lines', () => {
    const cfg = configOf({'authentication.x509.clientCAFile': {value: '/etc/kubernetes/pki/bundle.crt', line: 11}});
    const glued = `${ca.pem.trimEnd()}${otherCA.pem}`;
    const bundle = role(build(worker({files: {'/etc/kubernetes/pki/bundle.crt': glued}}), collected(cfg)), 'client-ca');
    expect(bundle?.errors).toEqual([]);
    expect(bundle?.certs.map((c) => ('line' in c.source ? c.source.line : 0))).toEqual([1, ca.pem.trimEnd().split('\n').length]);
  });

  it('reports a key that does not belong to the certificate', async () => {
    const other = await makeKey();
    const c = role(build(worker({keySpki: other.spkiSha256})), 'kubelet-client');
    expect(c?.key?.status).toBe('mismatch');
    expect(c?.key?.reason).toContain(`the key in ${CURRENT}`);
  });

  it('leaves the key match unknown, with the probe reason, when the fingerprint could not be computed', () => {
    const c = role(build(worker({keySpki: null, reason: 'openssl not found on the node'})), 'kubelet-client');
    expect(c?.key).toMatchObject({status: 'unknown', reason: `cannot compare the key in ${CURRENT}: openssl not found on the node`});
  });

  it('reads embedded client-certificate-data and matches it with the embedded key fingerprint', () => {
    const raw = rawFrom(
      {[KC]: kubeletConf({caData: ca.pem, user: {certData: client.pem, keyData: true}})},
      {records: {[KC]: {keys: [{origin: `${KC}#client-key-data`, spkiSha256: client.key.spkiSha256}]}}},
    );
    const c = role(build(raw), 'kubelet-client');
    expect(c).toMatchObject({path: null, status: 'ok', ref: {source: {file: KC, line: 19}}});
    expect(c?.certs[0]?.source).toEqual({file: KC, line: 19});
    expect(c?.key).toMatchObject({status: 'match', keyOrigin: `${KC}#client-key-data`});
  });

  it('fails the chain when another CA signed the client certificate, and spots a re-created CA of the same name', async () => {
    const foreign = await issue(await makeCA({cn: 'other-cluster'}), {cn: 'system:node:node-1', o: ['system:nodes']});
    const raw1 = worker({
      files: {[CURRENT]: certAndKey(foreign)},
      records: {[CURRENT]: {realPath: DATED, keys: [{origin: CURRENT, spkiSha256: foreign.key.spkiSha256}]}},
    });
    expect(role(build(raw1), 'kubelet-client')?.chain).toMatchObject({
      status: 'not-issued',
      reason: 'issuer CN=other-cluster is not the kubeconfig CA CN=kubernetes',
    });
    const raw2 = worker({files: {[KC]: kubeletConf({caData: otherCA.pem})}});
    expect(role(build(raw2), 'kubelet-client')?.chain?.status).toBe('bad-signature');
  });

  it('turns garbage, truncated and partly broken PEM into per-file errors with lines', () => {
    const half = ca.pem.split('\n').slice(0, 4).join('\n');
    const broken = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n';
    const f = build(
      worker({files: {[CA_CRT]: 'this is not a certificate\n', [`${PKI}/kubelet.crt`]: `${half}\n`, '/etc/kubernetes/pki/mixed.crt': `${ca.pem}${broken}`}}),
    );
    expect(role(f, 'client-ca')).toMatchObject({status: 'parse-error', errors: [{message: 'no PEM certificate found', source: {file: CA_CRT, line: 1}}]});
    const serving = role(f, 'kubelet-serving');
    expect(serving?.status).toBe('parse-error');
    expect(serving?.errors[0]?.message).toBe('the certificate at line 1 has no END line (truncated?)');
    const cfg = configOf({'authentication.x509.clientCAFile': {value: '/etc/kubernetes/pki/mixed.crt', line: 11}});
    const mixed = role(build(worker({files: {'/etc/kubernetes/pki/mixed.crt': `${ca.pem}${broken}`}}), collected(cfg)), 'client-ca');
    expect(mixed?.status).toBe('ok');
    expect(mixed?.certs).toHaveLength(1);
    expect(mixed?.errors[0]?.source).toEqual({file: '/etc/kubernetes/pki/mixed.crt', line: ca.pem.trimEnd().split('\n').length + 1});
  });

  it('uses tlsCertFile and tlsPrivateKeyFile for the serving certificate and checks the pair', async () => {
    const serving = await issue(ca, {cn: 'node-1', notBefore: days(new Date('2026-06-01T00:00:00Z'), -10)});
    const cfg = configOf({
      tlsCertFile: {value: '/etc/kubernetes/pki/node.crt', line: 40},
      tlsPrivateKeyFile: {value: '/etc/kubernetes/pki/node.key', line: 41},
    });
    const raw = worker({
      files: {'/etc/kubernetes/pki/node.crt': serving.pem, '/etc/kubernetes/pki/node.key': REDACTED_KEY},
      records: {'/etc/kubernetes/pki/node.key': {keys: [{origin: '/etc/kubernetes/pki/node.key', spkiSha256: serving.key.spkiSha256}]}},
    });
    const s = role(build(raw, collected(cfg)), 'kubelet-serving');
    expect(s).toMatchObject({serving: 'tls-cert-file', path: '/etc/kubernetes/pki/node.crt', status: 'ok', ref: {source: {file: CONFIG, line: 40}}});
    expect(s?.key).toMatchObject({status: 'match', source: {file: CONFIG, line: 41}});
  });

  it('expects kubelet-server-current.pem under --cert-dir with serverTLSBootstrap', () => {
    const argv = collected(argvOf({...KUBEADM_FLAGS, 'cert-dir': '/srv/kubelet/pki'}));
    const cfg = configOf({serverTLSBootstrap: {value: true, line: 35}});
    const f = build(worker({records: {'/srv/kubelet/pki/kubelet-server-current.pem': {status: 'missing'}}}), collected(cfg), argv);
    expect(f.certDir.value).toBe('/srv/kubelet/pki');
    expect(role(f, 'kubelet-serving')).toMatchObject({
      serving: 'server-tls-bootstrap',
      path: '/srv/kubelet/pki/kubelet-server-current.pem',
      status: 'missing',
      ref: {source: {file: CONFIG, line: 35}},
    });
  });

  it('falls back to flags when the kubelet config was not collected', () => {
    const argv = collected(argvOf({...KUBEADM_FLAGS, 'client-ca-file': CA_CRT, 'rotate-certificates': 'true'}));
    const f = build(worker(), notCollected('no --config'), argv);
    expect(role(f, 'client-ca')?.ref.text).toBe(`--client-ca-file=${CA_CRT}`);
    expect(f.rotateCertificates.value).toBe(true);
  });

  it('produces plain serialisable data', () => {
    const f = build(worker());
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);
  });
});
