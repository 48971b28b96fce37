import {describe, it, expect} from 'vitest';
import check from '../../checks/eviction-pressure.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {buildCapacity} from '../../src/facts/host/host.js';
import {buildFilesystems} from '../../src/facts/live/live-disk.js';
import {buildKubeletConfig} from '../../src/facts/kubelet/kubelet-config.js';
import type {CommandRecord} from '../../src/facts/types.js';
import {ctx, makeFacts, rawFrom} from '../helpers/facts.js';
import {argvOf} from '../helpers/argv.js';

const CFG = '/var/lib/kubelet/config.yaml';
const HEAD = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n';
const GiB = 1024 * 1024;
const meminfo = (totalKiB: number, availKiB: number) => `MemTotal:       ${totalKiB} kB\nMemFree:         1000 kB\nMemAvailable:   ${availKiB} kB\n`;
const df = (mount: string, totalKiB: number, availKiB: number) =>
  `Filesystem     1024-blocks     Used Available Capacity Mounted on\n/dev/sda1 ${totalKiB} ${totalKiB - availKiB} ${availKiB} 50% ${mount}\n`;
const dfi = (inodes: number, free: number) => `Filesystem Inodes IUsed IFree IUse% Mounted on\n/dev/sda1 ${inodes} ${inodes - free} ${free} 10% /\n`;

function run(o: {mem?: [number, number]; nodefs?: [number, number]; inodes?: [number, number]; imagefs?: [number, number]; config?: string}): Verdict[] {
  const [total, avail] = o.mem ?? [8 * GiB, 4 * GiB];
  const [ntotal, navail] = o.nodefs ?? [100 * GiB, 50 * GiB];
  const [itotal, ifree] = o.inodes ?? [1_000_000, 900_000];
  const commands: Record<string, Partial<CommandRecord> & {stdout: string}> = {
    live: {stdout: o.imagefs ? 'imagefs.path=/var/lib/containerd\n' : ''},
    'df-kubelet': {stdout: df('/', ntotal, navail)},
    'dfi-kubelet': {stdout: dfi(itotal, ifree)},
    nproc: {stdout: '4\n'},
  };
  if (o.imagefs) commands['df-imagefs'] = {stdout: df('/var/lib/containerd', o.imagefs[0], o.imagefs[1])};
  const raw = rawFrom({'/proc/meminfo': meminfo(total, avail), [CFG]: HEAD + (o.config ?? '')}, {live: true, commands});
  const facts = makeFacts({
    capacity: buildCapacity(raw),
    filesystems: buildFilesystems(raw),
    kubeletConfig: buildKubeletConfig(raw, argvOf([`--config=${CFG}`]), 'v1.30.2'),
  });
  return [check.evaluate(facts, ctx)].flat();
}

describe('eviction-pressure check', () => {
  it('passes with plenty free, listing each signal against the default thresholds', () => {
    const [v] = run({});
    expect(v?.status).toBe('pass');
    expect(v?.summary).toBe(
      'above every hard-eviction threshold: memory.available 4Gi free (50.0% of 8Gi), nodefs.available 50Gi free (50.0% of 100Gi), nodefs.inodesFree 900000 inodes free (90.0% of 1000000 inodes); no container runtime root (/var/lib/containerd, /var/lib/containers/storage, /var/lib/docker) on the node',
    );
    expect(v?.evidence.map((e) => e.source)).toContainEqual({file: '/proc/meminfo', line: 3});
  });

  it('fails when nodefs is below 10% free (DiskPressure)', () => {
    const [v] = run({nodefs: [100 * GiB, 8 * GiB]});
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(
      'nodefs.available: 8Gi free (8.0% of 100Gi) is below the hard-eviction threshold nodefs.available<10% = 10Gi: the kubelet reports DiskPressure and evicts pods',
    );
    expect(v?.evidence[0]?.source).toEqual({command: 'df -kP /var/lib/kubelet'});
    expect(v?.evidence[1]?.text).toMatch(/^evictionHard: .* \(default\)$/);
  });

  it('fails on the imagefs threshold (15%) even when nodefs is fine', () => {
    const [v] = run({imagefs: [100 * GiB, 12 * GiB]});
    expect(v?.status).toBe('fail');
    expect(v?.summary).toMatch(/^imagefs\.available: 12Gi free \(12\.0% of 100Gi\) is below the hard-eviction threshold imagefs\.available<15%/);
  });

  it('warns within 10% of a memory threshold set in the config', () => {
    const [v] = run({mem: [8 * GiB, Math.round(1.05 * GiB)], config: 'evictionHard:\n  memory.available: 1Gi\n'});
    expect(v?.status).toBe('warn');
    expect(v?.summary).toBe(
      'memory.available: 1.05Gi free (13.1% of 8Gi) is within 10% of the hard-eviction threshold memory.available<1Gi: the kubelet starts evicting pods soon',
    );
    expect(v?.evidence.at(-1)?.source).toEqual({file: CFG, line: 3});
  });

  it('fails when inodes run out', () => {
    const [v] = run({inodes: [1_000_000, 20_000]});
    expect(v?.summary).toMatch(
      /^nodefs\.inodesFree: 20000 inodes free \(2\.0% of 1000000 inodes\) is below the hard-eviction threshold nodefs\.inodesFree<5% = 50000 inodes/,
    );
  });

  it('ignores signals the operator left out of evictionHard (they become 0)', () => {
    const [v] = run({nodefs: [100 * GiB, 1 * GiB], config: 'evictionHard:\n  memory.available: 100Mi\n'});
    expect(v?.status).toBe('pass');
  });

  it('skips under the root transport', () => {
    const raw = rawFrom({});
    const [v] = [check.evaluate(makeFacts({capacity: buildCapacity(raw), filesystems: buildFilesystems(raw)}), ctx)].flat();
    expect(v?.status).toBe('skip');
    expect(v?.summary).toMatch(/^not collected: memory not measured \(root transport: commands and \/proc are not collected/);
  });
});
