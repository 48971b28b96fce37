/**
 * Real results for UI tests: lab node trees (kubeadm layout, real certificates) checked by the
 * real engine once per test file. The TUI gets them through a fake probe, so tests control when
 * each node "finishes" while the frames show what an operator would see.
 */
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {catalogue} from '../../checks/index.js';
import {runTarget} from '../../src/engine/run.js';
import type {Facts} from '../../src/facts/types.js';
import {writeNodeTree, type ScenarioId} from '../../src/lab/node-tree.js';
import type {TargetResult} from '../../src/report/types.js';
import type {ProbeFn} from '../../src/ui/run-queue.js';
import type {TargetInfo} from '../../src/ui/state/run-reducer.js';

/** One checked lab node. */
export interface Checked {
  info: TargetInfo;
  result: TargetResult;
  facts: Facts | null;
}

/** Write and check lab nodes; returns them in order and a cleanup. */
export async function checkLabNodes(scenarios: readonly ScenarioId[]): Promise<{nodes: Checked[]; cleanup: () => Promise<void>}> {
  const dir = await mkdtemp(join(tmpdir(), 'kd-ui-'));
  const nodes: Checked[] = [];
  for (const [i, scenario] of scenarios.entries()) {
    const hostname = `node-${i + 1}-${scenario}`;
    const tree = await writeNodeTree(join(dir, hostname), {layout: 'deb', hostname, kubeletVersion: 'v1.30.2', scenario});
    const {result, facts} = await runTarget(
      {kind: 'root', name: hostname, dir: tree.root},
      {
        checks: catalogue,
        kubeletVersion: null,
        timeoutMs: 60_000,
        concurrency: 1,
        now: () => new Date(),
        expiryWarnDays: 30,
      },
    );
    nodes.push({info: {name: hostname, transport: 'root'}, result, facts});
  }
  return {nodes, cleanup: () => rm(dir, {recursive: true, force: true})};
}

/** A probe answering from checked nodes at once, counting calls per node. */
export function instantProbe(nodes: readonly Checked[], calls: number[] = []): ProbeFn {
  return async (index) => {
    calls[index] = (calls[index] ?? 0) + 1;
    const n = nodes[index]!;
    return {result: n.result, facts: n.facts};
  };
}

/** A probe the test releases node by node (`release(i)`), to see progress frames. */
export function gatedProbe(nodes: readonly Checked[]): {probe: ProbeFn; release: (index: number) => void} {
  const gates = new Map<number, () => void>();
  const waiting = new Map<number, Promise<void>>();
  const gate = (i: number): Promise<void> => {
    let p = waiting.get(i);
    if (!p) {
      p = new Promise<void>((resolve) => gates.set(i, resolve));
      waiting.set(i, p);
    }
    return p;
  };
  return {
    probe: async (index) => {
      await gate(index);
      const n = nodes[index]!;
      return {result: n.result, facts: n.facts};
    },
    release: (index) => {
      void gate(index);
      gates.get(index)!();
    },
  };
}

/** Key sequences as a terminal sends them. */
export const KEYS = {
  enter: '\r',
  escape: '\u001b',
  up: '\u001b[A',
  down: '\u001b[B',
  right: '\u001b[C',
  left: '\u001b[D',
  pageUp: '\u001b[5~',
  pageDown: '\u001b[6~',
  backspace: '\u007f',
  ctrlC: '\u0003',
} as const;
