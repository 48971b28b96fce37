/**
 * The broken variants of a lab node. Each scenario makes one edit to an otherwise healthy tree,
 * the way the fault shows up on real nodes, and names the check that should catch it.
 */
import {issueKubeletClientCert, generateKeyPair, privateKeyPem, type ClusterCa} from './pki.js';
import {clientPemPath, kubeletMinor, paths, type NodeTree, type TreeEntry} from './node-files.js';

/** Every scenario id, healthy first. */
export type ScenarioId =
  | 'healthy'
  | 'cgroup-driver-mismatch'
  | 'removed-flag'
  | 'expired-client-cert'
  | 'config-typo'
  | 'missing-config'
  | 'dropin-no-reset'
  | 'swap-on'
  | 'no-cni'
  | 'cri-disabled'
  | 'key-mismatch';

/** What a scenario is, for the demo and for tests. */
export interface Scenario {
  id: ScenarioId;
  title: string;
  /** The check id that should fail on this node; null for the healthy node. */
  breaks: string | null;
  /** What was changed, in one line an operator recognises. */
  detail: string;
}

/** The catalogue of scenarios, in fleet order. */
export const scenarios: readonly Scenario[] = [
  {id: 'healthy', title: 'Healthy kubeadm worker', breaks: null, detail: 'nothing is broken'},
  {
    id: 'cgroup-driver-mismatch',
    title: 'Kubelet uses cgroupfs, containerd uses systemd',
    breaks: 'cgroup-driver-match',
    detail: 'config.yaml cgroupDriver: cgroupfs while containerd runc SystemdCgroup = true',
  },
  {
    id: 'removed-flag',
    title: 'kubeadm-flags.env carries a flag this kubelet removed',
    breaks: 'kubelet-flags',
    detail: '--container-runtime=remote (removed in 1.27), or --network-plugin=cni (removed in 1.24) on older kubelets',
  },
  {
    id: 'expired-client-cert',
    title: 'Kubelet client certificate expired',
    breaks: 'cert-expiry',
    detail: 'kubelet-client-current.pem expired 10 days ago',
  },
  {
    id: 'config-typo',
    title: 'Typo in config.yaml is silently ignored',
    breaks: 'kubelet-config',
    detail: 'maxPod: 200 (the field is maxPods; lenient decoding drops it)',
  },
  {
    id: 'missing-config',
    title: 'The --config file does not exist',
    breaks: 'kubelet-config',
    detail: '/var/lib/kubelet/config.yaml is gone while the kubeadm drop-in still passes --config',
  },
  {
    id: 'dropin-no-reset',
    title: 'A drop-in adds a second ExecStart= without resetting it',
    breaks: 'systemd-dropin',
    detail: '/etc/systemd/system/kubelet.service.d/20-extra.conf redefines ExecStart= without an empty ExecStart= first',
  },
  {
    id: 'swap-on',
    title: 'Swap is enabled in /etc/fstab',
    breaks: 'swap',
    detail: '/swap.img is mounted as swap; failSwapOn is left at its default (true)',
  },
  {
    id: 'no-cni',
    title: 'No CNI configuration',
    breaks: 'cni-config',
    detail: '/etc/cni/net.d is empty (the CNI DaemonSet never wrote its conflist)',
  },
  {
    id: 'cri-disabled',
    title: "containerd's CRI plugin is disabled",
    breaks: 'container-runtime',
    detail: 'config.toml is the one Docker\'s containerd.io package ships: a version 1 config with disabled_plugins = ["cri"]',
  },
  {
    id: 'key-mismatch',
    title: 'Client key does not match its certificate',
    breaks: 'kubeconfig',
    detail: 'kubelet-client-current.pem holds a private key from another key pair',
  },
];

/** What a scenario may use when it edits a tree. */
export interface ScenarioContext {
  now: Date;
  hostname: string;
  kubeletVersion: string;
  ca: ClusterCa;
}

type Applier = (tree: NodeTree, ctx: ScenarioContext) => Promise<void> | void;

const DAY_MS = 24 * 60 * 60 * 1000;

function fileEntry(tree: NodeTree, path: string): Extract<TreeEntry, {kind: 'file'}> {
  const entry = tree.get(path);
  if (entry?.kind !== 'file') throw new Error(`lab: ${path} is not a file in the healthy tree`);
  return entry;
}

/** Replace one literal in a file; the healthy template must contain it (a bug otherwise). */
function edit(tree: NodeTree, path: string, from: string, to: string): void {
  const entry = fileEntry(tree, path);
  if (!entry.content.includes(from)) throw new Error(`lab: ${path} does not contain ${JSON.stringify(from)}`);
  tree.set(path, {...entry, content: entry.content.replace(from, to)});
}

function currentClientPem(tree: NodeTree): string {
  const link = tree.get(paths.clientCurrent);
  if (link?.kind !== 'symlink') throw new Error('lab: kubelet-client-current.pem is not a symlink');
  return link.target;
}

const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----\n[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----\n/;

const appliers: Record<ScenarioId, Applier> = {
  healthy: () => undefined,
  'cgroup-driver-mismatch': (tree) => edit(tree, paths.config, 'cgroupDriver: systemd', 'cgroupDriver: cgroupfs'),
  'removed-flag': (tree, ctx) => {
    // --container-runtime is rejected from 1.27 and --network-plugin from 1.24 (kubelet.md §1);
    // old kubeadm-flags.env files carried both, and upgrades do not rewrite them.
    const flag = kubeletMinor(ctx.kubeletVersion) >= 27 ? '--container-runtime=remote' : '--network-plugin=cni';
    edit(tree, paths.flagsEnv, 'KUBELET_KUBEADM_ARGS="', `KUBELET_KUBEADM_ARGS="${flag} `);
  },
  'expired-client-cert': async (tree, ctx) => {
    // Issued a year (plus ten days) ago by the CSR signer, which backdates notBefore by 5 minutes.
    const notAfter = new Date(ctx.now.getTime() - 10 * DAY_MS);
    const issuedAt = new Date(notAfter.getTime() - 365 * DAY_MS);
    const cert = await issueKubeletClientCert(ctx.ca, ctx.hostname, {
      notBefore: new Date(issuedAt.getTime() - 5 * 60 * 1000),
      notAfter,
    });
    tree.delete(currentClientPem(tree));
    const dated = clientPemPath(issuedAt);
    tree.set(dated, {kind: 'file', content: cert.certPem + cert.keyPem, mode: 0o600});
    tree.set(paths.clientCurrent, {kind: 'symlink', target: dated});
  },
  // An operator's hand edit, dropped in alphabetical order like the rest of kubeadm's keys.
  'config-typo': (tree) => edit(tree, paths.config, 'memorySwap: {}\n', 'maxPod: 200\nmemorySwap: {}\n'),
  'missing-config': (tree) => {
    tree.delete(paths.config);
  },
  'dropin-no-reset': (tree) => {
    // systemd.service(5): only Type=oneshot may have several ExecStart=; without an empty
    // `ExecStart=` first the unit fails to load ("Service has more than one ExecStart= setting").
    tree.set(`${paths.adminDropInDir}/20-extra.conf`, {
      kind: 'file',
      mode: 0o644,
      content: '[Service]\n' + 'ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS --v=2\n',
    });
  },
  'swap-on': (tree) => edit(tree, paths.fstab, '#/swap.img', '/swap.img'),
  'no-cni': (tree) => {
    tree.delete(paths.cniConflist);
    tree.set(paths.cniConfDir, {kind: 'dir'});
  },
  // Docker's containerd.io package ships this whole file (a version 1 config): containerd runs,
  // but without its CRI plugin, so the kubelet gets "unknown service runtime.v1.RuntimeService".
  'cri-disabled': (tree) => {
    tree.set(paths.containerd, {kind: 'file', mode: 0o644, content: DOCKER_CONTAINERD_IO_CONFIG});
  },
  'key-mismatch': async (tree) => {
    const dated = currentClientPem(tree);
    const other = await privateKeyPem((await generateKeyPair()).privateKey, 'sec1');
    const entry = fileEntry(tree, dated);
    if (!PRIVATE_KEY_BLOCK.test(entry.content)) throw new Error(`lab: ${dated} holds no private key`);
    tree.set(dated, {...entry, content: entry.content.replace(PRIVATE_KEY_BLOCK, other)});
  },
};

/** /etc/containerd/config.toml as Docker's containerd.io package installs it. */
const DOCKER_CONTAINERD_IO_CONFIG = `#   Copyright 2018-2022 Docker Inc.

#   Licensed under the Apache License, Version 2.0 (the "License");
#   you may not use this file except in compliance with the License.
#   You may obtain a copy of the License at

#       http://www.apache.org/licenses/LICENSE-2.0

#   Unless required by applicable law or agreed to in writing, software
#   distributed under the License is distributed on an "AS IS" BASIS,
#   WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
#   See the License for the specific language governing permissions and
#   limitations under the License.

disabled_plugins = ["cri"]

#root = "/var/lib/containerd"
#state = "/run/containerd"
#subreaper = true
#oom_score = 0

#[grpc]
#  address = "/run/containerd/containerd.sock"
#  uid = 0
#  gid = 0

#[debug]
#  address = "/run/containerd/debug.sock"
#  uid = 0
#  gid = 0
#  level = "info"
`;

/** Look a scenario up by id (ids come from the typed union, so this always finds one). */
export function scenarioById(id: ScenarioId): Scenario {
  const found = scenarios.find((s) => s.id === id);
  if (!found) throw new Error(`lab: unknown scenario ${id}`);
  return found;
}

/** Break a healthy tree the way the scenario says; the healthy scenario leaves it as it is. */
export async function applyScenario(id: ScenarioId, tree: NodeTree, ctx: ScenarioContext): Promise<void> {
  await appliers[id](tree, ctx);
}

/**
 * Where the lab's `kubeadm join` stand-in (stand-in-scripts.ts kubeadmScript) fails on a node of
 * this scenario, as a real join would stop there: a kubelet that cannot run stops the join at the
 * wait for its healthz (kubelet-start); a client certificate the API server refuses stops it at
 * the TLS bootstrap wait (csr); the healthy node joins.
 */
export function kubeadmFailPhaseFor(id: ScenarioId): 'none' | 'kubelet-start' | 'csr' | 'preflight' {
  switch (id) {
    case 'healthy':
    case 'no-cni':
      return 'none';
    case 'expired-client-cert':
    case 'key-mismatch':
      return 'csr';
    case 'swap-on':
      return 'preflight';
    default:
      return 'kubelet-start';
  }
}
