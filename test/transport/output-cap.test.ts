/**
 * The per-node output cap in every transport (limits.ts): the local transport and the pod
 * transport stop reading and fail the node once it sends more than MAX_PROBE_OUTPUT (the SSH
 * transport: test/security/hostile-ssh.test.ts); stderr keeps its tail; input files are read with
 * a cap before anything parses them.
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {chmod, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {TargetError, InputError} from '../../src/errors.js';
import {CappedOutput, formatBytes, MAX_PROBE_OUTPUT, MAX_PROBE_STDERR, readInput, readInputSync, TailBuffer} from '../../src/transport/limits.js';
import {LocalTransport} from '../../src/transport/local.js';
import {startApiServer, type ApiServer} from '../helpers/apiserver.js';
import {podRoutes, type PodRoutes} from '../helpers/apiserver-pods.js';
import {runCliPeak} from '../helpers/run-peak.js';

const CAP_MESSAGE = `the node sent more than ${formatBytes(MAX_PROBE_OUTPUT)} of probe output; stopped reading`;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-output-cap-'));
});
afterAll(() => rm(dir, {recursive: true, force: true}));

describe('CappedOutput and TailBuffer', () => {
  it('keeps everything up to the cap, byte for byte, and refuses past it', () => {
    const o = new CappedOutput(10_000);
    const parts = Array.from({length: 9}, (_, i) => Buffer.alloc(1000 + i, 97 + i));
    for (const p of parts) expect(o.push(p)).toBe(true);
    expect(o.take().equals(Buffer.concat(parts))).toBe(true);
    expect(o.push(Buffer.alloc(2000))).toBe(false);
    expect(o.exceeded).toBe(true);
    expect(o.take().length).toBe(0);
    expect(o.push(Buffer.alloc(1))).toBe(false);
  });

  it("holds copies, not the transport's buffers", () => {
    const big = Buffer.alloc(1024 * 1024, 1);
    const o = new CappedOutput(4096);
    o.push(big.subarray(0, 100));
    expect(o.take().buffer).not.toBe(big.buffer);
  });

  it('TailBuffer keeps the last bytes', () => {
    const t = new TailBuffer(10);
    for (let i = 0; i < 100; i++) t.push(`line ${i}\n`);
    expect(t.text()).toBe('line 98\nline 99\n'.slice(-10));
    expect(Buffer.byteLength(t.text())).toBe(10);
  });
});

describe('input files are read with a cap', () => {
  const kind = {label: '--inventory', noun: 'an inventory', cap: 1000};
  it('reads a file at the cap, refuses one byte more by its size, and a device by reading past the cap', async () => {
    const f = join(dir, 'at-cap');
    await writeFile(f, 'x'.repeat(1000));
    expect(readInputSync(f, kind)).toHaveLength(1000);
    expect(await readInput(f, kind)).toHaveLength(1000);
    await writeFile(f, 'x'.repeat(1001));
    expect(() => readInputSync(f, kind)).toThrow(InputError);
    expect(() => readInputSync(f, kind)).toThrow(`--inventory ${f}: larger than the 1000 bytes an inventory may be (1001 bytes); not read`);
    await expect(readInput(f, kind)).rejects.toThrow(InputError);
    expect(() => readInputSync('/dev/zero', kind)).toThrow(/\/dev\/zero: larger than .* \(more than 1000 bytes read\)/);
    await expect(readInput('/dev/zero', kind)).rejects.toThrow(/more than 1000 bytes read/);
  });
  it('passes file-system errors through for the caller to word', () => {
    expect(() => readInputSync(join(dir, 'nope'), kind)).toThrow(expect.objectContaining({code: 'ENOENT'}));
  });
});

describe('local transport', () => {
  it('stops reading and fails the run once the output passes the cap', async () => {
    const t = new LocalTransport('local', '/', true);
    const err = await t.run({script: 'exec yes kubelet-doctor-endless-output', timeoutMs: 60_000}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetError);
    expect((err as TargetError).kind).toBe('probe');
    expect((err as TargetError).message).toBe(CAP_MESSAGE);
  });

  it('a smaller cap per run (RunOptions.maxOutputBytes)', async () => {
    const t = new LocalTransport('local', '/', true);
    await expect(t.run({script: 'head -c 5000 /dev/zero', timeoutMs: 60_000, maxOutputBytes: 4096})).rejects.toThrow(/more than 4 KiB/);
    const r = await t.run({script: 'head -c 4096 /dev/zero', timeoutMs: 60_000, maxOutputBytes: 4096});
    expect(r.stdout.length).toBe(4096);
  });

  it('endless stderr: ends at the time limit with only the tail kept', async () => {
    const t = new LocalTransport('local', '/', true);
    const r = await t.run({script: 'yes kubelet-doctor-stderr >&2', timeoutMs: 1500});
    expect(r.timedOut).toBe(true);
    expect(Buffer.byteLength(r.stderr)).toBeLessThanOrEqual(MAX_PROBE_STDERR);
    expect(r.stderr).toMatch(/kubelet-doctor-stderr\n$/);
  });

  it('a process that escaped the group and holds the pipe does not hold the run past its time limit', async () => {
    const t = new LocalTransport('local', '/', true);
    const r = await t.run({script: 'setsid sleep 30 & echo started; exec sleep 30', timeoutMs: 1000});
    expect(r.timedOut).toBe(true);
    expect(r.stdout.toString()).toBe('started\n');
  });
});

describe('pod transport (stand-in API server): a container that streams endlessly', () => {
  let api: ApiServer;
  let pods: PodRoutes;
  let kubeconfig: string;
  let home: string;
  beforeAll(async () => {
    home = join(dir, 'home');
    await mkdir(home);
    // The "container" runs `sh -s`: its sh is one that answers with endless output.
    const bin = join(dir, 'endless-bin');
    await mkdir(bin);
    await writeFile(join(bin, 'sh'), '#!/bin/sh\nexec yes kubelet-doctor-endless-output-from-a-pod\n');
    await chmod(join(bin, 'sh'), 0o755);
    pods = podRoutes({nodes: [{name: 'node-p'}], path: [bin], home});
    api = await startApiServer({nodes: [{name: 'node-p'}], routes: [pods]});
    kubeconfig = await api.kubeconfig(join(dir, 'kubeconfig'));
  });
  afterAll(async () => {
    pods?.close();
    await api?.close();
  });

  it('stops reading at the cap: error, exit 3, the pod deleted, memory bounded', async () => {
    const r = await runCliPeak(['check', 'node-p', '--via', 'pod', '--kubeconfig', kubeconfig, '--output', 'json', '--timeout', '90'], {
      env: {HOME: home, KUBECONFIG: ''},
      guardMs: 100_000,
    });
    expect(r.killed).toBe(false);
    const t = (JSON.parse(r.stdout) as {targets: {status: string; error: {kind: string; message: string} | null}[]}).targets[0]!;
    expect(t.status).toBe('error');
    expect(t.error).toMatchObject({kind: 'probe', message: CAP_MESSAGE});
    expect(r.code).toBe(3);
    expect(pods.created).toHaveLength(1);
    expect(pods.live()).toEqual([]);
    expect(r.peakKb).toBeGreaterThan(0);
    expect(r.peakKb).toBeLessThan(300 * 1024);
  }, 120_000);
});
