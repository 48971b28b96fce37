/**
 * A kubeconfig whose user is an `exec:` credential plugin (aws eks get-token, gke-gcloud-auth-plugin,
 * kubelogin …): the real binary runs it at most once per run, however many requests the run makes
 * (the cluster view's seven in parallel, the node list) and however many times the kubeconfig is
 * loaded. The plugin here is a real script that appends a line to a counter file and prints an
 * ExecCredential whose token the stand-in API server accepts (and nothing else).
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {writeNodeTree, type NodeTreeInfo} from '../../src/lab/node-tree.js';
import {startApiServer, type ApiServer} from '../helpers/apiserver.js';
import {BIN, freePort, runCli} from '../helpers/sshd.js';

const TOKEN = 'kd-exec-plugin-token-4242';
let dir: string;
let home: string;
let tree: NodeTreeInfo;
let api: ApiServer;
let kubeconfig: string;
let counter: string;

/** How many times the plugin ran since the counter was last cleared. */
const runs = async (): Promise<number> => (await readFile(counter, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

beforeAll(async () => {
  expect(existsSync(BIN), 'build first: npx tsc -p .').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'kd-exec-cred-'));
  home = join(dir, 'home');
  await mkdir(home);
  tree = await writeNodeTree(join(dir, 'node-1'), {layout: 'deb', hostname: 'node-1', kubeletVersion: 'v1.30.2'});
  api = await startApiServer({gitVersion: 'v1.30.4', nodes: [{name: 'node-1'}, {name: 'node-2'}], bearerTokens: {[TOKEN]: 'operator'}});
  counter = join(dir, 'plugin-runs');
  const plugin = join(dir, 'credential-plugin');
  await writeFile(
    plugin,
    [
      '#!/bin/sh',
      `echo "run $$" >> '${counter}'`,
      `printf '%s\\n' '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"${TOKEN}"}}'`,
      '',
    ].join('\n'),
    {mode: 0o755},
  );
  // The stand-in's kubeconfig with the client certificate replaced by the plugin.
  const withCert = await readFile(await api.kubeconfig(join(dir, 'cert-kubeconfig')), 'utf8');
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    withCert.replace(
      / {4}client-certificate-data: .*\n {4}client-key-data: .*\n/,
      ['    exec:', '      apiVersion: client.authentication.k8s.io/v1beta1', `      command: ${plugin}`, '      interactiveMode: Never', ''].join('\n'),
    ),
    {mode: 0o600},
  );
  expect(await readFile(kubeconfig, 'utf8')).not.toContain('client-key-data');
});
afterAll(async () => {
  await api?.close();
  if (dir) await rm(dir, {recursive: true, force: true});
});

const cli = (args: string[]) => runCli(args, {env: {HOME: home, KUBECONFIG: '', KUBELET_DOCTOR_JOIN_COMMAND: ''}});

describe('an exec credential plugin in the kubeconfig', () => {
  it("runs once for the cluster view's parallel requests, and the token it gives is used", async () => {
    await rm(counter, {force: true});
    const r = await cli(['check', '--root', tree.root, '--kubeconfig', kubeconfig, '--output', 'json', '--only', 'node-status,version-skew']);
    const t = (JSON.parse(r.stdout) as {targets: {cluster?: {apiserverVersion: string | null; node: {registered: boolean} | null} | null}[]}).targets[0]!;
    expect(t.cluster).toMatchObject({apiserverVersion: 'v1.30.4', node: {registered: true}});
    expect(api.requests.filter((q) => q.startsWith('GET ')).length).toBeGreaterThanOrEqual(7);
    expect(await runs()).toBe(1);
  });

  it("runs once when the run also lists the cluster's nodes (a second load of the kubeconfig)", async () => {
    await rm(counter, {force: true});
    const refused = await freePort();
    const r = await cli([
      'check',
      '--kubeconfig',
      kubeconfig,
      '--all-nodes',
      '-u',
      'root',
      '-p',
      String(refused),
      '--ssh-config',
      'none',
      '--host-root',
      tree.root,
      '--output',
      'json',
      '--only',
      'kubeconfig',
    ]);
    // The nodes were listed from the API server (then refused their SSH connection: no sshd here).
    expect((JSON.parse(r.stdout) as {targets: {target: string}[]}).targets.map((x) => x.target)).toEqual(['node-1', 'node-2']);
    expect(r.code).toBe(3);
    expect(await runs()).toBe(1);
  });
});
