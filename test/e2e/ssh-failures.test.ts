/**
 * End-to-end over SSH: every way a node can fail to be checked gives one clear line, exit 3,
 * and `status: unreachable` (or `error` once the probe ran) in the JSON report. Real OpenSSH
 * sshd instances on loopback, some with a ForceCommand that misbehaves on purpose.
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {mkdir, readFile, writeFile, chmod} from 'node:fs/promises';
import {join} from 'node:path';
import {writeNodeTree, type NodeTreeInfo} from '../../src/lab/node-tree.js';
import {freePort, makeKey, runCli, silentListener, sshdMissing, startSshd, startSshdNode, unprivilegedUser, type Sshd, type SshdNode} from '../helpers/sshd.js';

const skip = sshdMissing();
let dir: string;
let home: string;
let node: NodeTreeInfo;
let sshd: Sshd;
let known: string;

interface JsonTarget {
  target: string;
  status: string;
  error: {kind: string; message: string; hint: string | null} | null;
  results: unknown[];
}
const target = (s: string) => (JSON.parse(s) as {targets: JsonTarget[]}).targets[0]!;

let fixture: SshdNode | undefined;
beforeAll(async () => {
  if (skip) return;
  fixture = await startSshdNode('kd-e2e-sshfail-');
  ({dir, home, sshd, node, known} = fixture);
});
afterAll(() => fixture?.stop());

/** Check one SSH target; returns the JSON run and the text run. */
async function check(spec: string, extra: string[]) {
  const args = ['check', spec, '--host-root', node.root, '--ssh-config', 'none', ...extra];
  const [j, t] = await Promise.all([runCli([...args, '--output', 'json'], {env: {HOME: home}}), runCli(args, {env: {HOME: home}})]);
  return {json: j, text: t, t: target(j.stdout)};
}

/** Assert the failure as the operator sees it: one error line (+ hint), exit 3, in both formats. */
function expectFailure(r: Awaited<ReturnType<typeof check>>, status: string, kind: string, message: string | RegExp) {
  expect(r.t.status).toBe(status);
  expect(r.t.error?.kind).toBe(kind);
  if (typeof message === 'string') expect(r.t.error?.message).toBe(message);
  else expect(r.t.error?.message).toMatch(message);
  expect(r.t.error?.message).not.toContain('\n');
  expect(r.t.error?.hint).toBeTruthy();
  expect(r.json.code).toBe(3);
  expect(r.text.code).toBe(3);
  expect(r.text.stdout).toContain(`E error probe  ${kind}: ${r.t.error!.message}\n    hint: ${r.t.error!.hint}\n`);
  expect(r.json.stderr + r.text.stderr).toBe('');
}

describe.skipIf(skip)('SSH failure modes (real sshd)', () => {
  it('refused connection', async () => {
    const port = await freePort();
    const r = await check(`root@127.0.0.1:${port}`, ['-i', sshd.keys.ed25519, '--known-hosts', known]);
    expectFailure(r, 'unreachable', 'unreachable', `connection refused by 127.0.0.1:${port}`);
  });

  it('timeout: a port that accepts but never speaks SSH', async () => {
    const silent = await silentListener();
    try {
      const r = await check(`root@127.0.0.1:${silent.port}`, ['-i', sshd.keys.ed25519, '--known-hosts', known, '--timeout', '2']);
      expectFailure(r, 'unreachable', 'timeout', `127.0.0.1:${silent.port} accepted the connection but did not speak SSH within 2 s`);
      expect(r.json.ms).toBeLessThan(10_000);
      // One connection per run (json, text): the connection opened early (engine/warm.ts) is the
      // one that failed, and its failure is reported, not retried.
      expect(silent.accepted()).toBe(2);
    } finally {
      await silent.close();
    }
  });

  it('an option error is exit 2 before any connection opens', async () => {
    const silent = await silentListener();
    try {
      const bad = await runCli(['check', `root@127.0.0.1:${silent.port}`, '--ssh-config', 'none', '--known-hosts', known, '--output', 'yaml'], {
        env: {HOME: home},
      });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--output yaml: unknown format');
      // --only is checked after the first connections opened (it needs the catalogue): exit 2 at
      // once, the early connection closed (left open, it would keep the process alive until the
      // 60 s timeout), nothing run on the node.
      const only = await runCli(['check', `root@127.0.0.1:${silent.port}`, '--ssh-config', 'none', '--known-hosts', known, '--only', 'no-such-check'], {
        env: {HOME: home},
      });
      expect(only.code).toBe(2);
      expect(only.stderr).toContain('--only: unknown check id no-such-check');
      expect(silent.accepted()).toBe(1);
      await new Promise((r) => setTimeout(r, 200));
      expect(silent.connections()).toBe(0);
    } finally {
      await silent.close();
    }
  });

  it('wrong key', async () => {
    const r = await check(`root@127.0.0.1:${sshd.port}`, ['-i', sshd.wrongKey, '--known-hosts', known]);
    expectFailure(r, 'unreachable', 'auth', `permission denied (publickey) for root@127.0.0.1: tried ${sshd.wrongKey}`);
  });

  it('encrypted key and no agent', async () => {
    const enc = await makeKey(join(dir, 'id_enc'), 'ed25519', 'secret words');
    const r = await check(`root@127.0.0.1:${sshd.port}`, ['-i', enc, '--known-hosts', known]);
    expectFailure(r, 'unreachable', 'auth', `key ${enc} is encrypted: load it into ssh-agent (ssh-add ${enc})`);
  });

  it('unknown host key without --accept-new-host-keys', async () => {
    const empty = join(dir, 'empty_known_hosts');
    await writeFile(empty, '');
    const r = await check(`root@127.0.0.1:${sshd.port}`, ['-i', sshd.keys.ed25519, '--known-hosts', empty]);
    expectFailure(
      r,
      'unreachable',
      'host-key',
      new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} is not a known host: its key ssh-ed25519 SHA256:[\\w+/]{43} is not in ${empty}$`),
    );
    expect(await readFile(empty, 'utf8')).toBe('');
  });

  it('changed host key: refused, naming the known_hosts file and line, even with --accept-new-host-keys', async () => {
    const other = (await readFile(`${await makeKey(join(dir, 'other_host'), 'ed25519')}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
    const kh = join(dir, 'changed_known_hosts');
    await writeFile(kh, `# fleet keys\n[127.0.0.1]:${sshd.port} ${other}\n`);
    const r = await check(`root@127.0.0.1:${sshd.port}`, ['-i', sshd.keys.ed25519, '--known-hosts', kh, '--accept-new-host-keys']);
    expectFailure(
      r,
      'unreachable',
      'host-key',
      new RegExp(`^HOST KEY CHANGED for \\[127\\.0\\.0\\.1\\]:${sshd.port}: it presents ssh-ed25519 SHA256:\\S+, but ${kh}:2 has SHA256:\\S+$`),
    );
    expect(r.t.error!.hint).toContain(`ssh-keygen -R '[127.0.0.1]:${sshd.port}' -f ${kh}`);
  });
});

describe.skipIf(skip)('SSH failure modes on misbehaving nodes (real sshd with a ForceCommand)', () => {
  it('sudo wanting a password (non-root user, stand-in sudo that behaves like sudo -n without NOPASSWD)', async (ctx) => {
    const user = await unprivilegedUser();
    if (!user) return ctx.skip(); // no unprivileged login account on this machine: nothing to log in as
    const bin = join(dir, 'sudo-bin');
    await mkdir(bin, {recursive: true});
    await writeFile(join(bin, 'sudo'), '#!/bin/sh\n# sudo -n for a user without NOPASSWD\necho "sudo: a password is required" >&2\nexit 1\n');
    await chmod(dir, 0o755);
    await chmod(bin, 0o755);
    await chmod(join(bin, 'sudo'), 0o755);
    const s = await startSshd({usePam: true, extra: `Match User ${user}\n  SetEnv PATH=${bin}:/usr/bin:/bin`});
    try {
      const r = await check(`${user}@127.0.0.1:${s.port}`, ['-i', s.keys.ed25519, '--known-hosts', await s.knownHosts()]);
      expectFailure(r, 'unreachable', 'sudo', `sudo on 127.0.0.1 wants a password: give ${user} passwordless sudo for sh, or connect as root`);
      expect(s.log()).toMatch(new RegExp(`Starting session: command for ${user}`));
    } finally {
      await s.stop();
    }
  });

  it('the probe killed mid-way on the node', async () => {
    const s = await startSshd({extra: `ForceCommand exec sh -c 'sh -s | head -c 3000; kill -KILL $$'`});
    try {
      const r = await check(`root@127.0.0.1:${s.port}`, ['-i', s.keys.ed25519, '--known-hosts', await s.knownHosts()]);
      expectFailure(r, 'error', 'probe', 'the probe on 127.0.0.1 was killed (SIGKILL) before it finished');
    } finally {
      await s.stop();
    }
  });

  it('the session killed from the server side mid-way', async () => {
    const s = await startSshd({extra: `ForceCommand exec sh -c 'sh -s | head -c 3000; kill -KILL $PPID'`});
    try {
      const r = await check(`root@127.0.0.1:${s.port}`, ['-i', s.keys.ed25519, '--known-hosts', await s.knownHosts()]);
      expectFailure(r, 'error', 'probe', /^the (connection to 127\.0\.0\.1 was lost during the probe|session on 127\.0\.0\.1 ended before the probe finished)/);
    } finally {
      await s.stop();
    }
  });

  it('a node printing terminal escape sequences: none reach the screen', async () => {
    const hostile = await writeNodeTree(join(dir, 'hostile'), {
      layout: 'deb',
      hostname: 'node-9',
      kubeletVersion: 'v1.30.2',
      scenario: 'cgroup-driver-mismatch',
    });
    const flags = join(hostile.root, 'var/lib/kubelet/kubeadm-flags.env');
    await writeFile(flags, (await readFile(flags, 'utf8')).replace('"\n', ' --node-labels=evil\u001b]0;pwned\u0007\u001b[2J\u009b31m"\n'));
    const noisy = await startSshd({
      extra: `ForceCommand printf '\\033]0;owned\\007\\033[2J'; printf '\\033[31mnoise\\033]8;;http://x\\007' >&2; exec sh -c "$SSH_ORIGINAL_COMMAND"`,
    });
    const broken = await startSshd({extra: `ForceCommand printf 'boom \\033]0;owned\\007\\033[2J\\n' >&2; exit 1`});
    try {
      const args = ['check', '--host-root', hostile.root, '--ssh-config', 'none'];
      const runs = await Promise.all([
        runCli([...args, `root@127.0.0.1:${noisy.port}`, '-i', noisy.keys.ed25519, '--known-hosts', await noisy.knownHosts(), '--verbose'], {
          env: {HOME: home},
        }),
        runCli([...args, `root@127.0.0.1:${broken.port}`, '-i', broken.keys.ed25519, '--known-hosts', await broken.knownHosts()], {env: {HOME: home}}),
        runCli([...args, `root@127.0.0.1:${broken.port}`, '-i', broken.keys.ed25519, '--known-hosts', await broken.knownHosts(), '--output', 'markdown'], {
          env: {HOME: home},
        }),
      ]);
      for (const r of runs) {
        expect(r.stdout + r.stderr).not.toMatch(/[\u001b\u0007\u009b]/);
      }
      expect(runs[0]!.stdout).toMatch(/--node-labels=evil/);
      expect(runs[0]!.code).toBe(1);
      expect(runs[1]!.stdout).toMatch(/E error probe {2}probe: the probe failed \(exit 1\): boom/);
      expect(runs[1]!.code).toBe(3);
    } finally {
      await Promise.all([noisy.stop(), broken.stop()]);
    }
  });
});
