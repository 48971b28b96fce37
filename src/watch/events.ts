/**
 * What a watch reports, as events: the text lines and the NDJSON records (docs/watch.md) are two
 * renderings of the same list, so a script and a person see the same watch.
 */
import type {Status} from '../catalogue/define.js';
import type {TargetResult} from '../report/types.js';
import {sanitizeLine} from '../text/sanitize.js';
import {describe, type Transition} from './transitions.js';

/** Why a node was probed. */
export type ProbeReason = 'start' | 'interval' | 'journal';

/** How a watch ended. */
export type EndReason = 'healthy' | 'timeout' | 'interrupted';

/** One thing that happened during a watch; `at` is an ISO time. */
export type WatchEvent =
  | {kind: 'watch-start'; at: string; version: string; targets: string[]; intervalS: number; untilHealthy: boolean; timeoutS: number | null}
  | {
      kind: 'probe';
      at: string;
      target: string;
      reason: ProbeReason;
      status: TargetResult['status'];
      healthy: boolean;
      failing: number;
      firstCause: string | null;
      /** The failing checks' ids, most severe cause first. */
      failingChecks: string[];
      error: string | null;
      /** How the journal is read now: `follow`, `poll`, or `off` (not an SSH node, or not connected). */
      journal: 'follow' | 'poll' | 'off';
    }
  | ({at: string; kind: 'transition'; transition: Transition['kind']} & Omit<Transition, 'kind'>)
  | {
      kind: 'journal';
      at: string;
      target: string;
      /** The time journalctl printed, or null. */
      time: string | null;
      line: string;
      signature: string | null;
      check: string | null;
      checkTitle: string | null;
      /** That check's status in the node's last probe (null: not probed yet, or no check). */
      checkStatus: Status | null;
      /** Lines left out before this one (rate bound). */
      dropped: number;
    }
  | {kind: 'watch-end'; at: string; reason: EndReason; exitCode: number; healthy: string[]; notHealthy: string[]};

/** A transition as an event. */
export function transitionEvent(t: Transition, at: string): WatchEvent {
  const {kind, ...rest} = t;
  return {kind: 'transition', at, transition: kind, ...rest} as WatchEvent;
}

/** The event as one NDJSON line. */
export const eventLine = (e: WatchEvent): string => `${JSON.stringify(e)}\n`;

const clock = (at: string): string => at.slice(11, 19);

/** The event as one line of text (UTC time first), or null when text output leaves it out. */
export function eventText(e: WatchEvent): string | null {
  const t = clock(e.at);
  switch (e.kind) {
    case 'watch-start': {
      const every = `every ${e.intervalS} s`;
      const until = e.untilHealthy ? ' until every node is healthy' : '';
      const limit = e.timeoutS !== null ? ` (at most ${e.timeoutS} s)` : '';
      return `${t} watching ${e.targets.length === 1 ? e.targets[0] : `${e.targets.length} nodes`} ${every}${until}${limit}; times are UTC`;
    }
    case 'probe': {
      if (e.reason === 'interval') return null;
      const what =
        e.status === 'unreachable' || e.status === 'not-a-node'
          ? `${e.status}: ${e.error ?? ''}`
          : e.failing === 0
            ? `${e.status === 'ok' ? 'healthy' : e.status}: no failing check`
            : `${e.failing} failing (first cause ${e.firstCause ?? e.failingChecks[0]})${e.status === 'ok' ? '' : `; ${e.status}: ${e.error ?? ''}`}`;
      const why = e.reason === 'start' ? 'first probe' : 're-probed after the journal line';
      return sanitizeLine(`${t} ${e.target} ${why}: ${what}`);
    }
    case 'transition': {
      const {at: _at, kind: _k, transition, ...rest} = e;
      return sanitizeLine(`${t} ${rest.node} ${describe({kind: transition, ...rest} as Transition)}`);
    }
    case 'journal': {
      const dropped = e.dropped > 0 ? ` (${e.dropped} journal lines not shown before this one)` : '';
      const status = e.checkStatus ? `, ${e.checkStatus} at the last probe` : '';
      const beside = e.check ? `→ ${e.check} (${e.checkTitle ?? e.check}${status}) [${e.signature}]` : '(an error no check names)';
      return sanitizeLine(`${t} ${e.target} journal ${beside}: ${e.line}${dropped}`);
    }
    case 'watch-end': {
      const why =
        e.reason === 'healthy'
          ? `every node is healthy (${e.healthy.length})`
          : e.reason === 'timeout'
            ? e.notHealthy.length === 0
              ? 'time is up; every node is healthy'
              : `time is up; not healthy: ${e.notHealthy.join(', ')}`
            : 'interrupted';
      return `${t} ${why}; exit ${e.exitCode}`;
    }
  }
}
