/**
 * End-to-end `check --publish`: the real binary checks lab nodes through probe pods on the
 * stand-in API server (test/helpers/apiserver-pods.ts: the "container" is this machine, the
 * host root is the node tree) and writes each node's verdict as the Node condition
 * KubeletDoctorProblem with a strategic merge patch of `nodes/{name}/status`; later reads of the
 * node show it. The kubeconfig authenticates with a bearer token (as the in-cluster service
 * account does), and no output may ever contain it.
 *
 * Also here, because it needs the same real run: the manifest's RBAC is exactly what the run
 * uses. The stand-in enforces `manifest --publish`'s rules on every request; every request of a
 * `check --all-nodes --via pod --publish` run must be allowed by one of them (but the one part
 * the manifest deliberately does not grant, listing Secrets in kube-system), and every rule must
 * have allowed at least one request.
 */
import {describe, it, expect, beforeAll, afterAll, beforeEach} from 'vitest';
import {existsSync} from 'node:fs';
import {get as httpsGet} from 'node:https';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {writeNodeTree, type NodeTreeInfo} from '../../src/lab/node-tree.js';
import {writeStandIns, type StandInDirs} from '../../src/lab/stand-ins.js';
import {startApiServer, type ApiServer} from '../helpers/apiserver.js';
import {podRoutes, type PodRoutes} from '../helpers/apiserver-pods.js';
import {BIN, runCli, type CliRun} from '../helpers/sshd.js';
import {manifestRules} from '../../src/cli/commands/manifest.js';
import {describeAttributes, type ScopedRules} from '../../src/cluster/rbac.js';

const TOKEN = 'kd-test-sa-token-4b1f0c9e7d2a58e3';
const NS = 'kubelet-doctor';

let dir: string;
let failing: NodeTreeInfo;
let healthy: NodeTreeInfo;
let failingBins: StandInDirs;
let healthyBins: StandInDirs;
const outputs: string[] = [];

interface Cluster {
  api: ApiServer;
  pods: PodRoutes;
  kubeconfig: string;
}
const clusters: Cluster[] = [];

/** A stand-in with node-1 and node-2, pods served, the token accepted, optionally RBAC enforced. */
async function cluster(rbac?: ScopedRules[]): Promise<Cluster> {
  const pods = podRoutes({nodes: [{name: 'node-1'}, {name: 'node-2'}], path: [failingBins.bin], home: failingBins.home, nodesFromServer: true});
  const api = await startApiServer({
    nodes: [{name: 'node-1'}, {name: 'node-2'}],
    routes: [pods],
    bearerTokens: {[TOKEN]: `system:serviceaccount:${NS}:kubelet-doctor`},
    ...(rbac ? {rbac} : {}),
  });
  // A token user, as the in-cluster service account is; no client certificate.
  const kubeconfig = join(dir, `kubeconfig-${clusters.length}`);
  await writeFile(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: lab',
      '  cluster:',
      `    server: ${api.url}`,
      `    certificate-authority-data: ${Buffer.from(api.ca.certPem).toString('base64')}`,
      'users:',
      '- name: sa',
      '  user:',
      `    token: ${TOKEN}`,
      'contexts:',
      '- name: lab',
      '  context: {cluster: lab, user: sa}',
      'current-context: lab',
      '',
    ].join('\n'),
    {mode: 0o600},
  );
  const c = {api, pods, kubeconfig};
  clusters.push(c);
  return c;
}

beforeAll(async () => {
  expect(existsSync(BIN), 'build first: npx tsc -p .').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'kd-e2e-publish-'));
  await mkdir(join(dir, 'home'));
  failing = await writeNodeTree(join(dir, 'failing'), {layout: 'deb', hostname: 'node-2', kubeletVersion: 'v1.30.2', scenario: 'cgroup-driver-mismatch'});
  healthy = await writeNodeTree(join(dir, 'healthy'), {layout: 'deb', hostname: 'node-1', kubeletVersion: 'v1.30.2', scenario: 'healthy'});
  failingBins = (await writeStandIns(join(dir, 'lab-failing'), failing, new Date())).dirs;
  healthyBins = (await writeStandIns(join(dir, 'lab-healthy'), healthy, new Date())).dirs;
});
afterAll(async () => {
  for (const c of clusters) {
    c.pods.close();
    await c.api.close();
  }
  // The token never reached any output of any run.
  expect(outputs.length).toBeGreaterThan(0);
  for (const o of outputs) expect(o).not.toContain(TOKEN);
  if (dir) await rm(dir, {recursive: true, force: true});
});

async function cli(args: string[]): Promise<CliRun> {
  const r = await runCli(args, {env: {HOME: join(dir, 'home'), KUBECONFIG: '', KUBERNETES_SERVICE_HOST: ''}});
  outputs.push(r.stdout, r.stderr);
  return r;
}

/** The Node as a GET shows it (over TLS with the stand-in's CA, as the token user). */
function getNode(c: Cluster, node: string): Promise<{status: {conditions: Record<string, string>[]}}> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(`${c.api.url}/api/v1/nodes/${node}`, {ca: c.api.ca.certPem, headers: {authorization: `Bearer ${TOKEN}`}}, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve(JSON.parse(body) as {status: {conditions: Record<string, string>[]}}));
    });
    req.on('error', reject);
  });
}

/** The node's KubeletDoctorProblem condition, if it has one. */
async function condition(c: Cluster, node: string): Promise<Record<string, string> | undefined> {
  return (await getNode(c, node)).status.conditions.find((x) => x['type'] === 'KubeletDoctorProblem');
}

/** Point the pod route's "container" at one node tree's stand-ins. */
function serve(c: Cluster, bins: StandInDirs): void {
  c.pods.configure({path: [bins.bin], home: bins.home});
}

describe('check --publish (stand-in API server, probe pods)', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await cluster();
  });
  beforeEach(() => c.pods.reset());

  it("sets KubeletDoctorProblem True on a failing node (reason = the first cause in CamelCase), keeps the kubelet's conditions, and clears it when the node is healthy", async () => {
    serve(c, failingBins);
    const bad = await cli(['check', 'node-2', '--via', 'pod', '--kubeconfig', c.kubeconfig, '--host-root', failing.root, '--publish', '--output', 'json']);
    expect(bad.stderr).toBe('');
    expect(bad.code).toBe(1);
    const firstCause = (JSON.parse(bad.stdout) as {targets: {firstCause: string[]}[]}).targets[0]!.firstCause[0];
    expect(firstCause).toMatch(/^[a-z0-9]+(-[a-z0-9]+)+$/);
    // `container-runtime` → `ContainerRuntime`: the report's first cause, as a CamelCase reason.
    const camel = firstCause!.replace(/(^|-)([a-z0-9])/g, (_m, _d, ch: string) => ch.toUpperCase());
    const set = await condition(c, 'node-2');
    expect(set).toMatchObject({type: 'KubeletDoctorProblem', status: 'True', reason: camel});
    expect(set!['message']!.startsWith(`${firstCause}: `)).toBe(true);
    expect(set!['message']).not.toMatch(/[\u001b\n]/);
    expect(set!['lastTransitionTime']).toBe(set!['lastHeartbeatTime']);
    // A strategic merge patch, conditions merged by type: the kubelet's Ready condition is still there.
    const patch = c.api.nodePatches.at(-1)!;
    expect(patch).toMatchObject({node: 'node-2', contentType: 'application/strategic-merge-patch+json'});
    expect(patch.body).toEqual({status: {conditions: [set]}});
    const node = await getNode(c, 'node-2');
    expect(node.status.conditions.map((x) => `${x['type']}=${x['status']}`)).toEqual(['Ready=True', 'KubeletDoctorProblem=True']);
    // The other node was not checked: nothing was written to it.
    expect(await condition(c, 'node-1')).toBeUndefined();

    // Still failing a second later: the heartbeat moves, the transition stays.
    await new Promise((r) => setTimeout(r, 1100));
    const again = await cli(['check', 'node-2', '--via', 'pod', '--kubeconfig', c.kubeconfig, '--host-root', failing.root, '--publish', '--output', 'json']);
    expect(again.code).toBe(1);
    const kept = await condition(c, 'node-2');
    expect(kept!['lastTransitionTime']).toBe(set!['lastTransitionTime']);
    expect(kept!['lastHeartbeatTime']).not.toBe(set!['lastHeartbeatTime']);

    // Repaired (the healthy tree on the same node): False, KubeletDoctorOK, a new transition. The
    // pod's "container" is this machine, whose own kernel and runtime fail live checks no tree can
    // fix, so this run is limited to the node-file check that failed on the broken tree.
    serve(c, healthyBins);
    const only = ['--only', 'cgroup-driver-match'];
    const stillBad = await cli(['check', 'node-2', '--via', 'pod', '--kubeconfig', c.kubeconfig, '--host-root', failing.root, ...only, '--output', 'json']);
    expect((JSON.parse(stillBad.stdout) as {targets: {firstCause: string[]}[]}).targets[0]!.firstCause).toEqual(['cgroup-driver-match']);
    const good = await cli([
      'check',
      'node-2',
      '--via',
      'pod',
      '--kubeconfig',
      c.kubeconfig,
      '--host-root',
      healthy.root,
      ...only,
      '--publish',
      '--output',
      'json',
    ]);
    expect(good.code).toBe(0);
    expect(good.stderr).toBe('');
    const report = JSON.parse(good.stdout) as {targets: {status: string; firstCause: string[]}[]};
    expect(report.targets[0]).toMatchObject({status: 'ok', firstCause: []});
    const cleared = await condition(c, 'node-2');
    expect(cleared).toMatchObject({status: 'False', reason: 'KubeletDoctorOK'});
    expect(cleared!['lastTransitionTime']).not.toBe(set!['lastTransitionTime']);
    expect(cleared!['lastTransitionTime']).toBe(cleared!['lastHeartbeatTime']);
  });

  it('publishes nothing for a node that could not be checked, says so, and exits 3', async () => {
    serve(c, failingBins);
    c.pods.configure({podFailure: 'image-pull'});
    const before = c.api.nodePatches.length;
    const r = await cli(['check', 'node-1', '--via', 'pod', '--kubeconfig', c.kubeconfig, '--host-root', failing.root, '--publish', '--output', 'json']);
    c.pods.configure({podFailure: null});
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('kubelet-doctor: node node-1 was not checked (unreachable): its KubeletDoctorProblem condition is left as it was');
    expect(c.api.nodePatches.length).toBe(before);
  });

  it('refuses --publish without a cluster (exit 2, nothing run)', async () => {
    const r = await cli(['check', '--root', healthy.root, '--publish']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--publish writes Node conditions: it needs a cluster');
  });
});

describe('manifest RBAC = what a real in-cluster run uses', () => {
  it('check --all-nodes --via pod --publish --output ndjson: every request allowed by the printed rules, every rule used', async () => {
    const rules = manifestRules({namespace: NS, publish: true});
    const c = await cluster(rules);
    serve(c, failingBins);
    const r = await cli([
      'check',
      '--all-nodes',
      '--via',
      'pod',
      '--pod-namespace',
      NS,
      '--kubeconfig',
      c.kubeconfig,
      '--host-root',
      failing.root,
      '--shard',
      '1/1',
      '--output',
      'ndjson',
      '--publish',
    ]);
    // Both nodes checked (the same tree: both fail), both published, nothing refused on stderr.
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as {kind: string})
        .filter((l) => l.kind === 'target'),
    ).toHaveLength(2);
    expect(c.api.nodePatches.map((p) => p.node).sort()).toEqual(['node-1', 'node-2']);

    const refused = [...new Set(c.api.calls.filter((x) => x.rule === null).map((x) => describeAttributes(x.attributes)))];
    // The one deliberate gap: bootstrap-token Secrets cannot be granted without every Secret in kube-system.
    expect(refused).toEqual(['list secrets in kube-system']);
    const used = new Set(c.api.calls.filter((x) => x.rule).map((x) => x.rule!.join('.')));
    const all = rules.flatMap((role, i) => role.rules.map((_, j) => `${i}.${j}`));
    const unused = all.filter((k) => !used.has(k)).map((k) => JSON.stringify(rules[Number(k.split('.')[0])]!.rules[Number(k.split('.')[1])]));
    expect(unused).toEqual([]);
    // The verbs the run used, for the record (and so a new call shows up here as a diff).
    const seen = [...new Set(c.api.calls.map((x) => describeAttributes({...x.attributes, ...(x.attributes.kind === 'resource' ? {name: null} : {})})))].sort();
    expect(seen).toEqual([
      'create pods in kubelet-doctor',
      'create pods/exec in kubelet-doctor',
      'delete pods in kubelet-doctor',
      'get /version',
      'get configmaps in kube-public',
      'get configmaps in kube-system',
      'get nodes',
      'get pods in kubelet-doctor',
      'list certificatesigningrequests.certificates.k8s.io',
      'list leases.coordination.k8s.io in kube-node-lease',
      'list nodes',
      'list secrets in kube-system',
      'patch nodes/status',
    ]);
  });

  it('without nodes/status in the rules, --publish says per node that it was refused, the report is complete, exit 3', async () => {
    const c = await cluster(manifestRules({namespace: NS, publish: false}));
    serve(c, failingBins);
    const r = await cli([
      'check',
      '--all-nodes',
      '--via',
      'pod',
      '--pod-namespace',
      NS,
      '--kubeconfig',
      c.kubeconfig,
      '--host-root',
      failing.root,
      '--output',
      'json',
      '--publish',
    ]);
    expect(r.code).toBe(3);
    const lines = r.stderr.trim().split('\n').sort();
    expect(lines).toEqual([
      'kubelet-doctor: cannot publish the KubeletDoctorProblem condition on node node-1 (patching its status): forbidden (the service account or kubeconfig user needs: kubectl auth can-i patch nodes/status)',
      'kubelet-doctor: cannot publish the KubeletDoctorProblem condition on node node-2 (patching its status): forbidden (the service account or kubeconfig user needs: kubectl auth can-i patch nodes/status)',
    ]);
    const report = JSON.parse(r.stdout) as {targets: {node: string; status: string}[]};
    expect(report.targets.map((t) => t.status)).toEqual(['ok', 'ok']);
    expect(c.api.nodePatches).toEqual([]);
  });
});
