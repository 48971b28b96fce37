/**
 * End-to-end: the tool as it is installed on a bastion, not as it runs in the repository.
 *   - `npm pack` → `npm install -g --prefix TMP`: the tarball holds the compiled CLI and no tests,
 *     the install brings runtime dependencies only, and the installed `kubelet-doctor` runs.
 *   - `npm run sea`'s single executable, run from an empty directory with no node on PATH and no
 *     node_modules anywhere up the tree: `check --root` and `check` over SSH to a lab node.
 * Uses the dist/ that `npm test` builds first (tsc); the executable is built once, into a temp dir.
 */
import {execFileSync, spawn} from 'node:child_process';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {mkdir, mkdtemp, readdir, rm, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {delimiter, dirname, join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {bundleEsm} from '../../src/build/bundle.js';
import {buildSea} from '../../src/build/sea.js';
import {labKeyPair, renderKnownHosts, startLabNode, type LabNode} from '../../src/lab/lab-fleet.js';
import {writeNodeTree, type NodeTreeInfo} from '../../src/lab/node-tree.js';

const REPO = join(import.meta.dirname, '../..');
const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {name: string; version: string};
/** Building or installing on the busy 2-core box: minutes, not seconds. */
const SLOW_MS = 600_000;

interface Done {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program to the end (async: the lab node's SSH server lives in this process). */
function run(file: string, args: string[], opts: {cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number} = {}): Promise<Done> {
  return new Promise((resolve, reject) => {
    const p = spawn(file, args, {cwd: opts.cwd ?? REPO, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 110_000);
    p.once('error', reject);
    p.once('close', (code) => {
      clearTimeout(timer);
      resolve({code, stdout, stderr});
    });
  });
}

/** Every package name installed under `dir` (node_modules at any depth). */
function installedPackages(dir: string): Set<string> {
  const names = new Set<string>();
  for (const rel of readdirSync(dir, {recursive: true, encoding: 'utf8'})) {
    // <1:name, scoped or not> directly under a node_modules folder
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/@][^/]*)\/package\.json$/.exec(rel);
    if (m) names.add(m[1]!);
  }
  return names;
}

let base: string;
/** A kubeadm node tree whose kubelet and containerd disagree on the cgroup driver. */
let tree: NodeTreeInfo;

beforeAll(async () => {
  expect(existsSync(join(REPO, 'dist/src/cli/bin.js')), 'build first: npm test runs tsc before vitest').toBe(true);
  base = await mkdtemp(join(tmpdir(), 'kd-install-'));
  tree = await writeNodeTree(join(base, 'node-7'), {layout: 'deb', hostname: 'node-7', kubeletVersion: 'v1.30.2', scenario: 'cgroup-driver-mismatch'});
});
afterAll(async () => {
  if (base) await rm(base, {recursive: true, force: true});
});

/** What the report shows for the tree's fault, whichever way the tool was installed. */
function expectCgroupFinding(r: Done): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toMatch(/^node-7(?: \(.*\))?\s+root · kubelet v1\.30\.2/m);
  expect(r.stdout).toMatch(/FAIL\s+cgroup-driver-match\s+kubelet uses cgroupfs .*containerd uses systemd/);
}

/** A kubeconfig whose API server is a closed loopback port: loads the Kubernetes client, then fails fast. */
/**
 * A lab node over SSH whose kubelet has a removed flag (kubelet v1.27.16), with its identity and
 * known_hosts written in `labDir`; the `check` arguments that reach it. The caller stops the node.
 */
async function startSshLabNode(labDir: string): Promise<{node: LabNode; args: string[]}> {
  const now = new Date();
  const info = await writeNodeTree(join(labDir, 'node-3-removed-flag'), {
    layout: 'deb',
    hostname: 'node-3-removed-flag',
    kubeletVersion: 'v1.27.16',
    scenario: 'removed-flag',
    now,
  });
  const key = labKeyPair('kubelet-doctor-install-test');
  const node = await startLabNode({labDir, info, authorizedKey: key.public, now});
  const identity = join(labDir, 'id_ed25519');
  await writeFile(identity, key.private, {mode: 0o600});
  const knownHosts = join(labDir, 'known_hosts');
  await writeFile(knownHosts, renderKnownHosts([node]));
  return {node, args: ['check', '-p', String(node.port), '-i', identity, '--known-hosts', knownHosts, '--host-root', info.root, 'root@127.0.0.1']};
}

/** What a user sees checking that node: its header line, the removed flag's FAIL, exit 1, nothing on stderr. */
function expectRemovedFlagOverSsh(r: Done): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout, r.stderr).toMatch(/^node-3-removed-flag \(root@127\.0\.0\.1(?::\d+)?\)\s+ssh · kubelet v1\.27\.16/m);
  expect(r.stdout).toMatch(/FAIL\s+kubelet-flags\s+.*--container-runtime/);
  expect(r.stderr).toBe('');
}

async function unreachableKubeconfig(): Promise<string> {
  const file = join(base, 'unreachable.kubeconfig');
  await writeFile(
    file,
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\n' +
      'contexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\nusers: [{name: u, user: {username: u, password: p}}]\n',
  );
  return file;
}

describe('npm pack, then npm install -g from the tarball', () => {
  let prefix: string;
  let tarball: string;
  let installed: string;

  beforeAll(async () => {
    // `prepare` builds the split bundle the package installs (tsc already ran in `npm test`).
    await bundleEsm();
    const out = join(base, 'pack');
    await mkdir(out);
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', out], {timeoutMs: SLOW_MS});
    expect(packed.code, packed.stderr).toBe(0);
    tarball = join(out, (JSON.parse(packed.stdout) as {filename: string}[])[0]!.filename);
    prefix = join(base, 'prefix');
    const inst = await run('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], {timeoutMs: SLOW_MS});
    expect(inst.code, inst.stderr).toBe(0);
    installed = join(prefix, 'lib/node_modules', PKG.name);
  }, SLOW_MS);

  it('holds the split bundle only: no tests, sources, build scripts, source maps or node_modules', () => {
    const files = execFileSync('tar', ['tzf', tarball], {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024})
      .trim()
      .split('\n');
    expect(files).toEqual(expect.arrayContaining(['package/package.json', 'package/dist/bin/esm/kubelet-doctor.js']));
    const stray = files.filter((f) => !/^package\/(package\.json|README\.md|LICENSE|dist\/bin\/esm\/(kubelet-doctor|chunks\/[\w-]+)\.js)$/.test(f));
    expect(stray).toEqual([]);
    // The TUI, the Kubernetes client and the lab are chunks of their own, loaded when a run needs them.
    expect(files.filter((f) => f.includes('/chunks/')).length).toBeGreaterThan(3);
  });

  it('installs no other package: everything it runs is in the bundle', () => {
    expect(existsSync(join(installed, 'node_modules')) ? [...installedPackages(installed)] : []).toEqual([]);
  });

  it('puts a kubelet-doctor on the prefix bin that prints its help', async () => {
    const r = await run(join(prefix, 'bin/kubelet-doctor'), ['--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage:\n {2}kubelet-doctor \[TARGET\.\.\.\] \[options\]/m);
    const v = await run(join(prefix, 'bin/kubelet-doctor'), ['--version']);
    expect(v.stdout).toBe(`kubelet-doctor ${PKG.version}\n`);
  });

  it('reports the node tree fault with check --root', async () => {
    const r = await run(join(prefix, 'bin/kubelet-doctor'), ['check', '--root', tree.root], {cwd: base, env: {...process.env, NO_COLOR: '1'}});
    expectCgroupFinding(r);
  });

  it('loads the Kubernetes client it carries (with the undici that works on Node 20) for --kubeconfig', async () => {
    const r = await run(join(prefix, 'bin/kubelet-doctor'), ['check', '--kubeconfig', await unreachableKubeconfig(), '--all-nodes'], {cwd: base});
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^kubelet-doctor: cannot list nodes from https:\/\/127\.0\.0\.1:1 \(context c\)/);
  });

  it('checks a lab node over SSH with the ssh2 it carries', async () => {
    const {node: labNode, args} = await startSshLabNode(join(base, 'lab-tarball'));
    try {
      expectRemovedFlagOverSsh(await run(join(prefix, 'bin/kubelet-doctor'), args, {cwd: base, env: {...process.env, NO_COLOR: '1'}}));
    } finally {
      await labNode.stop();
    }
  });
});

describe('the single executable, where there is no node', () => {
  let exe: string;
  /** An empty working directory, and the environment of a bastion without node. */
  let cwd: string;
  let env: NodeJS.ProcessEnv;
  let node: LabNode | undefined;

  beforeAll(async () => {
    exe = await buildSea(join(base, 'sea'));
    // PATH: every program this machine has (sh and the probe's tools are needed for --root), but node, npm and npx.
    const bin = join(base, 'no-node-bin');
    await mkdir(bin);
    const hidden = new Set(['node', 'nodejs', 'npm', 'npx', 'corepack']);
    const linked = new Set<string>();
    for (const dir of (process.env['PATH'] ?? '').split(delimiter).filter((d) => d && existsSync(d))) {
      for (const name of await readdir(dir)) {
        if (hidden.has(name) || linked.has(name)) continue;
        linked.add(name);
        await symlink(join(dir, name), join(bin, name));
      }
    }
    cwd = join(base, 'bastion');
    await mkdir(cwd);
    env = {PATH: bin, HOME: cwd, NO_COLOR: '1', LANG: 'C.UTF-8'};
  }, SLOW_MS);
  afterAll(async () => {
    await node?.stop();
  });

  it('runs in a place with no node on PATH and no node_modules up the tree', async () => {
    const which = await run('sh', ['-c', 'command -v node || echo none'], {cwd, env});
    expect(which.stdout.trim()).toBe('none');
    for (let d = cwd; d !== dirname(d); d = dirname(d)) expect(existsSync(join(d, 'node_modules')), d).toBe(false);
    const r = await run(exe, ['--help'], {cwd, env});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage:\n {2}kubelet-doctor \[TARGET\.\.\.\] \[options\]/m);
    expect(r.stderr).toBe('');
  });

  it('reports the node tree fault with check --root, and nothing on stderr (no SEA warning)', async () => {
    const r = await run(exe, ['check', '--root', tree.root], {cwd, env});
    expectCgroupFinding(r);
    expect(r.stderr).toBe('');
  });

  it('loads the Kubernetes client for --kubeconfig, and says only why the API server is out of reach', async () => {
    const r = await run(exe, ['check', '--kubeconfig', await unreachableKubeconfig(), '--all-nodes'], {cwd, env});
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^kubelet-doctor: cannot list nodes from https:\/\/127\.0\.0\.1:1 \(context c\)/);
  });

  it('checks a lab node over SSH, as `kubelet-doctor lab` prints the command', async () => {
    const started = await startSshLabNode(join(base, 'lab'));
    node = started.node;
    expectRemovedFlagOverSsh(await run(exe, started.args, {cwd, env}));
  });
});
