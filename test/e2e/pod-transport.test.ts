/**
 * End-to-end `--via pod`: the real binary creates a probe pod through a stand-in API server
 * (test/helpers/apiserver-pods.ts), waits for it, runs the probe through the exec WebSocket and
 * deletes the pod, in every case: success, a dropped exec stream, an image the node cannot
 * pull, exec refused, and Ctrl-C in the middle of the probe. The "container" is this machine
 * with a lab node's stand-in programs first on PATH, and the pod's host root is the node tree
 * (`--host-root DIR` becomes the mount path), so the findings must equal `check --local
 * --host-root DIR` run with the same stand-ins on PATH.
 */
import {describe, it, expect, beforeAll, afterAll, beforeEach} from 'vitest';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {writeNodeTree, type NodeTreeInfo} from '../../src/lab/node-tree.js';
import {labKeyPair, startLabNode} from '../../src/lab/lab-fleet.js';
import {writeStandIns, type StandInDirs} from '../../src/lab/stand-ins.js';
import {startApiServer, type ApiServer} from '../helpers/apiserver.js';
import {podRoutes, type PodRoutes} from '../helpers/apiserver-pods.js';
import {BIN, runCli, type CliRun} from '../helpers/sshd.js';

let dir: string;
let home: string;
let node: NodeTreeInfo;
let bins: StandInDirs;
let api: ApiServer;
let pods: PodRoutes;
let kubeconfig: string;
/** Every output of every run, for the secrets check at the end. */
const outputs: string[] = [];

interface JsonReport {
  targets: {
    target: string;
    node: string;
    transport: string;
    status: string;
    error: {kind: string; message: string; hint: string | null} | null;
    results: {id: string; status: string; summary: string}[];
  }[];
}
const json = (s: string) => JSON.parse(s) as JsonReport;

/** Checks that read the API server's view of the node, not the node: only a run with a kubeconfig has it. */
const CLUSTER_CHECKS = ['node-status', 'version-skew', 'join-prereqs'];

const DEFAULTS = {pendingPolls: 1, podFailure: null, createForbidden: false, execForbidden: false, dropAfterBytes: null, holdMs: 0, protocols: undefined};

beforeAll(async () => {
  expect(existsSync(BIN), 'build first: npx tsc -p .').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'kd-e2e-pod-'));
  home = join(dir, 'home');
  await mkdir(home);
  node = await writeNodeTree(join(dir, 'node'), {layout: 'deb', hostname: 'node-2', kubeletVersion: 'v1.30.2', scenario: 'cgroup-driver-mismatch'});
  bins = (await writeStandIns(dir, node, new Date())).dirs;
  pods = podRoutes({nodes: [{name: 'node-2'}, {name: 'node-3', ready: false}], path: [bins.bin], home: bins.home});
  api = await startApiServer({nodes: [{name: 'node-2'}, {name: 'node-3'}], routes: [pods]});
  kubeconfig = await api.kubeconfig(join(dir, 'kubeconfig'));
});
afterAll(async () => {
  pods?.close();
  await api?.close();
  if (dir) await rm(dir, {recursive: true, force: true});
});
beforeEach(() => {
  pods.reset();
  pods.configure(DEFAULTS);
});

async function cli(args: string[], opts: Parameters<typeof runCli>[1] = {}): Promise<CliRun> {
  const r = await runCli(args, {...opts, env: {HOME: home, KUBECONFIG: '', ...opts.env}});
  outputs.push(r.stdout, r.stderr);
  return r;
}

const viaPod = (...more: string[]) => ['check', 'node-2', '--via', 'pod', '--kubeconfig', kubeconfig, '--host-root', node.root, ...more];

/** The pod was created once and deleted (grace 0), and nothing is left. */
function expectCleanedUp(): string {
  expect(pods.created).toHaveLength(1);
  const name = pods.created[0]!.name;
  expect(pods.deleted).toContainEqual({namespace: 'kube-system', name, gracePeriodSeconds: 0});
  expect(pods.live()).toEqual([]);
  return name;
}

describe('check --via pod (stand-in API server, exec over WebSocket)', () => {
  it('finds what --local finds on the same node, through a pod pinned to the node, and deletes the pod', async () => {
    const [viaPodRun, local] = await Promise.all([
      cli([...viaPod(), '--output', 'json']),
      cli(['check', '--local', '--host-root', node.root, '--output', 'json'], {env: {PATH: `${bins.bin}:${process.env['PATH']}`, HOME: bins.home}}),
    ]);
    expect(viaPodRun.stderr).toBe('');
    const p = json(viaPodRun.stdout).targets[0]!;
    const l = json(local.stdout).targets[0]!;
    expect(p).toMatchObject({target: 'node-2', node: 'node-2', transport: 'pod', status: 'ok', error: null});
    expect(l).toMatchObject({node: 'node-2', transport: 'local', status: 'ok'});
    // Every node check, same verdict: the probe is the same script, with the same files and the same commands.
    // The cluster checks differ legitimately: --kubeconfig gives the pod run the API server's view, --local has none.
    const verdicts = (t: typeof p) => Object.fromEntries(t.results.filter((x) => !CLUSTER_CHECKS.includes(x.id)).map((x) => [x.id, x.status]));
    expect(Object.keys(verdicts(p)).length).toBeGreaterThan(15);
    expect(verdicts(p)).toEqual(verdicts(l));
    expect(verdicts(p)['cgroup-driver-match']).toBe('fail');
    expect(p.results.find((x) => x.id === 'cgroup-version')!.summary).not.toMatch(/needs a live node/);
    expect(viaPodRun.code).toBe(1);

    // The pod: pinned, privileged, host namespaces, the host's / read-only at --host-root, every taint tolerated.
    const name = expectCleanedUp();
    expect(name).toMatch(/^kubelet-doctor-probe-node-2-[a-z0-9]{5}$/);
    const spec = pods.created[0]!.body.spec!;
    expect(spec).toMatchObject({
      nodeName: 'node-2',
      hostPID: true,
      hostNetwork: true,
      hostIPC: false,
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      tolerations: [{operator: 'Exists'}],
      volumes: [{name: 'host', hostPath: {path: '/', type: 'Directory'}}],
    });
    expect(spec.containers![0]).toMatchObject({
      name: 'probe',
      image: 'busybox:1.36',
      securityContext: {privileged: true},
      volumeMounts: [{name: 'host', mountPath: node.root, readOnly: true}],
    });
    expect(pods.created[0]!.body.metadata!.labels).toMatchObject({'app.kubernetes.io/name': 'kubelet-doctor'});
    expect(pods.execs).toMatchObject([{namespace: 'kube-system', pod: name, command: ['sh', '-s'], protocol: 'v5.channel.k8s.io', exitCode: 0}]);
    // The transport's requests in order: the Node, create, poll until running, (exec), delete.
    // (With a kubeconfig the run also reads the cluster's view: /version, the node list, leases ...)
    const seq = api.requests
      .map((r) => r.replace(name, 'POD').replace(/\?.*$/, ''))
      .filter((r) => r === 'GET /api/v1/nodes/node-2' || r.includes('/namespaces/kube-system/pods'))
      .filter((r, i, a) => r !== a[i - 1] && !r.endsWith('/exec'));
    expect(seq).toEqual([
      'GET /api/v1/nodes/node-2',
      'POST /api/v1/namespaces/kube-system/pods',
      'GET /api/v1/namespaces/kube-system/pods/POD',
      'DELETE /api/v1/namespaces/kube-system/pods/POD',
    ]);
  });

  it('finds what SSH finds on the same node (the lab SSH server on loopback, the same stand-ins)', async () => {
    const client = labKeyPair('pod-vs-ssh');
    const key = join(dir, 'id_pod_vs_ssh');
    await writeFile(key, client.private, {mode: 0o600});
    const lab = await startLabNode({labDir: dir, info: node, authorizedKey: client.public, now: new Date()});
    try {
      const kh = join(dir, 'known_hosts_pod_vs_ssh');
      await writeFile(kh, `[127.0.0.1]:${lab.port} ${lab.hostKey}\n`);
      const [viaPodRun, ssh] = await Promise.all([
        cli([...viaPod(), '--output', 'json']),
        cli([
          'check',
          'root@127.0.0.1',
          '-p',
          String(lab.port),
          '-i',
          key,
          '--known-hosts',
          kh,
          '--ssh-config',
          'none',
          '--host-root',
          node.root,
          '--output',
          'json',
        ]),
      ]);
      const p = json(viaPodRun.stdout).targets[0]!;
      const o = json(ssh.stdout).targets[0]!;
      expect(o, ssh.stderr).toMatchObject({transport: 'ssh', status: 'ok'});
      const verdicts = (t: typeof p) => Object.fromEntries(t.results.filter((x) => !CLUSTER_CHECKS.includes(x.id)).map((x) => [x.id, x.status]));
      expect(Object.keys(verdicts(o)).length).toBeGreaterThan(15);
      expect(verdicts(p)).toEqual(verdicts(o));
      expectCleanedUp();
    } finally {
      await lab.stop();
    }
  });

  it('works over the v4 channel protocol (no stdin half-close), with --pod-image and --pod-namespace', async () => {
    pods.configure({protocols: ['v4.channel.k8s.io']});
    const r = await cli([
      ...viaPod('--output', 'json', '--only', 'kubeconfig,cgroup-driver-match', '--pod-image', 'registry.local/tools/busybox:1.36', '--pod-namespace', 'diag'),
    ]);
    expect(json(r.stdout).targets[0]).toMatchObject({transport: 'pod', status: 'ok'});
    expect(pods.execs[0]).toMatchObject({protocol: 'v4.channel.k8s.io', exitCode: 0});
    expect(pods.created[0]).toMatchObject({namespace: 'diag', body: {spec: {containers: [{image: 'registry.local/tools/busybox:1.36'}]}}});
    expect(pods.deleted).toEqual([{namespace: 'diag', name: pods.created[0]!.name, gracePeriodSeconds: 0}]);
    expect(r.code).toBe(1);
  });

  it('deletes the pod after the exec stream drops mid-probe, and says so (exit 3)', async () => {
    pods.configure({dropAfterBytes: 4000});
    const r = await cli(viaPod('--output', 'json'));
    const t = json(r.stdout).targets[0]!;
    expect(t).toMatchObject({status: 'error', error: {kind: 'probe'}});
    expect(t.error!.message).toMatch(/^the exec stream to kube-system\/kubelet-doctor-probe-node-2-\w+ was lost before the probe finished/);
    expect(r.code).toBe(3);
    expectCleanedUp();
  });

  it('deletes the pod when the node cannot pull the image, with a message that suggests --pod-image or SSH (exit 3)', async () => {
    pods.configure({podFailure: 'image-pull'});
    const r = await cli(viaPod());
    expect(r.stdout).toContain('node-2');
    expect(r.stdout).toMatch(/node node-2 cannot pull the probe image busybox:1\.36 \(ErrImagePull: failed to pull and unpack image/);
    expect(r.stdout).toMatch(/use --pod-image with an image the node can pull .*or reach the node over SSH instead/);
    expect(pods.execs).toEqual([]);
    expect(r.code).toBe(3);
    expectCleanedUp();
  });

  it('refuses a NotReady node before creating anything, and suggests SSH', async () => {
    const r = await cli(['check', 'node-3', '--via', 'pod', '--kubeconfig', kubeconfig, '--output', 'json']);
    expect(json(r.stdout).targets[0]).toMatchObject({
      status: 'unreachable',
      error: {
        kind: 'unreachable',
        message: 'node node-3 is NotReady (NodeStatusUnknown: Kubelet stopped posting node status.): its kubelet cannot run the probe pod',
        hint: 'check it over SSH instead: kubelet-doctor check node-3 (without --via pod)',
      },
    });
    expect(pods.created).toEqual([]);
    expect(r.code).toBe(3);
  });

  it('names a node that does not exist', async () => {
    const r = await cli(['check', 'node-9', '--via', 'pod', '--kubeconfig', kubeconfig, '--output', 'json']);
    expect(json(r.stdout).targets[0]).toMatchObject({
      status: 'error',
      error: {kind: 'not-found', message: `no node node-9 in the cluster at ${api.url} (context lab)`},
    });
    expect(pods.created).toEqual([]);
  });

  it('sweeps the cluster with --all-nodes: one pod per node, the NotReady one refused, every pod deleted', async () => {
    const r = await cli([
      'check',
      '--all-nodes',
      '--via',
      'pod',
      '--kubeconfig',
      kubeconfig,
      '--host-root',
      node.root,
      '--output',
      'json',
      '--only',
      'kubeconfig',
    ]);
    expect(json(r.stdout).targets.map((t) => `${t.target}:${t.transport}:${t.status}`)).toEqual(['node-2:pod:ok', 'node-3:pod:unreachable']);
    expect(r.code).toBe(3);
    expectCleanedUp();
    expect(pods.created[0]!.body.spec).toMatchObject({nodeName: 'node-2'});
  });

  it('says which RBAC permission is missing when exec is refused, and deletes the pod', async () => {
    pods.configure({execForbidden: true});
    const r = await cli(viaPod('--output', 'json'));
    expect(json(r.stdout).targets[0]).toMatchObject({
      status: 'unreachable',
      error: {kind: 'auth', hint: 'the kubeconfig user needs RBAC for it: kubectl auth can-i create pods/exec -n kube-system'},
    });
    expect(json(r.stdout).targets[0]!.error!.message).toMatch(/refused exec into kube-system\/kubelet-doctor-probe-node-2-\w+ \(HTTP 403\)/);
    expect(r.code).toBe(3);
    expectCleanedUp();
  });

  it('says which RBAC permission is missing when the pod cannot be created', async () => {
    pods.configure({createForbidden: true});
    const r = await cli(viaPod('--output', 'json'));
    expect(json(r.stdout).targets[0]).toMatchObject({
      status: 'unreachable',
      error: {kind: 'auth', hint: 'the kubeconfig user needs RBAC for it: kubectl auth can-i create pods -n kube-system'},
    });
    expect(pods.live()).toEqual([]);
    expect(r.code).toBe(3);
  });

  it('deletes the pod on Ctrl-C in the middle of the probe, and exits', async () => {
    pods.configure({holdMs: 60_000});
    let sent = 0;
    const r = await cli(viaPod('--output', 'json'), {
      timeoutMs: 30_000,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (pods.execs.length > 0) {
            clearInterval(poll);
            sent = Date.now();
            child.kill('SIGINT');
          }
        }, 20);
        child.on('close', () => clearInterval(poll));
      },
    });
    expect(sent).toBeGreaterThan(0);
    expect(r.code).not.toBeNull(); // it exited by itself, not by the test's SIGKILL
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(json(r.stdout).targets[0]).toMatchObject({status: 'error', error: {kind: 'interrupted'}});
    expect(r.code).toBe(3);
    expectCleanedUp();
    expect(pods.execs[0]).toMatchObject({abandoned: true});
  });

  it('rejects bad --via pod usage before touching the cluster (exit 2)', async () => {
    const bad = await cli(['check', 'root@node-2:22', '--via', 'pod', '--kubeconfig', kubeconfig]);
    expect(bad.stderr).toMatch(/^kubelet-doctor: root@node-2:22: not a node name\n/);
    expect(bad.code).toBe(2);
    const root = await cli(['check', 'node-2', '--via', 'pod', '--kubeconfig', kubeconfig, '--host-root', '/']);
    expect(root.stderr).toMatch(/--host-root \/: with --via pod/);
    expect(root.code).toBe(2);
    const image = await cli(['check', '--local', '--pod-image', 'x']);
    expect(image.stderr).toMatch(/--pod-image needs --via pod/);
    expect(pods.created).toEqual([]);
  });

  it('never prints key material', async () => {
    const kc = await readFile(kubeconfig, 'utf8');
    const key = /client-key-data: (\S+)/.exec(kc)![1]!;
    const all = outputs.join('\n');
    expect(all.length).toBeGreaterThan(1000);
    expect(all).not.toMatch(/PRIVATE KEY-----\n[A-Za-z0-9+/]/);
    expect(all).not.toContain(key.slice(0, 40));
    expect(all).not.toContain(Buffer.from(key, 'base64').toString('utf8').split('\n')[1]!);
  });
});
