/**
 * End-to-end over a real OpenSSH sshd on loopback: `fix` reaches a live node, backs up, writes,
 * runs its commands, waits for healthz, re-probes and verifies; a failing command rolls back.
 * The node's files are a kubeadm tree (`--host-root`); `systemctl` and `curl` are small stand-ins
 * first on the session's PATH (sshd SetEnv), so no real service on this machine is touched.
 */
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {chmod, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {writeNodeTree, type NodeTreeInfo} from '../../src/lab/node-tree.js';
import {hashTree} from '../fixes/helpers.js';
import {sshdMissing, startSshd, type Sshd} from '../helpers/sshd.js';

const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');
const skip = sshdMissing();
let sshd: Sshd;
let dir: string;
let known: string;

function run(args: string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [BIN, ...args], {
      env: {...process.env, NO_COLOR: '1', SSH_AUTH_SOCK: '', KUBELET_DOCTOR_AUDIT_LOG: join(dir, 'audit.log')},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    c.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const t = setTimeout(() => c.kill('SIGKILL'), 110_000);
    c.on('error', reject);
    c.on('close', (code) => {
      clearTimeout(t);
      resolve({code, stdout, stderr});
    });
  });
}

beforeAll(async () => {
  if (skip) return;
  expect(existsSync(BIN), 'build first: npx tsc -p .').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'kd-e2e-fixssh-'));
  const bin = join(dir, 'bin');
  await mkdir(bin);
  // systemctl: restart and daemon-reload are recorded (restart fails while $dir/restart-fails exists); the rest goes to the real one.
  await writeFile(
    join(bin, 'systemctl'),
    `#!/bin/sh
case "$1" in
  daemon-reload) echo "systemctl $*" >> ${dir}/systemctl.log; exit 0;;
  restart) echo "systemctl $*" >> ${dir}/systemctl.log
    if [ -e ${dir}/restart-fails ]; then echo "Job for $2.service failed because the control process exited with error code." >&2; exit 1; fi
    exit 0;;
esac
exec /usr/bin/systemctl "$@"
`,
  );
  // curl: the kubelet's healthz answers ok.
  await writeFile(
    join(bin, 'curl'),
    `#!/bin/sh
for a in "$@"; do case "$a" in */healthz) printf ok; exit 0;; esac; done
exec /usr/bin/curl "$@"
`,
  );
  await chmod(join(bin, 'systemctl'), 0o755);
  await chmod(join(bin, 'curl'), 0o755);
  sshd = await startSshd({extra: `SetEnv PATH=${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`});
  known = await sshd.knownHosts();
});
afterAll(async () => {
  await sshd?.stop();
  if (dir) await rm(dir, {recursive: true, force: true});
});

const target = (n: NodeTreeInfo) => [`root@127.0.0.1:${sshd.port}`, '-i', sshd.keys.ed25519, '--known-hosts', known, '--host-root', n.root];

describe.skipIf(skip)('fix over SSH (real sshd)', () => {
  it('fixes a live node: backup, write, restart, healthz, verify; --rollback restores it and restarts the kubelet again', async () => {
    const n = await writeNodeTree(join(dir, 'n1'), {layout: 'deb', hostname: 'node-1', kubeletVersion: 'v1.30.2', scenario: 'config-typo'});
    const before = await hashTree(n.root);
    const r = await run(['fix', ...target(n), '--check', 'kubelet-config', '--yes']);
    expect(r.stderr).not.toContain('internal error');
    expect(r.stdout).toContain('3. wait up to 90 s for http://127.0.0.1:10248/healthz to answer ok');
    expect(r.stdout).toMatch(/fixed: kubelet-config passes after the fix; backup (\d{8}T\d{6}Z)/);
    expect(r.code).toBe(0);
    expect(await readFile(join(n.root, 'var/lib/kubelet/config.yaml'), 'utf8')).toContain('\nmaxPods: 200\n');
    expect(await readFile(join(dir, 'systemctl.log'), 'utf8')).toBe('systemctl restart kubelet\n');
    const backup = /backup (\d{8}T\d{6}Z)/.exec(r.stdout)![1]!;
    const undo = await run(['fix', ...target(n), '--rollback', backup]);
    expect(undo.stdout).toContain(`Backup ${backup} restored`);
    expect(undo.code).toBe(0);
    expect(await hashTree(n.root)).toEqual(before);
    expect(await readFile(join(dir, 'systemctl.log'), 'utf8')).toBe('systemctl restart kubelet\nsystemctl restart kubelet\n');
  });

  it('rolls back over SSH when a command of the fix fails, leaving the files byte-identical', async () => {
    const n = await writeNodeTree(join(dir, 'n2'), {layout: 'deb', hostname: 'node-2', kubeletVersion: 'v1.30.2', scenario: 'dropin-no-reset'});
    const before = await hashTree(n.root);
    await writeFile(join(dir, 'restart-fails'), '');
    try {
      const r = await run(['fix', ...target(n), '--check', 'systemd-dropin', '--yes']);
      expect(r.stdout).toMatch(/rolled back: `systemctl restart kubelet` failed; restored 1 file\(s\) from backup \S+, byte for byte/);
      expect(r.stdout).toContain('| Job for kubelet.service failed');
      expect(r.code).toBe(1);
      expect(await hashTree(n.root)).toEqual(before);
    } finally {
      await rm(join(dir, 'restart-fails'));
    }
  });
});
