import {mkdtemp, readdir, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {InputError} from '../../src/errors.js';
import {loadRunbook} from '../../src/runbook/schema.js';
import {loadWaivers} from '../../src/runbook/waivers.js';
import {runCli} from '../helpers/sshd.js';

const EXAMPLES = join(import.meta.dirname, '../../docs/runbooks');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-rb-'));
});
afterAll(() => rm(dir, {recursive: true, force: true}));

const file = async (name: string, text: string) => {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
};
const mistakes = (f: () => unknown): string[] => {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e.message.split('; ');
    throw e;
  }
  throw new Error('no error');
};

describe('loadRunbook', () => {
  it('loads every example runbook shipped in docs/runbooks', async () => {
    const names = (await readdir(EXAMPLES)).filter((n) => n.endsWith('.yaml'));
    expect(names.sort()).toEqual(['kubeadm-join-timed-out.yaml', 'node-notready-after-upgrade.yaml']);
    for (const n of names) expect(loadRunbook(join(EXAMPLES, n)).fixes.length, n).toBeGreaterThan(0);
  });

  it('reads targets, fixes with their policy and choice, waivers and output', async () => {
    const p = await file(
      'ok.yaml',
      [
        'targets:',
        '  - root@10.0.0.7:2222',
        '  - root: nodes/n1',
        '  - local: true',
        'checks: [swap]',
        'fixes:',
        '  - check: cgroup-driver-match',
        '    policy: auto',
        '    choice: kubelet',
        '  - check: swap',
        'waivers:',
        '  - check: swap',
        '    nodes: "gpu-*"',
        '    reason: swap on purpose',
        '    expires: 2027-01-31',
        'output: {format: junit, file: out.xml}',
        'concurrency: 3',
        'stopOnFailure: true',
      ].join('\n'),
    );
    const rb = loadRunbook(p);
    expect(rb.targets).toEqual([{kind: 'ssh', spec: 'root@10.0.0.7:2222'}, {kind: 'root', dir: join(dir, 'nodes/n1')}, {kind: 'local'}]);
    expect(rb.checks).toEqual(['swap', 'cgroup-driver-match']);
    expect(rb.fixes.map((f) => [f.check, f.policy, f.choice])).toEqual([
      ['cgroup-driver-match', 'auto', 'kubelet'],
      ['swap', 'ask', null],
    ]);
    expect(rb.waivers).toEqual([{check: 'swap', nodes: 'gpu-*', labels: null, reason: 'swap on purpose', expires: '2027-01-31', at: `${p}:12`}]);
    expect(rb).toMatchObject({output: {format: 'junit', file: 'out.xml'}, concurrency: 3, stopOnFailure: true});
  });

  it('reports every mistake at once, in file order, with the line and the nearest known name', async () => {
    const p = await file(
      'bad.yaml',
      [
        'checks: [cgroup-driver-match, swapp]',
        'fixes:',
        '  - check: swap',
        '    polcy: auto',
        '  - check: ports',
        '  - check: cert-expiry',
        '    policy: sometimes',
        'stopOnFailur: true',
        'concurrency: 0',
        'output: {format: xml}',
        'waivers:',
        '  - check: swap',
        '    expires: 31/12/2026',
      ].join('\n'),
    );
    expect(mistakes(() => loadRunbook(p))).toEqual([
      `${p}:1: check "swapp" is not a check id (did you mean "swap"?)`,
      `${p}:4: fixes[]: unknown field "polcy" (did you mean "policy"?)`,
      `${p}:5: check "ports" offers no automatic fix`,
      `${p}:7: fix policy "sometimes" is not one of ask, auto, never`,
      `${p}:8: runbook: unknown field "stopOnFailur" (did you mean "stopOnFailure"?)`,
      `${p}:9: concurrency must be a whole number >= 1`,
      `${p}:10: output format "xml" is not one of text, json, ndjson, junit, markdown, sarif`,
      `${p}:12: a waiver needs a "reason" (why the finding is accepted)`,
      `${p}:13: waiver expires "31/12/2026" must be a date YYYY-MM-DD`,
    ]);
  });

  it('says where YAML syntax breaks', async () => {
    const p = await file('syntax.yaml', 'fixes:\n  - check: swap\n   policy: [auto\n');
    expect(() => loadRunbook(p)).toThrow(new RegExp(`^${p}:\\d+: not valid YAML`));
  });

  it('names a file it cannot read', () => {
    expect(() => loadRunbook(join(dir, 'nope.yaml'))).toThrow(/^runbook .*nope\.yaml: cannot read it \(ENOENT\)$/);
  });
});

describe('loadWaivers', () => {
  it('takes a plain list or a map with waivers:', async () => {
    const list = await file('w1.yaml', '- check: swap\n  reason: r\n  expires: 2027-01-01\n');
    const map = await file('w2.yaml', 'waivers:\n  - check: swap\n    labels: {pool: gpu}\n    reason: r\n    expires: 2027-01-01\n');
    expect(loadWaivers(list)).toMatchObject([{check: 'swap', nodes: null, labels: null}]);
    expect(loadWaivers(map)).toMatchObject([{check: 'swap', labels: {pool: 'gpu'}}]);
  });

  it('refuses an expiry date that is not a day of the calendar, naming the file and line', async () => {
    const p = await file(
      'w-dates.yaml',
      [
        '- check: swap',
        '  reason: r',
        '  expires: 2027-02-30',
        '- check: swap',
        '  reason: r',
        '  expires: 2027-02-29',
        '- check: swap',
        '  reason: r',
        '  expires: 2026-13-01',
        '- check: swap',
        '  reason: r',
        '  expires: 2026-04-31',
        '- check: swap',
        '  reason: r',
        '  expires: 2028-02-29',
        '',
      ].join('\n'),
    );
    expect(mistakes(() => loadWaivers(p))).toEqual([
      `${p}:3: waiver expires "2027-02-30" is not a date: 2027-02 has no day 30`,
      `${p}:6: waiver expires "2027-02-29" is not a date: 2027-02 has no day 29`,
      `${p}:9: waiver expires "2026-13-01" is not a date: there is no month 13`,
      `${p}:12: waiver expires "2026-04-31" is not a date: 2026-04 has no day 31`,
    ]);
    // The same rule in a runbook's waivers:, and the CLI's exit 2 with the file and line.
    const rb = await file('rb-dates.yaml', 'waivers:\n  - check: swap\n    reason: r\n    expires: 2027-02-30\n');
    expect(mistakes(() => loadRunbook(rb))).toContain(`${rb}:4: waiver expires "2027-02-30" is not a date: 2027-02 has no day 30`);
    const r = await runCli(['check', '--waivers', p, '--root', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${p}:3: waiver expires "2027-02-30" is not a date: 2027-02 has no day 30`);
    expect(r.stdout).toBe('');
  });

  it('refuses a waiver without an expiry date', async () => {
    const p = await file('w3.yaml', '- check: swap\n  reason: forever\n');
    expect(mistakes(() => loadWaivers(p))).toEqual([`${p}:1: a waiver needs "expires: YYYY-MM-DD" (waivers never last forever)`]);
  });
});
