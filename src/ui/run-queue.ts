/**
 * Runs node probes with bounded concurrency, outside React: the run hook feeds it requests and
 * turns its callbacks into reducer actions. A probe that rejects (a bug, not a node problem:
 * the engine turns node problems into results) still ends as a result, so one node never stalls
 * the fleet view. Closing it aborts every probe in flight.
 */
import type {Facts} from '../facts/types.js';
import type {TargetResult} from '../report/types.js';
import type {TargetInfo} from './state/run-reducer.js';

/** Checks one target (by its index); the CLI passes the engine's `runTarget` behind this. */
export type ProbeFn = (index: number, signal: AbortSignal) => Promise<{result: TargetResult; facts: Facts | null}>;

/** What the queue reports. */
export interface QueueEvents {
  started(index: number, at: number): void;
  finished(index: number, result: TargetResult, facts: Facts | null): void;
}

/** A bounded-concurrency queue of node probes. */
export class RunQueue {
  private readonly waiting: number[] = [];
  private readonly active = new Set<number>();
  private readonly controller = new AbortController();

  constructor(
    private readonly targets: readonly TargetInfo[],
    private readonly probe: ProbeFn,
    private readonly concurrency: number,
    private readonly events: QueueEvents,
    private readonly now: () => number = Date.now,
  ) {}

  /** Queue these nodes (those already queued or running are left as they are). */
  request(indices: readonly number[]): void {
    for (const i of indices) if (!this.active.has(i) && !this.waiting.includes(i)) this.waiting.push(i);
    this.pump();
  }

  /** Abort every probe in flight and drop the queue. */
  close(): void {
    this.waiting.length = 0;
    this.controller.abort();
  }

  private pump(): void {
    while (!this.controller.signal.aborted && this.active.size < Math.max(1, this.concurrency) && this.waiting.length > 0) {
      const i = this.waiting.shift()!;
      this.active.add(i);
      this.events.started(i, this.now());
      void this.run(i);
    }
  }

  private async run(i: number): Promise<void> {
    let outcome: {result: TargetResult; facts: Facts | null};
    const started = this.now();
    try {
      outcome = await this.probe(i, this.controller.signal);
    } catch (e) {
      const t = this.targets[i];
      outcome = {
        facts: null,
        result: {
          target: t?.name ?? String(i),
          node: t?.name ?? String(i),
          transport: (t?.transport ?? 'local') as TargetResult['transport'],
          status: 'error',
          error: {kind: 'internal', message: `the check crashed: ${(e as Error).message ?? String(e)} (please report this)`, hint: null},
          kubeletVersion: null,
          durationMs: this.now() - started,
          notes: [],
          results: [],
        },
      };
    }
    this.active.delete(i);
    if (this.controller.signal.aborted) return;
    this.events.finished(i, outcome.result, outcome.facts);
    this.pump();
  }
}
