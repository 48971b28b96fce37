import {describe, it, expect} from 'vitest';
import {buildCapacity, buildCgroup, buildKernel, buildSwap} from '../../src/facts/host/host.js';
import {rawFrom} from '../helpers/facts.js';

const PROC_SWAPS = `Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority
/swap.img                               file\t\t4194300\t\t0\t\t-2
/dev/zram0                              partition\t8388604\t\t1024\t\t100
`;
const FSTAB = `# /etc/fstab: static file system information.
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
/dev/disk/by-uuid/3b6f0c1e-8e3a-4c55-9d1a-0c2f1e7e5a11 / ext4 defaults 0 1
/dev/disk/by-uuid/7A1B-2C3D /boot/efi vfat defaults 0 1
/swap.img\tnone\tswap\tsw\t0\t0
#/dev/sdb1 none swap sw 0 0
UUID=0b3c9f2a-1d4e-4f6a-8b7c-9d0e1f2a3b4c none swap sw,noauto 0 0
`;

describe('buildSwap', () => {
  it('lists active swap from /proc/swaps on a live node, zram included', () => {
    const r = buildSwap(rawFrom({'/proc/swaps': PROC_SWAPS, '/etc/fstab': FSTAB}, {live: true}));
    expect(r.collected && r.value.basis).toBe('proc-swaps');
    if (!r.collected) return;
    expect(r.value.entries).toEqual([
      {
        device: '/swap.img',
        kind: 'file',
        sizeKiB: 4194300,
        noauto: false,
        source: {file: '/proc/swaps', line: 2},
        text: '/swap.img                               file\t\t4194300\t\t0\t\t-2',
      },
      expect.objectContaining({device: '/dev/zram0', kind: 'zram', sizeKiB: 8388604, source: {file: '/proc/swaps', line: 3}}),
    ]);
    expect(r.value.fstab.map((e) => e.device)).toEqual(['/swap.img', 'UUID=0b3c9f2a-1d4e-4f6a-8b7c-9d0e1f2a3b4c']);
  });

  it('reports no entries when /proc/swaps has only its header', () => {
    const r = buildSwap(rawFrom({'/proc/swaps': 'Filename\tType\tSize\tUsed\tPriority\n'}, {live: true}));
    expect(r.collected && r.value.entries).toEqual([]);
  });

  it('reads fstab swap entries with their lines offline, skipping comments and marking noauto', () => {
    const r = buildSwap(rawFrom({'/etc/fstab': FSTAB}));
    if (!r.collected) throw new Error(r.reason);
    expect(r.value.basis).toBe('fstab');
    expect(r.value.entries).toEqual([
      {device: '/swap.img', kind: 'file', sizeKiB: null, noauto: false, source: {file: '/etc/fstab', line: 5}, text: '/swap.img\tnone\tswap\tsw\t0\t0'},
      {
        device: 'UUID=0b3c9f2a-1d4e-4f6a-8b7c-9d0e1f2a3b4c',
        kind: 'partition',
        sizeKiB: null,
        noauto: true,
        source: {file: '/etc/fstab', line: 7},
        text: 'UUID=0b3c9f2a-1d4e-4f6a-8b7c-9d0e1f2a3b4c none swap sw,noauto 0 0',
      },
    ]);
    expect(r.value.notes[0]).toMatch(/systemd \.swap units/);
  });

  it('is not collected offline without /etc/fstab, nor live without /proc/swaps and /etc/fstab', () => {
    expect(buildSwap(rawFrom({})).collected).toBe(false);
    expect(buildSwap(rawFrom({}, {live: true}))).toEqual({
      collected: false,
      reason: '/proc/swaps not available (not collected by the probe) and /etc/fstab was not collected',
    });
  });
});

const K8S_SYSCTL = `# Kubernetes networking (kubeadm install guide)
net.bridge.bridge-nf-call-iptables  = 1
net.bridge.bridge-nf-call-ip6tables = 1
net.ipv4.ip_forward                 = 1
`;

describe('buildKernel', () => {
  it('orders sysctl.d files by name across directories; a later name wins', () => {
    const r = buildKernel(
      rawFrom({
        '/usr/lib/sysctl.d/50-default.conf': 'net.ipv4.ip_forward = 0\nkernel.panic = 10\n',
        '/etc/sysctl.d/k8s.conf': K8S_SYSCTL,
      }),
    );
    if (!r.collected) throw new Error(r.reason);
    expect(r.value.persisted['net.ipv4.ip_forward']).toEqual({
      value: '1',
      source: {file: '/etc/sysctl.d/k8s.conf', line: 4},
      text: 'net.ipv4.ip_forward                 = 1',
    });
    expect(r.value.persisted['kernel.panic']?.value).toBe('10');
    expect(r.value.files).toEqual(['/usr/lib/sysctl.d/50-default.conf', '/etc/sysctl.d/k8s.conf']);
  });

  it('lets a same-named file in /etc mask the one in /usr/lib', () => {
    const r = buildKernel(
      rawFrom({
        '/usr/lib/sysctl.d/99-k8s.conf': 'net.ipv4.ip_forward = 1\n',
        '/etc/sysctl.d/99-k8s.conf': '# disabled by the security team\nnet.ipv4.ip_forward = 0\n',
      }),
    );
    if (!r.collected) throw new Error(r.reason);
    expect(r.value.persisted['net.ipv4.ip_forward']).toMatchObject({value: '0', source: {file: '/etc/sysctl.d/99-k8s.conf', line: 2}});
    expect(r.value.files).toEqual(['/etc/sysctl.d/99-k8s.conf']);
  });

  it('applies /etc/sysctl.conf last and accepts slash separators and "-" prefixes', () => {
    const r = buildKernel(rawFrom({'/etc/sysctl.d/k8s.conf': K8S_SYSCTL, '/etc/sysctl.conf': '#net.ipv4.ip_forward=1\n-net/ipv4/ip_forward=0\n'}));
    if (!r.collected) throw new Error(r.reason);
    expect(r.value.persisted['net.ipv4.ip_forward']).toMatchObject({value: '0', source: {file: '/etc/sysctl.conf', line: 2}});
  });

  it('collects boot modules from modules-load.d and /etc/modules', () => {
    const r = buildKernel(
      rawFrom({
        '/etc/modules-load.d/k8s.conf': 'overlay\nbr_netfilter\n',
        '/etc/modules': '# /etc/modules: kernel modules to load at boot time.\nloop\n',
      }),
    );
    if (!r.collected) throw new Error(r.reason);
    expect(r.value.bootModules['br_netfilter']).toEqual({value: 'br_netfilter', source: {file: '/etc/modules-load.d/k8s.conf', line: 2}, text: 'br_netfilter'});
    expect(Object.keys(r.value.bootModules)).toEqual(['overlay', 'br_netfilter', 'loop']);
    expect(r.value.loadedModules).toBeNull();
    expect(r.value.sysctl).toEqual({});
  });

  it('reads live /proc/sys values and /proc/modules, and marks absent bridge sysctls', () => {
    const r = buildKernel(
      rawFrom(
        {
          '/proc/sys/net/ipv4/ip_forward': '1\n',
          '/proc/modules': 'overlay 151552 0 - Live 0x0000000000000000\nnf_conntrack 172032 2 - Live 0x0000000000000000\n',
        },
        {live: true, records: {'/proc/sys/net/bridge/bridge-nf-call-iptables': {status: 'missing'}}},
      ),
    );
    if (!r.collected) throw new Error(r.reason);
    expect(r.value.sysctl['net.ipv4.ip_forward']).toEqual({value: '1', source: {file: '/proc/sys/net/ipv4/ip_forward', line: 1}, text: '1'});
    expect(r.value.sysctl['net.bridge.bridge-nf-call-iptables']?.value).toBeNull();
    expect(Object.keys(r.value.loadedModules ?? {})).toEqual(['overlay', 'nf_conntrack']);
  });

  it('is not collected offline when no sysctl or module configuration was read', () => {
    expect(buildKernel(rawFrom({})).collected).toBe(false);
  });
});

describe('buildCgroup', () => {
  const controllers = 'cpuset cpu io memory hugetlb pids rdma misc\n';

  it('reads cgroup v2 from cgroup2fs with the root controllers', () => {
    const r = buildCgroup(
      rawFrom(
        {'/sys/fs/cgroup/cgroup.controllers': controllers},
        {live: true, commands: {'cgroup-fs': {stdout: 'cgroup2fs\n', command: 'stat -fc %T /sys/fs/cgroup'}}},
      ),
    );
    if (!r.collected) throw new Error(r.reason);
    expect(r.value.version).toEqual({value: 2, source: {command: 'stat -fc %T /sys/fs/cgroup'}, text: 'cgroup2fs'});
    expect(r.value.controllers?.value).toContain('memory');
    expect(r.value.cmdline).toBeNull();
  });

  it('reads cgroup v1 from tmpfs and the kernel switch that forced it', () => {
    const cmdline = 'BOOT_IMAGE=/boot/vmlinuz-5.15.0-105-generic root=UUID=3b6f0c1e ro quiet systemd.unified_cgroup_hierarchy=0\n';
    const r = buildCgroup(rawFrom({'/proc/cmdline': cmdline}, {live: true, commands: {'cgroup-fs': {stdout: 'tmpfs\n'}}}));
    if (!r.collected) throw new Error(r.reason);
    expect(r.value.version.value).toBe(1);
    expect(r.value.cmdline).toEqual({
      value: 'systemd.unified_cgroup_hierarchy=0',
      source: {file: '/proc/cmdline', line: 1},
      text: 'systemd.unified_cgroup_hierarchy=0',
    });
  });

  it('is not collected offline, or when the command failed', () => {
    expect(buildCgroup(rawFrom({}))).toEqual({
      collected: false,
      reason: 'root transport: commands and /proc are not collected: the cgroup version is a property of the running kernel',
    });
    const failed = buildCgroup(rawFrom({}, {live: true, commands: {'cgroup-fs': {stdout: '', status: 'failed'}}}));
    expect(failed).toEqual({collected: false, reason: '`cgroup-fs` failed'});
  });
});

describe('buildCapacity', () => {
  const meminfo = 'MemTotal:       32816344 kB\nMemFree:        20160240 kB\nMemAvailable:   28564412 kB\nBuffers:          412300 kB\n';
  const df = 'Filesystem     1024-blocks     Used Available Capacity Mounted on\n/dev/sda1        102626232 12345678  85036918      13% /\n';
  const dfi = 'Filesystem      Inodes  IUsed   IFree IUse% Mounted on\n/dev/sda1      6553600 123456 6430144    2% /\n';

  it('reads cores, MemTotal and the kubelet filesystem size on a live node', () => {
    const r = buildCapacity(
      rawFrom({'/proc/meminfo': meminfo}, {live: true, commands: {nproc: {stdout: '16\n'}, 'df-kubelet': {stdout: df}, 'dfi-kubelet': {stdout: dfi}}}),
    );
    if (!r.collected) throw new Error(r.reason);
    expect(r.value.cpu).toEqual({value: 16, source: {command: 'nproc'}, text: '16'});
    expect(r.value.memory).toEqual({value: 32816344 * 1024, source: {file: '/proc/meminfo', line: 1}, text: 'MemTotal:       32816344 kB'});
    expect(r.value.memoryAvailable?.source).toEqual({file: '/proc/meminfo', line: 3});
    expect(r.value.ephemeralStorage?.value).toBe(102626232 * 1024);
    expect(r.value.ephemeralStorageAvailable?.value).toBe(85036918 * 1024);
    expect(r.value.inodes?.value).toBe(6553600);
    expect(r.value.inodesFree?.value).toBe(6430144);
  });

  it('is not collected offline', () => {
    expect(buildCapacity(rawFrom({'/proc/meminfo': meminfo})).collected).toBe(false);
  });
});
