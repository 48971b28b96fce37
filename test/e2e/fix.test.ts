/**
 * End-to-end: `kubelet-doctor fix` as a subprocess on kubeadm node trees (`--root`, commands
 * pending): each fix turns its check from fail to pass, the backup restores the files byte for
 * byte, an injected verification failure rolls back, --dry-run and a missing --yes change nothing.
 */
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createClusterCa, type ClusterCa} from '../../src/lab/pki.js';
import {writeNodeTree, type NodeTreeInfo, type ScenarioId} from '../../src/lab/node-tree.js';
import {hashTree} from '../fixes/helpers.js';

const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');
let dir: string;
let ca: ClusterCa;
let audit: string;

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: {...process.env, NO_COLOR: '1', KUBELET_DOCTOR_AUDIT_LOG: audit, ...env},
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}
const checkStatus = (root: string, id: string, version?: string): string => {
  const r = run(['check', '--root', root, '--only', id, '--output', 'json', ...(version ? ['--kubelet-version', version] : [])]);
  return (JSON.parse(r.stdout) as {targets: {results: {status: string}[]}[]}).targets[0]!.results[0]!.status;
};

let n = 0;
async function node(scenario: ScenarioId, version = 'v1.30.2', edit?: (root: string) => Promise<void>): Promise<NodeTreeInfo> {
  const info = await writeNodeTree(join(dir, `n${++n}`), {layout: 'deb', hostname: `node-${n}`, kubeletVersion: version, scenario, ca});
  await edit?.(info.root);
  return info;
}

beforeAll(async () => {
  expect(existsSync(BIN), 'build first: npm test runs tsc before vitest').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'kd-e2e-fix-'));
  audit = join(dir, 'audit.log');
  ca = await createClusterCa(new Date());
});
afterAll(() => rm(dir, {recursive: true, force: true}));

const CASES: {scenario: ScenarioId; check: string; version?: string; env?: (n: NodeTreeInfo) => NodeJS.ProcessEnv; edit?: (root: string) => Promise<void>}[] = [
  {scenario: 'cgroup-driver-mismatch', check: 'cgroup-driver-match'},
  {scenario: 'removed-flag', check: 'kubelet-flags', version: 'v1.27.16'},
  {scenario: 'config-typo', check: 'kubelet-config'},
  {scenario: 'dropin-no-reset', check: 'systemd-dropin'},
  {scenario: 'swap-on', check: 'swap'},
  {
    scenario: 'expired-client-cert',
    check: 'cert-expiry',
    env: (i) => ({
      KUBELET_DOCTOR_JOIN_COMMAND: `kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:${i.caSpkiSha256}`,
    }),
  },
  {
    scenario: 'healthy',
    check: 'kernel-prereqs',
    edit: async (root) => {
      await rm(join(root, 'etc/sysctl.d'), {recursive: true});
      await rm(join(root, 'etc/modules-load.d'), {recursive: true});
    },
  },
];

describe('fix --root on kubeadm node trees', () => {
  for (const c of CASES) {
    it(`turns ${c.check} from fail or warn to pass on a ${c.scenario} node, and --rollback restores every byte`, async () => {
      const info = await node(c.scenario, c.version, c.edit);
      const before = await hashTree(info.root);
      expect(['fail', 'warn']).toContain(checkStatus(info.root, c.check));
      const r = run(['fix', '--root', info.root, '--check', c.check, '--yes'], c.env?.(info) ?? {});
      expect(r.stderr).not.toContain('internal error');
      expect(r.stdout).toMatch(new RegExp(`fixed: ${c.check} passes after the fix; backup \\d{8}T\\d{6}Z`));
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain('0123456789abcdef');
      expect(checkStatus(info.root, c.check)).toBe('pass');
      const backup = /Undo: kubelet-doctor fix --root \S+ --rollback (\S+)/.exec(r.stdout)![1]!;
      const undo = run(['fix', '--root', info.root, '--rollback', backup]);
      expect(undo.stdout).toContain(`Backup ${backup} restored`);
      expect(undo.code).toBe(0);
      expect(await hashTree(info.root)).toEqual(before);
    });
  }

  it('rolls back an injected verification failure (KUBELET_DOCTOR_TEST_FAIL_VERIFY=1) and leaves the files byte-identical', async () => {
    const info = await node('cgroup-driver-mismatch');
    const before = await hashTree(info.root);
    const r = run(['fix', '--root', info.root, '--check', 'cgroup-driver-match', '--yes'], {KUBELET_DOCTOR_TEST_FAIL_VERIFY: '1'});
    expect(r.stdout).toMatch(
      /rolled back: verification failed \(forced by KUBELET_DOCTOR_TEST_FAIL_VERIFY, a test hook\); restored 1 file\(s\) from backup \S+, byte for byte/,
    );
    expect(r.code).toBe(1);
    expect(await hashTree(info.root)).toEqual(before);
  });

  it('prints the plan with a unified diff on --dry-run and changes nothing', async () => {
    const info = await node('config-typo');
    const before = await hashTree(info.root);
    const r = run(['fix', '--root', info.root, '--check', 'kubelet-config', '--dry-run']);
    expect(r.stdout).toContain('--- a/var/lib/kubelet/config.yaml\n     +++ b/var/lib/kubelet/config.yaml');
    expect(r.stdout).toContain('-maxPod: 200\n     +maxPods: 200');
    expect(r.stdout).toContain('Dry run: nothing was changed.');
    expect(r.code).toBe(0);
    expect(await hashTree(info.root)).toEqual(before);
    expect(existsSync(join(info.root, 'var/lib/kubelet-doctor'))).toBe(false);
  });

  it('refuses at once without --yes when there is no terminal to ask on, and changes nothing', async () => {
    const info = await node('swap-on');
    const before = await hashTree(info.root);
    const r = run(['fix', '--root', info.root, '--check', 'swap']);
    expect(r.stderr).toContain('kubelet-doctor: refusing to change the node without a confirmation: there is no terminal to ask on');
    expect(r.stderr).toContain('hint: pass --yes');
    expect(r.code).toBe(2);
    expect(await hashTree(info.root)).toEqual(before);
  });

  it('names the nearest check for an unknown --check and exits 2', async () => {
    const info = await node('healthy');
    const r = run(['fix', '--root', info.root, '--check', 'cgroup-drivr-match', '--yes']);
    expect(r.stderr).toContain('kubelet-doctor: --check cgroup-drivr-match: no such check\nhint: did you mean --check cgroup-driver-match?');
    expect(r.code).toBe(2);
  });

  it('says there is nothing to fix on a passing check (exit 0) and why a fix does not apply (exit 1)', async () => {
    const healthy = await node('healthy');
    const ok = run(['fix', '--root', healthy.root, '--check', 'cgroup-driver-match', '--yes']);
    expect(ok.stdout).toContain('nothing to fix: cgroup-driver-match passes on this node');
    expect(ok.code).toBe(0);
    const missing = await node('missing-config');
    const r = run(['fix', '--root', missing.root, '--check', 'kubelet-config', '--yes']);
    expect(r.stderr).toMatch(/cannot fix: nothing this fix can change automatically: \/var\/lib\/kubelet\/config\.yaml does not exist/);
    expect(r.code).toBe(1);
  });

  it('rejects --snapshot, an unknown --choice and an unknown backup id as usage errors', async () => {
    const info = await node('swap-on');
    expect(run(['fix', '--snapshot', join(dir, 'x.json'), '--check', 'swap', '--yes'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('a snapshot is a read-only copy'),
    });
    expect(run(['fix', '--root', info.root, '--check', 'swap', '--choice', 'maybe', '--yes'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--choice maybe is not offered here\nhint: choose one of: off, keep'),
    });
    expect(run(['fix', '--root', info.root, '--rollback', '20200101T000000Z'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("no backup 20200101T000000Z in this machine's audit log"),
    });
    expect(run(['fix', '--root', info.root, '--rollback', '20200101T000000Z', '--force'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no backup 20200101T000000Z on'),
    });
    expect(run(['fix', '--root', info.root, '--rollback', '../etc'])).toMatchObject({code: 2, stderr: expect.stringContaining('not a backup id')});
  });

  it("records each fix and rollback in the audit log on the operator's machine, without file contents", async () => {
    const info = await node('expired-client-cert');
    const log = join(dir, 'own-audit.log');
    const env = {KUBELET_DOCTOR_AUDIT_LOG: log, KUBELET_DOCTOR_JOIN_COMMAND: 'kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef'};
    const r = run(['fix', '--root', info.root, '--check', 'cert-expiry', '--yes'], env);
    const backup = /--rollback (\S+)/.exec(r.stdout)![1]!;
    run(['fix', '--root', info.root, '--rollback', backup], env);
    const text = await readFile(log, 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l['action'], l['result'], l['backup']])).toEqual([
      ['apply', 'started', null],
      ['apply', 'backed-up', backup],
      ['apply', 'verified', backup],
      ['rollback', 'restored', backup],
    ]);
    // The manifest's sha256 is recorded before anything is written, and again with the result.
    expect(lines[1]!['manifest']).toMatch(/^[0-9a-f]{64}$/);
    expect(lines[2]!['manifest']).toBe(lines[1]!['manifest']);
    expect(lines[2]).toMatchObject({
      target: expect.any(String),
      transport: 'root',
      fixId: 'cert-expiry-fix',
      checkId: 'cert-expiry',
      user: expect.any(String),
      time: expect.any(String),
    });
    expect(text).not.toContain('0123456789abcdef');
  });
});
