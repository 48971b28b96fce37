import {beforeAll, describe, expect, it} from 'vitest';
import check from '../../checks/join-prereqs.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {parseJoinInput} from '../../src/cluster/join-command.js';
import type {BootstrapTokenView, ClusterFacts, ClusterInfoView, CsrView} from '../../src/facts/live/cluster.js';
import type {HttpResult} from '../../src/facts/live/live-http.js';
import {collected, notCollected} from '../../src/facts/types.js';
import type {Facts} from '../../src/facts/types.js';
import {ctx, makeFacts, rawFrom} from '../helpers/facts.js';
import {certAndKey, issue, kubeletConf, makeCA, tlsFacts} from '../helpers/certs.js';
import {clusterFacts, nodeView, withCluster} from './cluster-fixtures.js';

const SECRET = '0123456789abcdef';
const RIGHT_PIN = `sha256:${'3a'.repeat(32)}`;
const WRONG_PIN = `sha256:${'b7'.repeat(32)}`;
const joinCommand = (pin = RIGHT_PIN, token = `abcdef.${SECRET}`) => `kubeadm join 10.0.0.10:6443 --token ${token} --discovery-token-ca-cert-hash ${pin}`;
const join = (cmd = joinCommand()) => parseJoinInput(cmd).input;

const token = (over: Partial<BootstrapTokenView> = {}): BootstrapTokenView => ({
  tokenId: 'abcdef',
  expiration: '2026-06-01T20:00:00Z',
  usages: ['authentication', 'signing'],
  groups: ['system:bootstrappers:kubeadm:default-node-token'],
  description: null,
  secretMatchesJoin: true,
  ...over,
});
const clusterInfo = (over: Partial<ClusterInfoView> = {}): ClusterInfoView => ({
  server: 'https://10.0.0.10:6443',
  cas: [{subject: 'CN=kubernetes', notAfter: '2035-01-08T09:00:00Z', pin: RIGHT_PIN}],
  jwsTokenIds: ['abcdef'],
  error: null,
  ...over,
});
const csr = (over: Partial<CsrView> = {}): CsrView => ({
  name: 'csr-8x2kq',
  signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
  username: 'system:bootstrap:abcdef',
  requestedCommonName: 'system:node:node-1',
  status: 'pending',
  reason: null,
  creationTimestamp: '2026-05-31T23:55:00Z',
  ...over,
});

/** A joinable cluster for a node-1 that has not joined yet. */
const joinable = (over: Partial<ClusterFacts> = {}): Partial<ClusterFacts> => ({
  join: join(),
  node: collected(null),
  lease: collected(null),
  bootstrapTokens: collected([token()]),
  clusterInfo: collected(clusterInfo()),
  ...over,
});

function run(c: Partial<ClusterFacts> = {}, over: Partial<Facts> = {}): Verdict[] {
  const out = [check.evaluate(withCluster(joinable(c), over), ctx)].flat();
  // Never a token secret, whatever the verdict.
  expect(JSON.stringify(out)).not.toContain(SECRET);
  return out;
}
const fails = (out: Verdict[]) => out.filter((v) => v.status === 'fail').map((v) => v.summary);

describe('join-prereqs check', () => {
  it('passes a valid token, signed cluster-info, the right CA pin and kubelet-config', () => {
    const out = run();
    expect(out.map((v) => v.status)).toEqual(['pass', 'skip']);
    expect(out[0]?.summary).toBe(
      'kubeadm join 10.0.0.10:6443 has what it needs: token abcdef valid until 2026-06-01T20:00:00Z, cluster-info signed for abcdef, CA pin matches "CN=kubernetes", ConfigMap kubelet-config present, no Node named node-1 yet',
    );
    expect(out[0]?.evidence).toEqual([
      {source: {command: '--join-command'}, text: `kubeadm join 10.0.0.10:6443 --token abcdef.**************** --discovery-token-ca-cert-hash ${RIGHT_PIN}`},
    ]);
  });

  it('fails an expired token, with the TokenCleaner and a fresh join command', () => {
    const out = run({bootstrapTokens: collected([token({expiration: '2026-05-31T12:00:00Z'})])});
    expect(fails(out)).toEqual([
      'the bootstrap token "abcdef" expired at 2026-05-31T12:00:00Z: the TokenCleaner deletes it and join fails with "could not find a JWS signature in the cluster-info ConfigMap for token ID "abcdef""; on a control-plane node, `kubeadm token create --print-join-command` prints a fresh join command',
    ]);
    const v = out.find((x) => x.status === 'fail')!;
    expect(v.evidence[0]).toEqual({
      source: {command: 'GET /api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef'},
      text: 'token id abcdef expiration: 2026-05-31T12:00:00Z usages: authentication,signing groups: system:bootstrappers:kubeadm:default-node-token',
    });
  });

  it('warns a token that expires within the hour', () => {
    const out = run({bootstrapTokens: collected([token({expiration: '2026-06-01T00:20:00Z'})])});
    expect(out.filter((v) => v.status !== 'skip').map((v) => [v.status, v.summary])).toEqual([
      [
        'warn',
        'the bootstrap token "abcdef" expires in 20 min (2026-06-01T00:20:00Z): join soon, or make a new one (on a control-plane node, `kubeadm token create --print-join-command` prints a fresh join command)',
      ],
    ]);
  });

  it("fails an unknown token id with kubeadm's JWS line (K6), and does not repeat it for cluster-info", () => {
    const out = run({
      bootstrapTokens: collected([token({tokenId: 'zzzzzz', secretMatchesJoin: null})]),
      clusterInfo: collected(clusterInfo({jwsTokenIds: ['zzzzzz']})),
    });
    expect(fails(out)).toEqual([
      'no bootstrap token "abcdef" in the cluster (no Secret kube-system/bootstrap-token-abcdef): kubeadm join fails with "could not find a JWS signature in the cluster-info ConfigMap for token ID "abcdef"". Expired tokens are deleted by the TokenCleaner (default TTL 24 h); on a control-plane node, `kubeadm token create --print-join-command` prints a fresh join command',
    ]);
    expect(check.signatures.find((s) => s.id === 'kubeadm-jws-signature-missing')!.pattern.test(fails(out)[0]!)).toBe(true);
  });

  it("fails a token whose secret differs from the join command's, without showing either secret", () => {
    const out = run({bootstrapTokens: collected([token({secretMatchesJoin: false})])});
    expect(fails(out)).toEqual([
      'the bootstrap token id "abcdef" exists but its secret differs from the join command\'s: the API server refuses the token (Unauthorized); on a control-plane node, `kubeadm token create --print-join-command` prints a fresh join command',
    ]);
  });

  it('fails a token without the authentication usage', () => {
    const out = run({bootstrapTokens: collected([token({usages: ['signing']})])});
    expect(fails(out)).toEqual([
      'the bootstrap token "abcdef" lacks the usage authentication (TLS bootstrap: the kubelet authenticates with it): create one with the default usages (kubeadm token create)',
    ]);
  });

  it('fails a wrong CA hash, naming the CA and printing the right pin (K7)', () => {
    const out = run({join: join(joinCommand(WRONG_PIN))});
    const [summary] = fails(out);
    expect(summary).toBe(
      `none of the join command's --discovery-token-ca-cert-hash pins match the cluster CA "CN=kubernetes" (--discovery-token-ca-cert-hash ${RIGHT_PIN}): kubeadm join fails with "couldn't validate the identity of the API Server: cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${RIGHT_PIN}" are pinned"; use the pin shown (the CA was re-created, or the hash is from another cluster)`,
    );
    expect(check.signatures.find((s) => s.id === 'kubeadm-ca-pin-mismatch')!.pattern.test(summary!)).toBe(true);
    expect(out.find((v) => v.status === 'fail')?.evidence[1]).toEqual({
      source: {command: 'GET /api/v1/namespaces/kube-public/configmaps/cluster-info'},
      text: `CA subject=CN=kubernetes notAfter=2035-01-08T09:00:00Z pin=${RIGHT_PIN}`,
    });
  });

  it('accepts the right CA hash among several', () => {
    const out = run({join: join(joinCommand(`${WRONG_PIN},${RIGHT_PIN}`))});
    expect(out[0]?.status).toBe('pass');
    expect(out[0]?.summary).toContain('CA pin matches "CN=kubernetes"');
  });

  it('warns --discovery-token-unsafe-skip-ca-verification, showing the pin to use', () => {
    const out = run({join: join(`kubeadm join 10.0.0.10:6443 --token abcdef.${SECRET} --discovery-token-unsafe-skip-ca-verification`)});
    expect(out.filter((v) => v.status === 'warn').map((v) => v.summary)).toEqual([
      `--discovery-token-unsafe-skip-ca-verification: join trusts whatever answers at 10.0.0.10:6443; pin the CA with --discovery-token-ca-cert-hash ${RIGHT_PIN}`,
    ]);
  });

  it('fails cluster-info without a JWS signature for an existing token (BootstrapSigner)', () => {
    const out = run({clusterInfo: collected(clusterInfo({jwsTokenIds: []}))});
    expect(fails(out)[0]).toMatch(/^cluster-info has no jws-kubeconfig-abcdef signature: kubeadm join fails with "could not find a JWS signature/);
  });

  it('fails a cluster-info signature that does not verify with the join token (wrong secret, Secrets unreadable)', () => {
    const out = run({
      bootstrapTokens: notCollected('forbidden: the kubeconfig user cannot list secrets'),
      clusterInfo: collected(clusterInfo({jwsValidForJoin: false})),
    });
    expect(fails(out)).toEqual([
      expect.stringMatching(/^cluster-info's signature for token id "abcdef" does not verify with the join command's token: its secret half is wrong/),
    ]);
    expect(JSON.stringify(out)).not.toContain(SECRET);
    expect(fails(run({clusterInfo: collected(clusterInfo({jwsValidForJoin: true}))}))).toEqual([]);
  });

  it('fails a missing cluster-info and a missing kubelet-config ConfigMap', () => {
    const out = run({clusterInfo: collected(null), kubeletConfigMap: collected(null)});
    expect(fails(out)).toEqual([
      "kube-public/cluster-info does not exist: kubeadm join's discovery has nothing to read; on a control-plane node `kubeadm init phase bootstrap-token` recreates it",
      'no kubelet-config ConfigMap in kube-system: kubeadm join reads it at kubelet-start ("[kubelet-start] Downloading configuration for the kubelet from the "kubelet-config" ConfigMap") and fails; on a control-plane node `kubeadm init phase upload-config kubelet` uploads it',
    ]);
  });

  it('fails problems of the join command itself (a malformed token), masking the secret', () => {
    const out = run({join: join(`kubeadm join 10.0.0.10:6443 --token ABCDEF.${SECRET} --discovery-token-ca-cert-hash ${RIGHT_PIN}`)});
    expect(fails(out)).toEqual(['the join command: the token ABCDEF.**************** is not of the form [a-z0-9]{6}.[a-z0-9]{16}']);
  });

  it('fails a pending CSR for this node (TLS bootstrap waits for approval), and a denied one', () => {
    const out = run({csrs: collected([csr()])});
    expect(fails(out)).toEqual([
      "TLS bootstrap waits for approval: CSR csr-8x2kq from system:bootstrap:abcdef is Pending; kubectl certificate approve csr-8x2kq; check the kubeadm:node-autoapprove-bootstrap binding and kube-controller-manager's csrapproving controller",
    ]);
    const denied = run({csrs: collected([csr({status: 'denied', reason: 'AdminDenied: not ours'})])});
    expect(fails(denied)[0]).toMatch(/^the node's latest client CSR csr-8x2kq was denied \(AdminDenied: not ours\)/);
    const rotation = run({csrs: collected([csr({username: 'system:node:node-1'})])});
    expect(fails(rotation)[0]).toMatch(
      /^client certificate rotation waits for approval: CSR csr-8x2kq from system:node:node-1 is Pending;.*kubeadm:node-autoapprove-certificate-rotation/,
    );
    const reissued = run({csrs: collected([csr({status: 'denied'}), csr({name: 'csr-later', status: 'issued', creationTimestamp: '2026-05-31T23:58:00Z'})])});
    expect(fails(reissued)).toEqual([]);
  });

  it('fails when a Node of this name already exists', () => {
    const out = run({node: collected(nodeView())});
    expect(fails(out)[0]).toMatch(/^a Node named node-1 already exists \(Ready=True\): kubeadm join would clash with it/);
  });

  describe('a node that has already joined', () => {
    let joined: Pick<Facts, 'argv' | 'kubeconfig' | 'certs'>;
    beforeAll(async () => {
      const ca = await makeCA();
      const c = await issue(ca, {cn: 'system:node:node-1', o: ['system:nodes']});
      const CURRENT = '/var/lib/kubelet/pki/kubelet-client-current.pem';
      joined = tlsFacts(
        rawFrom(
          {'/etc/kubernetes/kubelet.conf': kubeletConf({caData: ca.pem}), [CURRENT]: certAndKey(c)},
          {records: {[CURRENT]: {keys: [{origin: CURRENT, spkiSha256: c.key.spkiSha256}]}}},
        ),
      );
    });

    it('warns instead of failing on its own Node', () => {
      const out = run({node: collected(nodeView())}, joined);
      expect(fails(out)).toEqual([]);
      expect(out.find((v) => v.status === 'warn')?.summary).toMatch(
        /^this node has already joined: a Node named node-1 exists and the kubelet's client certificate is system:node:node-1/,
      );
    });
  });

  describe('the join endpoint as the node sees it', () => {
    const result = (over: Partial<HttpResult>): HttpResult => ({
      tool: 'curl',
      url: 'https://10.0.0.10:6443/api/v1/namespaces/kube-public/configmaps/cluster-info',
      outcome: 'ok',
      status: 200,
      body: '{"kind":"ConfigMap"',
      date: null,
      detail: 'HTTP/1.1 200 OK',
      tlsVerified: false,
      unverifiedClient: false,
      source: {command: 'curl -sk https://10.0.0.10:6443/api/v1/namespaces/kube-public/configmaps/cluster-info'},
      text: 'HTTP/1.1 200 OK',
      ...over,
    });
    const endpoint = (r: HttpResult) => ({joinEndpoint: collected({endpoint: '10.0.0.10:6443', result: r})});

    it('passes when the node gets cluster-info', () => {
      const out = run({}, endpoint(result({})));
      expect(out).toHaveLength(1);
      expect(out[0]?.summary).toContain('the node reaches 10.0.0.10:6443');
    });

    it('still judges the endpoint when the cluster could not be read', () => {
      const facts = makeFacts({
        cluster: notCollected('no --kubeconfig given'),
        ...endpoint(result({outcome: 'timeout', status: null, detail: 'curl: (28) Connection timed out', text: 'curl: (28) Connection timed out'})),
      });
      const out = [check.evaluate(facts, ctx)].flat();
      expect(out.map((v) => v.status)).toEqual(['fail', 'skip']);
      expect(out[0]?.summary).toBe(
        'the node cannot reach the join endpoint 10.0.0.10:6443 (timeout): curl: (28) Connection timed out; kubeadm join stops at discovery',
      );
    });

    it('fails when the node cannot connect, or the anonymous request is refused', () => {
      const refused = run(
        {},
        endpoint(
          result({
            outcome: 'refused',
            status: null,
            detail: 'curl: (7) Failed to connect to 10.0.0.10 port 6443: Connection refused',
            text: 'curl: (7) Failed to connect to 10.0.0.10 port 6443: Connection refused',
          }),
        ),
      );
      expect(fails(refused)).toEqual([
        'the node cannot reach the join endpoint 10.0.0.10:6443 (refused): curl: (7) Failed to connect to 10.0.0.10 port 6443: Connection refused; kubeadm join stops at discovery',
      ]);
      const forbidden = run({}, endpoint(result({outcome: 'http-error', status: 403, detail: 'HTTP/1.1 403 Forbidden'})));
      expect(fails(forbidden)[0]).toMatch(/^the API server at 10\.0\.0\.10:6443 refuses the anonymous GET of cluster-info \(HTTP 403\)/);
    });
  });

  it('never prints the token secret, whatever goes wrong', () => {
    const everything = run({
      join: join(joinCommand(WRONG_PIN)),
      bootstrapTokens: collected([token({secretMatchesJoin: false, expiration: '2026-05-01T00:00:00Z', usages: []})]),
      clusterInfo: collected(clusterInfo({jwsTokenIds: []})),
      kubeletConfigMap: collected(null),
      csrs: collected([csr()]),
      node: collected(nodeView()),
    });
    expect(fails(everything).length).toBeGreaterThanOrEqual(6);
    expect(JSON.stringify(everything)).not.toContain(SECRET);
  });

  it('skips without --join-command, and without a cluster view', () => {
    expect(check.evaluate(withCluster({join: null}), ctx)).toEqual({status: 'skip', summary: 'no --join-command given', evidence: []});
    expect(check.evaluate(makeFacts({cluster: notCollected('no --kubeconfig given')}), ctx)).toEqual({
      status: 'skip',
      summary: 'no --kubeconfig given',
      evidence: [],
    });
    expect(check.evaluate(makeFacts({cluster: collected(clusterFacts())}), ctx)).toMatchObject({status: 'skip'});
  });
});
