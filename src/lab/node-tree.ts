/**
 * Lab nodes on disk: a directory laid out exactly like a kubeadm worker's root file system, with
 * real certificates made at generation time. e2e tests, the `npm start` demo and
 * `kubelet-doctor lab` point the tool at these trees (`--root DIR`) instead of at real machines.
 */
import {mkdir, rm, symlink, writeFile, chmod} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {createClusterCa, createKubeletServingPair, issueKubeletClientCert, type ClusterCa} from './pki.js';
import {healthyTree, type Layout, type NodeTree} from './node-files.js';
import {applyScenario, scenarios, type ScenarioId} from './scenarios.js';
import {addControlPlane, type ControlPlaneOptions} from './control-plane.js';

export type {Layout} from './node-files.js';
export type {ScenarioId, Scenario} from './scenarios.js';
export {scenarios} from './scenarios.js';
export type {ControlPlaneOptions, ControlPlaneCertName} from './control-plane.js';

/** How to build one node. */
export interface NodeTreeOptions {
  layout: Layout;
  hostname: string;
  /** The installed kubelet, `v1.30.2` form. */
  kubeletVersion: string;
  /** The generation clock (certificate validity is relative to it). Default: the current time. */
  now?: Date;
  /** What to break. Default: `healthy`. */
  scenario?: ScenarioId;
  /** The cluster CA to sign with; pass one to put several nodes (and a stand-in apiserver) in one cluster. */
  ca?: ClusterCa;
  /** Make it a kubeadm control-plane node (PKI, kubeconfigs, static pod manifests); not part of the default fleet. */
  controlPlane?: ControlPlaneOptions;
}

/** What was written, for the caller's assertions and for the demo's legend. */
export interface NodeTreeInfo {
  /** The directory holding the node's `/`. */
  root: string;
  hostname: string;
  layout: Layout;
  kubeletVersion: string;
  scenario: ScenarioId;
  /** Hex SHA-256 of the cluster CA's SPKI DER (`kubeadm join --discovery-token-ca-cert-hash sha256:…`). */
  caSpkiSha256: string;
  /** Node paths of the files and symlinks written, sorted. */
  files: string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Build a node tree in memory: healthy first, then the scenario's one edit. */
async function buildTree(opts: NodeTreeOptions, ca: ClusterCa, now: Date): Promise<NodeTree> {
  // The node joined a month ago: TLS bootstrap then wrote the client cert (the CSR signer
  // backdates notBefore by 5 minutes, one year validity) and the kubelet its self-signed pair.
  const joinedAt = new Date(now.getTime() - 30 * DAY_MS);
  const [client, serving] = await Promise.all([
    issueKubeletClientCert(ca, opts.hostname, {
      notBefore: new Date(joinedAt.getTime() - 5 * 60 * 1000),
      notAfter: new Date(joinedAt.getTime() + 365 * DAY_MS),
    }),
    createKubeletServingPair(opts.hostname, joinedAt),
  ]);
  const tree = healthyTree({
    layout: opts.layout,
    hostname: opts.hostname,
    kubeletVersion: opts.kubeletVersion,
    caPem: ca.certPem,
    // certificate_store.go writes the certificate, then the key, into one file.
    clientPem: client.certPem + client.keyPem,
    clientIssuedAt: joinedAt,
    servingCrt: serving.crtPem,
    servingKey: serving.keyPem,
  });
  await applyScenario(opts.scenario ?? 'healthy', tree, {
    now,
    hostname: opts.hostname,
    kubeletVersion: opts.kubeletVersion,
    ca,
  });
  if (opts.controlPlane) {
    await addControlPlane(tree, {now, hostname: opts.hostname, kubeletVersion: opts.kubeletVersion, ca}, opts.controlPlane);
  }
  return tree;
}

/** Write the in-memory tree under `root`; symlink targets stay absolute node paths. */
async function writeTree(root: string, tree: NodeTree): Promise<string[]> {
  const written: string[] = [];
  for (const [path, entry] of [...tree].sort(([a], [b]) => a.localeCompare(b))) {
    const onDisk = join(root, path);
    if (entry.kind === 'dir') {
      await mkdir(onDisk, {recursive: true});
      continue;
    }
    await mkdir(dirname(onDisk), {recursive: true});
    await rm(onDisk, {force: true});
    if (entry.kind === 'symlink') {
      await symlink(entry.target, onDisk);
    } else {
      await writeFile(onDisk, entry.content, {mode: entry.mode});
      // writeFile's mode is filtered by the umask; the node's modes (0600 keys) must hold exactly.
      await chmod(onDisk, entry.mode);
    }
    written.push(path);
  }
  return written;
}

/**
 * Write one kubeadm worker under `dir` (created if missing; `dir` is the node's `/`).
 * Why: tests and the demo need nodes that look real down to symlinks, modes and certificates.
 * Files already in `dir` that the tree does not name are left alone, so pass a fresh directory.
 */
export async function writeNodeTree(dir: string, opts: NodeTreeOptions): Promise<NodeTreeInfo> {
  const now = opts.now ?? new Date();
  const ca = opts.ca ?? (await createClusterCa(now));
  const tree = await buildTree(opts, ca, now);
  await mkdir(dir, {recursive: true});
  const files = await writeTree(dir, tree);
  return {
    root: dir,
    hostname: opts.hostname,
    layout: opts.layout,
    kubeletVersion: opts.kubeletVersion,
    scenario: opts.scenario ?? 'healthy',
    caSpkiSha256: ca.spkiSha256,
    files,
  };
}

/** The kubelet version each fleet node runs: the removed-flag node is the one upgraded to 1.27. */
function fleetVersion(id: ScenarioId): string {
  return id === 'removed-flag' ? 'v1.27.16' : 'v1.30.2';
}

/**
 * Write one node per scenario under `dir/<hostname>` (`node-1-healthy`, `node-2-cgroup-driver-mismatch`, …),
 * all signed by one cluster CA. Why: the demo and `kubelet-doctor lab` show a whole fleet at once.
 */
export async function writeFleet(dir: string, now: Date = new Date(), clusterCa?: ClusterCa): Promise<NodeTreeInfo[]> {
  const ca = clusterCa ?? (await createClusterCa(now));
  return Promise.all(
    scenarios.map((s, i) => {
      const hostname = `node-${i + 1}-${s.id}`.toLowerCase();
      return writeNodeTree(join(dir, hostname), {
        layout: 'deb',
        hostname,
        kubeletVersion: fleetVersion(s.id),
        now,
        scenario: s.id,
        ca,
      });
    }),
  );
}
