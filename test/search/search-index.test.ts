import {describe, expect, it} from 'vitest';
import {catalogue} from '../../checks/index.js';
import {createSearchIndex, type FindingDoc} from '../../src/search/search-index.js';

const problem = (node: number, nodeName: string, status: FindingDoc['finding']['status'], summary: string, id = 'swap'): FindingDoc => ({
  node,
  nodeName,
  finding: {id, title: 'Swap is off', status, summary, evidence: [{source: {file: '/etc/fstab', line: 3}, text: '/swap.img none swap sw 0 0'}]},
});

describe('createSearchIndex', () => {
  it('finds nothing for an empty or blank query', () => {
    const index = createSearchIndex(catalogue);
    expect(index.search('')).toEqual([]);
    expect(index.search('   ')).toEqual([]);
  });

  it('indexes every signature of the catalogue it is given', () => {
    const index = createSearchIndex(catalogue);
    expect(index.signatures.length).toBe(catalogue.reduce((n, c) => n + c.signatures.length, 0));
  });

  it('finds a check by its id and by words of its title', () => {
    const index = createSearchIndex(catalogue);
    expect(index.search('cgroup-driver-match')[0]?.check).toBe('cgroup-driver-match');
    expect(index.search('static pod manifests')[0]?.check).toBe('static-pods');
  });

  it('lists one hit per distinct problem, naming the first node and how many more share it', () => {
    const index = createSearchIndex(catalogue, [
      problem(2, 'node-3', 'fail', 'swap is on'),
      problem(5, 'node-6', 'fail', 'swap is on'),
      problem(0, 'node-1', 'pass', 'no swap'),
    ]);
    const findings = index.search('swap is on').filter((h) => h.kind === 'finding');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({node: 2, nodeName: 'node-3 (+1 more)', status: 'fail'});
  });

  it('puts the failing nodes right after a recognised log line', () => {
    const index = createSearchIndex(catalogue, [problem(4, 'node-5', 'fail', 'swap is on at boot')]);
    const hits = index.search('failed to run Kubelet: running with swap on is not supported, please disable swap!');
    expect(hits.slice(0, 3).map((h) => [h.kind, h.check, h.score])).toEqual([
      ['signature', 'swap', 0],
      ['check', 'swap', 0],
      ['finding', 'swap', 0],
    ]);
  });

  it('finds a finding by the evidence text on the node', () => {
    const index = createSearchIndex(catalogue, [problem(1, 'node-2', 'warn', 'something odd')]);
    expect(index.search('swap.img').some((h) => h.kind === 'finding' && h.node === 1)).toBe(true);
  });
});
