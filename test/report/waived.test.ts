import {describe, it, expect} from 'vitest';
import {renderReport} from '../../src/report/index.js';
import {toSarif} from '../../src/report/sarif.js';
import {makeFinding, makeReport, makeTarget} from '../helpers/report.js';

const opts = {color: false, verbose: false};
const report = () =>
  makeReport([
    makeTarget({
      results: [
        makeFinding({
          id: 'swap',
          status: 'fail',
          severity: 'high',
          summary: 'swap is on',
          waived: {reason: 'CHG-1234 swap test node', expires: '2026-12-31', expired: false},
        }),
        makeFinding({id: 'clock-skew', status: 'warn', summary: 'clock is 40 s off', waived: {reason: 'NTP rollout', expires: '2026-01-31', expired: true}}),
        makeFinding({id: 'healthz', status: 'fail', severity: 'critical', summary: 'healthz refused'}),
      ],
    }),
  ]);

describe('waived findings in every report format', () => {
  it('junit: an active waiver is a skipped testcase with the reason; an expired one fails again and says so', () => {
    const xml = renderReport('junit', report(), opts);
    expect(xml).toMatch(/<testcase[^>]*name="swap: [^"]*"[^>]*>\s*<skipped message="waived until 2026-12-31: CHG-1234 swap test node"\/>/);
    expect(xml).toMatch(/<system-out>WARN: waiver expired 2026-01-31 \(NTP rollout\): clock is 40 s off/);
    expect(xml).toMatch(/<failure message="healthz refused"/);
    // The suite counts: one failure (healthz), the waived swap counted as skipped.
    expect(xml).toMatch(/<testsuite [^>]*failures="1" errors="0" skipped="1"/);
  });

  it('markdown: the status column and the section say waived / waiver expired', () => {
    const md = renderReport('markdown', report(), opts);
    expect(md).toMatch(/\| waived \(fail\) \| `swap` \| swap is on \|/);
    expect(md).toMatch(/\| \*\*WARN\*\* \(waiver expired\) \| `clock-skew` \|/);
    expect(md).toMatch(/\*\*Waived\*\* until 2026-12-31: CHG-1234 swap test node/);
    expect(md).toMatch(/\*\*Waiver expired\*\* on 2026-01-31: NTP rollout/);
  });

  it('sarif: an active waiver is an accepted external suppression; an expired one is not suppressed', () => {
    const results = toSarif(report()).runs[0]!.results;
    const swap = results.find((r) => r.ruleId === 'swap')!;
    expect(swap.suppressions).toEqual([{kind: 'external', status: 'accepted', justification: 'CHG-1234 swap test node (until 2026-12-31)'}]);
    const clock = results.find((r) => r.ruleId === 'clock-skew')!;
    expect(clock.suppressions).toBeUndefined();
    expect(clock.properties.waiverExpired).toBe('2026-01-31');
    expect(results.find((r) => r.ruleId === 'healthz')!.suppressions).toBeUndefined();
  });
});
