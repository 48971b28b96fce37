import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {mkdtemp, mkdir, readFile, readdir, readlink, rm, stat, symlink, writeFile} from 'node:fs/promises';
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {createServer, type Server} from 'node:https';
import {createServer as createTcpServer} from 'node:net';
import {tmpdir} from 'node:os';
import {delimiter, join} from 'node:path';
import type {AddressInfo} from 'node:net';
import {LocalTransport} from '../../src/transport/local.js';
import {collectRaw} from '../../src/probe/collect.js';
import {buildProbeScript} from '../../src/probe/script.js';
import {buildFacts} from '../../src/facts/build.js';
import {evaluateCheck} from '../../src/engine/evaluate.js';
import {createClusterCa, issueServingCert, type ClusterCa} from '../../src/lab/pki.js';
import {writeNodeTree} from '../../src/lab/node-tree.js';
import {catalogue} from '../../checks/index.js';
import type {Finding} from '../../src/report/types.js';
import type {Facts} from '../../src/facts/types.js';

// A real probe run: the live part queries a real HTTPS server on loopback with curl (or wget,
// or openssl), verifying it against the CA in the node tree's kubelet.conf.

const DAY = 24 * 60 * 60 * 1000;
const now = new Date();
let work: string;
let clusterCa: ClusterCa;
let otherCa: ClusterCa;
let server: Server;
let port: number;
let requests: string[] = [];

/** A node tree whose kubelet.conf points at https://127.0.0.1:<port>. */
async function node(name: string, ca: ClusterCa, serverPort: number): Promise<string> {
  const dir = join(work, name);
  await writeNodeTree(dir, {layout: 'deb', hostname: name, kubeletVersion: 'v1.30.2', now, ca});
  const conf = join(dir, 'etc/kubernetes/kubelet.conf');
  await writeFile(conf, (await readFile(conf, 'utf8')).replace('https://127.0.0.1:6443', `https://127.0.0.1:${serverPort}`));
  return dir;
}

/** A PATH of symlinks to every program on this machine's PATH except `without`. */
async function pathWithout(without: string[]): Promise<string> {
  const dir = join(work, `path-without-${without.join('-')}`);
  await mkdir(dir, {recursive: true});
  for (const d of (process.env['PATH'] ?? '').split(delimiter)) {
    const names = await readdir(d).catch(() => [] as string[]);
    for (const n of names) if (!without.includes(n)) await symlink(join(d, n), join(dir, n)).catch(() => undefined);
  }
  return dir;
}

async function liveFacts(root: string, env?: NodeJS.ProcessEnv): Promise<Facts> {
  const raw = await collectRaw(new LocalTransport('local', root, true, ['sh'], env), {timeoutMs: 60_000});
  return buildFacts(raw, {name: 'node-1', transport: 'local'});
}

async function check(root: string, id: string, env?: NodeJS.ProcessEnv): Promise<Finding> {
  const facts = await liveFacts(root, env);
  const c = catalogue.find((x) => x.id === id)!;
  return evaluateCheck(c, facts, {now: new Date(), expiryWarnDays: 30});
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kd-live-'));
  [clusterCa, otherCa] = await Promise.all([createClusterCa(now), createClusterCa(now)]);
  const cert = await issueServingCert(clusterCa, {
    commonName: 'kube-apiserver',
    dnsNames: ['kubernetes', 'localhost'],
    ips: ['127.0.0.1'],
    validity: {notBefore: new Date(now.getTime() - DAY), notAfter: new Date(now.getTime() + 365 * DAY)},
  });
  server = createServer({key: cert.keyPem, cert: cert.certPem}, (req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/livez') res.writeHead(200, {'content-type': 'text/plain'}).end('ok');
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  await Promise.all([node('good', clusterCa, port), node('stale-ca', otherCa, port)]);
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(work, {recursive: true, force: true});
});

describe('the live probe against a real HTTPS API server on loopback', () => {
  it('passes apiserver-reachable when the server chains to the kubelet.conf CA', async () => {
    requests = [];
    const f = await check(join(work, 'good'), 'apiserver-reachable');
    expect(f.status).toBe('pass');
    expect(f.summary).toBe(`https://127.0.0.1:${port}/livez answered ok from the node; TLS verified against the certificate-authority-data in the kubeconfig`);
    expect(f.evidence[0]).toEqual({source: {command: `curl https://127.0.0.1:${port}/livez`}, text: 'HTTP/1.1 200 OK: ok'});
    expect(f.evidence.map((e) => e.source)).toContainEqual({file: '/etc/kubernetes/kubelet.conf', line: 5});
    expect(requests).toEqual(['/livez']);
  }, 120_000);

  it('fails with "signed by unknown authority" when kubelet.conf holds another cluster\'s CA', async () => {
    const f = await check(join(work, 'stale-ca'), 'apiserver-reachable');
    expect(f.status).toBe('fail');
    expect(f.summary).toMatch(
      /^the API server's certificate is not signed by the certificate-authority-data in the kubeconfig \("certificate signed by unknown authority"\): the node's CA is stale/,
    );
    expect(f.evidence[0]?.text).toMatch(/^curl: \(60\) SSL certificate problem/);
  }, 120_000);

  it('fails with "connection refused" when nothing listens on the server port', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createTcpServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const f = await check(await node('down', clusterCa, closed), 'apiserver-reachable');
    expect(f.status).toBe('fail');
    expect(f.summary).toMatch(new RegExp(`^connection to 127\\.0\\.0\\.1:${closed} refused \\(curl: \\(7\\) .*\\): the API server is down`));
  }, 120_000);

  it('verifies TLS with GNU wget when the node has no curl', async () => {
    const path = await pathWithout(['curl']);
    const good = await check(join(work, 'good'), 'apiserver-reachable', {PATH: path});
    expect(good.status).toBe('pass');
    expect(good.evidence[0]?.source).toEqual({command: `wget https://127.0.0.1:${port}/livez`});
    const stale = await check(join(work, 'stale-ca'), 'apiserver-reachable', {PATH: path});
    expect(stale.status).toBe('fail');
    expect(stale.summary).toContain('certificate signed by unknown authority');
  }, 120_000);

  it('falls back to openssl s_client when the node has neither curl nor wget', async () => {
    const path = await pathWithout(['curl', 'wget']);
    const good = await check(join(work, 'good'), 'apiserver-reachable', {PATH: path});
    expect(good.status).toBe('pass');
    expect(good.evidence[0]?.source).toEqual({command: `openssl https://127.0.0.1:${port}/livez`});
    const stale = await check(join(work, 'stale-ca'), 'apiserver-reachable', {PATH: path});
    expect(stale.status).toBe('fail');
    expect(stale.summary).toContain('certificate signed by unknown authority');
  }, 120_000);

  it('compares the node clock with the API server Date header', async () => {
    const f = await check(join(work, 'good'), 'clock-skew');
    expect(f.status).toBe('pass');
    expect(f.summary).toMatch(/^the node's clock is \d+s (ahead of|behind) the operator's \(within 30 s\)/);
    expect(f.details.join('\n')).toMatch(/the node's clock is \d+s (ahead of|behind) the API server's \(127\.0\.0\.1\)/);
  }, 120_000);

  it.skipIf(!has('busybox'))(
    'runs under busybox sh with only busybox applets (and openssl) on the PATH',
    async () => {
      const busybox = execFileSync('sh', ['-c', 'command -v busybox']).toString().trim();
      const bb = join(work, 'busybox-path');
      await mkdir(bb, {recursive: true});
      execFileSync(busybox, ['--install', '-s', bb]);
      const root = await node('busybox', clusterCa, port);
      const run = async () => {
        const t = new LocalTransport('local', root, true, [busybox, 'sh'], {PATH: bb});
        const facts = buildFacts(await collectRaw(t, {timeoutMs: 60_000}), {name: 'node-1', transport: 'local'});
        return {facts, f: evaluateCheck(catalogue.find((c) => c.id === 'apiserver-reachable')!, facts, {now: new Date(), expiryWarnDays: 30})};
      };
      // busybox wget verifies no certificate: its TLS failures are its own, not the API server's.
      const bare = await run();
      expect(bare.f.status).toBe('skip');
      expect(bare.f.summary).toMatch(/^not collected: the node's busybox wget could not talk TLS to https:\/\/127\.0\.0\.1:\d+ \(wget: TLS error from peer/);
      expect(bare.facts.journal).toEqual({collected: false, reason: 'not collected: journalctl is not on the node (no systemd journal)'});
      // With openssl on the node the probe verifies TLS through openssl s_client instead.
      await symlink(execFileSync('sh', ['-c', 'command -v openssl']).toString().trim(), join(bb, 'openssl'));
      const {f} = await run();
      expect(f.status).toBe('pass');
      expect(f.evidence[0]?.source).toEqual({command: `openssl https://127.0.0.1:${port}/livez`});
    },
    120_000,
  );

  it('keeps the newest 256 KiB of a long journal and frames odd bytes exactly, or says the read was cut by its time cap', async () => {
    const bin = join(work, 'journal-bin');
    await mkdir(bin, {recursive: true});
    // 4000 lines of 100 bytes (400 KB), one holding a \001 byte, the last without a newline:
    // one awk, as a journalctl is one process (a fork per line would be the test's own slowness).
    const fake =
      '#!/bin/sh\nawk \'BEGIN { z = sprintf("%075d", 0); for (i = 1; i <= 3999; i++) printf "2026-04-16T12:04:10+0000 node-1 kubelet[7]: line %06d %s\\n", i, z;\n' +
      '  printf "2026-04-16T12:04:10+0000 node-1 kubelet[7]: odd \\001 byte\\n2026-04-16T12:04:11+0000 node-1 kubelet[7]: last line" }\'\n';
    await writeFile(join(bin, 'journalctl'), fake, {mode: 0o755});
    const root = await node('journal', clusterCa, port);
    const raw = await collectRaw(new LocalTransport('local', root, true, ['sh'], {PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}`}), {
      timeoutMs: 60_000,
    });
    const j = raw.commands['journal']!;
    expect(raw.notes.join('\n')).not.toContain('ended early');
    const facts = buildFacts(raw, {name: 'node-1', transport: 'local'});
    const logs = evaluateCheck(catalogue.find((c) => c.id === 'kubelet-logs')!, facts, {now: new Date(), expiryWarnDays: 30});
    expect(facts.journal.collected).toBe(true);
    if (!facts.journal.collected) return;
    if (j.status === 'timeout') {
      // A machine too busy to write 400 KB within the journal's time cap: what was read is kept,
      // and the facts and the check say the read was cut, never that the journal ended there.
      const n = Buffer.byteLength(j.stdout);
      expect(facts.journal.value.cutByTime).toEqual({bytes: n, capS: 5});
      expect(logs.status).toBe('skip');
      expect(logs.summary).toContain(
        n >= 256 * 1024 ? 'journal read cut by the time cap (5 s) after more than 262144 bytes' : `journal read cut by the time cap (5 s) after ${n} bytes`,
      );
      return;
    }
    expect(j.status).toBe('ok');
    expect(Buffer.byteLength(j.stdout)).toBe(256 * 1024);
    expect(j.stdout.endsWith('kubelet[7]: odd \u0001 byte\n2026-04-16T12:04:11+0000 node-1 kubelet[7]: last line')).toBe(true);
    expect(facts.journal.value.truncated).toBe(true);
    expect(facts.journal.value.cutByTime).toBeNull();
    expect(facts.journal.value.lines.at(-1)?.message).toBe('last line');
    expect(logs.status).toBe('pass');
  }, 120_000);

  it('says when the journal read was cut by its time cap, keeps the complete lines read, and does not pass on them', async () => {
    const bin = join(work, 'journal-slow-bin');
    await mkdir(bin, {recursive: true});
    // A journalctl that writes three lines (the third unfinished) and then never ends, as on a
    // node whose journal files are huge or on a hung disk.
    const fake =
      '#!/bin/sh\nprintf "2026-04-16T12:04:10+0000 node-1 systemd[1]: Started kubelet.service - kubelet: The Kubernetes Node Agent.\\n' +
      '2026-04-16T12:04:10+0000 node-1 kubelet[7]: I0416 12:04:10.000000 7 server.go:487] \\"Kubelet version\\"\\n2026-04-16T12:04:11+0000 node-1 kub"\nexec sleep 4243\n';
    await writeFile(join(bin, 'journalctl'), fake, {mode: 0o755});
    const root = await node('journal-slow', clusterCa, port);
    const raw = await collectRaw(new LocalTransport('local', root, true, ['sh'], {PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}`}), {
      timeoutMs: 60_000,
    });
    const j = raw.commands['journal']!;
    expect(j.status).toBe('timeout');
    const n = Buffer.byteLength(j.stdout);
    expect(j.stdout.endsWith('node-1 kub')).toBe(true);
    const facts = buildFacts(raw, {name: 'node-1', transport: 'local'});
    expect(facts.journal.collected && facts.journal.value.cutByTime).toEqual({bytes: n, capS: 5});
    // The unfinished last line is not a line.
    expect(facts.journal.collected && facts.journal.value.lines.map((l) => l.ident)).toEqual(['systemd', 'kubelet']);
    const logs = evaluateCheck(catalogue.find((c) => c.id === 'kubelet-logs')!, facts, {now: new Date(), expiryWarnDays: 30});
    expect(logs.status).toBe('skip');
    expect(logs.summary).toBe(
      `journal read cut by the time cap (5 s) after ${n} bytes: no known failure signature in the 2 kubelet journal lines read (since 2026-04-16T12:04:10+0000), but the newest lines were not read`,
    );
    expect(execFileSync('sh', ['-c', 'ps -eo args | grep -c "^sleep 4243" || true']).toString().trim()).toBe('0');
  }, 120_000);

  it('stops a hung command at its time cap (TERM, then KILL for one that ignores TERM) and collects the rest', async () => {
    const bin = join(work, 'hung-bin');
    await mkdir(bin, {recursive: true});
    // systemctl hangs as on a node with a wedged D-Bus (cap 5 s); hostname ignores TERM (cap 2 s).
    // Each writes to a log when it starts and when TERM reaches it.
    const log = join(work, 'hung.log');
    const fake = (name: string, onTerm: string) =>
      `#!/bin/sh\necho "start ${name} $1" >> '${log}'\ntrap 'echo "term ${name}" >> "${log}"; ${onTerm}' TERM\nwhile :; do sleep 1; done\n`;
    await writeFile(join(bin, 'systemctl'), fake('systemctl', 'exit 143'), {mode: 0o755});
    await writeFile(join(bin, 'hostname'), fake('hostname', ':'), {mode: 0o755});
    const root = await node('hung', clusterCa, port);
    const started = Date.now();
    const raw = await collectRaw(new LocalTransport('local', root, true, ['sh'], {PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}`}), {
      timeoutMs: 60_000,
    });
    const took = (Date.now() - started) / 1000;
    expect(raw.commands['systemctl-show']?.status).toBe('timeout');
    expect(raw.commands['hostname']?.status).toBe('timeout');
    expect(took).toBeGreaterThan(5); // systemctl's cap held it at least that long
    // They run side by side (one batch), so the probe waits for the slower, not for both: both
    // started before TERM reached either (one after the other, hostname would be TERMed first).
    const events = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
    expect(events.filter((e) => e.startsWith('start ')).sort()).toEqual(['start hostname ', 'start systemctl show']);
    expect(events.slice(0, 2).every((e) => e.startsWith('start '))).toBe(true);
    expect(events.slice(2)).toEqual(expect.arrayContaining(['term hostname', 'term systemctl']));
    // The probe ended by itself, not at the node's time limit, and the commands after them still ran.
    expect(raw.incomplete).toBeFalsy();
    expect(raw.notes.join('\n')).not.toContain('was stopped after');
    expect(raw.commands['nproc']?.status).toBe('ok');
    expect(raw.commands['date']?.status).toBe('ok');
    // Nothing the probe started is left on the machine (the KILLed hostname's last `sleep 1` aside).
    const left = execFileSync('sh', ['-c', `ps -eo args | grep -c '^/bin/sh ${bin}/' || true`])
      .toString()
      .trim();
    expect(left).toBe('0');
    const facts = buildFacts(raw, {name: 'node-1', transport: 'local'});
    const unit = evaluateCheck(catalogue.find((c) => c.id === 'systemd-dropin')!, facts, {now: new Date(), expiryWarnDays: 30});
    expect(unit.summary).toContain('live state not collected (`systemctl show kubelet` timeout)');
  }, 120_000);

  it('holds its output open only in the probe shell itself: sshd never waits for the watchdog or a background command', async () => {
    const bin = join(work, 'fds-bin');
    await mkdir(bin, {recursive: true});
    await writeFile(join(bin, 'systemctl'), '#!/bin/sh\nexec sleep 4344\n', {mode: 0o755}); // keeps the probe running
    const root = await node('fds', clusterCa, port);
    const probe = spawn('sh', ['-s'], {stdio: ['pipe', 'pipe', 'pipe'], env: {...process.env, PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}`}});
    probe.stdout!.resume();
    probe.stderr!.resume();
    probe.stdin!.end(buildProbeScript({hostRoot: root, live: true}));
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const pipeOf = async (pid: number, fd: number) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const [out, err] = [await pipeOf(probe.pid!, 1), await pipeOf(probe.pid!, 2)];
      expect(out).toMatch(/^(pipe|socket):/);
      // Every process of the probe's tree: the live subshell (the probe waits for it), the hung
      // systemctl, the watchdog and its `sleep 1`.
      const tree = new Map<number, {ppid: number; args: string}>();
      for (let grew = true; grew; ) {
        grew = false;
        for (const d of await readdir('/proc')) {
          const pid = Number(d);
          if (!/^\d+$/.test(d) || tree.has(pid)) continue;
          const stat = await readFile(`/proc/${d}/stat`, 'utf8').catch(() => '');
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          if (ppid === probe.pid || tree.has(ppid)) {
            tree.set(pid, {ppid, args: (await readFile(`/proc/${d}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ').trim()});
            grew = true;
          }
        }
      }
      const sleep1 = [...tree.entries()].find(([, p]) => p.args === 'sleep 1');
      const hung = [...tree.entries()].find(([, p]) => p.args === 'sleep 4344');
      expect(sleep1, JSON.stringify([...tree])).toBeDefined();
      expect(hung).toBeDefined();
      const watchdog = sleep1![1].ppid;
      const holds = async (pid: number) => {
        for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
          const l = await pipeOf(pid, Number(fd));
          if (l === out || l === err) return true;
        }
        return false;
      };
      expect(await holds(probe.pid!)).toBe(true);
      // What may outlive the probe holds none of its output (sshd would wait for them).
      expect(await holds(watchdog)).toBe(false);
      expect(await holds(sleep1![0])).toBe(false);
      expect(await holds(hung![0])).toBe(false);
    } finally {
      probe.kill('SIGKILL');
    }
  }, 120_000);

  it('leaves nothing running and no files when the probe itself is killed (SIGKILL) mid-way', async () => {
    const bin = join(work, 'killed-bin');
    const tmp = join(work, 'killed-tmp'); // the probe's mktemp -d goes here (TMPDIR)
    await mkdir(bin, {recursive: true});
    await mkdir(tmp, {recursive: true});
    await writeFile(join(bin, 'systemctl'), '#!/bin/sh\nexec sleep 4343\n', {mode: 0o755});
    const root = await node('killed', clusterCa, port);
    const script = buildProbeScript({hostRoot: root, live: true});
    const probe = spawn('sh', ['-s'], {
      stdio: ['pipe', 'ignore', 'ignore'],
      env: {...process.env, TMPDIR: tmp, PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}`},
    });
    probe.stdin!.end(script);
    const running = () => execFileSync('sh', ['-c', 'ps -eo args | grep -c "^sleep 4343" || true']).toString().trim();
    await new Promise((r) => setTimeout(r, 1500));
    expect(running()).toBe('1'); // systemctl is hanging, under its 5 s cap
    expect(await readdir(tmp)).toHaveLength(1);
    probe.kill('SIGKILL'); // the shell alone: no EXIT trap runs
    await new Promise((r) => setTimeout(r, 2500));
    // The watchdog saw the probe gone: it stopped the hung command and removed the directory.
    expect(running()).toBe('0');
    expect(await readdir(tmp)).toEqual([]);
  }, 120_000);

  it('skips every live check under the root transport', async () => {
    const raw = await collectRaw(new LocalTransport('root', join(work, 'good'), false), {timeoutMs: 60_000});
    const facts = buildFacts(raw, {name: 'node-1', transport: 'root'});
    for (const id of ['healthz', 'ports', 'apiserver-reachable', 'eviction-pressure', 'clock-skew', 'kubelet-logs', 'lock-file']) {
      const f = evaluateCheck(catalogue.find((c) => c.id === id)!, facts, {now: new Date(), expiryWarnDays: 30});
      expect(f.status, id).toBe('skip');
    }
    expect(Object.keys(raw.commands)).toEqual([]);
  }, 120_000);
});

const has = (cmd: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
};

/** Start a real containerd whose socket is the node tree's /run/containerd/containerd.sock. */
async function startContainerd(root: string, disabled: string[]): Promise<ChildProcess> {
  const sock = join(root, 'run/containerd/containerd.sock');
  await mkdir(join(root, 'run/containerd'), {recursive: true});
  // /var/run -> /run as on every systemd node: the probe resolves it inside the tree.
  await symlink('/run', join(root, 'var/run')).catch(() => undefined);
  const cfg = join(root, 'ctd.toml');
  const list = disabled.map((d) => JSON.stringify(d)).join(', ');
  await writeFile(cfg, `version = 2\nroot = "${root}/ctd-root"\nstate = "${root}/ctd-state"\ndisabled_plugins = [${list}]\n[grpc]\n  address = "${sock}"\n`);
  const child = spawn('containerd', ['--config', cfg], {stdio: ['ignore', 'ignore', 'pipe']});
  // The socket appears before the services are registered: wait for containerd to say it is up.
  let log = '';
  child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  const deadline = Date.now() + 30_000;
  while (
    !log.includes('containerd successfully booted') ||
    !(await stat(sock).then(
      (s) => s.isSocket(),
      () => false,
    ))
  ) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`containerd did not start: ${log.slice(-500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

describe.skipIf(!has('containerd') || has('crictl'))('the CRI socket answer without crictl (a real containerd)', () => {
  it('reads the runtime name and version when the CRI plugin runs', async () => {
    const root = await node('cri-on', clusterCa, port);
    const ctd = await startContainerd(root, []);
    try {
      const facts = await liveFacts(root);
      if (!facts.criSocket.collected) throw new Error(facts.criSocket.reason);
      expect(facts.criSocket.value).toMatchObject({
        endpoint: 'unix:///var/run/containerd/containerd.sock',
        grpcStatus: 0,
        runtimeName: 'containerd',
        apiVersion: 'v1',
      });
      expect(facts.criSocket.value.answered.text).toMatch(/^containerd \S+ answers CRI v1$/);
    } finally {
      ctd.kill('SIGKILL');
    }
  }, 120_000);

  it('reports Unimplemented when the CRI plugin is disabled, and a refused connection on a stale socket', async () => {
    const root = await node('cri-off', clusterCa, port);
    const ctd = await startContainerd(root, ['io.containerd.grpc.v1.cri']);
    try {
      const facts = await liveFacts(root);
      expect(facts.criSocket.collected && facts.criSocket.value.answered).toMatchObject({
        value: false,
        text: 'grpc-status 12: unknown service runtime.v1.RuntimeService',
      });
    } finally {
      ctd.kill('SIGKILL');
      await new Promise((r) => ctd.once('exit', r));
    }
    const stale = await liveFacts(root);
    expect(stale.criSocket.collected && stale.criSocket.value.answered.text).toMatch(/nothing listens: the runtime is not running\)$/);
  }, 120_000);
});
