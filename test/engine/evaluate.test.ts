import {describe, it, expect} from 'vitest';
import {defineCheck, fail, pass, skip, warn, type CheckDef} from '../../src/catalogue/define.js';
import {evaluateAll, evaluateCheck, linkCauses} from '../../src/engine/evaluate.js';
import {makeFacts, ctx, rawFrom} from '../helpers/facts.js';
import {catalogue} from '../../checks/index.js';
import {buildFacts} from '../../src/facts/build.js';

const mk = (id: string, explainedBy: string[], evaluate: CheckDef['evaluate'], live = false) =>
  defineCheck({
    id,
    title: `check ${id} title`,
    category: 'kubelet',
    severity: 'high',
    description: 'd',
    needs: [],
    remediation: 'fix it',
    explainedBy,
    live,
    evaluate,
  });
const at = (line: number) => ({source: {file: '/etc/x.conf', line}, text: `line ${line}`});

describe('evaluating checks', () => {
  it("folds several verdicts into one result, worst first, with every worst verdict's evidence", () => {
    const c = mk('a', [], () => [pass('fine', [at(1)]), fail('bad one', [at(2)]), warn('meh', [at(3)]), fail('bad two', [at(4)])]);
    const f = evaluateCheck(c, makeFacts(), ctx);
    expect(f.status).toBe('fail');
    expect(f.summary).toBe('bad one (and 1 more)');
    expect(f.evidence.map((e) => e.text)).toEqual(['line 2', 'line 4']);
    expect(f.details).toEqual(['fail: bad two', 'warn: meh', 'pass: fine']);
  });

  it('turns a check that throws into an error result instead of crashing the run', () => {
    const c = mk('boom', [], () => {
      throw new Error('kaput');
    });
    const f = evaluateCheck(c, makeFacts(), ctx);
    expect(f.status).toBe('error');
    expect(f.summary).toMatch(/kaput/);
  });

  it('skips a live-only check on a node read offline', () => {
    const f = evaluateCheck(
      mk('live', [], () => pass('ok'), true),
      makeFacts(),
      ctx,
    );
    expect(f.status).toBe('skip');
    expect(f.summary).toMatch(/live node/);
  });

  it('turns a pass that names no evidence into a skip ("no evidence collected"), and keeps a pass that does', () => {
    const bare = evaluateCheck(
      mk('bare', [], () => pass('br_netfilter is loaded')),
      makeFacts(),
      ctx,
    );
    expect(bare.status).toBe('skip');
    expect(bare.summary).toMatch(/^no evidence collected: /);
    expect(bare.summary).toContain('br_netfilter is loaded');
    const held = evaluateCheck(
      mk('held', [], () => pass('fine', [at(1)])),
      makeFacts(),
      ctx,
    );
    expect(held.status).toBe('pass');
    expect(held.evidence).toEqual([at(1)]);
    // Among several verdicts, an unevidenced pass does not outrank a real one or hide a failure.
    const mixed = evaluateCheck(
      mk('mixed', [], () => [pass('claimed'), warn('meh', [at(3)])]),
      makeFacts(),
      ctx,
    );
    expect(mixed.status).toBe('warn');
    expect(mixed.details).toEqual([expect.stringMatching(/^skip: no evidence collected/)]);
  });

  it('never passes a real check on a live node whose /proc records never arrived (kernel-prereqs)', () => {
    const kernel = catalogue.find((c) => c.id === 'kernel-prereqs')!;
    const facts = buildFacts(rawFrom({}, {live: true}), {name: 'n', transport: 'local'});
    const f = evaluateCheck(kernel, facts, ctx);
    expect(f.status).not.toBe('pass');
    for (const c of catalogue) {
      const r = evaluateCheck(c, facts, ctx);
      if (r.status === 'pass') expect([c.id, r.evidence.length]).not.toEqual([c.id, 0]);
    }
  });

  it('offers no fix until the fix is implemented', () => {
    const c = defineCheck({...mk('x', [], () => fail('bad', [at(1)])), fix: 'not-built-yet'});
    expect(evaluateCheck(c, makeFacts(), ctx).fix).toBeNull();
  });
});

describe('first cause first', () => {
  const checks = [
    mk('cgroup', [], () => fail('driver mismatch', [at(1)])),
    mk('healthz', ['cgroup', 'flags'], () => fail('healthz refused', [at(2)])),
    mk('join', ['healthz'], () => fail('join stuck', [at(3)])),
    mk('flags', [], () => pass('ok')),
    mk('other', ['flags'], () => fail('unrelated', [at(4)])),
  ];

  it('links each failure to the deepest failing cause through the chain', () => {
    const out = evaluateAll(checks, makeFacts(), ctx);
    const by = Object.fromEntries(out.map((f) => [f.id, f.causedBy]));
    expect(by).toEqual({cgroup: null, healthz: 'cgroup', join: 'cgroup', flags: null, other: null});
  });

  it('never makes a crash loop (a symptom) the cause: the failing flag explains the loop', () => {
    const list = [
      mk('unit', [], () => ({...fail('kubelet is in a restart loop', [at(1)]), symptom: true})),
      mk('flags', ['unit'], () => fail('--network-plugin was removed', [at(2)])),
    ];
    const out = evaluateAll(list, makeFacts(), ctx);
    expect(out.find((f) => f.id === 'flags')?.causedBy).toBeNull();
    expect(out.find((f) => f.id === 'unit')?.causedBy).toBe('flags');
  });

  it('puts a crash loop under a critical failure even when that check does not name it', () => {
    const crit = (id: string, f: CheckDef['evaluate']) => defineCheck({...mk(id, [], f), severity: 'critical'});
    const list = [
      mk('unit', [], () => ({...fail('kubelet is in a restart loop', [at(1)]), symptom: true})),
      crit('certs', () => fail('client certificate expired', [at(2)])),
    ];
    expect(evaluateAll(list, makeFacts(), ctx).find((f) => f.id === 'unit')?.causedBy).toBe('certs');
    const alone = [list[0]!];
    expect(evaluateAll(alone, makeFacts(), ctx)[0]?.causedBy).toBeNull();
  });

  it('never lets one symptom explain another: restart loop, healthz and NotReady all hang under the cause', () => {
    const symptom = (id: string, explainedBy: string[]) => defineCheck({...mk(id, explainedBy, () => fail(`${id} is down`, [at(1)])), symptom: true});
    const list = [
      mk('unit', [], () => ({...fail('kubelet is in a restart loop', [at(1)]), symptom: true})),
      symptom('healthz', ['swap']),
      symptom('node-status', ['swap', 'healthz']),
      mk('swap', ['unit'], () => fail('swap is on', [at(2)])),
    ];
    const by = Object.fromEntries(evaluateAll(list, makeFacts(), ctx).map((f) => [f.id, f.causedBy]));
    expect(by).toEqual({unit: 'swap', healthz: 'swap', 'node-status': 'swap', swap: null});
    // Without the cause, the symptoms stand alone: none becomes the other's cause.
    const alone = Object.fromEntries(evaluateAll(list.slice(0, 3), makeFacts(), ctx).map((f) => [f.id, f.causedBy]));
    expect(alone).toEqual({unit: null, healthz: null, 'node-status': null});
  });

  it("lets the journal's first fatal line decide between two failing candidate causes", () => {
    const crit = (id: string) => defineCheck({...mk(id, [], () => fail(`${id} is wrong`, [at(2)])), severity: 'critical'});
    const journal = (pointsTo: string[]) =>
      defineCheck({
        ...mk('logs', [], () => pointsTo.map((p) => ({...fail(`the kubelet exits with a line about ${p}`, [at(3)]), pointsTo: p}))),
        symptom: true,
      });
    const loop = mk('unit', [], () => ({...fail('kubelet is in a restart loop', [at(1)]), symptom: true}));
    // cgroup is listed first and is as severe, but the kubelet's own last words name the runtime.
    const list = [loop, crit('cgroup'), crit('runtime'), journal(['runtime'])];
    const by = Object.fromEntries(evaluateAll(list, makeFacts(), ctx).map((f) => [f.id, f.causedBy]));
    expect(by).toMatchObject({unit: 'runtime', logs: 'runtime'});
    // A fatal line whose check does not fail is the best-known cause: the loop hangs under it.
    const unexplained = [loop, journal(['lock'])];
    const by2 = Object.fromEntries(evaluateAll(unexplained, makeFacts(), ctx).map((f) => [f.id, f.causedBy]));
    expect(by2).toEqual({unit: 'logs', logs: null});
  });

  it('turns a journal warning that repeats what its check already reports into a note', () => {
    const list = [
      mk('flags', [], () => warn('--x is deprecated', [at(1)])),
      mk('cfg', [], () => pass('fine', [at(1)])),
      defineCheck({
        ...mk('logs', [], () => [
          {...warn('the journal shows "Flag --x has been deprecated"', [at(2)]), pointsTo: 'flags'},
          {...warn('the journal shows a config complaint', [at(3)]), pointsTo: 'cfg'},
        ]),
        symptom: true,
      }),
    ];
    const logs = evaluateAll(list, makeFacts(), ctx).find((f) => f.id === 'logs')!;
    // The line about a passing check is news (warn); the repeat is a note folded into details.
    expect(logs.status).toBe('warn');
    expect(logs.summary).toBe('the journal shows a config complaint');
    expect(logs.details).toEqual(['note: the journal shows "Flag --x has been deprecated" (already reported by flags)']);
  });

  it('leaves passing, warning and skipped results unlinked', () => {
    const list = [mk('a', [], () => fail('x', [at(1)])), mk('b', ['a'], () => warn('y', [at(2)])), mk('c', ['a'], () => skip('n/a'))];
    expect(linkCauses(evaluateAll(list, makeFacts(), ctx), list).map((f) => f.causedBy)).toEqual([null, null, null]);
  });
});
