import {describe, it, expect} from 'vitest';
import check from '../../checks/node-allocatable.js';
import type {Verdict} from '../../src/catalogue/define.js';
import type {CapacityFacts} from '../../src/facts/host/host.js';
import {buildKubeletConfig} from '../../src/facts/kubelet/kubelet-config.js';
import {collected, notCollected} from '../../src/facts/types.js';
import type {Collected} from '../../src/facts/types.js';
import {ctx, makeFacts, rawFrom} from '../helpers/facts.js';
import {argvOf} from '../helpers/argv.js';

const CFG = '/var/lib/kubelet/config.yaml';
const HEAD = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n';
const RESERVED = `${HEAD}kubeReserved:
  cpu: "1"
  memory: 2Gi
  ephemeral-storage: 1Gi
systemReserved:
  cpu: 500m
  memory: 1Gi
  ephemeral-storage: 1Gi
evictionHard:
  memory.available: 500Mi
  nodefs.available: 10%
`;
const GI = 2 ** 30;

const capacity = (cpu: number, memory: number, storage: number): Collected<CapacityFacts> =>
  collected({
    cpu: {value: cpu, source: {command: 'nproc'}, text: String(cpu)},
    memory: {value: memory, source: {file: '/proc/meminfo', line: 1}, text: `MemTotal: ${memory / 1024} kB`},
    memoryAvailable: null,
    ephemeralStorage: {value: storage, source: {command: 'df -kP /var/lib/kubelet'}, text: `/dev/sda1 ${storage / 1024} 0 0 0% /`},
    ephemeralStorageAvailable: null,
    inodes: null,
    inodesFree: null,
  });

function run(config: string, cap: Collected<CapacityFacts>): Verdict[] {
  const argv = argvOf([`--config=${CFG}`]);
  const kubeletConfig = buildKubeletConfig(rawFrom({[CFG]: config}), argv, 'v1.30.2');
  const v = check.evaluate(makeFacts({argv, kubeletConfig, capacity: cap}), ctx);
  return Array.isArray(v) ? v : [v];
}

describe('node-allocatable check', () => {
  it('passes with the allocatable figures when reservations fit', () => {
    const [v, ...rest] = run(RESERVED, capacity(16, 32 * GI, 100 * GI));
    expect(rest).toEqual([]);
    expect(v?.status).toBe('pass');
    expect(v?.summary).toBe('allocatable: cpu 14.5 of 16, memory 28.51Gi of 32Gi, ephemeral-storage 88Gi of 100Gi');
    expect(v?.evidence.map((e) => e.source)).toEqual([
      {command: 'nproc'},
      {file: '/proc/meminfo', line: 1},
      {command: 'df -kP /var/lib/kubelet'},
      {file: CFG, line: 4},
      {file: CFG, line: 8},
      {file: CFG, line: 12},
    ]);
  });

  it('fails when reservations exceed capacity', () => {
    const [v] = run(RESERVED, capacity(1, 32 * GI, 100 * GI));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe('cpu: kube-reserved 1 + system-reserved 500m + eviction 0 = 1.5 exceeds the capacity of 1');
    expect(v?.evidence[0]?.source).toEqual({command: 'nproc'});
    expect(v?.evidence[1]?.source).toEqual({file: CFG, line: 4});
  });

  it('fails on a resource the kubelet cannot reserve', () => {
    const [v] = run(`${HEAD}kubeReserved:\n  cpu: 500m\n  storage: 1Gi\n`, capacity(4, 8 * GI, 50 * GI));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(
      'kubeReserved storage=1Gi: cannot reserve "storage" resource (only cpu, memory, ephemeral-storage, pid); the kubelet refuses to start',
    );
    expect(v?.evidence[0]?.source).toEqual({file: CFG, line: 4});
  });

  it('advises reservations when nothing is reserved, with the allocatable figures', () => {
    const [v] = run(HEAD, capacity(4, 8 * GI, 50 * GI));
    expect(v?.status).toBe('advice');
    expect(v?.summary).toMatch(/^nothing is reserved for the system .* \(allocatable: cpu 4 of 4, memory 7.9Gi of 8Gi, ephemeral-storage 45Gi of 50Gi\)$/);
    expect(v?.evidence[0]).toEqual({
      source: {file: '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf', line: 11},
      text: `--config=${CFG} (kubeReserved not set)`,
    });
  });

  it('still checks the reservations when capacity was not collected', () => {
    const [v] = run(RESERVED, notCollected('root transport: commands and /proc are not collected: capacity is measured on the running node'));
    expect(v?.status).toBe('pass');
    expect(v?.summary).toBe(
      'reservations parse (kube-reserved: cpu=1,memory=2Gi,ephemeral-storage=1Gi; system-reserved: cpu=500m,memory=1Gi,ephemeral-storage=1Gi); allocatable not computed: root transport: commands and /proc are not collected: capacity is measured on the running node',
    );
    expect(v?.evidence[0]?.source).toEqual({file: CFG, line: 4});
  });

  it('advises reservations when nothing is reserved and capacity is unknown', () => {
    const [v] = run(HEAD, notCollected('root transport'));
    expect(v?.status).toBe('advice');
    expect(v?.summary).toMatch(/starving the kubelet, the container runtime and sshd$/);
  });

  it('skips when the kubelet configuration is not collected', () => {
    const v = check.evaluate(makeFacts({kubeletConfig: notCollected('the kubelet command line is unknown: no unit')}), ctx);
    expect(v).toEqual({status: 'skip', summary: 'the kubelet command line is unknown: no unit', evidence: []});
  });
});

describe('signatures', () => {
  it('match the log lines they describe', () => {
    expect(check.signatures.length).toBeGreaterThan(0);
    for (const s of check.signatures) expect(s.pattern.test(s.text), s.id).toBe(true);
  });
});
