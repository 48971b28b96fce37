/**
 * End-to-end: `check --output ndjson` streams a line per node as it finishes, `--shard I/N`
 * splits a fleet of --root node trees, and `merge` joins the shards' files into the report one
 * run gives. The built binary as a subprocess; asserts what a user sees: lines, report, exit code.
 */
import {spawn, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {createServer, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {type NodeTreeInfo, writeFleet} from '../../src/lab/node-tree.js';

const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');
let dir: string;
let fleet: NodeTreeInfo[];
let roots: string[];

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1', ...env}, timeout: 90_000});
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}

interface Line {
  kind: string;
  index?: number;
  target?: string;
  status?: string;
  firstCause?: string[];
  shard?: {index: number; count: number} | null;
  targets?: number;
  exitCode?: number;
  summary?: Record<string, number>;
}
const lines = (s: string): Line[] =>
  s
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);

/** A JSON report without what differs between two runs of the same nodes (the clock). */
function steady(text: string): unknown {
  const r = JSON.parse(text) as {startedAt?: string; targets: {durationMs: number}[]};
  delete r.startedAt;
  for (const t of r.targets) t.durationMs = 0;
  return r;
}

beforeAll(async () => {
  expect(existsSync(BIN), 'build first: npm test runs tsc before vitest').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'kd-ndjson-'));
  fleet = await writeFleet(join(dir, 'fleet'));
  roots = fleet.flatMap((n) => ['--root', n.root]);
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('check --output ndjson', () => {
  it('writes a run line, one line per node shaped as the JSON report, and a summary line', () => {
    const r = run(['check', ...roots, '--output', 'ndjson']);
    const out = lines(r.stdout);
    expect(out[0]).toMatchObject({kind: 'run', schema: 1, tool: 'kubelet-doctor', shard: null, targets: fleet.length});
    expect(out.at(-1)).toMatchObject({kind: 'summary', targets: fleet.length, exitCode: 1});
    const targets = out.slice(1, -1);
    expect(targets.every((t) => t.kind === 'target')).toBe(true);
    expect(targets.map((t) => t.index).sort((a, b) => a! - b!)).toEqual(fleet.map((_, i) => i));
    // Each target line is the JSON report's targets[i] with kind and index in front.
    const json = JSON.parse(run(['check', ...roots, '--output', 'json']).stdout) as {targets: Record<string, unknown>[]; summary: unknown};
    for (const t of targets) {
      const {kind: _k, index, ...rest} = t as Line & Record<string, unknown>;
      expect({...rest, durationMs: 0}).toEqual({...json.targets[index!], durationMs: 0});
    }
    expect(out.at(-1)!.summary).toEqual(json.summary);
    expect(targets.find((t) => t.target === fleet.find((n) => n.scenario === 'cgroup-driver-mismatch')!.hostname)!.firstCause).toContain('cgroup-driver-match');
    expect(r.code).toBe(1);
  });

  it('writes a node line while another node is still being checked', async () => {
    // An SSH "node" that accepts the connection and never says a word: it holds the run open
    // until the test lets go of it, so the root nodes' lines can only have arrived mid-run.
    const held: Socket[] = [];
    let released = 0;
    const silent = createServer((s) => {
      held.push(s);
      s.on('close', () => released++);
    });
    await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
    const port = (silent.address() as {port: number}).port;
    const kh = join(dir, 'known_hosts');
    await writeFile(kh, '');
    const child = spawn(
      process.execPath,
      [BIN, 'check', `127.0.0.1:${port}`, '--root', fleet[0]!.root, '--output', 'ndjson', '--ssh-config', 'none', '--known-hosts', kh, '--timeout', '120'],
      {env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']},
    );
    let stdout = '';
    const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
    try {
      const firstTarget = await new Promise<Line>((ok, fail) => {
        child.stdout.on('data', (b: Buffer) => {
          stdout += b.toString('utf8');
          const t = stdout
            .split('\n')
            .slice(0, -1)
            .map((l) => JSON.parse(l) as Line)
            .find((l) => l.kind === 'target');
          if (t) ok(t);
        });
        child.on('exit', () => fail(new Error(`exited before any target line: ${stdout}`)));
      });
      expect(firstTarget.target).toBe(fleet[0]!.hostname);
      expect(child.exitCode).toBeNull(); // the SSH node is still open: the run has not finished
      expect(held.length).toBeGreaterThan(0);
      expect(released, 'the tool let go of the silent node (gave up on it) before its first line').toBe(0);
    } finally {
      for (const s of held) s.destroy();
      silent.close();
    }
    const code = await exited;
    const out = lines(stdout);
    expect(out.map((l) => l.kind)).toEqual(['run', 'target', 'target', 'summary']);
    expect(out[2]).toMatchObject({target: `127.0.0.1:${port}`, status: 'unreachable'});
    expect(out[3]).toMatchObject({exitCode: 3});
    expect(code).toBe(3);
  });
});

describe('--shard I/N and merge', () => {
  it('puts every node in exactly one of shards 1/3, 2/3, 3/3', async () => {
    const seen: string[] = [];
    for (const i of [1, 2, 3]) {
      const file = join(dir, `shard-${i}.ndjson`);
      const r = run(['check', ...roots, '--output', 'ndjson', '--shard', `${i}/3`, '-o', file]);
      expect(r.stderr).toBe('');
      const out = lines(await readFile(file, 'utf8'));
      expect(out[0]).toMatchObject({kind: 'run', shard: {index: i, count: 3}});
      seen.push(...out.filter((l) => l.kind === 'target').map((l) => l.target!));
    }
    expect([...seen].sort()).toEqual(fleet.map((n) => n.hostname).sort());
  });

  it('reads the shard number from JOB_COMPLETION_INDEX (0-based) with auto/N', async () => {
    const auto = lines(run(['check', ...roots, '--output', 'ndjson', '--shard', 'auto/3'], {JOB_COMPLETION_INDEX: '1'}).stdout);
    const given = lines(await readFile(join(dir, 'shard-2.ndjson'), 'utf8'));
    expect(auto[0]!.shard).toEqual({index: 2, count: 3});
    expect(auto.filter((l) => l.kind === 'target').map((l) => l.target)).toEqual(
      expect.arrayContaining(given.filter((l) => l.kind === 'target').map((l) => l.target)),
    );
  });

  it('refuses a shard that does not exist (exit 2, one line, no stack)', () => {
    for (const bad of ['4/3', '0/3', '1/0', 'x/3', '2']) {
      const r = run(['check', ...roots, '--shard', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toMatch(/^kubelet-doctor: --shard /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('merges the three shards into the report one run gives, with its exit code', () => {
    const shards = [1, 2, 3].map((i) => join(dir, `shard-${i}.ndjson`));
    const single = run(['check', ...roots, '--output', 'json']);
    // Given in any order, the shards come back in the single run's order.
    const merged = run(['merge', shards[2]!, shards[0]!, shards[1]!, '--output', 'json']);
    expect(merged.stderr).toBe('');
    expect(steady(merged.stdout)).toEqual(steady(single.stdout));
    expect(merged.code).toBe(single.code);
    expect(merged.code).toBe(1);
    const text = run(['merge', ...shards]);
    expect(text.stdout).toContain(`${fleet.length} nodes`);
    expect(text.code).toBe(1);
  });

  it('refuses a set of shards with one missing', () => {
    const r = run(['merge', join(dir, 'shard-1.ndjson'), join(dir, 'shard-3.ndjson')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing shard 2\/3/);
  });
});

describe('merge on malformed NDJSON', () => {
  const cases: [string, (good: string[]) => string[], RegExp][] = [
    ['a line that is not JSON', (g) => [g[0]!, '{"kind":"target",', ...g.slice(1)], /:2: not JSON/],
    ['an unknown record kind', (g) => [g[0]!, '{"kind":"node"}', ...g.slice(1)], /:2: unknown record kind "node"/],
    ['a target with a wrong field', (g) => [g[0]!, g[1]!.replace('"status":"ok"', '"status":"fine"'), ...g.slice(2)], /:2: status must be one of/],
    ['a file cut before its summary', (g) => g.slice(0, -1), /no summary line/],
    ['a target line too many', (g) => [g[0]!, g[1]!, ...g.slice(1)], /announced \d+ targets/],
  ];
  for (const [what, spoil, want] of cases) {
    it(`names file:line for ${what} (exit 2, no stack)`, async () => {
      const good = (await readFile(join(dir, 'shard-1.ndjson'), 'utf8')).split('\n').filter((l) => l !== '');
      const file = join(dir, 'spoilt.ndjson');
      await writeFile(file, `${spoil(good).join('\n')}\n`);
      const r = run(['merge', file.replace('shard-1', 'spoilt'), join(dir, 'shard-2.ndjson'), join(dir, 'shard-3.ndjson')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(want);
      expect(r.stderr).toContain(file);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    });
  }
});
