/**
 * A hostile SSH server (the `ssh2` package's Server on 127.0.0.1, host key generated here and
 * trusted through a known_hosts file written here) against the real binary: whatever the node
 * sends, the operator sees the target as error/unreachable with one clear line, exit 3, the
 * process ends by itself (by --timeout where the server never stops), and the client's memory
 * stays bounded (peak RSS of the child, written by a preload at exit; a generous bound that is a
 * product promise, not a speed figure).
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {mkdir, mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {writeNodeTree, type NodeTreeInfo} from '../../src/lab/node-tree.js';
import {runCliPeak, type PeakRun} from '../helpers/run-peak.js';
import {formatBytes, MAX_PROBE_OUTPUT} from '../../src/transport/limits.js';
import {startBannerless, startHostileSsh, writeClientKey, type HostileMode, type HostileServer} from '../helpers/hostile-ssh.js';

const MiB = 1024 * 1024;
const CAP_MESSAGE = `the node sent more than ${formatBytes(MAX_PROBE_OUTPUT)} of probe output; stopped reading`;
/** The client's peak RSS bound under a hostile node: generous (Node alone is ~50 MiB). */
const PEAK_BOUND_KB = 300 * 1024;

let dir: string;
let home: string;
let key: string;
let node: NodeTreeInfo;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-hostile-'));
  home = join(dir, 'home');
  await mkdir(home);
  key = await writeClientKey(dir);
  node = await writeNodeTree(join(dir, 'node'), {layout: 'deb', hostname: 'node-h', kubeletVersion: 'v1.30.2', scenario: 'cgroup-driver-mismatch'});
});
afterAll(() => rm(dir, {recursive: true, force: true}));

interface JsonTarget {
  target: string;
  status: string;
  error: {kind: string; message: string; hint: string | null} | null;
}
interface Run extends PeakRun {
  t: JsonTarget | undefined;
}

/** Run the real binary against one node; a guard kills it after `guardMs` (then `killed`). */
async function check(port: number, known: string, extra: string[], guardMs = 100_000): Promise<Run> {
  const r = await runCliPeak(
    ['check', `root@127.0.0.1:${port}`, '--ssh-config', 'none', '--known-hosts', known, '-i', key, '--host-root', node.root, '--output', 'json', ...extra],
    {env: {HOME: home}, guardMs},
  );
  let t: JsonTarget | undefined;
  try {
    t = (JSON.parse(r.stdout) as {targets: JsonTarget[]}).targets[0];
  } catch {
    t = undefined;
  }
  return {...r, t};
}

/** The common promise: it ended by itself, exit 3, one clear line, nothing on stderr, memory bounded. */
function expectContained(r: Run, statuses: string[]): JsonTarget {
  expect(r.killed, `the client did not end by itself; stderr: ${r.stderr}`).toBe(false);
  expect(r.t, `no JSON report; stderr: ${r.stderr.slice(0, 2000)}`).toBeDefined();
  const t = r.t!;
  expect(statuses).toContain(t.status);
  expect(t.error?.message).toBeTruthy();
  expect(t.error!.message).not.toMatch(/[\x00-\x1f\x7f]/); // one line, no control characters from the node
  expect(r.code).toBe(3);
  expect(r.stderr).toBe('');
  expect(r.peakKb, 'peak RSS was not reported').toBeGreaterThan(0);
  expect(r.peakKb).toBeLessThan(PEAK_BOUND_KB);
  return t;
}

async function withServer<T>(mode: HostileMode, f: (s: HostileServer, known: string) => Promise<T>): Promise<T> {
  const s = await startHostileSsh(mode);
  try {
    return await f(s, await s.knownHosts(dir));
  } finally {
    await s.stop();
  }
}

describe('a hostile SSH server (ssh2 Server on loopback)', () => {
  it(
    'endless output: stops reading at the output cap, error, exit 3, memory bounded',
    () =>
      withServer('endless', async (s, known) => {
        const r = await check(s.port, known, ['--timeout', '90']);
        const t = expectContained(r, ['error']);
        expect(t.error!.kind).toBe('probe');
        expect(t.error!.message).toBe(CAP_MESSAGE);
        expect(t.error!.hint).toBeTruthy();
      }),
    120_000,
  );

  it(
    '1 GiB of output: stops reading long before the end, error, exit 3, memory bounded',
    () =>
      withServer('gigabyte', async (s, known) => {
        const r = await check(s.port, known, ['--timeout', '90']);
        const t = expectContained(r, ['error']);
        expect(t.error!.message).toBe(CAP_MESSAGE);
        // Flow control: the server could only send about what the client read (the cap plus windows).
        expect(s.sent()).toBeLessThan(64 * MiB);
      }),
    120_000,
  );

  it(
    'probe records cut mid-record (exit 0): the node is error, exit 3',
    () =>
      withServer('cut', async (s, known) => {
        const r = await check(s.port, known, ['--timeout', '60']);
        expectContained(r, ['error']);
      }),
    120_000,
  );

  it(
    'collect on output cut mid-record keeps what arrived in the snapshot but exits 3, and check --snapshot says partial',
    () =>
      withServer('cut', async (s, known) => {
        const snap = join(dir, 'cut.json');
        const c = await runCliPeak(
          [
            'collect',
            `root@127.0.0.1:${s.port}`,
            '--ssh-config',
            'none',
            '--known-hosts',
            known,
            '-i',
            key,
            '--host-root',
            node.root,
            '--timeout',
            '60',
            '-o',
            snap,
          ],
          {env: {HOME: home}, guardMs: 100_000},
        );
        expect(c.killed).toBe(false);
        expect(c.code).toBe(3);
        expect(c.stderr).toMatch(/output was incomplete/);
        const again = await runCliPeak(['check', '--snapshot', snap, '--output', 'json'], {env: {HOME: home}, guardMs: 100_000});
        expect(again.code).toBe(3);
        expect((JSON.parse(again.stdout) as {targets: {status: string; partial?: boolean}[]}).targets[0]).toMatchObject({status: 'error', partial: true});
      }),
    120_000,
  );

  it(
    'garbage with exit status 255: a clear error, no control characters, exit 3',
    () =>
      withServer('garbage-255', async (s, known) => {
        const r = await check(s.port, known, ['--timeout', '60']);
        const t = expectContained(r, ['error']);
        expect(t.error!.message).toMatch(/255/);
      }),
    120_000,
  );

  it(
    'output, then a channel that never closes: ends at --timeout, exit 3',
    () =>
      withServer('never-close', async (s, known) => {
        const r = await check(s.port, known, ['--timeout', '3']);
        const t = expectContained(r, ['error', 'unreachable']);
        expect(t.error!.message).toMatch(/3 s/);
      }),
    120_000,
  );

  it(
    'the whole probe output, then a channel that never closes: the run still ends (by --timeout)',
    () =>
      withServer('complete-never-close', async (s, known) => {
        const r = await check(s.port, known, ['--timeout', '5']);
        expect(r.killed, `the client did not end by itself; stderr: ${r.stderr}`).toBe(false);
        expect(r.t).toBeDefined();
        expect([0, 1, 3]).toContain(r.code);
        expect(r.peakKb).toBeLessThan(PEAK_BOUND_KB);
      }),
    120_000,
  );

  it(
    'endless stderr and no stdout: ends at --timeout, exit 3, memory bounded',
    () =>
      withServer('endless-stderr', async (s, known) => {
        const r = await check(s.port, known, ['--timeout', '3']);
        expectContained(r, ['error', 'unreachable']);
      }),
    120_000,
  );

  it(
    'a login that is never answered: timeout at --timeout, unreachable, exit 3',
    () =>
      withServer('stall-auth', async (s, known) => {
        const r = await check(s.port, known, ['--timeout', '3']);
        const t = expectContained(r, ['unreachable']);
        expect(t.error!.kind).toBe('timeout');
        expect(t.error!.message).toBe('logging in as root@127.0.0.1 did not finish within 3 s');
      }),
    120_000,
  );

  it(
    'a session channel that is never opened: ends at --timeout, exit 3',
    () =>
      withServer('stall-session', async (s, known) => {
        const r = await check(s.port, known, ['--timeout', '3']);
        const t = expectContained(r, ['unreachable', 'error']);
        expect(t.error!.message).toMatch(/3 s/);
      }),
    120_000,
  );

  // ssh2 keeps only the first chunk of a pre-banner greeting (measured: memory flat), so this
  // ends at the handshake deadline rather than at its 1024-line limit.
  it('endless text before the SSH banner: ends at --timeout, unreachable, exit 3, memory bounded', async () => {
    const b = await startBannerless(true);
    try {
      const s = await startHostileSsh('endless'); // only for a known_hosts file; never contacted
      const known = await s.knownHosts(dir);
      await s.stop();
      const r = await check(b.port, known, ['--timeout', '3']);
      const t = expectContained(r, ['unreachable']);
      expect(t.error!.message).toBe(`127.0.0.1:${b.port} accepted the connection but did not speak SSH within 3 s`);
    } finally {
      await b.stop();
    }
  }, 120_000);

  it('accepts TCP and never sends a banner: timeout at --timeout, unreachable, exit 3', async () => {
    const b = await startBannerless();
    try {
      const s = await startHostileSsh('endless'); // only for a known_hosts file; never contacted
      const known = await s.knownHosts(dir);
      await s.stop();
      const r = await check(b.port, known, ['--timeout', '2']);
      const t = expectContained(r, ['unreachable']);
      expect(t.error!.kind).toBe('timeout');
      expect(t.error!.message).toBe(`127.0.0.1:${b.port} accepted the connection but did not speak SSH within 2 s`);
    } finally {
      await b.stop();
    }
  }, 120_000);
});
