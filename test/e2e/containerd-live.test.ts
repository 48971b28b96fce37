/**
 * End-to-end against a REAL containerd: the test starts /usr/bin/containerd on a temporary root,
 * state and socket, puts that socket where a kubeadm node tree's kubelet dials it
 * (<root>/run/containerd/containerd.sock, /var/run -> /run), and runs the built CLI on the tree
 * with `--local --host-root`. What the user sees comes from the daemon's own CRI answers (Version,
 * Status, verbose Status, RuntimeConfig), not from a stand-in; the registry password in the
 * daemon's config never reaches a report or a snapshot.
 */
import {describe, it, expect, beforeAll, afterEach} from 'vitest';
import {execFileSync} from 'node:child_process';
import {createServer as createHttp2Server, type Http2Server} from 'node:http2';
import {createServer, type Server, type Socket} from 'node:net';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {writeNodeTree} from '../../src/lab/node-tree.js';
import {LocalTransport} from '../../src/transport/local.js';
import {collectRaw} from '../../src/probe/collect.js';
import {buildFacts} from '../../src/facts/build.js';
import {BIN, runCli} from '../helpers/sshd.js';
import {CONTAINERD, containerdMissing, startContainerd, type Containerd} from '../helpers/containerd-daemon.js';

const which = (cmd: string): string | null => {
  try {
    return (
      execFileSync('sh', ['-c', `command -v ${cmd}`])
        .toString()
        .trim() || null
    );
  } catch {
    return null;
  }
};
const noCurl = which('curl') ? null : 'curl is not installed (the probe asks the CRI socket with it)';
const skip = containerdMissing() ?? noCurl;
if (skip) console.warn(`containerd-live e2e skipped: ${skip}`);

const PASSWORD = 'S3cret-Registry-Passw0rd';
const AUTH = Buffer.from(`robot:${PASSWORD}`).toString('base64');

interface Result {
  id: string;
  status: string;
  summary: string;
  evidence: {source: string; text: string}[];
  /** The check's other verdicts, `status: summary`. */
  details: string[];
}
interface JsonReport {
  targets: {status: string; results: Result[]}[];
}

let work: string;
let version: string;
const running: Containerd[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kd-e2e-ctd-'));
  if (skip) return;
  expect(existsSync(BIN), 'build first: npx tsc -p .').toBe(true);
  // "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3": <1:version>
  version = /^containerd \S+ (\S+)/.exec(execFileSync(CONTAINERD, ['--version']).toString())?.[1] ?? '';
  expect(version).not.toBe('');
  return async () => {
    await rm(work, {recursive: true, force: true});
  };
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

/**
 * A kubeadm worker tree (kubelet cgroupDriver: systemd) whose /etc/containerd/config.toml says
 * `SystemdCgroup = <onDisk>`, served by a real containerd started with `runningOptions` as its runc
 * options and a registry login; its socket is the tree's /run/containerd/containerd.sock.
 */
async function liveNode(name: string, onDisk: boolean, runningOptions: string): Promise<{root: string; daemon: Containerd}> {
  const root = join(work, name);
  await writeNodeTree(root, {layout: 'deb', hostname: name, kubeletVersion: 'v1.30.2'});
  const cfg = join(root, 'etc/containerd/config.toml');
  const text = await readFile(cfg, 'utf8');
  expect(text).toMatch(/SystemdCgroup = true/);
  await writeFile(cfg, text.replace('SystemdCgroup = true', `SystemdCgroup = ${onDisk}`));
  await mkdir(join(root, 'run/containerd'), {recursive: true});
  if (!existsSync(join(root, 'var/run'))) await symlink('/run', join(root, 'var/run'));
  const cniDir = join(root, 'cni-empty');
  await mkdir(cniDir, {recursive: true});
  const daemon = await startContainerd(
    [
      '[plugins."io.containerd.grpc.v1.cri"]',
      '  sandbox_image = "registry.k8s.io/pause:3.9"',
      '[plugins."io.containerd.grpc.v1.cri".cni]',
      `  conf_dir = ${JSON.stringify(cniDir)}`,
      `  bin_dir = ${JSON.stringify(cniDir)}`,
      '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
      '  runtime_type = "io.containerd.runc.v2"',
      '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
      `  ${runningOptions}`,
      '[plugins."io.containerd.grpc.v1.cri".registry.configs."registry.example.com".auth]',
      '  username = "robot"',
      `  password = "${PASSWORD}"`,
      '[plugins."io.containerd.grpc.v1.cri".registry.auths."https://mirror.example.com"]',
      `  auth = "${AUTH}"`,
    ].join('\n'),
    {socket: join(root, 'run/containerd/containerd.sock')},
  );
  running.push(daemon);
  return {root, daemon};
}

const ONLY = 'container-runtime,cgroup-driver-match,cni-config';
const results = (stdout: string, id: string): Result[] => {
  const t = (JSON.parse(stdout) as JsonReport).targets[0]!;
  expect(t.status).toBe('ok');
  return t.results.filter((r) => r.id === id);
};

describe.skipIf(skip)('the runtime asked over CRI (a real containerd)', () => {
  it('passes container-runtime with the daemon’s own name and version, and warns that the running driver is not the file’s', async () => {
    const {root} = await liveNode('restart-pending', false, 'SystemdCgroup = true');
    const r = await runCli(['check', '--local', '--host-root', root, '--only', ONLY, '--output', 'json']);
    expect(r.stderr).toBe('');

    const [runtime] = results(r.stdout, 'container-runtime');
    expect(runtime?.status).toBe('pass');
    expect(runtime?.summary).toMatch(new RegExp(`; socket present; containerd ${version.replace(/[.~+]/g, '\\$&')} answers CRI v1$`));
    expect(runtime?.evidence).toContainEqual({
      source: 'curl --unix-socket /var/run/containerd/containerd.sock runtime.v1.RuntimeService/Version',
      text: `containerd ${version} answers CRI v1`,
    });

    // The file says cgroupfs, the running daemon (started before the edit) uses systemd.
    const [stale] = results(r.stdout, 'cgroup-driver-match');
    expect(stale?.status).toBe('warn');
    expect(stale?.summary).toMatch(
      /^containerd's config says cgroupfs \(\/etc\/containerd\/config\.toml:\d+ SystemdCgroup = false\) but the running containerd uses systemd: it was not restarted after the config changed$/,
    );
    expect(stale?.evidence.map((e) => e.source)).toEqual([expect.stringMatching(/^\/etc\/containerd\/config\.toml:\d+$/), 'CRI Status (verbose)']);
    expect(stale?.evidence[1]?.text).toBe('config.containerd.runtimes.runc.options.SystemdCgroup: true');
    // The kubelet (systemd) agrees with what actually runs.
    expect(stale?.details).toEqual([
      expect.stringMatching(/^pass: kubelet and containerd both use systemd \(\/var\/lib\/kubelet\/config\.yaml:\d+, CRI Status \(verbose\)\)$/),
    ]);

    // NetworkReady=false from the daemon's Status: no CNI config in its (empty) conf_dir.
    const cni = results(r.stdout, 'cni-config');
    expect(cni.map((x) => x.summary).join('\n')).toContain(
      'NetworkReady=false NetworkPluginNotReady: Network plugin returns error: cni plugin not initialized',
    );

    expect(r.stdout).not.toContain(PASSWORD);
    expect(r.stdout).not.toContain(AUTH);
  }, 120_000);

  it('reads a running `systemdCgroup = true` (go-toml spelling) as systemd', async () => {
    const {root} = await liveNode('spelling', true, 'systemdCgroup = true');
    const r = await runCli(['check', '--local', '--host-root', root, '--only', 'cgroup-driver-match', '--output', 'json']);
    const driver = results(r.stdout, 'cgroup-driver-match');
    expect(driver.map((x) => x.status)).toEqual(['pass']);
    expect(driver[0]?.evidence).toContainEqual({source: 'CRI Status (verbose)', text: 'config.containerd.runtimes.runc.options.systemdCgroup: true'});
    expect(r.code).toBe(0);
  }, 120_000);

  it('fails cgroup-driver-match when the running containerd uses cgroupfs and the kubelet systemd', async () => {
    const {root} = await liveNode('cgroupfs', true, 'SystemdCgroup = false');
    const r = await runCli(['check', '--local', '--host-root', root, '--only', 'cgroup-driver-match', '--output', 'json']);
    const driver = results(r.stdout, 'cgroup-driver-match');
    expect(driver.map((x) => x.status)).toEqual(['fail']);
    expect(driver[0]?.details).toEqual([
      expect.stringMatching(
        /^warn: containerd's config says systemd \(\/etc\/containerd\/config\.toml:\d+ SystemdCgroup = true\) but the running containerd uses cgroupfs: it was not restarted/,
      ),
    ]);
    expect(driver[0]?.summary).toMatch(
      /^kubelet uses systemd \(\/var\/lib\/kubelet\/config\.yaml:\d+ cgroupDriver: systemd\), containerd uses cgroupfs \(CRI Status \(verbose\): config\.containerd\.runtimes\.runc\.options\.SystemdCgroup: false\)$/,
    );
    expect(r.code).toBe(1);
  }, 120_000);

  it.skipIf(which('busybox') === null)(
    'gets the same answers under busybox sh with busybox applets and curl',
    async () => {
      const {root} = await liveNode('busybox', false, 'systemdCgroup = true');
      const busybox = which('busybox')!;
      const bb = join(work, 'busybox-path');
      await mkdir(bb, {recursive: true});
      execFileSync(busybox, ['--install', '-s', bb]);
      await symlink(which('curl')!, join(bb, 'curl')).catch(() => undefined);
      const t = new LocalTransport('local', root, true, [busybox, 'sh'], {PATH: bb});
      const facts = buildFacts(await collectRaw(t, {timeoutMs: 60_000}), {name: 'node-1', transport: 'local'});
      if (!facts.runtime.collected) throw new Error(facts.runtime.reason);
      const cri = facts.runtime.value.cri;
      if (!cri.collected) throw new Error(cri.reason);
      expect(cri.value).toMatchObject({
        answered: {value: true, text: `containerd ${version} answers CRI v1`},
        runtimeName: 'containerd',
        runtimeVersion: version,
        runtimeReady: {value: true},
        networkReady: {value: false, text: expect.stringContaining('cni plugin not initialized') as string},
        cgroupDriver: {value: 'systemd', source: {command: 'CRI Status (verbose)'}, text: 'config.containerd.runtimes.runc.options.systemdCgroup: true'},
        sandboxImage: {value: 'registry.k8s.io/pause:3.9'},
      });
    },
    120_000,
  );

  it('does not blame the runtime when the node’s curl has no HTTP/2', async () => {
    const {root} = await liveNode('no-http2', true, 'SystemdCgroup = true');
    const bin = join(work, 'curl-without-http2');
    await mkdir(bin, {recursive: true});
    // What Debian's curl built without nghttp2 says (curl exit 4: a feature not built in).
    await writeFile(
      join(bin, 'curl'),
      "#!/bin/sh\necho 'curl: option --http2-prior-knowledge: the installed libcurl version does not support this' >&2\nexit 4\n",
      {mode: 0o755},
    );
    const t = new LocalTransport('local', root, true, ['sh'], {PATH: `${bin}:${process.env['PATH'] ?? ''}`});
    const facts = buildFacts(await collectRaw(t, {timeoutMs: 60_000}), {name: 'node-1', transport: 'local'});
    expect(facts.criSocket).toEqual({collected: false, reason: 'not collected: curl on the node cannot speak HTTP/2 (exit 4): the CRI socket was not asked'});
    // Without crictl there is then no CRI answer at all, rather than a false "does not answer".
    if (which('crictl') === null)
      expect(facts.runtime.collected && facts.runtime.value.cri).toEqual({collected: false, reason: 'crictl is not installed on the node'});
  }, 120_000);

  it('keeps the registry password out of a collect snapshot, which still judges the driver from the daemon', async () => {
    const {root} = await liveNode('snapshot', false, 'SystemdCgroup = true');
    const out = join(work, 'snapshot.json');
    const c = await runCli(['collect', '--local', '--host-root', root, '-o', out]);
    expect(c.stderr).toMatch(/^wrote \S+snapshot\.json: .*\(secrets redacted\)\n$/);
    expect(c.code).toBe(0);
    const snap = await readFile(out, 'utf8');
    expect(snap).not.toContain(PASSWORD);
    expect(snap).not.toContain(AUTH);
    expect(snap).not.toContain('registry.example.com');
    // The whitelisted part of the verbose Status is there.
    expect(snap).toContain('registry.k8s.io/pause:3.9');
    const r = await runCli(['check', '--snapshot', out, '--only', 'cgroup-driver-match', '--output', 'json']);
    expect(results(r.stdout, 'cgroup-driver-match')[0]?.summary).toMatch(/it was not restarted after the config changed$/);
  }, 120_000);
});

/** A kubeadm worker tree whose containerd socket is served by `listen` (a hostile stand-in). */
async function hostileNode(name: string, listen: (socket: string) => Promise<() => Promise<void>>): Promise<{root: string; close: () => Promise<void>}> {
  const root = join(work, name);
  await writeNodeTree(root, {layout: 'deb', hostname: name, kubeletVersion: 'v1.30.2'});
  await mkdir(join(root, 'run/containerd'), {recursive: true});
  if (!existsSync(join(root, 'var/run'))) await symlink('/run', join(root, 'var/run'));
  return {root, close: await listen(join(root, 'run/containerd/containerd.sock'))};
}

describe.skipIf(noCurl)('a runtime socket that misbehaves', () => {
  it('reports a socket that accepts and never answers as a CRI that does not answer, and the probe ends', async () => {
    const conns = new Set<Socket>();
    const {root, close} = await hostileNode('silent', async (path) => {
      const server: Server = createServer((c) => {
        conns.add(c);
        c.resume();
        c.on('error', () => undefined);
      });
      await new Promise<void>((res) => server.listen(path, () => res()));
      return () =>
        new Promise<void>((res) => {
          for (const c of conns) c.destroy();
          server.close(() => res());
        });
    });
    try {
      const r = await runCli(['check', '--local', '--host-root', root, '--only', 'container-runtime', '--output', 'json']);
      const [runtime] = results(r.stdout, 'container-runtime');
      expect(runtime?.status).toBe('fail');
      expect(runtime?.summary).toMatch(/^the CRI does not answer: curl: \(28\) Operation timed out after \d+ milliseconds/);
      expect(conns.size).toBeGreaterThan(0);
      expect(r.code).toBe(1);
    } finally {
      await close();
    }
  }, 120_000);

  it('reads at most its cap of an answer that never ends', async () => {
    let sent = 0;
    const {root, close} = await hostileNode('endless', async (path) => {
      const server: Http2Server = createHttp2Server();
      server.on('stream', (stream) => {
        stream.respond({':status': 200, 'content-type': 'application/grpc'});
        const chunk = Buffer.alloc(65536, 0x41);
        const pump = (): void => {
          while (!stream.destroyed) {
            sent += chunk.length;
            if (!stream.write(chunk)) break;
          }
        };
        stream.on('drain', pump);
        stream.on('error', () => undefined);
        pump();
      });
      await new Promise<void>((res) => server.listen(path, () => res()));
      return () => new Promise<void>((res) => server.close(() => res()));
    });
    try {
      const out = join(work, 'endless.json');
      const c = await runCli(['collect', '--local', '--host-root', root, '-o', out]);
      expect(c.code).toBe(0);
      const snap = JSON.parse(await readFile(out, 'utf8')) as {
        raw?: {commands?: Record<string, {stdout: string}>};
        commands?: Record<string, {stdout: string}>;
      };
      const commands = snap.raw?.commands ?? snap.commands ?? {};
      const body = commands['cri-version-body']?.stdout ?? '';
      // 4096 bytes as od hex (3 characters a byte, a line end every 16): never more.
      expect(body.replace(/\s+/g, '').length).toBe(2 * 4096);
      expect(sent).toBeGreaterThan(4096);
      const r = await runCli(['check', '--snapshot', out, '--only', 'container-runtime', '--output', 'json']);
      expect(results(r.stdout, 'container-runtime')[0]?.summary).toMatch(/^the CRI does not answer: curl: \(23\)/);
    } finally {
      await close();
    }
  }, 120_000);
});
