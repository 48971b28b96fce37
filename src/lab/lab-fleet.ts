/**
 * The lab fleet: one kubeadm node tree per scenario, each served over SSH on its own loopback
 * port, with the files an operator (or kubelet-doctor) needs to reach them: a client key, a
 * known_hosts with every node's host key, and an inventory. `kubelet-doctor lab` starts one;
 * tests start one to exercise the SSH path end to end.
 */
import {chmod, mkdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import ssh2 from 'ssh2';
import {stringify} from 'yaml';
import {serveRuntimeSocket, writeLiveOverlay, type RuntimeSocket} from './live-overlay.js';
import {writeFleet, type NodeTreeInfo} from './node-tree.js';
import {startLabSshServer, type LabSshServer} from './ssh-server.js';
import {startLabCluster, type LabCluster} from './lab-cluster.js';
import {createClusterCa} from './pki.js';
import {writeStandIns, type StandInDirs} from './stand-ins.js';

/** The user every lab node accepts. */
export const LAB_USER = 'root';

/** One running lab node. */
export interface LabNode {
  info: NodeTreeInfo;
  /** The node's SSH port on 127.0.0.1. */
  port: number;
  dirs: StandInDirs;
  /** `ssh-ed25519 AAAA…`: the host key known_hosts holds for this node. */
  hostKey: string;
  server: LabSshServer;
  notes: string[];
  /** Stop its SSH server and its runtime socket. Idempotent. */
  stop(): Promise<void>;
}

/** How to start one node. */
export interface LabNodeOptions {
  labDir: string;
  /** The node tree, written by writeNodeTree or writeFleet under `labDir`. */
  info: NodeTreeInfo;
  /** The client public key the node accepts. */
  authorizedKey: string;
  now: Date;
  log?: (line: string) => void;
}

/**
 * Bring one node tree to life: stand-ins, the live overlay, containerd's socket, a host key and
 * an SSH server on an ephemeral loopback port.
 * Why: tests start one node; the fleet starts one per scenario.
 */
export async function startLabNode(o: LabNodeOptions): Promise<LabNode> {
  const {info} = o;
  const notes: string[] = [];
  const {dirs, runtime} = await writeStandIns(o.labDir, info, o.now);
  await writeLiveOverlay(info, runtime);
  // containerd that cannot load its config never creates its socket.
  let sock: RuntimeSocket | null = null;
  if (runtime.kind !== 'not-running') {
    sock = await serveRuntimeSocket(info.root);
    if (sock.reason) notes.push(`${info.hostname}: ${sock.reason}; the container-runtime check will say the socket is missing`);
  }
  const host = labKeyPair(`root@${info.hostname}`);
  const keyFile = join(o.labDir, '.lab', info.hostname, 'ssh_host_ed25519_key');
  await put(keyFile, host.private, 0o600);
  await put(`${keyFile}.pub`, `${host.public}\n`, 0o644);
  let server: LabSshServer;
  try {
    server = await startLabSshServer({
      hostKey: host.private,
      authorizedKey: o.authorizedKey,
      user: LAB_USER,
      node: {hostname: info.hostname, binDir: dirs.bin, homeDir: dirs.home},
      ...(o.log ? {log: o.log} : {}),
    });
  } catch (e) {
    await sock?.close();
    throw e;
  }
  let stopping: Promise<void> | null = null;
  return {
    info,
    port: server.port,
    dirs,
    // Drop the comment: known_hosts holds "type base64".
    hostKey: host.public.split(' ').slice(0, 2).join(' '),
    server,
    notes,
    stop: () => (stopping ??= Promise.all([server.stop(), sock?.close()]).then(() => undefined)),
  };
}

/** A running lab fleet. */
export interface LabFleet {
  dir: string;
  nodes: LabNode[];
  /** The client private key (mode 0600) every node accepts. */
  identityFile: string;
  knownHostsFile: string;
  inventoryFile: string;
  /** The fleet's control plane: a stand-in API server with a Node per lab node, and its kubeconfig. */
  cluster: LabCluster;
  /** Things that did not work out and what that means (for the operator, one line each). */
  notes: string[];
  /** Stop every server and socket. Files stay; the caller removes the directory if it wants. Idempotent. */
  stop(): Promise<void>;
}

/** How to start a fleet. */
export interface LabFleetOptions {
  /** Where to write everything (created if missing). */
  dir: string;
  /** The generation clock. Default: now. */
  now?: Date;
  /** Server events (auth refused, client errors), one line each. */
  log?: (line: string) => void;
}

/**
 * An ed25519 key pair in OpenSSH format. ssh2 1.17's generator drops a leading zero byte of the
 * public key (about one key in 256 comes out 31 bytes long and loads nowhere), so keys that do
 * not parse back are drawn again.
 */
export function labKeyPair(comment: string): {private: string; public: string} {
  for (;;) {
    const k = ssh2.utils.generateKeyPairSync('ed25519', {comment});
    if (!(ssh2.utils.parseKey(k.private) instanceof Error) && !(ssh2.utils.parseKey(k.public) instanceof Error)) return k;
  }
}

async function put(path: string, content: string, mode: number): Promise<void> {
  await writeFile(path, content, {mode});
  await chmod(path, mode);
}

/** The inventory of the fleet, in the format src/targets/inventory.ts reads (docs/lab.md). */
export function renderInventory(fleet: {identityFile: string; nodes: readonly LabNode[]}): string {
  const doc = {
    defaults: {user: LAB_USER, identity: fleet.identityFile},
    hosts: fleet.nodes.map((n) => ({
      name: n.info.hostname,
      host: '127.0.0.1',
      port: n.port,
      hostRoot: n.info.root,
      labels: {scenario: n.info.scenario, kubelet: n.info.kubeletVersion},
    })),
  };
  return (
    '# kubelet-doctor lab: one host per demo node, all on this machine (127.0.0.1).\n' +
    '# hostRoot is where the node\'s files are on the "remote" side; the ports change at every start.\n' +
    stringify(doc)
  );
}

/** known_hosts lines (`[127.0.0.1]:PORT ssh-ed25519 AAAA…`) for the fleet. */
export function renderKnownHosts(nodes: readonly LabNode[]): string {
  return `# kubelet-doctor lab: the host keys of the demo nodes (new keys at every start)\n${nodes.map((n) => `[127.0.0.1]:${n.port} ${n.hostKey}\n`).join('')}`;
}

/**
 * Write the fleet under `dir` and serve every node over SSH on 127.0.0.1.
 * Why: the demo and the end-to-end tests check nodes through the same SSH path as real ones.
 */
export async function startLabFleet(o: LabFleetOptions): Promise<LabFleet> {
  const now = o.now ?? new Date();
  await mkdir(o.dir, {recursive: true});
  const ca = await createClusterCa(now);
  const infos = await writeFleet(o.dir, now, ca);
  const client = labKeyPair('kubelet-doctor-lab');
  const identityFile = join(o.dir, 'id_ed25519');
  await put(identityFile, client.private, 0o600);
  await put(`${identityFile}.pub`, `${client.public}\n`, 0o644);

  const nodes: LabNode[] = [];
  const notes: string[] = [];
  let cluster: LabCluster | null = null;
  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= Promise.all([...nodes.map((n) => n.stop()), cluster?.api.close()]).then(() => undefined));
  try {
    cluster = await startLabCluster(o.dir, infos, ca, now);
    const started = await Promise.allSettled(
      infos.map((info) => startLabNode({labDir: o.dir, info, authorizedKey: client.public, now, ...(o.log ? {log: o.log} : {})})),
    );
    for (const r of started) if (r.status === 'fulfilled') nodes.push(r.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    notes.push(...nodes.flatMap((n) => n.notes));
    const knownHostsFile = join(o.dir, 'known_hosts');
    await put(knownHostsFile, renderKnownHosts(nodes), 0o644);
    const inventoryFile = join(o.dir, 'inventory.yaml');
    await put(inventoryFile, renderInventory({identityFile, nodes}), 0o644);
    return {dir: o.dir, nodes, identityFile, knownHostsFile, inventoryFile, cluster, notes, stop};
  } catch (e) {
    await stop();
    throw e;
  }
}
