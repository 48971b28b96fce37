/**
 * Input files are untrusted (DESIGN.md "Safety"): inventory, runbook, waivers and snapshot files
 * are size-capped BEFORE they are parsed, a snapshot's nesting is bounded and its structure
 * validated, and each problem is exit 2 with one message naming the file and the cap, with the
 * client's memory bounded. Operator-side writes (`-o FILE`, `collect -o FILE`) go through a temp
 * file created exclusively, so a planted symlink can never redirect them.
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, truncate, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {writeNodeTree, type NodeTreeInfo} from '../../src/lab/node-tree.js';
import {writeOut} from '../../src/cli/commands/common.js';
import {writeSnapshot, readSnapshot, type SnapshotFile} from '../../src/transport/snapshot.js';
import {writeAtomic} from '../../src/transport/write-atomic.js';
import {runCliPeak} from '../helpers/run-peak.js';

const MiB = 1024 * 1024;
let dir: string;
let home: string;
let node: NodeTreeInfo;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-input-caps-'));
  home = join(dir, 'home');
  await mkdir(home);
  node = await writeNodeTree(join(dir, 'node'), {layout: 'deb', hostname: 'node-c', kubeletVersion: 'v1.30.2', scenario: 'cgroup-driver-mismatch'});
});
afterAll(() => rm(dir, {recursive: true, force: true}));

const run = (args: string[]) => runCliPeak(args, {env: {HOME: home}, guardMs: 60_000});

/** A valid-looking snapshot text around `raw`. */
const snapshotText = (raw: string) =>
  `{"kind":"kubelet-doctor-snapshot","schema":1,"toolVersion":"0","createdAt":"","target":{"name":"n","transport":"ssh"},"raw":${raw}}`;
const emptyRaw = (extra = '') => `{"probeVersion":1,"hostRoot":"/","live":true,"files":{},"dirs":{},"commands":{},"notes":[]${extra}}`;

describe('input files are capped before parsing (exit 2, the file and the cap named)', () => {
  it('a 10 MB inventory: exit 2 at once, memory not ballooning', async () => {
    const f = join(dir, 'huge-inventory.yaml');
    const line = '  - name: node-0000000\n    host: 127.0.0.1\n';
    await writeFile(f, `hosts:\n${line.repeat(Math.ceil(10_000_000 / line.length))}`);
    const r = await run(['check', '--inventory', f, '--output', 'json']);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(f);
    expect(r.stderr).toMatch(/larger than the 1 MiB an inventory may be/);
    expect(r.stdout).toBe('');
    expect(r.peakKb).toBeGreaterThan(0);
    expect(r.peakKb).toBeLessThan(150 * 1024);
  }, 90_000);

  it('an inventory that never ends (/dev/zero): exit 2, not read past the cap', async () => {
    const r = await run(['check', '--inventory', '/dev/zero', '--output', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\/dev\/zero.*larger than the 1 MiB an inventory may be/);
    expect(r.peakKb).toBeLessThan(150 * 1024);
  }, 90_000);

  it('a runbook and a waivers file over their cap: exit 2', async () => {
    const big = join(dir, 'big.yaml');
    await writeFile(big, `# ${'x'.repeat(2 * MiB)}\n`);
    const rb = await run(['runbook', big, '--root', node.root]);
    expect(rb.code).toBe(2);
    expect(rb.stderr).toMatch(/big\.yaml.*larger than the 1 MiB a runbook may be/);
    const wv = await run(['check', '--root', node.root, '--waivers', big, '--output', 'json']);
    expect(wv.code).toBe(2);
    expect(wv.stderr).toMatch(/big\.yaml.*larger than the 1 MiB a waivers file may be/);
  }, 90_000);

  it('a snapshot over 16 MiB: exit 2 without reading it', async () => {
    const f = join(dir, 'huge-snapshot.json');
    await writeFile(f, '');
    await truncate(f, 65 * MiB); // sparse: costs no disk (65 MiB: over any cap this file has had)
    const r = await run(['check', '--snapshot', f, '--output', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/huge-snapshot\.json.*larger than the 16 MiB a snapshot may be \(65 MiB\)/);
    expect(r.peakKb).toBeLessThan(150 * 1024);
  }, 90_000);

  it('a kubeconfig over 4 MiB: exit 2 before the YAML parser sees it', async () => {
    const f = join(dir, 'huge-kubeconfig');
    await writeFile(f, '');
    await truncate(f, 5 * MiB);
    const r = await run(['check', '--kubeconfig', f, '--all-nodes', '--output', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/huge-kubeconfig: larger than the 4 MiB a kubeconfig may be/);
  }, 90_000);

  it('a snapshot nested 100k deep: exit 2 with a clear message, not an internal error', async () => {
    for (const raw of [
      emptyRaw(`,"x":${'['.repeat(100_000)}${']'.repeat(100_000)}`),
      emptyRaw().replace('"notes":[]', `"notes":${'['.repeat(100_000)}${']'.repeat(100_000)}`),
      emptyRaw().replace('"files":{}', `"files":{"x":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`),
    ]) {
      const f = join(dir, 'nested.json');
      await writeFile(f, snapshotText(raw));
      const r = await run(['check', '--snapshot', f, '--output', 'json']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/nested\.json: not a kubelet-doctor snapshot \(nested more than \d+ levels deep\)/);
      expect(r.stderr).not.toMatch(/internal error|RangeError/);
    }
  }, 90_000);

  it('a snapshot whose records have the wrong shape: exit 2 naming the record', async () => {
    const cases: [string, RegExp][] = [
      [emptyRaw().replace('"files":{}', '"files":{"/etc/x":[1,2]}'), /raw\.files\["\/etc\/x"\] is not a file record/],
      [
        emptyRaw().replace('"files":{}', '"files":{"/etc/x":{"path":"/etc/x","status":"ok","content":7}}'),
        /raw\.files\["\/etc\/x"\]\.content must be a string/,
      ],
      [
        emptyRaw().replace('"commands":{}', '"commands":{"c":{"command":"x","status":"ok","exitCode":0,"stdout":{}}}'),
        /raw\.commands\["c"\]\.stdout must be a string/,
      ],
      [emptyRaw().replace('"dirs":{}', '"dirs":{"/d":{"path":"/d","status":"ok","entries":[5]}}'), /raw\.dirs\["\/d"\]\.entries\[0\] is not a directory entry/],
      [emptyRaw().replace('"notes":[]', '"notes":[{}]'), /raw\.notes\[0\] must be a string/],
    ];
    for (const [raw, msg] of cases) {
      const f = join(dir, 'shape.json');
      await writeFile(f, snapshotText(raw));
      await expect(readSnapshot(f)).rejects.toThrow(msg);
    }
    const f = join(dir, 'shape.json');
    await writeFile(f, snapshotText(cases[0]![0]));
    const r = await run(['check', '--snapshot', f, '--output', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/shape\.json: snapshot is damaged: raw\.files\["\/etc\/x"\] is not a file record/);
  }, 90_000);

  it('a snapshot collect wrote is read back unchanged (the validation accepts real snapshots)', async () => {
    const f = join(dir, 'real.json');
    const c = await run(['collect', '--root', node.root, '-o', f]);
    expect(c.code, c.stderr).toBe(0);
    const r = await run(['check', '--snapshot', f, '--output', 'json']);
    expect([0, 1]).toContain(r.code);
    expect(r.stderr).toBe('');
  }, 90_000);
});

describe('operator-side writes: temp files are created exclusively, never through a symlink', () => {
  const snap = (): SnapshotFile => ({
    kind: 'kubelet-doctor-snapshot',
    schema: 1,
    toolVersion: '0',
    createdAt: '',
    target: {name: 'n', transport: 'root'},
    raw: {probeVersion: 1, hostRoot: '/', live: false, files: {}, dirs: {}, commands: {}, notes: []},
  });

  /** A victim file, and a symlink to it planted at `at`. */
  async function plant(at: string): Promise<string> {
    const victim = join(dir, `victim-${Math.random().toString(36).slice(2)}`);
    await writeFile(victim, 'precious\n');
    await symlink(victim, at);
    return victim;
  }

  it('-o FILE: a symlink at the old predictable temp name (FILE.tmp-PID) does not redirect the report', async () => {
    const out = join(dir, 'report.json');
    const victim = await plant(`${out}.tmp-${process.pid}`);
    await writeOut('{"report":1}\n', out);
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect(await readFile(out, 'utf8')).toBe('{"report":1}\n');
    expect((await lstat(out)).isSymbolicLink()).toBe(false);
  });

  it('collect -o FILE: a symlink at FILE.tmp-PID does not redirect the snapshot; the snapshot is 0600', async () => {
    const out = join(dir, 'snap.json');
    const victim = await plant(`${out}.tmp-${process.pid}`);
    await writeSnapshot(out, snap());
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect(JSON.parse(await readFile(out, 'utf8'))).toMatchObject({kind: 'kubelet-doctor-snapshot'});
    expect((await stat(out)).mode & 0o777).toBe(0o600);
  });

  it('a symlink at every temp name tried is never followed: each is skipped for a fresh name', async () => {
    const sub = join(dir, 'w');
    await mkdir(sub);
    const out = join(sub, 'out.json');
    const names = ['.out.json.a.tmp', '.out.json.b.tmp', '.out.json.c.tmp'];
    const victims = await Promise.all(names.map((n) => plant(join(sub, n))));
    let i = 0;
    await writeAtomic(out, 'new\n', {mode: 0o600, tempName: () => names[i++] ?? '.out.json.fresh.tmp'});
    for (const v of victims) expect(await readFile(v, 'utf8')).toBe('precious\n');
    expect(await readFile(out, 'utf8')).toBe('new\n');
    expect(i).toBe(4);
    // No temp file left behind; the planted links are untouched.
    expect((await readdir(sub)).sort()).toEqual([...names, 'out.json'].sort());
  });

  it('the final name being a symlink: the link is replaced, its target untouched', async () => {
    const out = join(dir, 'linked.json');
    const victim = await plant(out);
    await writeOut('{"report":2}\n', out);
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect((await lstat(out)).isSymbolicLink()).toBe(false);
    expect(await readFile(out, 'utf8')).toBe('{"report":2}\n');
  });

  it('the real binary: check --root … -o FILE with symlinks planted at FILE.tmp-N for a range of PIDs', async () => {
    const sub = join(dir, 'cli-out');
    await mkdir(sub);
    const out = join(sub, 'report.json');
    // Plausible PIDs around ours: the old scheme would have followed one of these.
    const victims: string[] = [];
    for (let p = process.pid; p < process.pid + 400; p++) victims.push(await plant(`${out}.tmp-${p}`));
    const r = await run(['check', '--root', node.root, '--output', 'json', '-o', out]);
    expect([0, 1]).toContain(r.code);
    for (const v of victims) expect(await readFile(v, 'utf8')).toBe('precious\n');
    expect(JSON.parse(await readFile(out, 'utf8'))).toMatchObject({tool: 'kubelet-doctor'});
  }, 90_000);
});
