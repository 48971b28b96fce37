import {describe, it, expect} from 'vitest';
import {readdirSync, readFileSync, existsSync} from 'node:fs';
import {join} from 'node:path';
import {catalogue} from '../checks/index.js';
import {makeFacts} from './helpers/facts.js';
import {renderChecksMarkdown, extraDocs} from '../src/docs/generate.js';

const root = join(import.meta.dirname, '..');
const checkFiles = readdirSync(join(root, 'checks')).filter((f) => f.endsWith('.ts') && f !== 'index.ts');

describe('the check catalogue', () => {
  it('lists every file in checks/ and nothing else', () => {
    expect(catalogue.map((c) => `${c.id}.ts`).sort()).toEqual([...checkFiles].sort());
  });

  it('has unique ids equal to the file names', () => {
    const ids = catalogue.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of catalogue) expect(readFileSync(join(root, 'checks', `${c.id}.ts`), 'utf8')).toContain(`'${c.id}'`);
  });

  it('only needs facts that exist', () => {
    const keys = Object.keys(makeFacts());
    for (const c of catalogue) for (const n of c.needs) expect(keys, `${c.id} needs ${n}`).toContain(n);
  });

  it('only names explaining checks that exist, without cycles', () => {
    const ids = new Set(catalogue.map((c) => c.id));
    for (const c of catalogue) for (const e of c.explainedBy) expect(ids, `${c.id} explainedBy ${e}`).toContain(e);
  });

  it('names planned fixes as kebab-case ids', () => {
    for (const c of catalogue) if (c.fix) expect(c.fix, c.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('has a test file for every check', () => {
    for (const c of catalogue) expect(existsSync(join(root, 'test/checks', `${c.id}.test.ts`)), c.id).toBe(true);
  });

  it('has title, remediation and at least one reference for every check', () => {
    for (const c of catalogue) {
      expect(c.title.length, c.id).toBeGreaterThan(10);
      expect(c.remediation.length, c.id).toBeGreaterThan(20);
      expect(c.references.length, c.id).toBeGreaterThan(0);
    }
  });

  it('keeps checks pure: no I/O, process or clock modules', () => {
    for (const f of checkFiles) {
      const src = readFileSync(join(root, 'checks', f), 'utf8');
      expect(src, f).not.toMatch(/from ['"]node:(fs|child_process|net|http|https|os|process)/);
      expect(src, f).not.toMatch(/Date\.now\(|new Date\(\)|process\./);
      expect(src, f).not.toMatch(/from ['"](ssh2|ink|react)['"]/);
    }
  });

  it('does not crash on a node where nothing was collected', () => {
    const facts = makeFacts();
    for (const c of catalogue) {
      const out = [c.evaluate(facts, {now: new Date('2026-01-01T00:00:00Z'), expiryWarnDays: 30})].flat();
      for (const v of out) expect(v.status, c.id).toBe('skip');
    }
  });

  it('has an up-to-date docs/checks.md', () => {
    const onDisk = readFileSync(join(root, 'docs/checks.md'), 'utf8');
    expect(onDisk, 'docs/checks.md is stale: run npm run docs').toBe(renderChecksMarkdown(catalogue));
  });

  it('has an up-to-date docs/cli.md', () => {
    for (const d of extraDocs) expect(readFileSync(join(root, d.path), 'utf8'), `${d.path} is stale: run npm run docs`).toBe(d.render());
  });
});
