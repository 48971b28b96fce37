import {describe, it, expect} from 'vitest';
import {computeAllocatable, formatQuantity, parseQuantity, parseThreshold} from '../../src/facts/kubelet/quantity.js';

const GI = 2 ** 30;
const MI = 2 ** 20;

describe('parseQuantity', () => {
  it.each([
    ['1', 1],
    ['500m', 0.5],
    ['2Gi', 2 * GI],
    ['1.5Gi', 1.5 * GI],
    ['512Mi', 512 * MI],
    ['100Ki', 102400],
    ['1k', 1000],
    ['2M', 2e6],
    ['3G', 3e9],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['.5', 0.5],
  ])('reads %s', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value, 9);
  });

  it.each(['', '2GB', '1.5 Gi', '10%', 'lots', '1K', 'Gi'])('rejects %j', (text) => {
    expect(parseQuantity(text)).toBeNull();
  });
});

describe('parseThreshold', () => {
  it('reads percentages and quantities', () => {
    expect(parseThreshold('10%')).toEqual({kind: 'percent', percent: 10});
    expect(parseThreshold('100Mi')).toEqual({kind: 'quantity', value: 100 * MI});
    expect(parseThreshold('150%')).toBeNull();
    expect(parseThreshold('%')).toBeNull();
  });
});

describe('computeAllocatable', () => {
  // 32Gi - 2Gi - 1Gi - 500Mi = 29196Mi (28.51Gi; 28.5Gi would need a 512Mi threshold).
  it('subtracts kube-reserved, system-reserved and the hard eviction threshold from capacity', () => {
    const r = computeAllocatable(
      {cpu: 16, memory: 32 * GI, 'ephemeral-storage': 100 * GI},
      {cpu: '1', memory: '2Gi', 'ephemeral-storage': '1Gi'},
      {cpu: '500m', memory: '1Gi', 'ephemeral-storage': '1Gi'},
      {'memory.available': '500Mi', 'nodefs.available': '10%'},
    );
    expect(r.errors).toEqual([]);
    expect(r.rows).toEqual([
      {resource: 'cpu', capacity: 16, kubeReserved: 1, systemReserved: 0.5, evictionHard: 0, allocatable: 14.5},
      {resource: 'memory', capacity: 32 * GI, kubeReserved: 2 * GI, systemReserved: GI, evictionHard: 500 * MI, allocatable: 29196 * MI},
      {resource: 'ephemeral-storage', capacity: 100 * GI, kubeReserved: GI, systemReserved: GI, evictionHard: 10 * GI, allocatable: 88 * GI},
    ]);
    expect(r.rows.map((x) => formatQuantity(x.resource, x.allocatable))).toEqual(['14.5', '28.51Gi', '88Gi']);
  });

  it('leaves out resources whose capacity is unknown', () => {
    const r = computeAllocatable({memory: 8 * GI}, {}, {}, {'memory.available': '100Mi'});
    expect(r.rows.map((x) => x.resource)).toEqual(['memory']);
    expect(r.rows[0]?.allocatable).toBe(8 * GI - 100 * MI);
  });

  it('goes negative when reservations exceed capacity', () => {
    const r = computeAllocatable({cpu: 2}, {cpu: '2'}, {cpu: '1'}, {});
    expect(r.rows[0]?.allocatable).toBe(-1);
  });

  it('reports resources the kubelet cannot reserve, bad quantities and unknown signals', () => {
    const r = computeAllocatable({}, {storage: '1Gi', memory: '2 Gi'}, {cpu: '-1'}, {'memory.avail': '1Gi', 'nodefs.available': 'ten'});
    expect(r.errors.map((e) => [e.field, e.key])).toEqual([
      ['kubeReserved', 'storage'],
      ['kubeReserved', 'memory'],
      ['systemReserved', 'cpu'],
      ['evictionHard', 'memory.avail'],
      ['evictionHard', 'nodefs.available'],
    ]);
    expect(r.errors[0]?.message).toBe('cannot reserve "storage" resource (only cpu, memory, ephemeral-storage, pid)');
  });
});

describe('formatQuantity', () => {
  it('formats cpu in cores or millicores and bytes in binary units', () => {
    expect(formatQuantity('cpu', 14.5)).toBe('14.5');
    expect(formatQuantity('cpu', 0.25)).toBe('250m');
    expect(formatQuantity('memory', 28.5 * GI)).toBe('28.5Gi');
    expect(formatQuantity('memory', 500 * MI)).toBe('500Mi');
    expect(formatQuantity('memory', -GI)).toBe('-1Gi');
    expect(formatQuantity('ephemeral-storage', 512)).toBe('512');
  });
});
