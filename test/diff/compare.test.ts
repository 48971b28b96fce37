import {describe, expect, it} from 'vitest';
import {compareNodes, type DiffNode} from '../../src/diff/compare.js';
import type {Datum, DiffGroup} from '../../src/diff/fingerprint.js';
import {renderDriftJson, renderDriftMarkdown, renderDriftText} from '../../src/diff/render.js';
import {makeFinding} from '../helpers/report.js';

const datum = (key: string, value: string, source: string, group: DiffGroup = 'kubelet config'): Datum => ({
  key,
  group,
  value,
  source,
  text: `${key.split(' ').pop()}: ${value}`,
});
const node = (name: string, data: Datum[], extra: Partial<DiffNode> = {}): DiffNode => ({
  name,
  values: new Map(data.map((d) => [d.key, d])),
  unread: new Map(),
  findings: [],
  ...extra,
});
const driver = (v: string, line = 13) => datum('config cgroupDriver', v, `/var/lib/kubelet/config.yaml:${line}`);
const pods = (v: string) => datum('config maxPods', v, '/var/lib/kubelet/config.yaml:20');

describe('compareNodes', () => {
  it('returns only what differs, every value with its nodes and file:line', () => {
    const out = compareNodes([node('a', [driver('systemd'), pods('110')]), node('b', [driver('cgroupfs', 15), pods('110')])]);
    expect(out.map((d) => d.key)).toEqual(['config cgroupDriver']);
    expect(out[0]!.values).toEqual([
      {value: 'systemd', nodes: [{node: 'a', source: '/var/lib/kubelet/config.yaml:13', text: 'cgroupDriver: systemd'}]},
      {value: 'cgroupfs', nodes: [{node: 'b', source: '/var/lib/kubelet/config.yaml:15', text: 'cgroupDriver: cgroupfs'}]},
    ]);
  });

  it('groups a fleet by value, the most common first, and names the outliers', () => {
    const fleet = ['n1', 'n2', 'n3', 'n4'].map((n) => node(n, [driver('systemd')]));
    fleet.splice(2, 0, node('odd', [driver('cgroupfs')]));
    const [d] = compareNodes(fleet);
    expect(d!.values.map((g) => [g.value, g.nodes.map((s) => s.node)])).toEqual([
      ['systemd', ['n1', 'n2', 'n3', 'n4']],
      ['cgroupfs', ['odd']],
    ]);
    expect(d!.outliers).toEqual(['odd']);
    expect(renderDriftText({nodes: fleet.map((n) => n.name), baseline: null, differences: [d!], unchecked: []})).toBe(
      [
        '1 setting differs between 5 nodes:',
        '',
        'config cgroupDriver',
        '  4 nodes (n1, n2, n3, n4): systemd  at /var/lib/kubelet/config.yaml:13  cgroupDriver: systemd',
        '  odd: cgroupfs  at /var/lib/kubelet/config.yaml:13  cgroupDriver: cgroupfs',
        '',
      ].join('\n'),
    );
  });

  it('measures against a baseline: its value first, every other node an outlier even when they are many', () => {
    const fleet = [node('golden', [driver('systemd')]), node('x', [driver('cgroupfs')]), node('y', [driver('cgroupfs')])];
    const [d] = compareNodes(fleet, 'golden');
    expect(d!.values[0]!.value).toBe('systemd');
    expect(d!.outliers).toEqual(['x', 'y']);
  });

  it('puts first a difference a failing check names, then clear outliers, then the rest', () => {
    const failing = makeFinding({
      id: 'cgroup-driver-match',
      status: 'fail',
      evidence: [{source: {file: '/var/lib/kubelet/config.yaml', line: 15}, text: 'cgroupDriver: cgroupfs'}],
    });
    const nodes = [
      node('a', [pods('110'), datum('sysctl net.ipv4.ip_forward', '1', '/proc/sys/net/ipv4/ip_forward:1', 'kernel'), driver('systemd')]),
      node('b', [pods('250'), datum('sysctl net.ipv4.ip_forward', '0', '/proc/sys/net/ipv4/ip_forward:1', 'kernel'), driver('cgroupfs', 15)], {
        findings: [failing],
      }),
    ];
    const out = compareNodes(nodes);
    expect(out.map((d) => d.key)).toEqual(['config cgroupDriver', 'config maxPods', 'sysctl net.ipv4.ip_forward']);
    expect(out[0]!.namedBy).toEqual([{node: 'b', check: 'cgroup-driver-match'}]);
  });

  it('reports a part not read on one node once, with why, instead of every value as missing', () => {
    const nodes = [node('a', [driver('systemd'), pods('110')]), node('b', [], {unread: new Map([['kubelet config', 'systemd refuses kubelet.service']])})];
    const out = compareNodes(nodes);
    expect(out.map((d) => [d.key, d.values.map((g) => g.value)])).toEqual([['kubelet config (whole)', ['read', 'not read: systemd refuses kubelet.service']]]);
  });

  it('says no drift when the nodes agree, in every format', () => {
    const r = {nodes: ['a', 'b'], baseline: null, differences: compareNodes([node('a', [driver('systemd')]), node('b', [driver('systemd')])]), unchecked: []};
    expect(r.differences).toEqual([]);
    expect(renderDriftText(r)).toBe('no drift between 2 nodes\n');
    expect(JSON.parse(renderDriftJson(r))).toMatchObject({kind: 'drift', drift: false, differences: []});
    expect(renderDriftMarkdown(r)).toContain('No drift between 2 nodes.');
  });

  it('keeps a pipe a node planted in a value inside its Markdown table cell', () => {
    const r = {
      nodes: ['a', 'b'],
      baseline: null,
      differences: compareNodes([node('a', [driver('systemd')]), node('b', [driver('sys|`x`|temd')])]),
      unchecked: [],
    };
    const rows = renderDriftMarkdown(r)
      .split('\n')
      .filter((l) => l.startsWith('| '));
    // Every row has the header's four cells: no unescaped pipe adds one.
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length, row).toBe(6);
  });

  it('strips escape sequences a node planted in a value or a path', () => {
    const evil = '\u001b]0;pwned\u0007\u001b[31mcgroupfs';
    const r = {nodes: ['a', 'b'], baseline: null, differences: compareNodes([node('a', [driver('systemd')]), node('b', [driver(evil)])]), unchecked: []};
    for (const out of [renderDriftText(r), renderDriftJson(r), renderDriftMarkdown(r)]) {
      expect(out).not.toContain('\u001b');
      expect(out).not.toContain('\u0007');
    }
  });
});
