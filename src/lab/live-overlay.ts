/**
 * The live part of a lab node's file system: what /proc, /sys and /run show on the running node
 * (swaps, meminfo, sysctls, cgroup controllers, the processes, containerd's socket). A probe run
 * live with `hostRoot` = the node tree reads these, exactly as it reads `/host/proc` from a
 * `kubectl debug node` pod. Offline (`--root`) the probe never reads them, so checking the tree
 * as a mounted disk gives the same answers with or without the overlay.
 */
import {createServer, type Server} from 'node:net';
import {chmod, mkdir, mkdtemp, rename, rm, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {CONTAINERD_PID, KUBELET_ARGV, KUBELET_PID, LIVE_PROFILES, type RuntimeState} from './live-state.js';
import type {NodeTreeInfo} from './node-tree.js';

/** Where containerd listens on a lab node (the kubelet and crictl use /var/run/…, a symlink to /run). */
export const RUNTIME_SOCKET = '/run/containerd/containerd.sock';

// kernel mm/swapfile.c swap_show(): the name padded to 40 columns, then tab-separated fields.
const SWAPS_HEADER = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n';
const SWAP_IMG = `/swap.img${' '.repeat(31)}file\t\t4194300\t\t0\t\t-2\n`;

function meminfo(swapKiB: number): string {
  const rows: [string, number][] = [
    ['MemTotal', 8130100],
    ['MemFree', 4216832],
    ['MemAvailable', 6521344],
    ['Buffers', 98304],
    ['Cached', 2195456],
    ['SwapCached', 0],
    ['Active', 1638400],
    ['Inactive', 1892352],
    ['Unevictable', 0],
    ['Mlocked', 0],
    ['SwapTotal', swapKiB],
    ['SwapFree', swapKiB],
    ['Dirty', 128],
    ['Writeback', 0],
    ['AnonPages', 1236992],
    ['Mapped', 412672],
    ['Shmem', 4096],
    ['KReclaimable', 126976],
    ['Slab', 245760],
    ['SReclaimable', 126976],
    ['SUnreclaim', 118784],
    ['KernelStack', 9856],
    ['PageTables', 15360],
    ['CommitLimit', 4065048 + swapKiB],
    ['Committed_AS', 3276800],
    ['HugePages_Total', 0],
    ['HugePages_Free', 0],
    ['Hugepagesize', 2048],
  ];
  return `${rows
    .map(([k, v]) => `${`${k}:`.padEnd(16)}${String(v).padStart(8)} kB`)
    .join('\n')
    .replace(/(HugePages_(?:Total|Free):\s+\d+) kB/g, '$1')}\n`;
}

const MODULES = [
  'br_netfilter 32768 0 - Live 0x0000000000000000',
  'bridge 311296 1 br_netfilter, Live 0x0000000000000000',
  'stp 16384 1 bridge, Live 0x0000000000000000',
  'llc 16384 2 bridge,stp, Live 0x0000000000000000',
  'overlay 163840 12 - Live 0x0000000000000000',
  'nf_conntrack 176128 4 xt_conntrack,nf_nat,xt_MASQUERADE,nf_conntrack_netlink, Live 0x0000000000000000',
];

/** The kubelet's environment as systemd builds it from 10-kubeadm.conf and kubeadm-flags.env. */
const KUBELET_ENV = [
  'LANG=C.UTF-8',
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  `SYSTEMD_EXEC_PID=${KUBELET_PID}`,
  'KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf',
  'KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml',
  'KUBELET_KUBEADM_ARGS=--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock',
  'KUBELET_EXTRA_ARGS=',
];

/**
 * Write /proc, /sys and /run (and the /var/run → /run symlink) of the running node into its tree.
 * Why: live facts (swap, sysctls, cgroup v2, the kubelet process) come from these files on a node.
 */
export async function writeLiveOverlay(node: NodeTreeInfo, runtime: RuntimeState): Promise<void> {
  const profile = LIVE_PROFILES[node.scenario];
  const files: [string, string | Buffer][] = [
    ['proc/swaps', SWAPS_HEADER + (profile.swapOn ? SWAP_IMG : '')],
    ['proc/meminfo', meminfo(profile.swapOn ? 4194300 : 0)],
    ['proc/cmdline', 'BOOT_IMAGE=/vmlinuz-6.1.0-25-amd64 root=UUID=3f1c2a9e-5b7d-4e21-9c0a-8d6f4b2e7a15 ro quiet\n'],
    ['proc/modules', `${MODULES.join('\n')}\n`],
    ['proc/sys/net/bridge/bridge-nf-call-iptables', '1\n'],
    ['proc/sys/net/bridge/bridge-nf-call-ip6tables', '1\n'],
    ['proc/sys/net/ipv4/ip_forward', '1\n'],
    ['proc/1/comm', 'systemd\n'],
    ['proc/1/cmdline', Buffer.from('/sbin/init\0')],
    ['sys/fs/cgroup/cgroup.controllers', 'cpuset cpu io memory hugetlb pids rdma misc\n'],
  ];
  if (runtime.kind !== 'not-running') {
    files.push([`proc/${CONTAINERD_PID}/comm`, 'containerd\n']);
    files.push([`proc/${CONTAINERD_PID}/cmdline`, Buffer.from('/usr/bin/containerd\0')]);
  }
  if (profile.kubelet === 'running') {
    const pid = KUBELET_PID;
    files.push([`proc/${pid}/comm`, 'kubelet\n']);
    files.push([`proc/${pid}/cmdline`, Buffer.from(`${KUBELET_ARGV.join('\0')}\0`)]);
    files.push([`proc/${pid}/environ`, Buffer.from(`${KUBELET_ENV.join('\0')}\0`)]);
  }
  for (const [rel, content] of files) {
    const p = join(node.root, rel);
    await mkdir(dirname(p), {recursive: true});
    // Read-only from the last start of the same --dir: replace, do not write through.
    await rm(p, {force: true});
    await writeFile(p, content);
    await chmod(p, 0o444);
  }
  await mkdir(join(node.root, 'run/containerd'), {recursive: true});
  // containerd's root (config.toml `root`): where the image filesystem lives on a running node.
  for (const d of ['io.containerd.content.v1.content', 'io.containerd.snapshotter.v1.overlayfs', 'io.containerd.grpc.v1.cri']) {
    await mkdir(join(node.root, 'var/lib/containerd', d), {recursive: true});
  }
  await symlink('/run', join(node.root, 'var/run')).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
}

/** A listening containerd socket in a node tree. */
export interface RuntimeSocket {
  /** The socket's path on this machine, or null when it could not be created (the reason says why). */
  path: string | null;
  reason?: string;
  close(): Promise<void>;
}

// sockaddr_un.sun_path is 108 bytes on Linux, the terminating NUL included.
const MAX_SOCKET_PATH = 107;

/**
 * Listen on the node's containerd socket, so the runtime-endpoint checks find a socket where the
 * kubelet looks for one. Connections are closed at once: CRI answers come from the crictl stand-in.
 * A tree path too long for a unix socket is bound in a short temporary directory and moved in.
 */
export async function serveRuntimeSocket(root: string): Promise<RuntimeSocket> {
  const target = join(root, RUNTIME_SOCKET);
  const server: Server = createServer((c) => c.destroy());
  server.on('error', () => undefined);
  let bindDir: string | null = null;
  const listen = (path: string) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await rm(target, {force: true});
    if (Buffer.byteLength(target) <= MAX_SOCKET_PATH) {
      await listen(target);
    } else {
      bindDir = await mkdtemp(join(tmpdir(), 'kd-sock-'));
      await listen(join(bindDir, 's'));
      await rename(join(bindDir, 's'), target);
    }
  } catch (e) {
    server.close();
    if (bindDir) await rm(bindDir, {recursive: true, force: true});
    return {path: null, reason: `could not create ${RUNTIME_SOCKET} in the node tree: ${(e as Error).message}`, close: async () => undefined};
  }
  return {
    path: target,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // The node stops: its /run is gone, as on a real node's tmpfs.
      await rm(target, {force: true});
      if (bindDir) await rm(bindDir, {recursive: true, force: true});
    },
  };
}
