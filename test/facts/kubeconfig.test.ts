import {beforeAll, describe, expect, it} from 'vitest';
import {buildKubeconfig} from '../../src/facts/kubeconfig/kubeconfig.js';
import type {KubeconfigFacts} from '../../src/facts/kubeconfig/kubeconfig.js';
import {collected, notCollected} from '../../src/facts/types.js';
import type {Collected, RawSnapshot} from '../../src/facts/types.js';
import {rawFrom} from '../helpers/facts.js';
import {DROPIN, KUBEADM_FLAGS, argvOf, bootstrapConf, certAndKey, issue, kubeletConf, makeCA} from '../helpers/certs.js';
import type {TestCA, TestCert} from '../helpers/certs.js';

const KC = '/etc/kubernetes/kubelet.conf';
const BS = '/etc/kubernetes/bootstrap-kubelet.conf';
const CURRENT = '/var/lib/kubelet/pki/kubelet-client-current.pem';
const DATED = '/var/lib/kubelet/pki/kubelet-client-2026-01-01-00-00-00.pem';

let ca: TestCA;
let client: TestCert;
beforeAll(async () => {
  ca = await makeCA();
  client = await issue(ca, {cn: 'system:node:node-1', o: ['system:nodes']});
});

const kubeadm = collected(argvOf(KUBEADM_FLAGS));
const facts = (raw: RawSnapshot, argv = kubeadm): KubeconfigFacts => {
  const out: Collected<KubeconfigFacts> = buildKubeconfig(raw, argv);
  if (!out.collected) throw new Error(out.reason);
  return out.value;
};

/** A bootstrapped worker: kubelet.conf → the symlinked kubelet-client-current.pem. */
function worker(extra: Record<string, string> = {}): RawSnapshot {
  return rawFrom(
    {[KC]: kubeletConf({caData: ca.pem}), [CURRENT]: certAndKey(client), [DATED]: certAndKey(client), ...extra},
    {records: {[CURRENT]: {realPath: DATED, keys: [{origin: CURRENT, spkiSha256: client.key.spkiSha256}]}, [BS]: {status: 'missing'}}},
  );
}

describe('buildKubeconfig', () => {
  it('resolves a bootstrapped kubelet.conf: context, server, CA data and client certificate paths with lines', () => {
    const f = facts(worker());
    expect(f.state).toBe('bootstrapped');
    const kc = f.kubeconfig;
    expect(kc.path).toEqual({value: KC, source: {file: DROPIN, line: 3}, text: `--kubeconfig=${KC}`});
    expect(kc.pathOrigin).toBe('flag');
    expect(kc.status).toBe('ok');
    expect(kc.currentContext?.source).toEqual({file: KC, line: 13});
    expect(kc.context).toMatchObject({name: 'default-context', cluster: 'default-cluster', user: 'default-auth'});
    expect(kc.cluster?.server).toEqual({value: 'https://127.0.0.1:6443', source: {file: KC, line: 5}, text: 'server: https://127.0.0.1:6443'});
    expect(kc.cluster?.certificateAuthorityData?.value).toBe(ca.pem);
    expect(kc.cluster?.certificateAuthorityData?.source).toEqual({file: KC, line: 4});
    expect(kc.cluster?.certificateAuthorityData?.text).toMatch(/^certificate-authority-data: LS0t.*…$/);
    expect(kc.user?.clientCertificate).toEqual({value: CURRENT, source: {file: KC, line: 19}, text: `client-certificate: ${CURRENT}`});
    expect(kc.user?.clientKey?.source).toEqual({file: KC, line: 20});
    expect(kc.problems).toEqual([]);
    expect(f.bootstrap.status).toBe('missing');
  });

  it('resolves relative certificate paths against the kubeconfig directory', () => {
    const text = kubeletConf({caFile: 'pki/ca.crt', user: {cert: '../../var/lib/kubelet/pki/kubelet-client-current.pem', key: 'client.key'}});
    const f = facts(rawFrom({[KC]: text, '/etc/kubernetes/pki/ca.crt': ca.pem, [CURRENT]: certAndKey(client), '/etc/kubernetes/client.key': 'x'}));
    expect(f.kubeconfig.cluster?.certificateAuthority?.value).toBe('/etc/kubernetes/pki/ca.crt');
    expect(f.kubeconfig.user?.clientCertificate?.value).toBe(CURRENT);
    expect(f.kubeconfig.user?.clientKey?.value).toBe('/etc/kubernetes/client.key');
    expect(f.state).toBe('bootstrapped');
  });

  it('records embedded client-key-data only as present, with the fingerprint the probe sent', () => {
    const raw = rawFrom(
      {[KC]: kubeletConf({caData: ca.pem, user: {certData: client.pem, keyData: true}})},
      {records: {[KC]: {keys: [{origin: `${KC}#client-key-data`, spkiSha256: client.key.spkiSha256}]}}},
    );
    const user = facts(raw).kubeconfig.user;
    expect(user?.clientCertificateData?.value).toBe(client.pem);
    expect(user?.clientCertificateData?.source).toEqual({file: KC, line: 19});
    expect(user?.clientKeyData).toEqual({source: {file: KC, line: 20}, text: 'client-key-data: [redacted]', spkiSha256: client.key.spkiSha256});
    expect(JSON.stringify(user)).not.toContain('PRIVATE KEY');
  });

  it('never copies a token value into the facts, even one the probe failed to redact', () => {
    const text = bootstrapConf({caData: ca.pem}).replace('token: [redacted]', 'token: abcdef.0123456789abcdef');
    const f = facts(rawFrom({[BS]: text}));
    expect(f.bootstrap.user?.token).toEqual({source: {file: BS, line: 18}, text: 'token: [redacted]'});
    expect(JSON.stringify(f)).not.toContain('0123456789abcdef');
  });

  it('is bootstrapping when kubelet.conf is absent and the bootstrap kubeconfig holds a token', () => {
    const f = facts(rawFrom({[BS]: bootstrapConf({caData: ca.pem})}));
    expect(f.state).toBe('bootstrapping');
    expect(f.stateReason).toContain(`${KC} does not exist yet`);
    expect(f.bootstrap.user?.token).toEqual({source: {file: BS, line: 18}, text: 'token: [redacted]'});
    expect(f.bootstrap.cluster?.server?.source).toEqual({file: BS, line: 5});
  });

  it('is standalone without --kubeconfig, and still reads the default kubelet.conf for the report', () => {
    const f = facts(worker(), collected(argvOf({config: '/var/lib/kubelet/config.yaml'})));
    expect(f.state).toBe('standalone');
    expect(f.kubeconfig.pathOrigin).toBe('default');
    expect(f.kubeconfig.path.source).toEqual({command: 'no --kubeconfig flag'});
    expect(f.kubeconfig.status).toBe('ok');
  });

  it('is standalone when neither kubeconfig exists', () => {
    const f = facts(rawFrom({}, {records: {[KC]: {status: 'missing'}, [BS]: {status: 'missing'}}}));
    expect(f.state).toBe('standalone');
    expect(f.kubeconfig.status).toBe('missing');
    expect(f.stateReason).toBe(`neither ${KC} nor ${BS} exists`);
  });

  it('is broken when kubelet.conf names a client certificate that does not exist, at the line naming it', () => {
    const raw = rawFrom({[KC]: kubeletConf({caData: ca.pem})}, {records: {[CURRENT]: {status: 'missing', realPath: DATED}}});
    const f = facts(raw);
    expect(f.state).toBe('broken');
    expect(f.kubeconfig.problems[0]).toEqual({
      kind: 'reference',
      message: `client-certificate ${CURRENT} (→ ${DATED}) does not exist`,
      source: {file: KC, line: 19},
      text: `client-certificate: ${CURRENT}`,
    });
  });

  it('reports a YAML error with its line and makes the state broken', () => {
    const text = kubeletConf({caData: ca.pem}).replace('current-context: default-context', 'current-context: [default-context');
    const f = facts(rawFrom({[KC]: text}));
    expect(f.kubeconfig.status).toBe('parse-error');
    expect(f.kubeconfig.error).toMatch(/^not valid YAML/);
    expect(f.kubeconfig.line).toBeGreaterThanOrEqual(13);
    expect(f.state).toBe('broken');
  });

  it('marks a binary kubelet.conf without trying to parse it', () => {
    const f = facts(rawFrom({}, {records: {[KC]: {status: 'ok', binary: true}}}));
    expect(f.kubeconfig.status).toBe('binary');
    expect(f.state).toBe('broken');
    expect(f.kubeconfig.problems[0]?.source).toEqual({file: KC});
  });

  it('reports a current-context that names no context', () => {
    const text = kubeletConf({caData: ca.pem}).replace('current-context: default-context', 'current-context: old-context');
    const f = facts(rawFrom({[KC]: text, [CURRENT]: certAndKey(client)}));
    expect(f.state).toBe('broken');
    expect(f.kubeconfig.problems[0]).toEqual({
      kind: 'context',
      message: 'current-context "old-context" is not defined under contexts',
      source: {file: KC, line: 13},
      text: 'current-context: old-context',
    });
  });

  it('reports a user without credentials and certificate-authority-data that is not PEM', () => {
    const text = kubeletConf({caData: 'garbage', user: {}}).replace(/certificate-authority-data: .*/, 'certificate-authority-data: Z2FyYmFnZQ==');
    const f = facts(rawFrom({[KC]: text}));
    expect(f.kubeconfig.problems.map((p) => p.message)).toEqual([
      'certificate-authority-data does not decode to a PEM block',
      'user "default-auth" has no credentials (no client certificate, token, exec or auth-provider)',
    ]);
    expect(f.kubeconfig.problems[0]?.source).toEqual({file: KC, line: 4});
  });

  it('assumes the kubeadm paths when the kubelet argv was not collected', () => {
    const f = facts(worker(), notCollected('kubelet.service not found'));
    expect(f.kubeconfig.pathOrigin).toBe('assumed');
    expect(f.kubeconfig.path.source).toEqual({command: 'kubeadm layout assumed (kubelet argv not collected: kubelet.service not found)'});
    expect(f.state).toBe('bootstrapped');
  });

  it('tells a kubeconfig the probe did not collect apart from a missing one', () => {
    const argv = collected(argvOf({kubeconfig: '/srv/kube/node-kubeconfig'}));
    const f = facts(rawFrom({}), argv);
    expect(f.kubeconfig.status).toBe('not-collected');
    expect(f.kubeconfig.error).toBe('/srv/kube/node-kubeconfig: not collected by the probe');
  });
});
