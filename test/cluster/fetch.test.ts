import {describe, it, expect, beforeAll, afterAll, vi} from 'vitest';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fetchClusterView, type ClusterViewQuery} from '../../src/cluster/fetch.js';
import {parseJoinInput} from '../../src/cluster/join-command.js';
import {InputError} from '../../src/errors.js';
import type {ClusterView} from '../../src/facts/live/cluster.js';
import {startApiServer, type ApiServer, type ApiServerOptions} from '../helpers/apiserver.js';
import {freePort} from '../helpers/sshd.js';

const SECRET = '0123456789abcdef';
const OTHER_SECRET = 'zyxwvutsrqponmlk';
const OLD = '2024-05-01T09:00:00Z';

const cluster: ApiServerOptions = {
  gitVersion: 'v1.29.4',
  nodes: [
    {name: 'node-1', nodeInfo: {osImage: 'Debian GNU/Linux 12 (bookworm)'}},
    {
      name: 'node-2',
      kubeletVersion: 'v1.28.9',
      unschedulable: true,
      conditions: [
        {type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: OLD},
        {type: 'MemoryPressure', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: OLD},
      ],
      taints: [
        {key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: '2024-05-01T09:05:00Z'},
        {key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule'},
      ],
      lease: {renewTime: OLD, holderIdentity: 'node-2', leaseDurationSeconds: 40},
    },
    {name: 'node-3', lease: null},
  ],
  csrs: [
    {name: 'csr-pending', commonName: 'system:node:node-3'},
    {name: 'csr-issued', commonName: 'system:node:node-1', username: 'system:node:node-1', status: 'issued'},
    {name: 'csr-denied', commonName: 'system:node:node-2', status: 'denied', reason: 'not one of ours'},
    {name: 'csr-serving', commonName: 'system:node:node-1', username: 'system:node:node-1', signerName: 'kubernetes.io/kubelet-serving', status: 'approved'},
    {name: 'csr-other', commonName: 'someone', username: 'alice', signerName: 'example.com/other'},
  ],
  bootstrapTokens: [
    {id: 'abcdef', secret: SECRET, expiration: '2024-05-02T10:00:00Z', description: 'join node-3'},
    {id: 'ghijkl', secret: OTHER_SECRET, usages: ['authentication'], groups: ['system:bootstrappers:kubeadm:default-node-token', 'system:bootstrappers:extra']},
  ],
};

let dir: string;
let api: ApiServer;
let kubeconfig: string;
let view: ClusterView;

const joinWith = (token: string) => parseJoinInput(`sudo kubeadm join 127.0.0.1:6443 --token ${token} --discovery-token-ca-cert-hash sha256:${'a'.repeat(64)}`);
const query = (over: Partial<ClusterViewQuery> = {}): ClusterViewQuery => ({
  kubeconfig,
  context: null,
  inCluster: null,
  timeoutMs: 20_000,
  join: joinWith(`abcdef.${SECRET}`),
  ...over,
});

/** A kubeconfig for `api` pointing at another URL. */
async function pointedAt(url: string, name: string): Promise<string> {
  const f = join(dir, name);
  await writeFile(f, (await readFile(kubeconfig, 'utf8')).replace(api.url, url));
  return f;
}

const PIECES = ['apiserverVersion', 'nodes', 'leases', 'csrs', 'bootstrapTokens', 'clusterInfo', 'kubeletConfigMap'] as const;
const reasons = (v: ClusterView) => PIECES.map((p) => (v[p].collected ? 'collected' : v[p].reason));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-fetch-'));
  api = await startApiServer(cluster);
  kubeconfig = await api.kubeconfig(join(dir, 'kubeconfig'));
  view = await fetchClusterView(query());
});
afterAll(async () => {
  await api.close();
  await rm(dir, {recursive: true, force: true});
});

describe('fetching the cluster view', () => {
  it('names the server and context, and reads the apiserver version', () => {
    expect(view).toMatchObject({server: api.url, context: 'lab', apiserverVersion: {collected: true, value: 'v1.29.4'}});
    expect(Date.parse(view.fetchedAt)).not.toBeNaN();
  });

  it('maps every Node: conditions, taints, addresses, nodeInfo', () => {
    expect(view.nodes.collected && view.nodes.value.map((n) => n.name)).toEqual(['node-1', 'node-2', 'node-3']);
    const node2 = view.nodes.collected ? view.nodes.value[1] : null;
    expect(node2).toEqual({
      name: 'node-2',
      creationTimestamp: '2024-05-01T10:00:00Z',
      unschedulable: true,
      conditions: [
        {
          type: 'Ready',
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          message: 'Kubelet stopped posting node status.',
          lastHeartbeatTime: OLD,
          lastTransitionTime: '2024-05-01T10:00:00Z',
        },
        {
          type: 'MemoryPressure',
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          message: 'Kubelet stopped posting node status.',
          lastHeartbeatTime: OLD,
          lastTransitionTime: '2024-05-01T10:00:00Z',
        },
      ],
      taints: [
        {key: 'node.kubernetes.io/unreachable', value: null, effect: 'NoSchedule', timeAdded: '2024-05-01T09:05:00Z'},
        {key: 'node.kubernetes.io/unschedulable', value: null, effect: 'NoSchedule', timeAdded: null},
      ],
      addresses: [
        {type: 'InternalIP', address: '127.0.0.1'},
        {type: 'Hostname', address: 'node-2'},
      ],
      nodeInfo: {kubeletVersion: 'v1.28.9', containerRuntimeVersion: 'containerd://1.7.13', osImage: 'Ubuntu 22.04.4 LTS', kernelVersion: '5.15.0-105-generic'},
    });
    expect(view.nodes.collected && view.nodes.value[0]!).toMatchObject({
      unschedulable: false,
      taints: [],
      nodeInfo: {osImage: 'Debian GNU/Linux 12 (bookworm)'},
    });
  });

  it('maps the node leases by name', () => {
    expect(view.leases.collected && Object.keys(view.leases.value).sort()).toEqual(['node-1', 'node-2']);
    expect(view.leases.collected && view.leases.value['node-2']).toEqual({
      holderIdentity: 'node-2',
      renewTime: '2024-05-01T09:00:00.000000Z',
      leaseDurationSeconds: 40,
    });
  });

  it('keeps the kubelet CSRs, with the CN read from the PKCS#10 request and the status from the conditions', () => {
    expect(view.csrs.collected && view.csrs.value.map((c) => [c.name, c.signerName, c.username, c.requestedCommonName, c.status, c.reason])).toEqual([
      ['csr-pending', 'kubernetes.io/kube-apiserver-client-kubelet', 'system:bootstrap:abcdef', 'system:node:node-3', 'pending', null],
      ['csr-issued', 'kubernetes.io/kube-apiserver-client-kubelet', 'system:node:node-1', 'system:node:node-1', 'issued', null],
      ['csr-denied', 'kubernetes.io/kube-apiserver-client-kubelet', 'system:bootstrap:abcdef', 'system:node:node-2', 'denied', 'not one of ours'],
      ['csr-serving', 'kubernetes.io/kubelet-serving', 'system:node:node-1', 'system:node:node-1', 'approved', null],
    ]);
  });

  it('reads bootstrap tokens through the field selector, and compares the join token secret without keeping it', () => {
    expect(api.requests).toContain('GET /api/v1/namespaces/kube-system/secrets?fieldSelector=type%3Dbootstrap.kubernetes.io%2Ftoken');
    expect(view.bootstrapTokens.collected && view.bootstrapTokens.value).toEqual([
      {
        tokenId: 'abcdef',
        expiration: '2024-05-02T10:00:00Z',
        usages: ['authentication', 'signing'],
        groups: ['system:bootstrappers:kubeadm:default-node-token'],
        description: 'join node-3',
        secretMatchesJoin: true,
      },
      {
        tokenId: 'ghijkl',
        expiration: null,
        usages: ['authentication'],
        groups: ['system:bootstrappers:kubeadm:default-node-token', 'system:bootstrappers:extra'],
        description: null,
        secretMatchesJoin: null,
      },
    ]);
  });

  it('says when the join token secret differs, and null without a join command', async () => {
    const wrong = await fetchClusterView(query({join: joinWith('abcdef.aaaaaaaaaaaaaaaa')}));
    expect(wrong.bootstrapTokens.collected && wrong.bootstrapTokens.value.map((t) => t.secretMatchesJoin)).toEqual([false, null]);
    const none = await fetchClusterView(query({join: null}));
    expect(none.join).toBeNull();
    expect(none.bootstrapTokens.collected && none.bootstrapTokens.value.map((t) => t.secretMatchesJoin)).toEqual([null, null]);
  });

  it('reads cluster-info: the server, the CA with its kubeadm pin, and the tokens that signed it', () => {
    expect(view.clusterInfo).toEqual({
      collected: true,
      value: {
        server: api.url,
        cas: [{subject: 'CN=kubernetes', notAfter: api.ca.cert.notAfter.toISOString(), pin: `sha256:${api.ca.spkiSha256}`}],
        jwsTokenIds: ['abcdef'],
        // The run's join command carries the token the stand-in's BootstrapSigner signed with.
        jwsValidForJoin: true,
        error: null,
      },
    });
  });

  it('finds the kubelet-config ConfigMap, and keeps the parsed join command', () => {
    expect(view.kubeletConfigMap).toEqual({collected: true, value: {name: 'kubelet-config'}});
    expect(view.join).toMatchObject({
      endpoint: '127.0.0.1:6443',
      tokenId: 'abcdef',
      tokenFormatValid: true,
      text: expect.stringContaining('--token abcdef.****************'),
    });
  });

  it('never holds a token secret or a key', () => {
    const text = JSON.stringify(view);
    for (const secret of [SECRET, OTHER_SECRET, 'token-secret', 'PRIVATE KEY', 'client-key-data']) expect(text).not.toContain(secret);
  });
});

describe('what the cluster does not have', () => {
  it('falls back to kubelet-config-1.<minor> and reads a missing cluster-info as absent', async () => {
    const old = await startApiServer({nodes: [], gitVersion: 'v1.22.17', kubeletConfigMap: 'kubelet-config-1.22', clusterInfo: false});
    try {
      const v = await fetchClusterView(query({kubeconfig: await old.kubeconfig(join(dir, 'old'))}));
      expect(v.kubeletConfigMap).toEqual({collected: true, value: {name: 'kubelet-config-1.22'}});
      expect(v.clusterInfo).toEqual({collected: true, value: null});
      expect(v.nodes).toEqual({collected: true, value: []});
    } finally {
      await old.close();
    }
  });

  it('reads an absent kubelet-config as null', async () => {
    const bare = await startApiServer({nodes: [], kubeletConfigMap: null});
    try {
      const v = await fetchClusterView(query({kubeconfig: await bare.kubeconfig(join(dir, 'bare'))}));
      expect(v.kubeletConfigMap).toEqual({collected: true, value: null});
      expect(bare.requests).toContain('GET /api/v1/namespaces/kube-system/configmaps/kubelet-config-1.30');
    } finally {
      await bare.close();
    }
  });
});

describe('when the cluster says no or does not answer', () => {
  it('marks only the forbidden piece as not collected, with the can-i question to ask', async () => {
    const rbac = await startApiServer({...cluster, forbidden: ['certificatesigningrequests', 'configmaps']});
    try {
      const v = await fetchClusterView(query({kubeconfig: await rbac.kubeconfig(join(dir, 'rbac'))}));
      expect(reasons(v)).toEqual([
        'collected',
        'collected',
        'collected',
        'forbidden: the kubeconfig user cannot list certificatesigningrequests (kubectl auth can-i list csr)',
        'collected',
        'forbidden: the kubeconfig user cannot get configmap kube-public/cluster-info (kubectl auth can-i get configmap/cluster-info -n kube-public)',
        'forbidden: the kubeconfig user cannot get configmap kube-system/kubelet-config (kubectl auth can-i get configmap/kubelet-config -n kube-system)',
      ]);
    } finally {
      await rbac.close();
    }
  });

  it('gives every piece the same reason when the port is closed', async () => {
    const port = await freePort();
    const v = await fetchClusterView(query({kubeconfig: await pointedAt(`https://127.0.0.1:${port}`, 'closed')}));
    expect(new Set(reasons(v))).toEqual(new Set([`cannot reach the API server at https://127.0.0.1:${port} (context lab): connection refused`]));
  });

  it('says when the server is not the one the kubeconfig trusts, or does not accept its credentials', async () => {
    const other = await startApiServer({nodes: []});
    try {
      const wrongCa = await fetchClusterView(query({kubeconfig: await api.kubeconfig(join(dir, 'wrong-ca'), {caPem: other.ca.certPem})}));
      const untrusted = reasons(wrongCa);
      expect(new Set(untrusted).size).toBe(1);
      expect(untrusted[0]).toBe(
        `cannot reach the API server at ${api.url} (context lab): the server's TLS certificate is not trusted (${untrusted[0]!.match(/\(([A-Z_]+)\)$/)?.[1]})`,
      );
      const f = join(dir, 'stranger');
      await writeFile(f, (await readFile(await other.kubeconfig(f, {caPem: api.ca.certPem}), 'utf8')).replace(other.url, api.url));
      const stranger = await fetchClusterView(query({kubeconfig: f}));
      expect(new Set(reasons(stranger))).toEqual(
        new Set([`unauthorized: the API server at ${api.url} (context lab) does not accept the kubeconfig's credentials`]),
      );
    } finally {
      await other.close();
    }
  });

  it('gives up on a server that never answers, at the deadline', async () => {
    const silent = await startApiServer({...cluster, hang: true});
    try {
      const v = await fetchClusterView(query({kubeconfig: await silent.kubeconfig(join(dir, 'silent')), timeoutMs: 1000}));
      expect(new Set(reasons(v))).toEqual(new Set([`the API server at ${silent.url} (context lab) did not answer within 1 s`]));
      expect(silent.requests.length).toBeGreaterThanOrEqual(6);
    } finally {
      await silent.close();
    }
  });

  it('stops when the caller aborts', async () => {
    const silent = await startApiServer({nodes: [], hang: true});
    try {
      const ctl = new AbortController();
      const pending = fetchClusterView(query({kubeconfig: await silent.kubeconfig(join(dir, 'aborted')), signal: ctl.signal}));
      setTimeout(() => ctl.abort(), 200);
      expect(new Set(reasons(await pending))).toEqual(new Set(['interrupted before the API server answered']));
    } finally {
      await silent.close();
    }
  });

  it('throws only for a bad kubeconfig or an unknown context', async () => {
    await expect(fetchClusterView(query({context: 'prod'}))).rejects.toBeInstanceOf(InputError);
    await expect(fetchClusterView(query({kubeconfig: join(dir, 'nope')}))).rejects.toThrow(`--kubeconfig ${join(dir, 'nope')}: no such file`);
  });
});

describe('in a pod', () => {
  it('uses the service account token and CA when there is no kubeconfig', async () => {
    const pod = await startApiServer({nodes: [{name: 'node-1'}], bearerTokens: {'sa-token-for-tests': 'system:serviceaccount:kube-system:kubelet-doctor'}});
    const sa = join(dir, 'serviceaccount');
    await mkdir(sa, {recursive: true});
    await writeFile(join(sa, 'token'), 'sa-token-for-tests');
    await writeFile(join(sa, 'ca.crt'), pod.ca.certPem);
    vi.stubEnv('KUBECONFIG', '');
    try {
      const port = new URL(pod.url).port;
      const v = await fetchClusterView(query({kubeconfig: null, inCluster: {host: '127.0.0.1', port, dir: sa}}));
      expect(v).toMatchObject({server: pod.url, context: 'in-cluster', nodes: {collected: true, value: [{name: 'node-1'}]}});
      expect(JSON.stringify(v)).not.toContain('sa-token-for-tests');
    } finally {
      vi.unstubAllEnvs();
      await pod.close();
    }
  });
});
