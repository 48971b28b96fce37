/**
 * The remote join runs in the background on the node and its output comes back while it runs:
 * a command that waits for a file the test writes only after seeing its first line can finish
 * only if that line was streamed before the command ended (no timing assumed). Run through the
 * local transport (the same `sh -s` scripts the SSH transport sends).
 */
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, readdir, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, expect, it} from 'vitest';
import {MAX_TRANSCRIPT, runRemoteJoin} from '../../src/join/remote.js';
import {LocalTransport} from '../../src/transport/local.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-join-remote-'));
});
afterAll(async () => {
  if (dir) await rm(dir, {recursive: true, force: true});
});

it('streams the output while the command runs, then returns its exit code; the node keeps the output', async () => {
  const go = join(dir, 'go');
  const t = new LocalTransport('local', dir, true);
  const seen: string[] = [];
  try {
    const r = await runRemoteJoin(t, ['sh', '-c', `echo first; while [ ! -f '${go}' ]; do sleep 0.1; done; echo second; exit 3`], {
      deadlineMs: 60_000,
      intervalMs: 100,
      onData: (b) => {
        seen.push(b.toString());
        if (seen.join('').includes('first')) void writeFile(go, '');
      },
    });
    expect(r).toMatchObject({exitCode: 3, detached: false, capped: false});
    expect(seen.join('')).toBe('first\nsecond\n');
    // Under the host root, mode 0700, with the whole output.
    expect(r.runDir.startsWith(join(dir, 'var/lib/kubelet-doctor/join/run.'))).toBe(true);
    expect(await readFile(join(r.runDir, 'out'), 'utf8')).toBe('first\nsecond\n');
    expect(await readFile(join(r.runDir, 'rc'), 'utf8')).toBe('3\n');
  } finally {
    await t.close();
  }
}, 90_000);

it('says so, and runs nothing, when the program is not on the node', async () => {
  const t = new LocalTransport('local', dir, true);
  try {
    const state = join(dir, 'var/lib/kubelet-doctor/join');
    const before = existsSync(state) ? await readdir(state) : [];
    await expect(runRemoteJoin(t, ['kubeadm-not-here-xyz', 'join'], {deadlineMs: 10_000, onData: () => {}})).rejects.toThrow(
      /no kubeadm-not-here-xyz on the node's PATH: nothing was run/,
    );
    expect(existsSync(state) ? await readdir(state) : []).toEqual(before);
  } finally {
    await t.close();
  }
}, 30_000);

it('keeps at most 4 MiB of a node that floods its output, and says the transcript was cut', async () => {
  const t = new LocalTransport('local', dir, true);
  let got = 0;
  try {
    const r = await runRemoteJoin(t, ['sh', '-c', 'head -c 6000000 /dev/zero | tr "\\0" x; exit 1'], {
      deadlineMs: 60_000,
      intervalMs: 100,
      onData: (b) => (got += b.length),
    });
    expect(r.capped).toBe(true);
    expect(got).toBe(MAX_TRANSCRIPT);
  } finally {
    await t.close();
  }
}, 90_000);
