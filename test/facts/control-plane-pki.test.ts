import {beforeAll, describe, expect, it} from 'vitest';
import {buildControlPlanePki} from '../../src/facts/pki/control-plane-pki.js';
import type {ControlPlanePkiFacts, PkiCert} from '../../src/facts/pki/control-plane-pki.js';
import type {RawSnapshot} from '../../src/facts/types.js';
import {rawFrom} from '../helpers/facts.js';
import {issue, makeCA} from '../helpers/certs.js';
import {APISERVER_MANIFEST, CA_PATHS, LEAVES, PKI, controlPlaneRaw, makeControlPlane} from './control-plane-fixtures.js';
import type {ControlPlane} from './control-plane-fixtures.js';

let cp: ControlPlane;
beforeAll(async () => {
  cp = await makeControlPlane();
});

function build(raw: RawSnapshot): ControlPlanePkiFacts {
  const out = buildControlPlanePki(raw);
  if (!out.collected) throw new Error(out.reason);
  return out.value;
}
const named = (f: ControlPlanePkiFacts, name: string): PkiCert | undefined => f.certs.find((c) => c.name === name);

describe('buildControlPlanePki', () => {
  it('sees a worker (only pki/ca.crt, no apiserver manifest) as no control plane, with nothing to list', () => {
    const raw = rawFrom({[CA_PATHS.ca]: cp.cas.ca.pem, '/etc/kubernetes/kubelet.conf': 'apiVersion: v1\n'});
    expect(buildControlPlanePki(raw)).toEqual({collected: true, value: {controlPlane: false, evidence: [], pkiDir: PKI, certs: []}});
  });

  it('lists every certificate the way kubeadm certs check-expiration names them, leaves first, then the CAs', () => {
    const f = build(controlPlaneRaw(cp));
    expect(f.controlPlane).toBe(true);
    expect(f.evidence).toEqual([
      {source: {file: APISERVER_MANIFEST}, text: 'kube-apiserver static pod manifest'},
      {source: {file: `${PKI}/apiserver.crt`}, text: 'kube-apiserver serving certificate'},
    ]);
    expect(f.certs.map((c) => [c.name, c.kind, c.ca, c.status])).toEqual([
      ['admin.conf', 'leaf', 'ca', 'ok'],
      ['apiserver', 'leaf', 'ca', 'ok'],
      ['apiserver-etcd-client', 'leaf', 'etcd-ca', 'ok'],
      ['apiserver-kubelet-client', 'leaf', 'ca', 'ok'],
      ['controller-manager.conf', 'leaf', 'ca', 'ok'],
      ['etcd-healthcheck-client', 'leaf', 'etcd-ca', 'ok'],
      ['etcd-peer', 'leaf', 'etcd-ca', 'ok'],
      ['etcd-server', 'leaf', 'etcd-ca', 'ok'],
      ['front-proxy-client', 'leaf', 'front-proxy-ca', 'ok'],
      ['scheduler.conf', 'leaf', 'ca', 'ok'],
      ['super-admin.conf', 'leaf', 'ca', 'ok'],
      ['ca', 'ca', null, 'ok'],
      ['etcd-ca', 'ca', null, 'ok'],
      ['front-proxy-ca', 'ca', null, 'ok'],
    ]);
    for (const c of f.certs) {
      expect(c.issued?.status ?? 'n/a', c.name).toBe(c.kind === 'leaf' ? 'verified' : 'n/a');
      expect(c.externallyManaged, c.name).toBe(false);
    }
  });

  it('gives each certificate its validity and its file and line; embedded ones the kubeconfig line that holds them', () => {
    const f = build(controlPlaneRaw(cp));
    expect(named(f, 'apiserver')).toMatchObject({
      path: `${PKI}/apiserver.crt`,
      cert: {
        commonName: 'kube-apiserver',
        issuer: 'CN=kubernetes',
        notBefore: '2026-01-01T00:00:00.000Z',
        notAfter: '2027-01-01T00:00:00.000Z',
        source: {file: `${PKI}/apiserver.crt`, line: 1},
      },
      issued: {status: 'verified', reason: 'signed by ca (CN=kubernetes)'},
    });
    expect(named(f, 'etcd-server')?.cert?.source).toEqual({file: `${PKI}/etcd/server.crt`, line: 1});
    expect(named(f, 'admin.conf')).toMatchObject({
      path: LEAVES['admin.conf'].path,
      cert: {commonName: 'kubernetes-admin', source: {file: LEAVES['admin.conf'].path, line: 19}},
    });
    expect(named(f, 'admin.conf')?.cert?.text).toMatch(/^client-certificate-data: /);
    expect(named(f, 'etcd-ca')).toMatchObject({cert: {commonName: 'etcd-ca', isCA: true}, caKey: {present: true, path: `${PKI}/etcd/ca.key`}});
  });

  it('marks a CA whose key is not on the node as externally managed, and the leaves it signs with it', () => {
    const f = build(controlPlaneRaw(cp, {caKeys: false}));
    expect(named(f, 'ca')).toMatchObject({externallyManaged: true, caKey: {present: false, path: `${PKI}/ca.key`}});
    expect(named(f, 'apiserver')?.externallyManaged).toBe(true);
    expect(named(f, 'admin.conf')?.externallyManaged).toBe(true);
    expect(named(f, 'etcd-server')?.externallyManaged).toBe(true);
  });

  it('keeps absent certificates as missing: super-admin.conf on a joined control plane, etcd certificates with external etcd', () => {
    const raw = controlPlaneRaw(cp, {
      omit: [
        LEAVES['super-admin.conf'].path,
        ...Object.values(LEAVES)
          .filter((l) => l.path.startsWith(`${PKI}/etcd/`))
          .map((l) => l.path),
        CA_PATHS['etcd-ca'],
      ],
    });
    raw.dirs[`${PKI}/etcd`] = {path: `${PKI}/etcd`, status: 'missing', entries: []};
    const f = build(raw);
    expect(named(f, 'super-admin.conf')).toMatchObject({status: 'missing', cert: null, errors: [{message: '/etc/kubernetes/super-admin.conf does not exist'}]});
    expect(named(f, 'etcd-server')?.status).toBe('missing');
    expect(named(f, 'etcd-ca')).toMatchObject({status: 'missing', externallyManaged: null});
    // apiserver-etcd-client is still there and its CA cannot be read: unknown, not a failure.
    expect(named(f, 'apiserver-etcd-client')).toMatchObject({status: 'ok', issued: {status: 'unknown'}, externallyManaged: null});
  });

  it('counts pki/apiserver.crt as a control plane even without the static pod manifest', () => {
    const f = build(controlPlaneRaw(cp, {omit: [APISERVER_MANIFEST]}));
    expect(f.controlPlane).toBe(true);
    expect(f.evidence).toEqual([{source: {file: `${PKI}/apiserver.crt`}, text: 'kube-apiserver serving certificate'}]);
  });

  it('says when a leaf was not signed by its CA', async () => {
    const other = await makeCA({cn: 'kubernetes'});
    const foreign = await issue(other, {cn: 'kube-apiserver'});
    const raw = controlPlaneRaw(cp);
    raw.files[`${PKI}/apiserver.crt`]!.content = foreign.pem;
    expect(named(build(raw), 'apiserver')?.issued).toEqual({
      status: 'bad-signature',
      reason: 'issued in the name of CN=kubernetes, but the ca key did not sign it (the CA was re-created?)',
    });
  });

  it('reports an unreadable certificate at its line, and a kubeconfig without a client certificate', () => {
    const raw = controlPlaneRaw(cp);
    raw.files[`${PKI}/front-proxy-client.crt`]!.content = 'garbage\n';
    raw.files[LEAVES['scheduler.conf'].path]!.content =
      'apiVersion: v1\nkind: Config\ncurrent-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nclusters:\n- name: c\n  cluster: {server: "https://10.0.0.10:6443"}\nusers:\n- name: u\n  user: {token: "[redacted]"}\n';
    const f = build(raw);
    expect(named(f, 'front-proxy-client')).toMatchObject({
      status: 'parse-error',
      cert: null,
      errors: [{message: 'no PEM certificate found', source: {file: `${PKI}/front-proxy-client.crt`, line: 1}}],
    });
    expect(named(f, 'scheduler.conf')).toMatchObject({
      status: 'parse-error',
      errors: [{message: '/etc/kubernetes/scheduler.conf holds no client certificate'}],
    });
  });

  it('is not collected on a control plane whose pki directory the probe did not list (an older snapshot)', () => {
    const raw = controlPlaneRaw(cp);
    delete raw.dirs[PKI];
    expect(buildControlPlanePki(raw)).toEqual({
      collected: false,
      reason: `the probe did not list ${PKI} (a snapshot from an older kubelet-doctor?): the control-plane certificates were not read`,
    });
  });

  it('is not collected when the pki directory could not be listed, rather than calling every certificate missing', () => {
    const raw = controlPlaneRaw(cp);
    raw.dirs[PKI] = {path: PKI, status: 'unreadable', entries: []};
    expect(buildControlPlanePki(raw)).toEqual({
      collected: false,
      reason: `${PKI} could not be listed (unreadable): the control-plane certificates were not read`,
    });
  });

  it('never looks at key material: a kubeconfig with client-key-data carries only the redaction marker into the facts', () => {
    const f = build(controlPlaneRaw(cp));
    const text = JSON.stringify(f);
    expect(text).not.toMatch(/PRIVATE KEY/);
    expect(text).not.toMatch(/client-key-data/);
  });
});
