/**
 * The bench fleet: up to thousands of simulated nodes for `npm run bench` (test/bench/), each a
 * lab SSH server (ssh-server.ts) on its own loopback port, so that the client's CPU per node and
 * its peak memory can be measured at 100, 500 and 2,000 nodes on one machine.
 *
 * Sessions are cheap: every node runs the same node tree's probe output, recorded once when the
 * fleet starts (the real probe, the same script the client sends, run by `sh -s` on this machine
 * with the tree as its host root, as an OpenSSH node would). Each node's `sh` is a stand-in first
 * on its PATH that reads the script from stdin and prints the recording, so the client (or
 * parallel-ssh) gets byte for byte what the probe prints, while the node side costs a few
 * processes instead of the probe's own work. Some nodes can be broken on purpose: `silent`
 * (accepts TCP, never says a word: the client waits for its --timeout) and `refusing` (nothing
 * listens: connection refused at once).
 *
 * The servers all share one host key and one client key; the fleet writes a known_hosts, an
 * inventory (src/targets/inventory.ts format) and a parallel-ssh hosts file for any prefix of
 * the fleet.
 */
import {spawn} from 'node:child_process';
import {chmod, mkdir, writeFile} from 'node:fs/promises';
import {createServer, type Server, type Socket} from 'node:net';
import {join} from 'node:path';
import {buildProbeScript, shQuote} from '../probe/script.js';
import {labKeyPair} from './lab-fleet.js';
import {startLabSshServer, type LabSshServer} from './ssh-server.js';

/** How to start a bench fleet. */
export interface BenchFleetOptions {
  /** Where to write keys, stand-ins and lists (created if missing). */
  dir: string;
  /** The node tree every node reports (writeNodeTree's root): the probe's host root on the "node". */
  hostRoot: string;
  /** Healthy nodes to serve. */
  nodes: number;
  /** Extra nodes that accept TCP and never answer. Default 0. */
  silent?: number;
  /** Extra nodes where nothing listens. Default 0. */
  refusing?: number;
  /** The probe's live part (systemctl, journalctl, crictl… on this machine), as the SSH transport sends it. Default true. */
  live?: boolean;
  log?: (line: string) => void;
}

/** One address in the fleet. */
export interface BenchNode {
  name: string;
  host: string;
  port: number;
  kind: 'ok' | 'silent' | 'refusing';
}

/** What a client needs to know of a fleet (plain data: a fleet in another process sends it as JSON). */
export interface BenchFleetInfo {
  /** Healthy nodes first, then the broken ones (silent and refusing, alternating). */
  nodes: BenchNode[];
  /** The client private key (mode 0600) every node accepts. */
  identityFile: string;
  knownHostsFile: string;
  /** The node tree the probe reads on every node. */
  hostRoot: string;
  /** The probe script the client sends (for `ssh HOST sh -s < script` / `parallel-ssh -I`). */
  script: string;
  /** Bytes of the recorded probe output each node sends back. */
  outputBytes: number;
}

/** A running bench fleet. */
export interface BenchFleet extends BenchFleetInfo {
  /** Sessions the servers are running now. */
  running(): number;
  /** Stop every server. Files stay. Idempotent. */
  stop(): Promise<void>;
}

/**
 * `n` nodes of the fleet: healthy ones, with `bad` of the broken ones spread evenly through the
 * list (a real fleet's dead nodes are not all at its end). Throws when the fleet is too small.
 */
export function mixedNodes(fleet: BenchFleetInfo, n: number, bad = 0): BenchNode[] {
  const ok = fleet.nodes.filter((x) => x.kind === 'ok');
  const broken = fleet.nodes.filter((x) => x.kind !== 'ok');
  if (n - bad > ok.length || bad > broken.length || bad > n) {
    throw new Error(`bench fleet: ${n} nodes with ${bad} broken asked of a fleet of ${ok.length} healthy and ${broken.length} broken`);
  }
  const good = ok.slice(0, n - bad);
  if (bad === 0) return good;
  const out: BenchNode[] = [];
  // The k-th broken node sits at about (k + 0.5) * n / bad.
  let b = 0;
  for (let i = 0; i < n; i++) {
    const due = b < bad && i >= Math.floor(((b + 0.5) * n) / bad);
    out.push(due ? broken[b++]! : good[i - b]!);
  }
  return out;
}

/** Write an inventory (src/targets/inventory.ts format) of `nodes`: user root, the fleet's key, its host root. */
export async function writeBenchInventory(fleet: BenchFleetInfo, file: string, nodes: readonly BenchNode[]): Promise<string> {
  const lines = [
    '# kubelet-doctor bench fleet (src/lab/bench-fleet.ts): lab SSH servers on loopback',
    'defaults:',
    '  user: root',
    `  identity: ${JSON.stringify(fleet.identityFile)}`,
    `  hostRoot: ${JSON.stringify(fleet.hostRoot)}`,
    'hosts:',
    ...nodes.map((n) => `  - {name: ${n.name}, host: ${n.host}, port: ${n.port}}`),
    '',
  ];
  await writeFile(file, lines.join('\n'));
  return file;
}

/** Write a parallel-ssh hosts file (`root@HOST:PORT` a line) of `nodes`. */
export async function writeBenchHosts(file: string, nodes: readonly BenchNode[]): Promise<string> {
  await writeFile(file, nodes.map((n) => `root@${n.host}:${n.port}\n`).join(''));
  return file;
}

/** Run the probe here once with `sh -s` and return what it printed. */
function record(script: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-s'], {
      stdio: ['pipe', 'pipe', 'ignore'],
      env: {PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8'},
    });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`bench fleet: the probe exited ${code} while recording`))));
    child.stdin.end(script);
  });
}

/** Ports to start at once: enough to be quick, few enough not to exhaust descriptors on the way. */
const START_BATCH = 100;

/**
 * Start the fleet. Why: measuring the client at fleet sizes no sshd on one machine can serve
 * with the probe's real work (2,000 nodes × the probe's ~100 ms of shell would be minutes).
 */
export async function startBenchFleet(o: BenchFleetOptions): Promise<BenchFleet> {
  const live = o.live ?? true;
  await mkdir(o.dir, {recursive: true});
  const binDir = join(o.dir, 'bin');
  const homeDir = join(o.dir, 'home');
  await mkdir(binDir, {recursive: true});
  await mkdir(homeDir, {recursive: true});
  const script = buildProbeScript({hostRoot: o.hostRoot, live});
  const output = await record(script);
  const outputFile = join(o.dir, 'probe-output');
  await writeFile(outputFile, output);
  // `sh -s` on a node: read the script to its end (as the probe's shell would), then the recording.
  await writeFile(join(binDir, 'sh'), `#!/bin/sh\ncat > /dev/null\nexec cat ${shQuote(outputFile)}\n`, {mode: 0o755});
  await chmod(join(binDir, 'sh'), 0o755);

  const host = labKeyPair('kubelet-doctor-bench-host');
  const client = labKeyPair('kubelet-doctor-bench');
  const identityFile = join(o.dir, 'id_ed25519');
  await writeFile(identityFile, client.private, {mode: 0o600});
  await chmod(identityFile, 0o600);
  const hostKey = host.public.split(' ').slice(0, 2).join(' ');

  const servers: LabSshServer[] = [];
  const extra: Server[] = [];
  const held = new Set<Socket>();
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      for (const s of held) s.destroy();
      await Promise.all([...servers.map((s) => s.stop()), ...extra.map((s) => new Promise<void>((r) => s.close(() => r())))]);
    })());
  try {
    for (let i = 0; i < o.nodes; i += START_BATCH) {
      const batch = await Promise.all(
        Array.from({length: Math.min(START_BATCH, o.nodes - i)}, (_, j) =>
          startLabSshServer({
            hostKey: host.private,
            authorizedKey: client.public,
            node: {hostname: `bench-${i + j}`, binDir, homeDir},
            ...(o.log ? {log: o.log} : {}),
          }),
        ),
      );
      servers.push(...batch);
    }
    const listen = (s: Server) =>
      new Promise<number>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve((s.address() as {port: number}).port));
      });
    // One listener serves every silent node (they differ only by name): it holds each socket open.
    let silentPort = 0;
    if ((o.silent ?? 0) > 0) {
      const s = createServer((sock) => {
        held.add(sock);
        sock.on('error', () => undefined);
        sock.once('close', () => held.delete(sock));
      });
      extra.push(s);
      silentPort = await listen(s);
    }
    // A port that was free a moment ago and has no listener: connect() is refused.
    let refusedPort = 0;
    if ((o.refusing ?? 0) > 0) {
      const s = createServer();
      refusedPort = await listen(s);
      await new Promise<void>((r) => s.close(() => r()));
    }
    const ok: BenchNode[] = servers.map((s, i) => ({name: `bench-${i}`, host: s.host, port: s.port, kind: 'ok'}));
    const bad: BenchNode[] = [];
    for (let i = 0; i < Math.max(o.silent ?? 0, o.refusing ?? 0); i++) {
      if (i < (o.silent ?? 0)) bad.push({name: `silent-${i}`, host: '127.0.0.1', port: silentPort, kind: 'silent'});
      if (i < (o.refusing ?? 0)) bad.push({name: `refusing-${i}`, host: '127.0.0.1', port: refusedPort, kind: 'refusing'});
    }
    const knownHostsFile = join(o.dir, 'known_hosts');
    await writeFile(knownHostsFile, ok.map((n) => `[${n.host}]:${n.port} ${hostKey}\n`).join(''));

    return {
      nodes: [...ok, ...bad],
      identityFile,
      knownHostsFile,
      hostRoot: o.hostRoot,
      script,
      outputBytes: output.length,
      running: () => servers.reduce((a, s) => a + s.running(), 0),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
