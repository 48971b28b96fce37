import {beforeAll, describe, expect, it} from 'vitest';
import check from '../../checks/kubeconfig.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {collected} from '../../src/facts/types.js';
import type {RawSnapshot} from '../../src/facts/types.js';
import type {RawOptions} from '../helpers/facts.js';
import {ctx, makeFacts, rawFrom} from '../helpers/facts.js';
import {DROPIN, KUBEADM_FLAGS, argvOf, bootstrapConf, certAndKey, issue, kubeletConf, makeCA, makeKey, tlsFacts} from '../helpers/certs.js';
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

/** A kubeadm worker after TLS bootstrap, with overrides. */
function worker(
  o: {conf?: string; keySpki?: string | null; reason?: string; files?: Record<string, string>; records?: RawOptions['records']} = {},
): RawSnapshot {
  const key = {origin: CURRENT, spkiSha256: o.keySpki === undefined ? client.key.spkiSha256 : o.keySpki, ...(o.reason ? {reason: o.reason} : {})};
  return rawFrom(
    {
      [KC]: o.conf ?? kubeletConf({caData: ca.pem}),
      [CURRENT]: certAndKey(client),
      [DATED]: certAndKey(client),
      '/etc/kubernetes/pki/ca.crt': ca.pem,
      ...o.files,
    },
    {records: {[CURRENT]: {realPath: DATED, keys: [key]}, [BS]: {status: 'missing'}, ...o.records}},
  );
}

const run = (raw: RawSnapshot, argv = collected(argvOf(KUBEADM_FLAGS))): Verdict[] => {
  const v = check.evaluate(makeFacts(tlsFacts(raw, argv)), ctx);
  return Array.isArray(v) ? v : [v];
};
const sources = (v: Verdict | undefined) => v?.evidence.map((e) => e.source);

describe('kubeconfig check', () => {
  it('passes a bootstrapped node whose kubelet.conf uses the rotated client certificate', () => {
    const [v, ...rest] = run(worker());
    expect(rest).toEqual([]);
    expect(v?.status).toBe('pass');
    expect(v?.summary).toBe(`bootstrapped: kubelet.conf uses ${CURRENT} (→ kubelet-client-2026-01-01-00-00-00.pem), server https://127.0.0.1:6443`);
    expect(sources(v)).toEqual([
      {file: KC, line: 19},
      {file: KC, line: 5},
    ]);
  });

  it('warns that a kubelet without --kubeconfig runs standalone, naming the unused kubelet.conf', () => {
    const [v] = run(worker(), collected(argvOf({config: '/var/lib/kubelet/config.yaml'})));
    expect(v?.status).toBe('warn');
    expect(v?.summary).toBe(
      `standalone: the kubelet has no --kubeconfig flag, so it will not register with the API server; ${KC} exists but is not passed to it`,
    );
    expect(sources(v)).toEqual([{file: DROPIN, line: 11}, {file: KC}]);
  });

  it('fails when --kubeconfig is set but neither kubeconfig exists', () => {
    const [v] = run(rawFrom({}, {records: {[KC]: {status: 'missing'}, [BS]: {status: 'missing'}}}));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toContain('the kubelet exits with "unable to load bootstrap kubeconfig" (F12)');
    expect(sources(v)).toEqual([
      {file: DROPIN, line: 3},
      {file: DROPIN, line: 3},
    ]);
  });

  it('warns while the node is bootstrapping, pointing at the token and server lines', () => {
    const [v, ...rest] = run(rawFrom({[BS]: bootstrapConf({caData: ca.pem})}, {records: {[KC]: {status: 'missing'}}}));
    expect(rest).toEqual([]);
    expect(v?.status).toBe('warn');
    expect(v?.summary).toMatch(
      /^bootstrapping: \/etc\/kubernetes\/kubelet.conf does not exist yet; .* \(server https:\/\/127.0.0.1:6443\)\. If it never appears, look for a Pending CSR/,
    );
    expect(sources(v)).toEqual([
      {file: DROPIN, line: 3},
      {file: BS, line: 18},
      {file: BS, line: 5},
    ]);
  });

  it('fails a bootstrap kubeconfig without a token', () => {
    const [v, ...rest] = run(rawFrom({[BS]: bootstrapConf({caData: ca.pem, token: false})}, {records: {[KC]: {status: 'missing'}}}));
    expect(rest).toEqual([]);
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe('bootstrap-kubelet.conf has no token: the kubelet cannot authenticate to request its client certificate');
    expect(sources(v)).toEqual([{file: BS, line: 8}]);
  });

  it('fails when kubelet.conf names a client certificate that does not exist, at the kubeconfig line', () => {
    const [v] = run(worker({records: {[CURRENT]: {status: 'missing', realPath: DATED}}}));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(`kubelet.conf: client-certificate ${CURRENT} (→ ${DATED}) does not exist`);
    expect(sources(v)).toEqual([{file: KC, line: 19}]);
  });

  it('never passes on a client certificate the probe did not read: it says it was not collected', () => {
    // A kubelet.conf naming a cert the probe never read (before paths by reference, one without a
    // config extension) passed "bootstrapped" with nothing but the kubeconfig lines as evidence.
    const raw = worker({conf: kubeletConf({caData: ca.pem, user: {cert: '/srv/pki/node-client', key: '/srv/pki/node-client'}})});
    const [v, ...rest] = run(raw);
    expect(rest).toEqual([]);
    expect(v?.status).toBe('skip');
    expect(v?.summary).toBe('kubelet.conf: client-certificate /srv/pki/node-client was not collected, so whether the kubelet can authenticate is unknown');
  });

  it('fails when the client key does not belong to the client certificate', async () => {
    const other = await makeKey();
    const [v] = run(worker({keySpki: other.spkiSha256}));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toMatch(
      /^kubelet.conf: the client key does not match the client certificate: the key in \/var\/lib\/kubelet\/pki\/kubelet-client-current.pem/,
    );
    expect(sources(v)).toEqual([
      {file: KC, line: 20},
      {file: CURRENT, line: 1},
    ]);
  });

  it('warns with the probe reason when the key match cannot be computed', () => {
    const [v] = run(worker({keySpki: null, reason: 'openssl not found on the node'}));
    expect(v?.status).toBe('warn');
    expect(v?.summary).toBe(
      `kubelet.conf: cannot tell whether the client key matches its certificate: cannot compare the key in ${CURRENT}: openssl not found on the node`,
    );
    expect(sources(v)).toEqual([
      {file: KC, line: 20},
      {file: CURRENT, line: 1},
    ]);
  });

  it('fails a server URL that is not https', () => {
    const [v] = run(worker({conf: kubeletConf({caData: ca.pem, server: 'http://127.0.0.1:8080'})}));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe('kubelet.conf: server http://127.0.0.1:8080 is not https, so the kubelet cannot authenticate with TLS');
    expect(sources(v)).toEqual([{file: KC, line: 5}]);
  });

  it('fails a cluster without a server URL, at the cluster entry', () => {
    const conf = kubeletConf({caData: ca.pem}).replace('    server: https://127.0.0.1:6443\n', '');
    const [v] = run(worker({conf}));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe('kubelet.conf: cluster "default-cluster" has no server URL');
    expect(sources(v)).toEqual([{file: KC, line: 3}]);
  });

  it('warns that embedded client-certificate-data is never rotated', () => {
    const conf = kubeletConf({caData: ca.pem, user: {certData: client.pem, keyData: true}});
    const raw = worker({conf, records: {[KC]: {keys: [{origin: `${KC}#client-key-data`, spkiSha256: client.key.spkiSha256}]}}});
    const [v, ...rest] = run(raw);
    expect(rest).toEqual([]);
    expect(v?.status).toBe('warn');
    expect(v?.summary).toBe(
      'kubelet.conf embeds client-certificate-data, which the kubelet never rotates (it expires 2027-01-01T00:00:00.000Z): point client-certificate and client-key at /var/lib/kubelet/pki/kubelet-client-current.pem',
    );
    expect(sources(v)).toEqual([{file: KC, line: 19}]);
  });

  it('fails a kubelet.conf that is not valid YAML, at the line of the error', () => {
    const conf = kubeletConf({caData: ca.pem}).replace('kind: Config', 'kind: Config\n  bad: [');
    const [v] = run(worker({conf}));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toMatch(/^kubelet.conf: not valid YAML: /);
    expect(v?.evidence[0]?.source).toMatchObject({file: KC});
  });

  it('warns when kubelet.conf was not collected by the probe', () => {
    const argv = collected(argvOf({kubeconfig: '/srv/kube/node-kubeconfig'}));
    const [v] = run(rawFrom({}), argv);
    expect(v?.status).toBe('warn');
    expect(v?.summary).toBe('cannot tell the bootstrap state: /srv/kube/node-kubeconfig: not collected by the probe');
    expect(sources(v)).toEqual([{file: DROPIN, line: 3}]);
  });

  it('skips when the kubeconfig facts were not collected', () => {
    const v = check.evaluate(makeFacts({kubeconfig: {collected: false, reason: 'kubelet unit not found'}}), ctx);
    expect(v).toEqual({status: 'skip', summary: 'kubelet unit not found', evidence: []});
  });
});
