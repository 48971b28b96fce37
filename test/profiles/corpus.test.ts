/**
 * The installer corpus: one healthy node per installer profile (checks/data/profiles), built by
 * src/lab/profiles.ts the way the lab builds kubeadm trees, and the same node with a cgroup
 * driver, certificate and config failure injected in that installer's own files. Each is checked
 * offline by the built CLI (`check --root DIR --output json`), as an operator would.
 *
 * Healthy: no fail or error, and the installer detected is the profile. Injected: the expected
 * check fails and is the first cause (not explained by another failure), and nothing else fails
 * unexplained; on an embedded kubelet (k3s, RKE2) a check its profile does not judge says so
 * (skip, "does not apply") instead. The score table printed at the end is the corpus figure:
 * healthy profiles with a false failure (target 0), injected failures with the right first cause (target all).
 * With PROFILE_FAILURES=FILE set, the cases that miss are also written there as a markdown table.
 */
import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {PROFILES, profileById} from '../../checks/data/profiles/index.js';
import {createClusterCa} from '../../src/lab/pki.js';
import {INJECTIONS, writeProfileNode, type Injection} from '../../src/lab/profiles.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');

interface JsonResult {
  id: string;
  status: string;
  causedBy: string | null;
  summary: string;
}
interface JsonTarget {
  status: string;
  profile?: string;
  installer?: {id: string; title: string; evidence: {source: string; text: string}[]; note: string | null};
  error: {message: string} | null;
  results: JsonResult[];
}

/** One corpus case: a profile, what was injected, and what the CLI said. */
interface Case {
  profile: string;
  injection: Injection;
  target: JsonTarget;
}

const CASES: Case[] = [];
let dir = '';

/** The failures no other failure explains, in report order. */
const rootFails = (t: JsonTarget): JsonResult[] => t.results.filter((r) => (r.status === 'fail' || r.status === 'error') && r.causedBy === null);

/** An injection into a check the profile declares it does not judge (an embedded kubelet's). */
function notChecked(c: Case): boolean {
  const want = INJECTIONS.find((i) => i.id === c.injection)?.breaks;
  const list: readonly string[] = profileById(c.profile)?.embeddedKubelet?.notChecked ?? [];
  return want !== undefined && list.includes(want);
}

/** Why a case misses, in words for the table; null when it is right. */
function miss(c: Case): string | null {
  const t = c.target;
  const got = t.profile ?? '(none)';
  const wrongProfile = got !== c.profile ? `detected ${got}` : null;
  if (c.injection === 'healthy') {
    const bad = t.results.filter((r) => r.status === 'fail' || r.status === 'error');
    const parts = [
      ...(t.status !== 'ok' ? [`target ${t.status}: ${t.error?.message ?? ''}`] : []),
      ...bad.map((r) => `${r.status} ${r.id}${r.causedBy ? ` (causedBy ${r.causedBy})` : ''}: ${r.summary}`),
      ...(wrongProfile ? [wrongProfile] : []),
    ];
    return parts.length > 0 ? parts.join('; ') : null;
  }
  const want = INJECTIONS.find((i) => i.id === c.injection)!.breaks;
  const r = t.results.find((x) => x.id === want);
  const roots = rootFails(t);
  const parts: string[] = [];
  if (notChecked(c)) {
    // k3s/RKE2: the check does not judge an embedded kubelet, and must say so instead of passing.
    if (r?.status !== 'skip' || !/runs the kubelet inside/.test(r.summary))
      parts.push(`${want} is ${r?.status ?? 'absent'}, not "does not apply"${r ? `: ${r.summary}` : ''}`);
  } else if (r?.status !== 'fail') parts.push(`${want} is ${r?.status ?? 'absent'}${r ? `: ${r.summary}` : ''}`);
  else if (r.causedBy !== null) parts.push(`${want} fails but is explained by ${r.causedBy}`);
  for (const o of roots) if (o.id !== want) parts.push(`also unexplained: ${o.status} ${o.id}: ${o.summary}`);
  if (wrongProfile) parts.push(wrongProfile);
  return parts.length > 0 ? parts.join('; ') : null;
}

async function check(root: string, version: string): Promise<JsonTarget> {
  let stdout: string;
  try {
    ({stdout} = await run('node', [BIN, 'check', '--root', root, '--output', 'json', '--kubelet-version', version], {maxBuffer: 16 * 1024 * 1024}));
  } catch (e) {
    // Exit 1 (a check failed) and 3 (not checked) still print the report.
    stdout = (e as {stdout?: string}).stdout ?? '';
  }
  const report = JSON.parse(stdout) as {targets: JsonTarget[]};
  return report.targets[0]!;
}

beforeAll(async () => {
  expect(existsSync(BIN), 'build first: npx tsc -p tsconfig.json').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'kd-profiles-'));
  const now = new Date();
  const ca = await createClusterCa(now);
  const jobs = PROFILES.flatMap((p) => (['healthy', ...INJECTIONS.map((i) => i.id)] as Injection[]).map((injection) => ({profile: p.id, injection})));
  // Two at a time: the machine is shared.
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const root = join(dir, `${job.profile}-${job.injection}`);
      const info = await writeProfileNode(root, {profile: job.profile, hostname: `${job.profile}-node`, injection: job.injection, now, ca});
      CASES.push({...job, target: await check(root, info.kubeletVersion)});
    }
  };
  await Promise.all([worker(), worker()]);
}, 600_000);

afterAll(async () => {
  const healthy = CASES.filter((c) => c.injection === 'healthy');
  const injected = CASES.filter((c) => c.injection !== 'healthy');
  const falseFail = healthy.filter((c) => c.target.results.some((r) => r.status === 'fail' || r.status === 'error') || c.target.status !== 'ok');
  const warned = healthy.filter((c) => c.target.results.some((r) => r.status === 'warn'));
  const judged = injected.filter((c) => !notChecked(c));
  const rightCause = judged.filter((c) => miss(c) === null);
  const saidNotChecked = injected.filter((c) => notChecked(c) && miss(c) === null);
  const detected = CASES.filter((c) => c.target.profile === c.profile);
  const rows = PROFILES.map((p) => {
    const mark = (inj: Injection): string => {
      const c = CASES.find((x) => x.profile === p.id && x.injection === inj);
      return c === undefined ? '?' : miss(c) !== null ? 'MISS' : notChecked(c) ? 'n/a' : 'ok';
    };
    return `${p.id.padEnd(22)} ${mark('healthy').padEnd(8)} ${mark('cgroup-driver').padEnd(14)} ${mark('certificate').padEnd(12)} ${mark('config')}`;
  });
  console.log(
    [
      `${'profile'.padEnd(22)} ${'healthy'.padEnd(8)} ${'cgroup-driver'.padEnd(14)} ${'certificate'.padEnd(12)} config`,
      ...rows,
      `healthy profiles with a false failure: ${falseFail.length} of ${healthy.length} (target 0)`,
      `healthy profiles with a warning: ${warned.length} of ${healthy.length} (target 0)${
        warned.length
          ? `: ${warned
              .map(
                (c) =>
                  `${c.profile} (${c.target.results
                    .filter((r) => r.status === 'warn')
                    .map((r) => r.id)
                    .join(', ')})`,
              )
              .join('; ')}`
          : ''
      }`,
      `injected failures with the right first cause: ${rightCause.length} of ${judged.length} (target all)`,
      `injected into a check an embedded kubelet (k3s, RKE2) is not judged by, reported as "does not apply": ${saidNotChecked.length} of ${injected.length - judged.length}`,
      `profile detected: ${detected.length} of ${CASES.length} nodes`,
    ].join('\n'),
  );
  const out = process.env['PROFILE_FAILURES'];
  if (out) {
    const lines = CASES.filter((c) => miss(c) !== null)
      .sort((a, b) => a.profile.localeCompare(b.profile) || a.injection.localeCompare(b.injection))
      .map((c) => `| ${c.profile} | ${c.injection} | ${miss(c)!.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
    await writeFile(out, ['| profile | case | what the tool said |', '| --- | --- | --- |', ...lines, ''].join('\n'));
  }
  if (dir) await rm(dir, {recursive: true, force: true});
});

describe.each(PROFILES.map((p) => [p.id, p] as const))('installer profile %s', (id) => {
  const caseOf = (injection: Injection): Case => {
    const c = CASES.find((x) => x.profile === id && x.injection === injection);
    if (!c) throw new Error(`no corpus case ${id}/${injection}`);
    return c;
  };

  it('healthy node: no fail or error, and the installer is detected', () => {
    const t = caseOf('healthy').target;
    expect(t.status).toBe('ok');
    expect(t.results.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => `${r.id}: ${r.summary}`)).toEqual([]);
    expect(t.profile).toBe(id);
    expect(t.installer?.evidence.length).toBeGreaterThan(0);
  });

  it('healthy node: no warning either (what the installer writes itself is a note, reservations are advice)', () => {
    const t = caseOf('healthy').target;
    expect(t.results.filter((r) => r.status === 'warn').map((r) => `${r.id}: ${r.summary}`)).toEqual([]);
  });

  it.each(INJECTIONS.map((i) => [i.id, i.breaks] as const))('%s injected: %s fails and is the first cause', (injection, breaks) => {
    const c = caseOf(injection);
    const t = c.target;
    const r = t.results.find((x) => x.id === breaks);
    expect(t.profile).toBe(id);
    if (notChecked(c)) {
      // An embedded kubelet (k3s, RKE2): the check says it does not judge this node, and why.
      expect(r?.status, r?.summary).toBe('skip');
      expect(r?.summary).toMatch(/does not apply: .* runs the kubelet inside/);
      expect(rootFails(t)).toEqual([]);
      return;
    }
    expect(r?.status, r?.summary).toBe('fail');
    expect(r?.causedBy).toBeNull();
    expect(rootFails(t).map((x) => x.id)).toEqual([breaks]);
  });
});
