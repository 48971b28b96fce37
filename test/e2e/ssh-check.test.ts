/**
 * End-to-end over SSH: the real binary checks a kubeadm node tree served by a real OpenSSH
 * sshd on loopback (`--host-root`), and finds what `--root` finds, plus the live checks.
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {existsSync} from 'node:fs';
import {mkdir, readFile, rm, writeFile} from 'node:fs/promises';
import {hostname} from 'node:os';
import {join} from 'node:path';
import type {NodeTreeInfo} from '../../src/lab/node-tree.js';
import {BIN, runCli, sshdMissing, startSshdNode, type Sshd, type SshdNode} from '../helpers/sshd.js';

const skip = sshdMissing();
let sshd: Sshd;
let dir: string;
let node: NodeTreeInfo;
let known: string;
let home: string;

interface JsonReport {
  targets: {
    target: string;
    node: string;
    transport: string;
    status: string;
    error: {kind: string; message: string} | null;
    results: {id: string; status: string; summary: string; evidence: {source: string; text: string}[]}[];
  }[];
}
const json = (s: string) => JSON.parse(s) as JsonReport;

/** Checks whose verdict rests on the node's files alone (live data cannot change them). */
const FILE_CHECKS = ['cgroup-driver-match', 'kubelet-config', 'kubeconfig', 'cert-expiry', 'static-pods', 'kubelet-flags', 'cni-config'];

let fixture: SshdNode | undefined;
beforeAll(async () => {
  if (skip) return;
  expect(existsSync(BIN), 'build first: npx tsc -p .').toBe(true);
  fixture = await startSshdNode('kd-e2e-ssh-');
  ({dir, home, sshd, node, known} = fixture);
  await mkdir(join(home, '.ssh'));
});
afterAll(() => fixture?.stop());

const sshArgs = () => [`root@127.0.0.1:${sshd.port}`, '-i', sshd.keys.ed25519, '--known-hosts', known, '--host-root', node.root];

describe.skipIf(skip)('check over SSH (real sshd)', () => {
  it('gives the same verdicts as --root for the file-based checks, and runs the live ones', async () => {
    const [viaSsh, viaRoot] = await Promise.all([
      runCli(['check', ...sshArgs(), '--output', 'json'], {env: {HOME: home}}),
      runCli(['check', '--root', node.root, '--output', 'json'], {env: {HOME: home}}),
    ]);
    expect(viaSsh.stderr).toBe('');
    const s = json(viaSsh.stdout).targets[0]!;
    const r = json(viaRoot.stdout).targets[0]!;
    expect(s).toMatchObject({target: `root@127.0.0.1:${sshd.port}`, transport: 'ssh', status: 'ok', error: null});
    const verdicts = (t: typeof s) =>
      FILE_CHECKS.map((id) => t.results.find((x) => x.id === id))
        .filter((x) => x !== undefined)
        .map((x) => ({id: x.id, status: x.status, sources: x.evidence.map((e) => e.source)}));
    expect(verdicts(s)).toEqual(verdicts(r));
    expect(verdicts(s).find((v) => v.id === 'cgroup-driver-match')).toMatchObject({status: 'fail'});
    // Live: the node name comes from `hostname` on the node, and checks that need a live node ran.
    expect(s.node).toBe(hostname());
    const live = s.results.find((x) => x.id === 'cgroup-version')!;
    expect(live.summary).not.toMatch(/needs a live node/);
    expect(r.results.find((x) => x.id === 'cgroup-version')!.summary).toMatch(/needs a live node/);
    expect(viaSsh.code).toBe(1);
  });

  it('prints the text report naming the file and line of the mismatch', async () => {
    const r = await runCli(['check', ...sshArgs(), '--only', 'cgroup-driver-match'], {env: {HOME: home}});
    expect(r.stdout).toMatch(new RegExp(`^${hostname()} \\(root@127\\.0\\.0\\.1:${sshd.port}\\)  ssh · kubelet v1\\.30\\.2`));
    expect(r.stdout).toMatch(/\/var\/lib\/kubelet\/config\.yaml:\d+ {2}cgroupDriver: cgroupfs/);
    expect(r.code).toBe(1);
  });

  it('reaches a node through an ~/.ssh/config alias with HostName, User, Port and IdentityFile', async () => {
    const cfg = join(home, '.ssh', 'config');
    await writeFile(cfg, `Host node-2\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\n  IdentityFile ${sshd.keys.rsa}\n`);
    try {
      const r = await runCli(['check', 'node-2', '--known-hosts', known, '--host-root', node.root, '--output', 'json', '--only', 'kubeconfig'], {
        env: {HOME: home},
      });
      expect(json(r.stdout).targets[0]).toMatchObject({target: 'node-2', status: 'ok'});
      expect(sshd.log()).toMatch(/Accepted publickey for root .* RSA/);
    } finally {
      await rm(cfg);
    }
  });

  it('goes through a jump host given with -J', async () => {
    const r = await runCli(['check', ...sshArgs(), '-J', `root@127.0.0.1:${sshd.port}`, '--only', 'kubeconfig', '--output', 'json'], {env: {HOME: home}});
    expect(json(r.stdout).targets[0]!.status).toBe('ok');
  });

  it('records an unknown host with --accept-new-host-keys, then trusts it', async () => {
    const fresh = join(dir, 'fresh_known_hosts');
    const base = [
      `root@127.0.0.1:${sshd.port}`,
      '-i',
      sshd.keys.ed25519,
      '--known-hosts',
      fresh,
      '--host-root',
      node.root,
      '--only',
      'kubeconfig',
      '--output',
      'json',
    ];
    const refused = await runCli(['check', ...base], {env: {HOME: home}});
    expect(json(refused.stdout).targets[0]).toMatchObject({status: 'unreachable', error: {kind: 'host-key'}});
    expect(refused.code).toBe(3);
    const accepted = await runCli(['check', ...base, '--accept-new-host-keys'], {env: {HOME: home}});
    expect(json(accepted.stdout).targets[0]!.status).toBe('ok');
    expect(await readFile(fresh, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostKeyPub}\n`);
    const again = await runCli(['check', ...base], {env: {HOME: home}});
    expect(json(again.stdout).targets[0]!.status).toBe('ok');
  });

  it('refuses --host-root without --local or an SSH target', async () => {
    const r = await runCli(['check', '--root', node.root, '--host-root', node.root], {env: {HOME: home}});
    expect(r.stderr).toBe(
      'kubelet-doctor: --host-root needs --local or an SSH target\nhint: use --root DIR to check a mounted node disk without running commands\n',
    );
    expect(r.code).toBe(2);
  });
});
