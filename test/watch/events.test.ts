import {describe, expect, it} from 'vitest';
import {durationOption} from '../../src/cli/commands/watch.js';
import {eventLine, eventText, transitionEvent, type WatchEvent} from '../../src/watch/events.js';

const at = '2026-12-05T12:00:07.123Z';

describe('watch events as text and NDJSON', () => {
  it('a transition is one line with the time and the node; NDJSON carries the same fields', () => {
    const e = transitionEvent({kind: 'fixed', node: 'node-1', check: 'swap', title: 'Swap is off', from: 'fail', to: 'pass'}, at);
    expect(eventText(e)).toBe('12:00:07 node-1 fixed: swap (Swap is off) fail → pass');
    expect(JSON.parse(eventLine(e))).toEqual({
      kind: 'transition',
      at,
      transition: 'fixed',
      node: 'node-1',
      check: 'swap',
      title: 'Swap is off',
      from: 'fail',
      to: 'pass',
    });
    expect(eventLine(e).endsWith('\n')).toBe(true);
  });

  it('a journal line is shown beside its check, with the check status at the last probe and what the rate bound left out', () => {
    const e: WatchEvent = {
      kind: 'journal',
      at,
      target: 'node-1',
      time: null,
      line: 'E1205 boom \u001b[31m',
      signature: 'swap-on-not-supported',
      check: 'swap',
      checkTitle: 'Swap is off',
      checkStatus: 'pass',
      dropped: 3,
    };
    expect(eventText(e)).toBe(
      '12:00:07 node-1 journal → swap (Swap is off, pass at the last probe) [swap-on-not-supported]: E1205 boom  (3 journal lines not shown before this one)',
    );
    expect(eventText({...e, signature: null, check: null, checkTitle: null, checkStatus: null, dropped: 0})).toBe(
      '12:00:07 node-1 journal (an error no check names): E1205 boom ',
    );
  });

  it('interval probes are NDJSON only; the first and journal-triggered ones are text too', () => {
    const p: WatchEvent = {
      kind: 'probe',
      at,
      target: 'n',
      reason: 'interval',
      status: 'ok',
      healthy: false,
      failing: 2,
      firstCause: 'swap',
      failingChecks: ['swap', 'healthz'],
      error: null,
      journal: 'poll',
    };
    expect(eventText(p)).toBeNull();
    expect(eventText({...p, reason: 'start'})).toBe('12:00:07 n first probe: 2 failing (first cause swap)');
    expect(eventText({...p, reason: 'journal', failing: 0, healthy: true, firstCause: null, failingChecks: []})).toBe(
      '12:00:07 n re-probed after the journal line: healthy: no failing check',
    );
    expect(eventText({...p, reason: 'start', status: 'unreachable', failing: 0, error: 'connection refused'})).toBe(
      '12:00:07 n first probe: unreachable: connection refused',
    );
  });

  it('the end says why and the exit code', () => {
    expect(eventText({kind: 'watch-end', at, reason: 'timeout', exitCode: 1, healthy: ['a'], notHealthy: ['b']})).toBe(
      '12:00:07 time is up; not healthy: b; exit 1',
    );
    expect(eventText({kind: 'watch-end', at, reason: 'healthy', exitCode: 0, healthy: ['a', 'b'], notHealthy: []})).toBe(
      '12:00:07 every node is healthy (2); exit 0',
    );
    expect(eventText({kind: 'watch-end', at, reason: 'interrupted', exitCode: 130, healthy: [], notHealthy: ['a']})).toBe('12:00:07 interrupted; exit 130');
  });
});

describe('--timeout and --interval durations', () => {
  it('accepts 10m, 90s, 1h, 500ms and plain seconds', () => {
    expect(durationOption('10m', 'timeout')).toBe(600);
    expect(durationOption('90s', 'timeout')).toBe(90);
    expect(durationOption('1h', 'timeout')).toBe(3600);
    expect(durationOption('45', 'timeout')).toBe(45);
    expect(durationOption('1.5', 'interval')).toBe(1.5);
    expect(durationOption('500ms', 'interval', 0.1)).toBe(0.5);
  });

  it('refuses what is not a duration, or too short, as a usage error naming the option', () => {
    expect(() => durationOption('10 minutes', 'timeout')).toThrow(/--timeout 10 minutes: expected a duration/);
    expect(() => durationOption('-5', 'timeout')).toThrow(/--timeout -5/);
    expect(() => durationOption('0', 'timeout', 1)).toThrow(/at least 1 s/);
    expect(() => durationOption('50ms', 'interval', 0.1)).toThrow(/--interval 50ms/);
  });
});
