/**
 * The watch loop in-process on a node tree (`--root`): no SSH, no journal, the same transitions.
 */
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {parseCommandLine} from '../../src/cli/args.js';
import {runOptions, targetsFrom} from '../../src/cli/commands/common.js';
import {writeNodeTree} from '../../src/lab/node-tree.js';
import type {WatchEvent} from '../../src/watch/events.js';
import {watch} from '../../src/watch/watch.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-watch-loop-'));
});
afterAll(async () => {
  if (dir) await rm(dir, {recursive: true, force: true});
});

async function setup(name: string) {
  const info = await writeNodeTree(join(dir, name), {layout: 'deb', hostname: name, kubeletVersion: 'v1.30.2', scenario: 'cgroup-driver-mismatch'});
  const a = parseCommandLine(['--root', info.root]);
  return {info, targets: await targetsFrom(a), run: runOptions(a)};
}

describe('watch loop', () => {
  it('re-probes on the interval until the fix makes the node healthy; the events say what changed, in order', async () => {
    const {info, targets, run} = await setup('loop-1');
    const events: WatchEvent[] = [];
    const file = join(info.root, 'var/lib/kubelet/config.yaml');
    let fixed = false;
    const outcome = await watch(targets, {
      run,
      intervalMs: 50,
      untilHealthy: true,
      deadlineMs: 60_000,
      signal: new AbortController().signal,
      onEvent: (e) => {
        events.push(e);
        // Fixed "from another terminal" after the first probe.
        if (e.kind === 'probe' && !fixed) {
          fixed = true;
          void readFile(file, 'utf8').then((t) => writeFile(file, t.replace('cgroupDriver: cgroupfs', 'cgroupDriver: systemd')));
        }
      },
    });
    expect(outcome).toEqual({reason: 'healthy', exitCode: 0});
    const kinds = events.map((e) => (e.kind === 'transition' ? `transition:${e.transition}` : e.kind));
    expect(kinds[0]).toBe('watch-start');
    expect(kinds.at(-1)).toBe('watch-end');
    const fixedAt = kinds.indexOf('transition:fixed');
    expect(fixedAt).toBeGreaterThan(kinds.indexOf('probe'));
    expect(kinds.indexOf('transition:healthy')).toBeGreaterThan(fixedAt);
    expect(events.find((e) => e.kind === 'transition' && e.transition === 'fixed')).toMatchObject({check: 'cgroup-driver-match', node: targets[0]!.name});
    // No SSH: the journal is not followed.
    expect(events.filter((e) => e.kind === 'probe').every((e) => e.kind === 'probe' && e.journal === 'off')).toBe(true);
  });

  it('a stop ends the watch with 130, and the deadline with 1 while a node still fails', async () => {
    const {targets, run} = await setup('loop-2');
    const stop = new AbortController();
    const stopped = await watch(targets, {
      run,
      intervalMs: 60_000,
      untilHealthy: true,
      deadlineMs: null,
      signal: stop.signal,
      onEvent: (e) => {
        if (e.kind === 'probe') stop.abort();
      },
    });
    expect(stopped).toEqual({reason: 'interrupted', exitCode: 130});
    const timedOut = await watch(targets, {
      run,
      intervalMs: 50,
      untilHealthy: true,
      deadlineMs: 500,
      signal: new AbortController().signal,
      onEvent: () => undefined,
    });
    expect(timedOut).toEqual({reason: 'timeout', exitCode: 1});
  });

  it('a fleet of 20 node trees (--concurrency 3): every node probed, healthy together, and no listener warning', async () => {
    const roots: string[] = [];
    for (let i = 0; i < 20; i++) {
      const info = await writeNodeTree(join(dir, `fleet-${i}`), {layout: 'deb', hostname: `fleet-${i}`, kubeletVersion: 'v1.30.2', scenario: 'healthy'});
      roots.push('--root', info.root);
    }
    const a = parseCommandLine([...roots, '--concurrency', '3']);
    const targets = await targetsFrom(a);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    const events: WatchEvent[] = [];
    try {
      const outcome = await watch(targets, {
        run: runOptions(a),
        intervalMs: 60_000,
        untilHealthy: true,
        deadlineMs: 120_000,
        signal: new AbortController().signal,
        onEvent: (e) => events.push(e),
      });
      expect(outcome).toEqual({reason: 'healthy', exitCode: 0});
    } finally {
      process.off('warning', onWarning);
    }
    expect(events.filter((e) => e.kind === 'probe')).toHaveLength(20);
    expect(events.at(-1)).toMatchObject({kind: 'watch-end', healthy: targets.map((t) => t.name), notHealthy: []});
    expect(warnings).toEqual([]);
  }, 120_000);
});
