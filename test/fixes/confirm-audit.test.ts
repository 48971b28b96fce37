import {PassThrough} from 'node:stream';
import {mkdtemp, readFile, rm, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {catalogue} from '../../checks/index.js';
import {UsageError} from '../../src/errors.js';
import {appendAudit, auditPath} from '../../src/fixes/audit.js';
import {confirmFix} from '../../src/fixes/confirm.js';
import {IMPLEMENTED_FIXES} from '../../src/fixes/index.js';
import {PLANNERS} from '../../src/fixes/registry.js';
import type {FixPlan} from '../../src/fixes/types.js';

const PLAN: FixPlan = {fixId: 'swap-off', checkId: 'swap', title: 'Turn swap off', steps: [{kind: 'run', argv: ['swapoff', '-a'], why: 'now'}]};

/** A stream that claims to be a terminal, as process.stdin is on one. */
const tty = () => Object.assign(new PassThrough(), {isTTY: true});

describe('confirmFix', () => {
  it('says yes at once with --yes', async () => {
    await expect(confirmFix(PLAN, {yes: true, input: new PassThrough()})).resolves.toBe(true);
  });

  it('refuses at once, with a hint, when there is no terminal to ask on', async () => {
    const p = confirmFix(PLAN, {input: new PassThrough(), output: new PassThrough()});
    await expect(p).rejects.toBeInstanceOf(UsageError);
    await expect(p).rejects.toMatchObject({message: expect.stringContaining('without a confirmation'), hint: expect.stringContaining('--yes')});
  });

  it('asks on the terminal and takes only y or yes as a yes', async () => {
    for (const [answer, want] of [
      ['y\n', true],
      ['yes\n', true],
      ['\n', false],
      ['n\n', false],
      ['sure\n', false],
    ] as const) {
      const input = tty();
      const output = tty();
      let asked = '';
      let answered = false;
      output.on('data', (b: Buffer) => {
        asked += b.toString();
        if (!answered && asked.includes('[y/N]')) {
          answered = true;
          input.write(answer);
        }
      });
      await expect(confirmFix(PLAN, {input, output, target: 'node-7'})).resolves.toBe(want);
      expect(asked).toContain('Apply these 1 step(s) to node-7? A backup is taken first. [y/N]');
    }
  });
});

describe('audit log', () => {
  it('lives under XDG_STATE_HOME, or ~/.local/state, unless KUBELET_DOCTOR_AUDIT_LOG names it', () => {
    expect(auditPath({XDG_STATE_HOME: '/s'})).toBe('/s/kubelet-doctor/audit.log');
    expect(auditPath({HOME: '/h'})).toMatch(/\/\.local\/state\/kubelet-doctor\/audit\.log$/);
    expect(auditPath({KUBELET_DOCTOR_AUDIT_LOG: '/x/a.log', XDG_STATE_HOME: '/s'})).toBe('/x/a.log');
  });

  it('appends one JSON line per action with who, where, what, when, the backup and the result, private to the operator', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kd-audit-'));
    const file = join(dir, 'state/kubelet-doctor/audit.log');
    const entry = {
      target: 'node-7',
      transport: 'ssh',
      action: 'apply' as const,
      fixId: 'swap-off',
      checkId: 'swap',
      choice: 'off',
      backup: '20261123T114233Z',
      result: 'verified',
      files: ['/etc/fstab'],
    };
    await appendAudit({...entry, message: 'swap passes after the fix'}, file);
    await appendAudit({...entry, result: 'rolled-back', message: 'token: abcdef.0123456789abcdef leaked into a message'}, file);
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({...entry, user: expect.any(String), host: expect.any(String), time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/)});
    expect(JSON.stringify(lines[1])).not.toContain('0123456789abcdef');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await rm(dir, {recursive: true, force: true});
  });
});

describe('the fix registry', () => {
  it('has a planner for every implemented fix, and nothing else', () => {
    expect(Object.keys(PLANNERS).sort()).toEqual([...IMPLEMENTED_FIXES].sort());
  });

  it('implements every fix a check declares', () => {
    const declared = catalogue.flatMap((c) => (c.fix ? [c.fix] : []));
    expect(declared.filter((id) => !IMPLEMENTED_FIXES.includes(id))).toEqual([]);
  });
});
