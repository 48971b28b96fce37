import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {readLines} from '../../src/cli/commands/merge.js';
import {render as renderJson} from '../../src/report/json.js';
import {MAX_LINE_BYTES, mergeFiles, parseNdjson, parseSource, renderNdjson} from '../../src/report/ndjson.js';
import {formatSource} from '../../src/report/order.js';
import type {ClusterSummary, Report} from '../../src/report/types.js';
import {parseShard, selectShard, shardOf} from '../../src/targets/shard.js';
import {sampleReport} from '../helpers/report.js';

const opts = {color: false};
const split = (s: string) => s.split('\n');

describe('parseShard', () => {
  it('reads I/N (1-based) and auto/N from JOB_COMPLETION_INDEX (0-based)', () => {
    expect(parseShard(undefined)).toBeNull();
    expect(parseShard('2/3')).toEqual({index: 2, count: 3});
    expect(parseShard('auto/3', {JOB_COMPLETION_INDEX: '0'})).toEqual({index: 1, count: 3});
    expect(parseShard('/4', {JOB_COMPLETION_INDEX: '3'})).toEqual({index: 4, count: 4});
  });

  it.each([
    ['3', /expected I\/N/],
    ['0/3', /shard 0 of 3 does not exist/],
    ['4/3', /shard 4 of 3 does not exist/],
    ['1/0', /N must be a whole number/],
    ['-1/3', /I must be a whole number/],
    ['1.5/3', /I must be a whole number/],
    ['auto/3', /JOB_COMPLETION_INDEX is not set/],
  ])('refuses %s', (v, want) => {
    expect(() => parseShard(v, {})).toThrow(want);
  });

  it('refuses an index from the Job beyond N', () => {
    expect(() => parseShard('auto/3', {JOB_COMPLETION_INDEX: '3'})).toThrow(/shard 4 of 3/);
  });
});

describe('sharding by name', () => {
  const names = Array.from({length: 60}, (_, i) => ({name: `node-${i}`}));

  it('puts each name in exactly one shard, the same one whatever the list around it', () => {
    const shards = [1, 2, 3].map((index) => selectShard(names, {index, count: 3}));
    expect(
      shards
        .flat()
        .map((x) => x.item.name)
        .sort(),
    ).toEqual(names.map((n) => n.name).sort());
    for (const s of shards) expect(s.length).toBeGreaterThan(0);
    const reversed = [...names].reverse();
    for (const index of [1, 2, 3]) {
      const a = selectShard(names, {index, count: 3}).map((x) => x.item.name);
      expect(
        selectShard(reversed, {index, count: 3})
          .map((x) => x.item.name)
          .sort(),
      ).toEqual([...a].sort());
    }
  });

  it('keeps each item with its place in the whole list', () => {
    const picked = selectShard(names, {index: 2, count: 3});
    for (const p of picked) expect(names[p.index]).toBe(p.item);
    expect(selectShard(names, null)).toHaveLength(60);
    expect(shardOf('node-1', 1)).toBe(1);
  });
});

describe('parseSource', () => {
  it.each(['/etc/kubernetes/kubelet.conf:14', '/var/lib/kubelet/config.yaml', 'systemctl show kubelet', 'crictl info', '/a:0'])(
    'formats %s back to itself',
    (s) => {
      expect(formatSource(parseSource(s))).toBe(s);
    },
  );

  it('tells a file from a command', () => {
    expect(parseSource('/x/y:3')).toEqual({file: '/x/y', line: 3});
    expect(parseSource('kubelet --version')).toEqual({command: 'kubelet --version'});
  });
});

describe('NDJSON round trip', () => {
  it('renders a report that parses and merges back to the same JSON report', () => {
    const r = sampleReport();
    const text = renderNdjson(r, 1);
    const kinds = split(text)
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as {kind: string}).kind);
    expect(kinds[0]).toBe('run');
    expect(kinds.at(-1)).toBe('summary');
    const merged = mergeFiles([parseNdjson(split(text), 'a.ndjson')]);
    expect(renderJson(merged, opts)).toBe(renderJson(r, opts));
  });
});

describe('the cluster view in a target line', () => {
  const withCluster = (): Report => {
    const r = sampleReport();
    const cluster: ClusterSummary = {
      server: 'https://10.0.0.10:6443',
      context: 'admin@lab',
      nodeName: 'node-1',
      apiserverVersion: 'v1.30.2',
      node: {
        registered: true,
        ready: {status: 'False', reason: 'KubeletNotReady', message: 'PLEG is not healthy'},
        conditions: [{type: 'DiskPressure', status: 'True', reason: null}],
        taints: ['node.kubernetes.io/not-ready:NoSchedule'],
        unschedulable: false,
        kubeletVersion: 'v1.30.2',
        containerRuntimeVersion: 'containerd://1.7.2',
      },
      leaseRenewedSecondsAgo: 312,
      csrs: [{name: 'csr-1', status: 'Pending', signerName: 'kubernetes.io/kube-apiserver-client-kubelet', username: 'system:node:node-1'}],
      unavailable: [],
    };
    return {...r, targets: r.targets.map((t, i) => (i === 0 ? {...t, cluster} : t))};
  };

  it('comes back as it went out', () => {
    const r = withCluster();
    const merged = mergeFiles([parseNdjson(split(renderNdjson(r, 1)), 'a.ndjson')]);
    expect(renderJson(merged, opts)).toBe(renderJson(r, opts));
  });

  it('is refused when a field has the wrong shape (the reporters read every one)', () => {
    const lines = split(renderNdjson(withCluster(), 1));
    lines[1] = lines[1]!.replace('"ready":{"status":"False"', '"ready":{"status":5');
    expect(() => parseNdjson(lines, 'a.ndjson')).toThrow(/^a\.ndjson:2: cluster\.node\.ready\.status must be a string/);
  });
});

describe('parseNdjson on hostile input', () => {
  const good = () => split(renderNdjson(sampleReport(), 1)).filter((l) => l !== '');
  const fault = (lines: string[]) => {
    try {
      parseNdjson(lines, 'x.ndjson');
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };

  it('names file:line for each fault', () => {
    const g = good();
    expect(fault(g.slice(1))).toMatch(/^x\.ndjson:1: the first line must be the run line/);
    expect(fault([...g, g[1]!])).toMatch(/^x\.ndjson:\d+: a line after the summary line/);
    expect(fault([g[0]!, g[0]!, ...g.slice(1)])).toMatch(/^x\.ndjson:2: a second run line/);
    expect(fault([g[0]!, '[1,2]', ...g.slice(1)])).toMatch(/^x\.ndjson:2: each line must be a JSON object/);
    expect(fault([g[0]!, g[1]!.replace('{"kind":"target",', '{"kind":"target","extra":1,'), ...g.slice(2)])).toMatch(
      /^x\.ndjson:2: the target has an unknown key "extra"/,
    );
    expect(fault([g[0]!.replace('"schema":1', '"schema":2'), ...g.slice(1)])).toMatch(/^x\.ndjson:1: schema must be 1/);
    expect(fault([])).toMatch(/empty: no run line/);
  });

  it('refuses two files holding the same target, and shards mixed with a whole run', () => {
    const file = parseNdjson(good(), 'a.ndjson');
    expect(() => mergeFiles([file, {...file, file: 'b.ndjson'}])).toThrow(/^b\.ndjson:2: target .* is in the report already \(a\.ndjson:2\)/);
    const shard = {...file, file: 's.ndjson', run: {...file.run, shard: {index: 1, count: 1}}};
    expect(() => mergeFiles([shard, {...file, targets: []}])).toThrow(/a whole run \(no shard\) merged with shards/);
    expect(() => mergeFiles([shard, {...shard, file: 't.ndjson', targets: []}])).toThrow(/shard 1\/1 is given twice/);
  });

  it('refuses a line longer than the limit before holding it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kd-ndjson-'));
    try {
      const file = join(dir, 'long.ndjson');
      await writeFile(file, `${good()[0]}\n${'x'.repeat(MAX_LINE_BYTES + 10)}\n`);
      await expect(readLines(file)).rejects.toThrow(/long\.ndjson:2: line longer than/);
      const ok = join(dir, 'ok.ndjson');
      await writeFile(ok, 'a\nb\nc');
      expect(await readLines(ok)).toEqual(['a', 'b', 'c']);
    } finally {
      await rm(dir, {recursive: true, force: true});
    }
  });
});
