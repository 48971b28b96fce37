import {beforeAll, describe, expect, it} from 'vitest';
import check from '../../checks/cert-expiry.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {evaluateCheck} from '../../src/engine/evaluate.js';
import {buildControlPlanePki} from '../../src/facts/pki/control-plane-pki.js';
import {collected} from '../../src/facts/types.js';
import type {Facts, RawSnapshot} from '../../src/facts/types.js';
import {NOW, ctx, makeFacts, rawFrom} from '../helpers/facts.js';
import {KUBEADM_FLAGS, argvOf, certAndKey, configOf, days, issue, kubeletConf, makeCA, tlsFacts} from '../helpers/certs.js';
import type {TestCA, TestCert} from '../helpers/certs.js';
import {CA_PATHS, LEAVES, PKI, controlPlaneRaw, makeControlPlane} from '../facts/control-plane-fixtures.js';
import type {ControlPlane} from '../facts/control-plane-fixtures.js';

const KC = '/etc/kubernetes/kubelet.conf';
const KPKI = '/var/lib/kubelet/pki';
const CURRENT = `${KPKI}/kubelet-client-current.pem`;
const DATED = `${KPKI}/kubelet-client-2026-01-01-00-00-00.pem`;
const SERVING = `${KPKI}/kubelet.crt`;
const RENEW = (name: string) => `run \`kubeadm certs renew ${name}\` (or \`kubeadm certs renew all\`), then restart the control-plane static pods`;

let cp: ControlPlane;
let client: TestCert;
let serving: string;
beforeAll(async () => {
  cp = await makeControlPlane();
  client = await issue(cp.cas.ca, {
    cn: 'system:node:cp-1',
    o: ['system:nodes'],
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2027-01-01T00:00:00Z'),
  });
  const hostCA = await makeCA({cn: 'cp-1-ca@1767225600', notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-03-01T00:00:00Z')});
  serving =
    (await issue(hostCA, {cn: 'cp-1@1767225600', notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-03-01T00:00:00Z')})).pem + hostCA.pem;
});

/** The kubelet's files on a kubeadm node whose cluster CA is `ca`. */
const kubeletFiles = (ca: TestCA, cl: TestCert = client): Record<string, string> => ({
  [KC]: kubeletConf({caData: ca.pem}),
  [CURRENT]: certAndKey(cl),
  [DATED]: certAndKey(cl),
  [CA_PATHS.ca]: ca.pem,
  [SERVING]: serving,
});
const kubeletRecords = (cl: TestCert = client) => ({[CURRENT]: {realPath: DATED, keys: [{origin: CURRENT, spkiSha256: cl.key.spkiSha256}]}});

/** A control-plane node: the kubelet's files (its client certificate signed by this control plane's CA) plus the control plane's. */
async function node(c: ControlPlane = cp, o: {caKeys?: boolean} = {}): Promise<RawSnapshot> {
  const cl =
    c === cp
      ? client
      : await issue(c.cas.ca, {
          cn: 'system:node:cp-1',
          o: ['system:nodes'],
          notBefore: new Date('2026-01-01T00:00:00Z'),
          notAfter: new Date('2027-01-01T00:00:00Z'),
        });
  return controlPlaneRaw(c, {extra: kubeletFiles(c.cas.ca, cl), caKeys: o.caKeys ?? true, opts: {records: kubeletRecords(cl)}});
}

const factsOf = (raw: RawSnapshot): Facts => {
  const cfg = configOf({'authentication.x509.clientCAFile': {value: CA_PATHS.ca, line: 11}, rotateCertificates: {value: true, line: 30}});
  return makeFacts({...tlsFacts(raw, collected(argvOf(KUBEADM_FLAGS)), collected(cfg)), controlPlanePki: buildControlPlanePki(raw)});
};
const run = (raw: RawSnapshot): Verdict[] => {
  const v = check.evaluate(factsOf(raw), ctx);
  return Array.isArray(v) ? v : [v];
};
const sources = (v: Verdict | undefined) => v?.evidence.map((e) => e.source);

/** The control plane with one certificate's window changed. */
const withLeaf = (name: keyof typeof LEAVES, notBefore: Date, notAfter: Date) => makeControlPlane({leaves: {[name]: {notBefore, notAfter}}});

describe('cert-expiry on a control-plane node', () => {
  it('gives a worker exactly the verdicts it had before: the control-plane view adds nothing there', () => {
    const raw = rawFrom(kubeletFiles(cp.cas.ca), {records: kubeletRecords()});
    const facts = factsOf(raw);
    expect(facts.controlPlanePki).toEqual({collected: true, value: {controlPlane: false, evidence: [], pkiDir: PKI, certs: []}});
    expect(check.evaluate(facts, ctx)).toEqual(check.evaluate({...facts, controlPlanePki: {collected: false, reason: 'not collected'}}, ctx));
    const [v] = run(raw);
    expect(v?.summary).toBe('4 certificates valid; the first to expire is the kubelet client certificate on 2027-01-01 (in 214 days)');
  });

  it('passes when every certificate is valid, counting the cluster CA once and listing each control-plane one by name', async () => {
    const [v, ...rest] = run(await node());
    expect(rest).toEqual([]);
    expect(v?.status).toBe('pass');
    expect(v?.summary).toBe(
      '17 certificates valid (4 of the kubelet, 13 more of the control plane); the first to expire is the kubelet client certificate on 2027-01-01 (in 214 days)',
    );
    const names = v?.evidence.slice(4).map((e) => e.text.split(':')[0]);
    expect(names).toEqual([
      'admin.conf',
      'apiserver',
      'apiserver-etcd-client',
      'apiserver-kubelet-client',
      'controller-manager.conf',
      'etcd-healthcheck-client',
      'etcd-peer',
      'etcd-server',
      'front-proxy-client',
      'scheduler.conf',
      'super-admin.conf',
      'etcd-ca',
      'front-proxy-ca',
    ]);
    expect(v?.evidence[4]).toEqual({
      source: {file: LEAVES['admin.conf'].path, line: 19},
      text: 'admin.conf: subject=CN=kubernetes-admin notBefore=2026-01-01T00:00:00.000Z notAfter=2027-01-01T00:00:00.000Z CA=ca',
    });
  });

  it('fails an expired apiserver certificate at its file, says how to renew it, offers no kubelet fix, and lists the others', async () => {
    const c = await withLeaf('apiserver', days(NOW, -368), days(NOW, -3));
    const [v, others, ...rest] = run(await node(c));
    expect(rest).toEqual([]);
    expect(v).toEqual({
      status: 'fail',
      summary: `control-plane certificate "apiserver" expired 3 days ago (notAfter ${days(NOW, -3).toISOString()}); ${RENEW('apiserver')}`,
      evidence: [{source: {file: `${PKI}/apiserver.crt`, line: 1}, text: expect.stringMatching(/^apiserver: subject=CN=kube-apiserver notBefore=.* CA=ca$/)}],
      fix: null,
    });
    expect(others?.status).toBe('pass');
    expect(others?.summary).toBe(
      'the other 13 control-plane certificates are valid (admin.conf, apiserver-etcd-client, apiserver-kubelet-client, controller-manager.conf, etcd-healthcheck-client, etcd-peer, etcd-server, front-proxy-client, scheduler.conf, super-admin.conf, ca, etcd-ca, front-proxy-ca); the first to expire is admin.conf on 2027-01-01 (in 214 days)',
    );
    const finding = evaluateCheck(check, factsOf(await node(c)), ctx);
    expect(finding).toMatchObject({status: 'fail', fix: null, evidence: [{source: {file: `${PKI}/apiserver.crt`, line: 1}}]});
    expect(finding.details[0]).toMatch(/^pass: the other 13 control-plane certificates are valid \(admin\.conf, /);
  });

  it('warns about the client certificate embedded in admin.conf expiring within 30 days, at the kubeconfig line', async () => {
    const c = await withLeaf('admin.conf', days(NOW, -355), days(NOW, 10));
    const [v] = run(await node(c));
    expect(v?.status).toBe('warn');
    expect(v?.summary).toBe(`control-plane certificate "admin.conf" expires in 10 days (notAfter ${days(NOW, 10).toISOString()}); ${RENEW('admin.conf')}`);
    expect(sources(v)).toEqual([{file: LEAVES['admin.conf'].path, line: 19}]);
  });

  it('fails a certificate that is not valid yet and points at the clock', async () => {
    const c = await withLeaf('etcd-server', days(NOW, 2), days(NOW, 367));
    const [v] = run(await node(c));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(
      `control-plane certificate "etcd-server" is not valid until ${days(NOW, 2).toISOString()} (in 2 days): the node clock may be wrong (check date and NTP)`,
    );
    expect(sources(v)).toEqual([{file: `${PKI}/etcd/server.crt`, line: 1}]);
  });

  it('warns about a CA a year ahead (kubeadm certs renew does not renew CAs), but not about a leaf with as long left', async () => {
    const c = await makeControlPlane({
      cas: {'etcd-ca': {notBefore: days(NOW, -3450), notAfter: days(NOW, 200)}},
      leaves: {'front-proxy-client': {notBefore: days(NOW, -100), notAfter: days(NOW, 200)}},
    });
    const verdicts = run(await node(c)).filter((v) => v.status !== 'pass');
    expect(verdicts.map((v) => v.summary)).toEqual([
      `control-plane CA "etcd-ca" expires in 200 days (notAfter ${days(NOW, 200).toISOString()}); \`kubeadm certs renew\` does not renew CAs: rotate it (kubernetes.io/docs/tasks/tls/manual-rotation-of-ca-certificates)`,
    ]);
    expect(verdicts[0]?.status).toBe('warn');
    expect(sources(verdicts[0])).toEqual([{file: `${PKI}/etcd/ca.crt`, line: 1}]);
  });

  it('judges the cluster CA once: the kubelet verdict when it has one, the control-plane CA window otherwise', async () => {
    const soon = await makeControlPlane({cas: {ca: {notBefore: days(NOW, -3640), notAfter: days(NOW, 10)}}});
    const close = run(await node(soon)).filter((v) => v.status !== 'pass');
    expect(close.map((v) => v.summary)).toEqual([
      `kubeconfig CA / client CA certificate "kubernetes" expires in 10 days (notAfter ${days(NOW, 10).toISOString()})`,
    ]);
    const later = await makeControlPlane({cas: {ca: {notBefore: days(NOW, -3450), notAfter: days(NOW, 200)}}});
    const far = run(await node(later)).filter((v) => v.status !== 'pass');
    expect(far.map((v) => v.summary)).toEqual([expect.stringMatching(/^control-plane CA "ca" expires in 200 days/)]);
  });

  it('says an externally managed CA must sign the renewal', async () => {
    const c = await withLeaf('apiserver', days(NOW, -368), days(NOW, -3));
    const [v] = run(await node(c, {caKeys: false}));
    expect(v?.summary).toBe(
      `control-plane certificate "apiserver" expired 3 days ago (notAfter ${days(NOW, -3).toISOString()}); its CA key is not on this node (ca is externally managed), so kubeadm cannot renew it: have the external CA sign a new one`,
    );
    expect(v?.evidence[0]?.text).toMatch(/ CA=ca \(externally managed\)$/);
  });

  it('warns about a certificate it cannot read and one its CA did not sign', async () => {
    const other = await makeCA({cn: 'front-proxy-ca'});
    const c = await makeControlPlane({leaves: {'front-proxy-client': {signer: other}}});
    const raw = await node(c);
    raw.files[`${PKI}/apiserver-kubelet-client.crt`]!.content = 'garbage\n';
    const verdicts = run(raw).filter((v) => v.status !== 'pass');
    expect(verdicts.map((v) => [v.status, v.summary])).toEqual([
      ['warn', `cannot read the control-plane certificate "apiserver-kubelet-client" (${PKI}/apiserver-kubelet-client.crt): no PEM certificate found`],
      [
        'warn',
        'control-plane certificate "front-proxy-client" is not signed by front-proxy-ca: issued in the name of CN=front-proxy-ca, but the front-proxy-ca key did not sign it (the CA was re-created?)',
      ],
    ]);
  });

  it('stays quiet about certificates check-expiration would print as MISSING (super-admin.conf on a joined control plane)', async () => {
    const raw = controlPlaneRaw(cp, {extra: kubeletFiles(cp.cas.ca), omit: [LEAVES['super-admin.conf'].path], opts: {records: kubeletRecords()}});
    const [v, ...rest] = run(raw);
    expect(rest).toEqual([]);
    expect(v?.status).toBe('pass');
    expect(v?.summary).toMatch(/^16 certificates valid \(4 of the kubelet, 12 more of the control plane\)/);
  });
});
