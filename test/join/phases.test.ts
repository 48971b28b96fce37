/**
 * The join flight recorder's pure parts: each saved kubeadm join output (test/fixtures/kubeadm-join,
 * one per step it can stop in) names the right step; the step's checks, run on a lab node tree
 * broken the matching way, give the right first cause; the token never survives the redaction;
 * and what an earlier join left is read from the node's files.
 */
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {catalogue} from '../../checks/index.js';
import {withCluster} from '../../src/cli/commands/cluster-view.js';
import {acquire, runTarget, type RunOptions} from '../../src/engine/run.js';
import {LineRedactor, parseJoinArgv, redact} from '../../src/join/command.js';
import {causeLines, checksFor, firstCause} from '../../src/join/diagnose.js';
import {findLeftovers, leftoverLines} from '../../src/join/leftovers.js';
import {recognise, type JoinPhase} from '../../src/join/phases.js';
import {writeNodeTree, type ScenarioId} from '../../src/lab/node-tree.js';
import {createClusterCa, type ClusterCa} from '../../src/lab/pki.js';
import type {Target} from '../../src/targets/types.js';

const FIX = join(import.meta.dirname, '../fixtures/kubeadm-join');
const log = (name: string) => readFile(join(FIX, name), 'utf8');

let dir: string;
let ca: ClusterCa;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-join-'));
  ca = await createClusterCa(new Date());
});
afterAll(async () => {
  if (dir) await rm(dir, {recursive: true, force: true});
});

async function tree(scenario: ScenarioId): Promise<Target> {
  const root = join(dir, `${scenario}-${n++}`);
  await writeNodeTree(root, {layout: 'deb', hostname: `worker-${n}`, kubeletVersion: 'v1.30.2', scenario, ca});
  return {kind: 'root', name: root, dir: root};
}

function options(checks: readonly string[]): RunOptions {
  return {
    checks: catalogue.filter((c) => checks.includes(c.id)),
    kubeletVersion: null,
    timeoutMs: 60_000,
    concurrency: 1,
    now: () => new Date(),
    expiryWarnDays: 30,
  };
}

describe('the step a join stopped in, from its output', () => {
  const cases: [string, JoinPhase, RegExp][] = [
    ['preflight.log', 'preflight', /Some fatal errors occurred/],
    ['discovery-v5.log', 'discovery', /JWS signature/],
    ['discovery-refused.log', 'discovery', /connection refused/],
    ['tls-bootstrap-v5.log', 'tls-bootstrap', /already exists in the cluster/],
    ['kubelet-start.log', 'kubelet-start', /error writing kubelet configuration/],
    ['kubelet-healthz.log', 'kubelet-healthz', /10248/],
    ['kubelet-healthz-v5.log', 'kubelet-healthz', /context deadline exceeded/],
    ['kubelet-healthz-old.log', 'kubelet-healthz', /error uploading crisocket/],
    ['csr.log', 'csr', /timed out waiting for the condition/],
    ['control-plane-join.log', 'control-plane-join', /etcdserver/],
  ];
  for (const [file, phase, error] of cases) {
    it(`${file} stopped in ${phase}`, async () => {
      const v = recognise(await log(file));
      expect(v.outcome).toBe('failed');
      expect(v.phase).toBe(phase);
      expect(v.error?.text).toMatch(error);
      expect(v.evidence.map((e) => e.text).join('\n')).toMatch(error);
    });
  }

  it('a join that finished is joined, with no step to blame', async () => {
    const v = recognise(await log('joined.log'));
    expect(v).toMatchObject({outcome: 'joined', phase: null});
  });

  it('names the pre-flight checks that failed, and the checks they point to come first', async () => {
    const v = recognise(await log('preflight.log'));
    expect(v.preflightErrors).toEqual(['FileAvailable--etc-kubernetes-kubelet.conf', 'Swap', 'FileAvailable--etc-kubernetes-pki-ca.crt']);
    expect(checksFor(v)[0]).toBe('swap');
  });

  it('output cut off mid-join is not a failure: the step it was last in, outcome unknown', () => {
    const v = recognise(
      '[preflight] Running pre-flight checks\n[kubelet-start] Starting the kubelet\n[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s\n',
    );
    expect(v).toMatchObject({outcome: 'unknown', phase: 'kubelet-healthz', error: null});
  });

  it('a healthy kubelet moves the join past healthz: a later timeout is the TLS bootstrap', () => {
    const v = recognise(
      '[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz.\n[kubelet-check] The kubelet is healthy after 1s\nerror execution phase kubelet-start: context deadline exceeded\n',
    );
    expect(v.phase).toBe('csr');
  });

  it('text that is not a join output names no step', () => {
    expect(recognise('hello\nworld\n')).toMatchObject({outcome: 'unknown', phase: null});
  });
});

describe("the first cause among the step's checks, on a node broken that way", () => {
  const cases: [string, ScenarioId, string][] = [
    ['kubelet-healthz.log', 'cgroup-driver-mismatch', 'cgroup-driver-match'],
    ['kubelet-healthz-v5.log', 'removed-flag', 'kubelet-flags'],
    ['kubelet-start.log', 'missing-config', 'kubelet-config'],
    ['preflight.log', 'swap-on', 'swap'],
    ['csr.log', 'expired-client-cert', 'cert-expiry'],
    ['tls-bootstrap-v5.log', 'key-mismatch', 'kubeconfig'],
  ];
  for (const [file, scenario, check] of cases) {
    it(`${file} on a ${scenario} node: ${check}`, async () => {
      const v = recognise(await log(file));
      const {result} = await runTarget(await tree(scenario), options(checksFor(v)));
      const cause = firstCause(v, result.results);
      expect(cause?.cause.id).toBe(check);
      expect(cause?.cause.evidence.length).toBeGreaterThan(0);
      expect(causeLines(v, cause)[0]).toBe(`First cause: ${check}: ${cause!.cause.summary}`);
    }, 60_000);
  }

  it('discovery with a join command that pins no CA: join-prereqs, from the command itself', async () => {
    const v = recognise(await log('discovery-refused.log'));
    const t = await tree('healthy');
    const cmd = parseJoinArgv(['kubeadm', 'join', '10.20.0.10:6443', '--token', 'q7mzk2.0123456789abcdef']);
    const o = await withCluster({command: 'join', positional: [], values: {'join-command': cmd.original}}, options(checksFor(v)), [t]);
    const {result} = await runTarget(t, o);
    const cause = firstCause(v, result.results);
    expect(cause?.cause.id).toBe('join-prereqs');
    expect(cause?.cause.summary).toMatch(/no --discovery-token-ca-cert-hash/);
    expect(JSON.stringify(result)).not.toContain('0123456789abcdef');
  }, 60_000);

  it("when no check of the step fails, kubeadm's own error is the lead", async () => {
    const v = recognise(await log('control-plane-join.log'));
    const {result} = await runTarget(await tree('healthy'), options(checksFor(v)));
    const cause = firstCause(v, result.results);
    expect(cause).toBeNull();
    expect(causeLines(v, cause)[0]).toMatch(
      /^No check of this step failed on the node; kubeadm's own error is the lead: error execution phase control-plane-join\/etcd/,
    );
  }, 60_000);
});

describe('what an earlier join left', () => {
  it('a joined node holds kubelet.conf and ca.crt: pre-flight would refuse, reset first', async () => {
    const t = await tree('healthy');
    const {raw} = await acquire(t, {timeoutMs: 60_000});
    const l = findLeftovers(raw);
    expect(l.items.map((i) => i.preflight).filter(Boolean)).toEqual(['FileAvailable--etc-kubernetes-kubelet.conf', 'FileAvailable--etc-kubernetes-pki-ca.crt']);
    expect(l.resetNeeded).toBe(true);
    expect(leftoverLines(l).join('\n')).toMatch(/run `kubeadm reset` on it before retrying/);
    // A control-plane join does not check ca.crt (it brings the CA itself).
    expect(findLeftovers(raw, {controlPlane: true}).items.find((i) => i.path === '/etc/kubernetes/pki/ca.crt')?.preflight).toBeNull();
  }, 60_000);
});

describe('the token never survives', () => {
  const token = 'q7mzk2.0123456789abcdef';
  it('is shown as <redacted>, in both flag forms, with -v=5 added and a given -v replaced', () => {
    const c = parseJoinArgv([
      'sudo',
      'kubeadm',
      'join',
      '10.0.0.1:6443',
      '--token',
      token,
      '--discovery-token-ca-cert-hash',
      `sha256:${'a'.repeat(64)}`,
      '--v=2',
    ]);
    expect(c.shown.join(' ')).toBe(`kubeadm join 10.0.0.1:6443 --token <redacted> --discovery-token-ca-cert-hash sha256:${'a'.repeat(64)} -v=5`);
    expect(c.argv).toContain(token);
    const eq = parseJoinArgv(['kubeadm', 'join', 'h:6443', `--token=${token}`, '--certificate-key', 'f'.repeat(64), '--control-plane']);
    expect(eq.shown.join(' ')).toBe('kubeadm join h:6443 --token=<redacted> --certificate-key <redacted> --control-plane -v=5');
    expect(eq.controlPlane).toBe(true);
  });

  it('refuses what is not a kubeadm join', () => {
    expect(() => parseJoinArgv(['kubeadm', 'reset'])).toThrow(/join runs `kubeadm join …`/);
    expect(() => parseJoinArgv(['kubeadm', 'join', 'h:6443', '--node-name', 'a\u001b[2Jb'])).toThrow(/control character/);
  });

  it('is redacted from a stream even split across chunks, inside escapes, or its secret half alone', () => {
    const r = new LineRedactor([token, token.slice(7)]);
    const out = [
      ...r.push('I1205 x.go:1] token q7mzk2.01234'),
      ...r.push('56789abcdef in use\nsecret half: 0123456789'),
      ...r.push('abcdef\nescaped: q7mzk2.\u001b[31m0123456789abcdef\u001b[0m\n'),
      ...r.end(),
    ].join('\n');
    expect(out).not.toMatch(/0123456789abcdef/);
    expect(out).toContain('token <redacted> in use');
    expect(out).toContain('secret half: <redacted>');
    expect(out).toContain('escaped: <redacted>');
    // Any token-shaped string in a saved log, too.
    expect(redact(`--token ${token}`, [])).toBe('--token <redacted>');
  });

  it('a line with no end is let go in bounded pieces, still redacted', () => {
    const r = new LineRedactor([token]);
    const lines = r.push(`${'x'.repeat(70_000)}${token}${'y'.repeat(10)}`);
    const rest = r.end();
    expect([...lines, ...rest].join('')).not.toContain(token);
    expect(lines.length).toBe(1);
  });
});

describe("kubeadm's output is node text", () => {
  it('loses its escape sequences before it reaches the terminal', () => {
    const r = new LineRedactor([]);
    const out = [...r.push('\u001b]0;owned\u0007[preflight] Running \u001b[2Jpre-flight checks\r\n\u009b31mred\n')].join('\n');
    expect(out).toBe('[preflight] Running pre-flight checks\nred');
  });
});
