/**
 * The streamed reporters (a fleet's nodes rendered one at a time as they finish, in any order)
 * give the document the whole-report renderers give, byte for byte: JSON, JUnit and text, on the
 * lab's eleven node trees checked for real, on the sample fleet, a hostile one, one node and none.
 */
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {catalogue} from '../../checks/index.js';
import {runAll} from '../../src/engine/run.js';
import {writeFleet} from '../../src/lab/node-tree.js';
import {jsonStream, render as renderJson} from '../../src/report/json.js';
import {junitStream, render as renderJunit} from '../../src/report/junit.js';
import {hideAdvice} from '../../src/report/order.js';
import {textStream, render as renderText} from '../../src/report/text.js';
import type {Report} from '../../src/report/types.js';
import {hostileReport, makeReport, makeTarget, sampleReport} from '../helpers/report.js';

let dir: string;
let lab: Report;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-stream-'));
  const trees = await writeFleet(join(dir, 'fleet'));
  const now = new Date();
  lab = hideAdvice(
    await runAll(
      trees.map((t) => ({kind: 'root' as const, name: t.hostname, dir: t.root})),
      {checks: catalogue, kubeletVersion: null, timeoutMs: 60_000, concurrency: 4, now: () => now, expiryWarnDays: 30},
    ),
  );
}, 120_000);
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

/** Indexes in an order nodes could finish in: odd ones first, each half backwards. */
const scrambled = (n: number): number[] => {
  const all = Array.from({length: n}, (_, i) => i);
  return [...all.filter((i) => i % 2 === 1).reverse(), ...all.filter((i) => i % 2 === 0).reverse()];
};

function streamed(format: 'json' | 'junit' | 'text', report: Report, opts = {color: false}): {text: string; pieces: number} {
  const n = report.targets.length;
  const pieces: string[] = [];
  if (format === 'json') {
    const s = jsonStream(report, n, (t) => pieces.push(t));
    for (const i of scrambled(n)) s.add(i, report.targets[i]!);
    s.end();
  } else {
    const s = format === 'junit' ? junitStream(report, n) : textStream(report, n, opts);
    for (const i of scrambled(n)) s.add(i, report.targets[i]!);
    pieces.push(s.end());
  }
  return {text: pieces.join(''), pieces: pieces.length};
}

const reports = (): [string, Report][] => [
  ['the lab fleet', lab],
  ['the sample fleet', sampleReport()],
  ['a hostile fleet', hostileReport()],
  ['one node', makeReport([makeTarget()])],
  ['no node', makeReport([])],
];

describe('streamed reports equal whole ones', () => {
  it('JSON: the same bytes, written in pieces as the input-order prefix completes', () => {
    for (const [what, r] of reports()) {
      const s = streamed('json', r);
      expect(s.text, what).toBe(renderJson(r, {color: false}));
      JSON.parse(s.text);
    }
    // Head, then the nodes as their predecessors arrive, then the tail: more than one piece.
    expect(streamed('json', lab).pieces).toBeGreaterThan(2);
  });

  it('JUnit: the same document', () => {
    for (const [what, r] of reports()) expect(streamed('junit', r).text, what).toBe(renderJunit(r, {color: false}));
  });

  it('text: the same report, tables and closing line included, with and without colour and width', () => {
    for (const [what, r] of reports()) {
      for (const opts of [{color: false}, {color: true, width: 80}, {color: false, verbose: true}]) {
        expect(streamed('text', r, opts).text, `${what} ${JSON.stringify(opts)}`).toBe(renderText(r, opts));
      }
    }
  });

  it('the lab fleet report is a fleet with failures (so the comparison covers tables and causes)', () => {
    expect(lab.targets.length).toBeGreaterThan(5);
    expect(renderText(lab, {color: false})).toMatch(/FAIL/);
  });
});
