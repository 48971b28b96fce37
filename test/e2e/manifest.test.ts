/**
 * `kubelet-doctor manifest` through the real binary: valid multi-document YAML, RBAC as
 * manifestRules (whose equality with a real run's requests test/e2e/publish.test.ts proves), an
 * Indexed Job whose pods run a command the CLI accepts, a CronJob with --schedule, bad values
 * refused. And the image's Dockerfile (docs/in-cluster/Dockerfile), which cannot be built here
 * (no registry access): linted instead — every COPY source exists, the entrypoint is the
 * package's binary and the CMD is a command line the CLI parses.
 */
import {describe, it, expect, beforeAll} from 'vitest';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {parseAllDocuments} from 'yaml';
import {BIN, runCli} from '../helpers/sshd.js';
import {parseCommandLine} from '../../src/cli/args.js';
import {manifestRules} from '../../src/cli/commands/manifest.js';

const ROOT = join(import.meta.dirname, '../..');

type Obj = {kind: string; metadata: {name: string; namespace?: string; labels?: Record<string, string>}; [k: string]: unknown};

async function manifest(args: string[]): Promise<Obj[]> {
  const r = await runCli(['manifest', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const docs = parseAllDocuments(r.stdout);
  for (const d of docs as {errors: unknown[]}[]) expect(d.errors).toEqual([]);
  return (docs as {toJS(): unknown}[]).map((d) => d.toJS() as Obj).filter(Boolean);
}

beforeAll(() => {
  expect(existsSync(BIN), 'build first: npx tsc -p .').toBe(true);
});

describe('kubelet-doctor manifest', () => {
  it('prints Namespace, ServiceAccount, RBAC and an Indexed Job running the sharded pod check', async () => {
    const objs = await manifest(['--shards', '3', '--image', 'registry.example/kd:1', '--publish']);
    expect(objs.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}`)).toEqual([
      'Namespace/',
      'ServiceAccount/kubelet-doctor',
      'ClusterRole/',
      'ClusterRoleBinding/',
      'Role/kubelet-doctor',
      'RoleBinding/kubelet-doctor',
      'Role/kube-node-lease',
      'RoleBinding/kube-node-lease',
      'Role/kube-public',
      'RoleBinding/kube-public',
      'Role/kube-system',
      'RoleBinding/kube-system',
      'Job/kubelet-doctor',
    ]);
    expect(objs[0]!.metadata.labels).toMatchObject({'pod-security.kubernetes.io/enforce': 'privileged'});
    // The printed rules are exactly manifestRules (the set publish.test.ts checks against a real run).
    const printed = objs
      .filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')
      .map((o) => ({namespace: o.metadata.namespace ?? null, rules: o['rules']}));
    expect(printed).toEqual(manifestRules({namespace: 'kubelet-doctor', publish: true}));
    expect(JSON.stringify(printed)).toContain('nodes/status');
    for (const b of objs.filter((o) => o.kind.endsWith('Binding'))) {
      expect(b['subjects']).toEqual([{kind: 'ServiceAccount', name: 'kubelet-doctor', namespace: 'kubelet-doctor'}]);
    }
    const job = objs.at(-1)! as Obj & {
      spec: {
        completionMode: string;
        completions: number;
        parallelism: number;
        template: {spec: {serviceAccountName: string; containers: {image: string; args: string[]}[]}};
      };
    };
    expect(job.spec).toMatchObject({completionMode: 'Indexed', completions: 3, parallelism: 3});
    const ctr = job.spec.template.spec.containers[0]!;
    expect(job.spec.template.spec.serviceAccountName).toBe('kubelet-doctor');
    expect(ctr.image).toBe('registry.example/kd:1');
    expect(ctr.args).toEqual([
      'check',
      '--all-nodes',
      '--via',
      'pod',
      '--pod-namespace',
      'kubelet-doctor',
      '--shard',
      'auto/3',
      '--output',
      'ndjson',
      '--publish',
    ]);
    // A command line the CLI accepts, as the pod will run it.
    expect(parseCommandLine(ctr.args)).toMatchObject({command: 'check', positional: []});
  });

  it('without --publish grants no nodes/status; --schedule wraps the same Job template in a CronJob', async () => {
    const objs = await manifest(['--schedule', '*/30 * * * *', '--namespace', 'kube-system']);
    expect(objs.some((o) => o.kind === 'Namespace')).toBe(false);
    expect(JSON.stringify(objs)).not.toContain('nodes/status');
    const cron = objs.at(-1)! as Obj & {
      spec: {schedule: string; concurrencyPolicy: string; jobTemplate: {spec: {completionMode: string; template: {spec: {containers: {args: string[]}[]}}}}};
    };
    expect(cron.kind).toBe('CronJob');
    expect(cron.spec).toMatchObject({schedule: '*/30 * * * *', concurrencyPolicy: 'Forbid'});
    expect(cron.spec.jobTemplate.spec.completionMode).toBe('Indexed');
    expect(cron.spec.jobTemplate.spec.template.spec.containers[0]!.args).not.toContain('--publish');
  });

  it('refuses a bad namespace, shard count or schedule (exit 2, nothing printed)', async () => {
    for (const bad of [
      ['--namespace', 'Bad_NS'],
      ['--shards', '0'],
      ['--schedule', 'every hour'],
    ]) {
      const r = await runCli(['manifest', ...bad]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^kubelet-doctor: --/);
    }
  });
});

describe('docs/in-cluster/Dockerfile (lint: it cannot be built here)', () => {
  const text = readFileSync(join(ROOT, 'docs/in-cluster/Dockerfile'), 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));

  it('copies only files that exist in the repository (or from its own build stage)', () => {
    const copies = lines.filter((l) => l.startsWith('COPY ') && !l.includes('--from='));
    expect(copies.length).toBeGreaterThan(2);
    for (const c of copies) {
      const srcs = c.split(/\s+/).slice(1, -1);
      for (const s of srcs) expect(existsSync(join(ROOT, s)), `${c}: ${s}`).toBe(true);
    }
  });

  it("runs the package's binary with a CMD the CLI parses as a check", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {bin: Record<string, string>};
    const entry = JSON.parse(lines.find((l) => l.startsWith('ENTRYPOINT '))!.slice('ENTRYPOINT '.length)) as string[];
    expect(entry[0]).toBe('node');
    expect(entry[1]).toBe(`/opt/kubelet-doctor/${pkg.bin['kubelet-doctor']}`);
    const cmd = JSON.parse(lines.find((l) => l.startsWith('CMD '))!.slice('CMD '.length)) as string[];
    expect(parseCommandLine(cmd)).toMatchObject({command: 'check', values: {'all-nodes': true, via: 'pod'}});
    expect(lines.some((l) => /^USER\s+\d+/.test(l))).toBe(true);
  });
});
