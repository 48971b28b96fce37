import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {InputError, TargetError} from '../../src/errors.js';
import {createClusterCa} from '../../src/lab/pki.js';
import {listClusterNodes, type ClusterQuery} from '../../src/targets/cluster-nodes.js';
import {resolveTargetsAsync} from '../../src/targets/resolve.js';
import {startApiServer, type ApiServer} from '../helpers/apiserver.js';
import {freePort, silentListener} from '../helpers/sshd.js';

let dir: string;
let api: ApiServer;
let kubeconfig: string;

const query = (over: Partial<ClusterQuery> = {}): ClusterQuery => ({
  kubeconfig,
  context: null,
  selector: null,
  addressType: 'InternalIP',
  timeoutMs: 10_000,
  ...over,
});

async function failure(q: ClusterQuery): Promise<Error> {
  try {
    await listClusterNodes(q);
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected listing to fail');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-cluster-'));
  api = await startApiServer({
    nodes: [
      {name: 'cp-1', labels: {'node-role.kubernetes.io/control-plane': ''}},
      {name: 'worker-1', labels: {pool: 'general'}},
      {
        name: 'worker-2',
        labels: {pool: 'gpu'},
        addresses: [
          {type: 'InternalIP', address: '127.0.0.1'},
          {type: 'ExternalIP', address: '127.0.0.2'},
        ],
      },
    ],
  });
  kubeconfig = await api.kubeconfig(join(dir, 'kubeconfig'));
});
afterAll(async () => {
  await api.close();
  await rm(dir, {recursive: true, force: true});
});

describe('listing cluster nodes', () => {
  it('lists every node with its InternalIP and labels, over client-certificate TLS', async () => {
    const nodes = await listClusterNodes(query());
    expect(nodes.map((n) => `${n.name} ${n.address}`)).toEqual(['cp-1 127.0.0.1', 'worker-1 127.0.0.1', 'worker-2 127.0.0.1']);
    expect(nodes[1]!.labels).toMatchObject({pool: 'general', 'kubernetes.io/hostname': 'worker-1'});
    expect(api.requests).toContain('GET /api/v1/nodes');
  });

  it('sends the label selector to the API server', async () => {
    const nodes = await listClusterNodes(query({selector: 'pool in (gpu)'}));
    expect(nodes.map((n) => n.name)).toEqual(['worker-2']);
    expect(api.requests.at(-1)).toBe('GET /api/v1/nodes?labelSelector=pool+in+%28gpu%29');
  });

  it('takes the address type asked for, and null when the node has none', async () => {
    const nodes = await listClusterNodes(query({addressType: 'ExternalIP'}));
    expect(nodes.map((n) => n.address)).toEqual([null, null, '127.0.0.2']);
  });

  it('turns nodes into SSH targets named after the node, reached at their address', async () => {
    const targets = await resolveTargetsAsync({
      local: false,
      root: [],
      snapshot: [],
      hostRoot: null,
      positional: [],
      ssh: {user: 'core', port: '2222', sshConfig: 'none'},
      cluster: {kubeconfig, selector: 'pool'},
    });
    expect(targets.map((t) => (t.kind === 'ssh' ? `${t.name} ${t.ssh.user}@${t.ssh.host}:${t.ssh.port} pool=${t.labels['pool']}` : t.kind))).toEqual([
      'worker-1 core@127.0.0.1:2222 pool=general',
      'worker-2 core@127.0.0.1:2222 pool=gpu',
    ]);
  });

  it('says no node matched a selector', async () => {
    const e = await failure(query({selector: 'pool=none'}));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe(`no node in ${api.url} (context lab) matches -l pool=none`);
  });

  it('reports a refused connection as an unreachable cluster, naming the server', async () => {
    const port = await freePort();
    const f = join(dir, 'refused');
    await writeFile(f, (await import('node:fs')).readFileSync(kubeconfig, 'utf8').replace(api.url, `https://127.0.0.1:${port}`));
    const e = await failure(query({kubeconfig: f}));
    expect(e).toBeInstanceOf(TargetError);
    expect((e as TargetError).kind).toBe('unreachable');
    expect(e.message).toBe(`cannot list nodes from https://127.0.0.1:${port} (context lab): connection refused`);
  });

  it('refuses a server whose certificate the kubeconfig CA does not sign', async () => {
    const other = await createClusterCa(new Date());
    const f = await api.kubeconfig(join(dir, 'wrong-ca'), {caPem: other.certPem});
    const e = await failure(query({kubeconfig: f}));
    expect(e.message).toMatch(/^cannot list nodes from https:\/\/127\.0\.0\.1:\d+ \(context lab\): the server's TLS certificate is not trusted/);
  });

  it('times out on a server that never answers', async () => {
    const silent = await silentListener();
    try {
      const f = join(dir, 'silent');
      await writeFile(f, (await import('node:fs')).readFileSync(kubeconfig, 'utf8').replace(api.url, `https://127.0.0.1:${silent.port}`));
      const started = Date.now();
      const e = await failure(query({kubeconfig: f, timeoutMs: 1000}));
      expect((e as TargetError).kind).toBe('timeout');
      expect(e.message).toMatch(/did not list nodes within 1 s/);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await silent.close();
    }
  });

  it('says the kubeconfig user may not list nodes', async () => {
    const denied = await startApiServer({nodes: [], forbidden: true});
    try {
      const f = await denied.kubeconfig(join(dir, 'denied'));
      const e = await failure(query({kubeconfig: f}));
      expect((e as TargetError).kind).toBe('auth');
      expect(e.message).toMatch(/refused to list nodes \(HTTP 403: nodes is forbidden: User "system:node:operator" cannot list resource "nodes"/);
    } finally {
      await denied.close();
    }
  });

  it('names a missing kubeconfig and an unknown context', async () => {
    await expect(listClusterNodes(query({kubeconfig: join(dir, 'nope')}))).rejects.toThrow(`--kubeconfig ${join(dir, 'nope')}: no such file`);
    const e = await failure(query({context: 'prod'}));
    expect(e.message).toBe(`--context prod: no such context in ${kubeconfig}`);
    expect((e as InputError).hint).toBe('contexts there: lab');
  });
});
