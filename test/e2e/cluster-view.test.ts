/**
 * End-to-end: the real binary reads the cluster's view through @kubernetes/client-node from the
 * stand-in API server (test/helpers/apiserver.ts: HTTPS with client-certificate auth, the real
 * JSON wire format) and joins it with lab node trees read offline (`--root`): one report with
 * the Node's conditions beside the node's findings, first cause first; `kubeadm join`
 * diagnosis with --join-command; an unreachable cluster never holding the node checks back.
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {X509Certificate, createHash} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, rm} from 'node:fs/promises';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {writeNodeTree, type NodeTreeInfo} from '../../src/lab/node-tree.js';
import {startApiServer, type ApiServer} from '../helpers/apiserver.js';
import {BIN, runCli, type CliRun} from '../helpers/sshd.js';

const TOKEN_ID = 'abcdef';
const TOKEN_SECRET = '0123456789abcdef';
const HOUR = 3_600_000;

let dir: string;
let home: string;
let sick: NodeTreeInfo;
let fresh: NodeTreeInfo;
let api: ApiServer;
let kubeconfig: string;
let pin: string;
const outputs: string[] = [];

interface Result {
  id: string;
  status: string;
  summary: string;
  causedBy: string | null;
}
interface Target {
  node: string;
  status: string;
  cluster?: {
    nodeName: string;
    apiserverVersion: string | null;
    node: {registered: boolean; ready?: {status: string; reason: string | null; message: string | null}; taints?: string[]} | null;
    leaseRenewedSecondsAgo: number | null;
    csrs: {name: string; status: string}[];
  } | null;
  results: Result[];
}
const report = (r: CliRun) => JSON.parse(r.stdout) as {targets: Target[]};
const result = (t: Target, id: string) => t.results.find((x) => x.id === id)!;

async function cli(args: string[]): Promise<CliRun> {
  const r = await runCli(args, {env: {HOME: home, KUBECONFIG: '', KUBELET_DOCTOR_JOIN_COMMAND: ''}});
  outputs.push(r.stdout, r.stderr);
  return r;
}

beforeAll(async () => {
  expect(existsSync(BIN), 'build first: npx tsc -p .').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'kd-e2e-cluster-'));
  home = join(dir, 'home');
  await mkdir(home);
  sick = await writeNodeTree(join(dir, 'node-7'), {layout: 'deb', hostname: 'node-7', kubeletVersion: 'v1.30.2', scenario: 'no-cni'});
  fresh = await writeNodeTree(join(dir, 'new-node'), {layout: 'deb', hostname: 'new-node', kubeletVersion: 'v1.30.2'});
  const now = Date.now();
  api = await startApiServer({
    gitVersion: 'v1.33.1',
    nodes: [
      {
        name: 'node-7',
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'KubeletNotReady',
            message:
              'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized',
          },
        ],
        taints: [{key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule'}],
        lease: {renewTime: new Date(now - 5000).toISOString()},
      },
    ],
    csrs: [{name: 'csr-new-node', commonName: 'system:node:new-node', username: `system:bootstrap:${TOKEN_ID}`, status: 'pending'}],
    bootstrapTokens: [{id: TOKEN_ID, secret: TOKEN_SECRET, expiration: new Date(now + 20 * HOUR).toISOString()}],
    clusterInfo: {signWith: [{id: TOKEN_ID, secret: TOKEN_SECRET}]},
  });
  kubeconfig = await api.kubeconfig(join(dir, 'kubeconfig'));
  const spki = new X509Certificate(api.ca.certPem).publicKey.export({type: 'spki', format: 'der'});
  pin = `sha256:${createHash('sha256').update(spki).digest('hex')}`;
});
afterAll(async () => {
  await api?.close();
  if (dir) await rm(dir, {recursive: true, force: true});
});

const join7 = (hash: string, token = `${TOKEN_ID}.${TOKEN_SECRET}`) => `kubeadm join 127.0.0.1:6443 --token ${token} --discovery-token-ca-cert-hash ${hash}`;

describe('the cluster view beside the node (stand-in API server)', () => {
  it('shows a NotReady Node beside the node findings, and folds node-status under the missing CNI config', async () => {
    const r = await cli(['check', '--root', sick.root, '--kubeconfig', kubeconfig, '--output', 'json']);
    expect(r.code, r.stderr).toBe(1);
    const t = report(r).targets[0]!;
    expect(t.cluster).toMatchObject({
      nodeName: 'node-7',
      apiserverVersion: 'v1.33.1',
      node: {registered: true, ready: {status: 'False', reason: 'KubeletNotReady'}, taints: ['node.kubernetes.io/not-ready:NoSchedule']},
    });
    expect(t.cluster!.leaseRenewedSecondsAgo).toBeGreaterThanOrEqual(4);
    expect(result(t, 'cni-config').status).toBe('fail');
    const ns = result(t, 'node-status');
    expect(ns.status).toBe('fail');
    expect(ns.summary).toMatch(/cni plugin not initialized|NotReady|Ready/);
    expect(ns.causedBy).toBe('cni-config');
    // kubelet v1.30 under apiserver v1.33: three minors older, the most the policy allows.
    expect(result(t, 'version-skew').status).toBe('warn');
  });

  it('prints the cluster view in the text report', async () => {
    const r = await cli(['check', '--root', sick.root, '--kubeconfig', kubeconfig, '--no-color']);
    expect(r.stdout).toMatch(/cluster node: +node-7: NotReady \(Ready=False, KubeletNotReady\)/);
    expect(r.stdout).toMatch(/cluster versions: +apiserver v1\.33\.1/);
  });

  it('diagnoses a kubeadm join: a valid token and the right CA pin pass; the pending CSR is named', async () => {
    const r = await cli([
      'check',
      '--root',
      fresh.root,
      '--kubeconfig',
      kubeconfig,
      '--join-command',
      join7(pin),
      '--output',
      'json',
      '--only',
      'join-prereqs',
    ]);
    const jp = result(report(r).targets[0]!, 'join-prereqs');
    expect(jp.summary).toMatch(/csr-new-node/);
    expect(jp.summary).not.toMatch(/pin|hash/i);
  });

  it('a wrong CA hash fails and shows the right pin; an unknown token id fails', async () => {
    const wrong = `sha256:${'0'.repeat(64)}`;
    const r = await cli([
      'check',
      '--root',
      fresh.root,
      '--kubeconfig',
      kubeconfig,
      '--join-command',
      join7(wrong),
      '--output',
      'json',
      '--only',
      'join-prereqs',
    ]);
    const t = report(r).targets[0]!;
    const jp = result(t, 'join-prereqs');
    expect(jp.status).toBe('fail');
    expect(JSON.stringify(t)).toContain(pin);
    const u = await cli([
      'check',
      '--root',
      fresh.root,
      '--kubeconfig',
      kubeconfig,
      '--join-command',
      join7(pin, 'zzzzzz.0123456789abcdef'),
      '--output',
      'json',
      '--only',
      'join-prereqs',
    ]);
    expect(JSON.stringify(report(u).targets[0])).toMatch(/zzzzzz/);
    expect(result(report(u).targets[0]!, 'join-prereqs').status).toBe('fail');
  });

  it('an unreachable API server turns the cluster checks into skips with the reason; the node checks still run', async () => {
    const port = await new Promise<number>((res) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as {port: number}).port;
        s.close(() => res(p));
      });
    });
    const dead = join(dir, 'dead.kubeconfig');
    await api.kubeconfig(dead);
    const {readFile, writeFile} = await import('node:fs/promises');
    await writeFile(dead, (await readFile(dead, 'utf8')).replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${port}`));
    const r = await cli(['check', '--root', sick.root, '--kubeconfig', dead, '--output', 'json']);
    expect(r.code, r.stderr).toBe(1);
    const t = report(r).targets[0]!;
    expect(result(t, 'cni-config').status).toBe('fail');
    const ns = result(t, 'node-status');
    expect(ns.status).toBe('skip');
    expect(ns.summary).toMatch(/refused|127\.0\.0\.1/);
  });

  it('a missing kubeconfig or unknown context is bad input: exit 2, one line, no stack', async () => {
    const r = await cli(['check', '--root', sick.root, '--kubeconfig', join(dir, 'nope'), '--output', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope: no such file/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const c = await cli(['check', '--root', sick.root, '--kubeconfig', kubeconfig, '--context', 'prod', '--output', 'json']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/--context prod: no such context/);
  });

  it('--root stays offline without cluster options, and --no-cluster wins over --kubeconfig', async () => {
    const before = api.requests.length;
    const r = await cli(['check', '--root', sick.root, '--output', 'json']);
    expect(report(r).targets[0]!.cluster).toBeUndefined();
    expect(result(report(r).targets[0]!, 'node-status').status).toBe('skip');
    const n = await cli(['check', '--root', sick.root, '--kubeconfig', kubeconfig, '--no-cluster', '--output', 'json']);
    expect(report(n).targets[0]!.cluster).toBeUndefined();
    expect(api.requests.length).toBe(before);
  });

  it('never prints the token secret or a private key', () => {
    const all = outputs.join('\n');
    expect(all).not.toContain(TOKEN_SECRET);
    expect(all).not.toMatch(/PRIVATE KEY|client-key-data: [A-Za-z0-9+/]{20}/);
  });
});

describe('runbooks read the cluster view too', () => {
  it('node-notready-after-upgrade with --kubeconfig: node-status and version-skew from the stand-in, cluster view in the report', async () => {
    const rb = join(import.meta.dirname, '../../docs/runbooks/node-notready-after-upgrade.yaml');
    const out = join(dir, 'runbook.json');
    const r = await cli(['runbook', rb, '--root', sick.root, '--kubeconfig', kubeconfig, '--dry-run', '-o', out]);
    expect(r.code, r.stderr).toBe(1);
    const {readFile} = await import('node:fs/promises');
    const t = report({...r, stdout: await readFile(out, 'utf8')}).targets[0]!;
    expect(t.cluster).toMatchObject({nodeName: 'node-7', node: {registered: true, ready: {status: 'False'}}});
    expect(result(t, 'node-status').status).toBe('fail');
    expect(result(t, 'version-skew').status).toBe('warn');
  });
});
