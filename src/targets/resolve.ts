/**
 * TARGET strings and options → Target[]. Validation happens here so a typo is a usage error
 * (exit 2) before any node is touched. SSH targets come from positional `[user@]host[:port]`
 * arguments, `--inventory FILE`, and (async) the cluster's node list.
 */
import {existsSync, statSync} from 'node:fs';
import {hostname} from 'node:os';
import {resolve as resolvePath, basename} from 'node:path';
import {DEFAULT_POD_HOST_ROOT, DEFAULT_POD_IMAGE, DEFAULT_POD_NAMESPACE} from '../cluster/pod-spec.js';
import {InputError, UsageError} from '../errors.js';
import {loadSshConfig} from '../transport/ssh-config.js';
import {ADDRESS_TYPES, listClusterNodes, type AddressType} from './cluster-nodes.js';
import type {InventoryHost} from './inventory.js';
import {matchesSelector, parseSelector} from './selector.js';
import {parseHostSpec, parsePort, sshEndpoint, type SshSettings} from './ssh-target.js';
import type {Target} from './types.js';

/** SSH options from the command line. */
export interface SshOptions {
  user?: string;
  port?: string;
  identities?: string[];
  /** `-J`, comma-separated chain. */
  jump?: string;
  /** `--ssh-config FILE|none`; undefined reads ~/.ssh/config when present. */
  sshConfig?: string;
  knownHosts?: string;
  acceptNewHostKeys?: boolean;
}

/** Cluster options from the command line. */
export interface ClusterOptions {
  kubeconfig?: string;
  context?: string;
  allNodes?: boolean;
  selector?: string;
  address?: string;
  via?: string;
  /** `--pod-image` (with `--via pod`). */
  podImage?: string;
  /** `--pod-namespace` (with `--via pod`). */
  podNamespace?: string;
}

/** The target-selecting options. */
export interface TargetOptions {
  local: boolean;
  root: string[];
  snapshot: string[];
  hostRoot: string | null;
  positional: string[];
  inventory?: string | null;
  ssh?: SshOptions;
  cluster?: ClusterOptions;
  /** Deadline for listing cluster nodes. */
  timeoutMs?: number;
}

function mustBeDir(dir: string, flag: string): string {
  const abs = resolvePath(dir);
  let st;
  try {
    st = statSync(abs);
  } catch {
    throw new InputError(`${flag} ${dir}: no such directory`, `${flag} takes the directory where the node's root filesystem is mounted`);
  }
  if (!st.isDirectory()) throw new InputError(`${flag} ${dir}: not a directory`);
  return abs;
}

/** Whether the options ask for the cluster's node list (which needs the async resolver). */
export function wantsCluster(o: TargetOptions): boolean {
  const c = o.cluster ?? {};
  return c.allNodes === true || (c.selector !== undefined && !o.inventory);
}

/** Whether any SSH target is named (positional, inventory or cluster). */
export function hasSshTargets(o: TargetOptions): boolean {
  return o.positional.length > 0 || Boolean(o.inventory) || wantsCluster(o);
}

/** Command-line SSH settings, checked once for all targets. */
function sshSettings(o: SshOptions = {}): SshSettings {
  const identities = (o.identities ?? []).map((f) => {
    const abs = resolvePath(f);
    if (!existsSync(abs)) throw new UsageError(`-i ${f}: no such key file`);
    return abs;
  });
  const jump =
    o.jump !== undefined
      ? o.jump
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;
  for (const j of jump ?? []) parseHostSpec(j, '-J');
  if (o.user !== undefined && (o.user === '' || /[\s@:]/.test(o.user))) throw new UsageError(`-u ${o.user}: not a user name`);
  return {
    ...(o.user !== undefined ? {user: o.user} : {}),
    ...(o.port !== undefined ? {port: parsePort(o.port, '-p')} : {}),
    identities,
    ...(jump ? {jump} : {}),
    sshConfig: loadSshConfig(o.sshConfig ?? null),
    ...(o.knownHosts !== undefined ? {knownHosts: resolvePath(o.knownHosts)} : {}),
    acceptNewHostKeys: o.acceptNewHostKeys === true,
  };
}

function remoteRoot(hostRoot: string | null): string {
  if (hostRoot === null) return '/';
  if (!hostRoot.startsWith('/')) throw new UsageError(`--host-root ${hostRoot}: must be an absolute path (on the node, for SSH targets)`);
  return hostRoot;
}

/**
 * The hosts of `--inventory`, if given. The inventory module (and the YAML parser, ~25 ms) is
 * loaded only then: a check of named nodes opens its connections that much sooner.
 */
async function inventoryHosts(o: TargetOptions): Promise<InventoryHost[] | null> {
  if (!o.inventory) return null;
  const {readInventory} = await import('./inventory.js');
  return readInventory(o.inventory);
}

/** Positional and inventory SSH targets (no network). */
function staticSshTargets(o: TargetOptions, s: SshSettings, inventory: InventoryHost[] | null): Target[] {
  const out: Target[] = [];
  const root = remoteRoot(o.hostRoot);
  for (const p of o.positional) {
    const spec = parseHostSpec(p, 'TARGET');
    out.push({kind: 'ssh', name: p, ssh: sshEndpoint(spec, s, 'TARGET'), hostRoot: root, labels: {}});
  }
  if (o.inventory && inventory) {
    let hosts = inventory;
    const sel = o.cluster?.selector;
    if (sel !== undefined && !o.cluster?.allNodes) {
      const req = parseSelector(sel);
      hosts = hosts.filter((h) => matchesSelector(req, h.labels));
      if (hosts.length === 0) throw new InputError(`no host in ${o.inventory} matches -l ${sel}`);
    }
    for (const h of hosts) {
      out.push({
        kind: 'ssh',
        name: h.name,
        ssh: sshEndpoint({host: h.host}, s, h.at, h.layer),
        hostRoot: o.hostRoot !== null ? root : (h.hostRoot ?? '/'),
        labels: h.labels,
      });
    }
  }
  return out;
}

function nonSshTargets(o: TargetOptions): Target[] {
  const out: Target[] = [];
  if (o.local) {
    const hostRoot = o.hostRoot ? mustBeDir(o.hostRoot, '--host-root') : '/';
    out.push({kind: 'local', name: hostname(), hostRoot});
  }
  for (const dir of o.root) {
    const abs = mustBeDir(dir, '--root');
    out.push({kind: 'root', name: basename(abs) || abs, dir: abs});
  }
  for (const file of o.snapshot) out.push({kind: 'snapshot', name: file, file: resolvePath(file)});
  return out;
}

function checkCluster(o: TargetOptions): AddressType {
  const c = o.cluster ?? {};
  if (c.via !== undefined && c.via !== 'ssh' && c.via !== 'pod') {
    throw new UsageError(`--via ${c.via}: expected ssh or pod`, 'ssh reaches each node over SSH; pod runs the probe in a short-lived privileged pod on it');
  }
  if (c.via === 'pod') checkPod(o);
  else if (c.podImage !== undefined || c.podNamespace !== undefined) {
    throw new UsageError(`${c.podImage !== undefined ? '--pod-image' : '--pod-namespace'} needs --via pod`);
  }
  const addr = (c.address ?? 'InternalIP') as AddressType;
  if (!ADDRESS_TYPES.includes(addr)) throw new UsageError(`--address ${String(c.address)}: expected one of ${ADDRESS_TYPES.join(', ')}`);
  return addr;
}

/** A Node name (DNS-1123 subdomain), as `kubectl get nodes` shows it. */
const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** A namespace name (DNS-1123 label). */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** `--via pod`: positional arguments are node names; the pod's settings are sane. */
function checkPod(o: TargetOptions): void {
  const c = o.cluster ?? {};
  if (o.inventory)
    throw new UsageError('--via pod reaches cluster nodes by name: --inventory lists SSH hosts', 'drop --via pod, or name the nodes (or use --all-nodes / -l)');
  for (const p of o.positional) {
    if (!NODE_NAME.test(p)) throw new UsageError(`${p}: not a node name`, 'with --via pod, name nodes as `kubectl get nodes` shows them');
  }
  if (c.podNamespace !== undefined && !NAMESPACE.test(c.podNamespace)) throw new UsageError(`--pod-namespace ${c.podNamespace}: not a namespace name`);
  if (c.podImage !== undefined && (c.podImage.trim() === '' || /\s/.test(c.podImage)))
    throw new UsageError(`--pod-image ${c.podImage}: not an image reference`);
  if (o.hostRoot !== null && (!o.hostRoot.startsWith('/') || o.hostRoot.replace(/\/+$/, '') === '')) {
    throw new UsageError(
      `--host-root ${o.hostRoot}: with --via pod, the absolute path in the pod where the host's / is mounted (not /)`,
      `default ${DEFAULT_POD_HOST_ROOT}`,
    );
  }
}

/** A pod target for one node. */
function podTarget(o: TargetOptions, node: string, labels: Record<string, string>): Target {
  const c = o.cluster ?? {};
  return {
    kind: 'pod',
    name: node,
    node,
    hostRoot: o.hostRoot !== null ? o.hostRoot.replace(/\/+$/, '') : DEFAULT_POD_HOST_ROOT,
    cluster: {kubeconfig: c.kubeconfig !== undefined ? resolvePath(c.kubeconfig) : null, context: c.context ?? null},
    image: c.podImage ?? DEFAULT_POD_IMAGE,
    namespace: c.podNamespace ?? DEFAULT_POD_NAMESPACE,
    labels,
  };
}

const viaPod = (o: TargetOptions) => o.cluster?.via === 'pod';

const NO_TARGET_HINT = 'name one: a node ([user@]host[:port]), --inventory FILE, --all-nodes, --local, --root DIR or --snapshot FILE';

/**
 * Resolve the targets named on the command line, without network access: the cluster's node
 * list needs {@link resolveTargetsAsync} (a UsageError says so here).
 */
export async function resolveTargets(o: TargetOptions): Promise<Target[]> {
  checkCluster(o);
  if (wantsCluster(o))
    throw new UsageError('--all-nodes and -l need the cluster: this command takes one named target', 'name the node: kubelet-doctor collect NODE -o FILE');
  const out = nonSshTargets(o);
  if (viaPod(o)) out.push(...o.positional.map((p) => podTarget(o, p, {})));
  else if (hasSshTargets(o)) out.push(...staticSshTargets(o, sshSettings(o.ssh), await inventoryHosts(o)));
  if (out.length === 0) throw new UsageError('no target given', NO_TARGET_HINT);
  return out;
}

/** Resolve every target, listing the cluster's nodes when `--all-nodes` or `-l` asks for them. */
export async function resolveTargetsAsync(o: TargetOptions, signal?: AbortSignal): Promise<Target[]> {
  const addressType = checkCluster(o);
  if (!wantsCluster(o)) return resolveTargets(o);
  const out = nonSshTargets(o);
  const pod = viaPod(o);
  const s = pod ? null : sshSettings(o.ssh);
  if (pod) out.push(...o.positional.map((p) => podTarget(o, p, {})));
  else out.push(...staticSshTargets(o, s!, await inventoryHosts(o)));
  const c = o.cluster ?? {};
  const nodes = await listClusterNodes({
    kubeconfig: c.kubeconfig ?? null,
    context: c.context ?? null,
    selector: c.selector ?? null,
    addressType,
    timeoutMs: Math.min(o.timeoutMs ?? 30_000, 30_000),
    ...(signal ? {signal} : {}),
  });
  if (pod) {
    out.push(...nodes.map((n) => podTarget(o, n.name, n.labels)));
    return out;
  }
  const root = remoteRoot(o.hostRoot);
  for (const n of nodes) {
    out.push({kind: 'ssh', name: n.name, ssh: sshEndpoint({host: n.address ?? n.name}, s!, `node ${n.name}`), hostRoot: root, labels: n.labels});
  }
  return out;
}
