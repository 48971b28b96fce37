/**
 * The fix wizard's I/O, outside React (as run-queue.ts is for probes): it opens the fix session
 * (probe and plan) through the callback the CLI passes, plans again for another choice, applies,
 * and reports each answer with the wizard's `seq`. It owns the session and closes it on every
 * way out: leaving the wizard, quitting, a failure. Aborting (Ctrl-C while applying, or the TUI
 * going away) never leaves half a change: the executor restores the backup after an abort, and
 * `idle()` lets the TUI wait for that before it exits.
 */
import type {ApplyEvent} from '../fixes/apply.js';
import {targetWords} from '../fixes/render.js';
import type {FixSession} from '../fixes/session.js';
import type {FixOutcome, PlannedFix} from './state/fix-state.js';

/**
 * Opens a fix session for one node (by its index) and check id; the CLI passes `openFixSession`
 * behind it (the UI never loads transports). `signal` aborts the probe, and later the apply.
 */
export type OpenFix = (index: number, check: string, signal: AbortSignal) => Promise<FixSession>;

/** What the runner reports. */
export interface FixRunnerEvents {
  planned(seq: number, planned: PlannedFix): void;
  failed(seq: number, message: string): void;
  event(seq: number, e: ApplyEvent): void;
  done(seq: number, result: FixOutcome): void;
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

interface Current {
  seq: number;
  abort: AbortController;
  session: FixSession | null;
  /** The apply in flight: the session is closed once it settles, never before. */
  applying: Promise<void> | null;
  closed: boolean;
}

/** One wizard's session at a time. */
export class FixRunner {
  private current: Current | null = null;
  /** Work that must finish before the process may exit: applies (and their restores) and closes. */
  private readonly work = new Set<Promise<unknown>>();
  private events: FixRunnerEvents | null = null;
  private applies = 0;
  /** Results of applies that ended after the TUI went away (the CLI prints them). */
  readonly unreported: FixOutcome[] = [];

  constructor(private readonly openFix: OpenFix) {}

  /** Where answers go (the TUI's store); null: nowhere (the TUI is gone). */
  connect(events: FixRunnerEvents | null): void {
    this.events = events;
  }

  /** Probe and plan for wizard `seq` (closing any previous wizard's session). */
  open(seq: number, node: number, check: string): void {
    this.close();
    const cur: Current = {seq, abort: new AbortController(), session: null, applying: null, closed: false};
    this.current = cur;
    const opening = this.openFix(node, check, cur.abort.signal).then(
      async (session) => {
        cur.session = session;
        if (cur.closed) await this.closeSession(cur);
        else this.events?.planned(seq, planned(session));
      },
      (e: unknown) => {
        if (!cur.closed) this.events?.failed(seq, messageOf(e));
      },
    );
    this.track(opening);
  }

  /** Plan again with another choice, on the same probe. */
  choose(seq: number, choice: string): void {
    const cur = this.mine(seq);
    if (!cur?.session) return;
    try {
      cur.session.choose(choice);
      this.events?.planned(seq, planned(cur.session));
    } catch (e) {
      this.events?.failed(seq, messageOf(e));
    }
  }

  /** Apply the plan (every step was confirmed). The session is closed when it is done. */
  apply(seq: number): void {
    const cur = this.mine(seq);
    if (!cur?.session || cur.applying) return;
    const session = cur.session;
    this.applies++;
    cur.applying = session
      .apply((e) => this.events?.event(seq, e))
      .then(
        ({after: _after, ...result}) => result,
        (e: unknown): FixOutcome => ({
          status: 'lost',
          backup: null,
          message: `the fix stopped: ${messageOf(e)}`,
          finding: null,
          changed: [],
          pending: [],
          output: [],
        }),
      )
      .then((result) => {
        this.applies--;
        if (this.events) this.events.done(seq, result);
        else this.unreported.push(result);
      });
    this.track(cur.applying);
  }

  /** Abort what wizard `seq` is doing: a probe stops; an apply restores the backup, then reports its result. */
  interrupt(seq: number): void {
    this.mine(seq)?.abort.abort();
  }

  /**
   * Leave the current wizard: its session is closed (after its apply, if one is in flight: an
   * apply is never cut short by leaving, only by {@link interrupt}).
   */
  close(): void {
    const cur = this.current;
    if (!cur) return;
    this.current = null;
    cur.closed = true;
    if (!cur.session) {
      cur.abort.abort(); // still probing: stop it; the session is closed when it arrives
      return;
    }
    if (cur.applying) this.track(cur.applying.then(() => this.closeSession(cur)));
    else this.track(this.closeSession(cur));
  }

  /**
   * The TUI is going away: nothing is reported any more; whatever runs is interrupted (an apply
   * restores its backup; its result goes to {@link unreported}) and the session closed.
   */
  shutdown(): void {
    this.events = null;
    this.current?.abort.abort();
    this.close();
  }

  /** Whether an apply (and so perhaps a restore) is still running. */
  get applying(): boolean {
    return this.applies > 0;
  }

  /** Resolves once every apply, restore and close has finished. */
  async idle(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  /** The wizard in progress, if it is `seq`. */
  private mine(seq: number): Current | null {
    return this.current && this.current.seq === seq && !this.current.closed ? this.current : null;
  }

  private async closeSession(cur: Current): Promise<void> {
    const s = cur.session;
    cur.session = null;
    await s?.close().catch(() => {});
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch(() => {});
    this.work.add(q);
    void q.finally(() => this.work.delete(q));
  }
}

/** The session as the wizard shows it (plain data). */
function planned(s: FixSession): PlannedFix {
  return {target: s.target.name, spec: targetWords(s.target), offline: !s.transport.live, finding: s.finding, plan: s.plan};
}
