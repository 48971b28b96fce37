/**
 * Paths by reference: a file that the kubelet's unit, drop-ins, env files, config file or
 * kubeconfig names as the value of a path-valued flag or field is read whatever its name
 * (the hard way's `/var/lib/kubelet/kubeconfig` has no extension). Before, discovery read a
 * named path only when it ended in a config extension, so the checks that rest on such a file
 * skipped ("not collected") where they should fail.
 */
import {spawnSync} from 'node:child_process';
import {createHash, createPublicKey, generateKeyPairSync} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {catalogue} from '../../checks/index.js';
import {runTarget} from '../../src/engine/run.js';
import {acquire} from '../../src/engine/run.js';
import type {Finding} from '../../src/report/types.js';
import {b64, makeCA} from '../helpers/certs.js';

const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, {recursive: true, force: true});
});

async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'kd-refs-'));
  dirs.push(root);
  for (const [p, c] of Object.entries(files)) {
    await mkdir(join(root, p, '..'), {recursive: true});
    await writeFile(join(root, p), c);
  }
  return root;
}

const opts = {
  checks: catalogue,
  kubeletVersion: 'v1.32.0',
  timeoutMs: 60_000,
  concurrency: 1,
  now: () => new Date('2026-06-01T00:00:00Z'),
  expiryWarnDays: 30,
};

async function check(root: string): Promise<Map<string, Finding>> {
  const {result} = await runTarget({kind: 'root', name: 'node', dir: root}, opts);
  return new Map(result.results.map((r) => [r.id, r]));
}

/** A kubeconfig that names its client certificate and key by path (no extension). */
const kubeconfig = (caPem: string, cert: string, key: string) =>
  [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${b64(caPem)}`,
    '    server: https://127.0.0.1:6443',
    '  name: kubernetes-the-hard-way',
    'contexts:',
    '- context:',
    '    cluster: kubernetes-the-hard-way',
    '    user: system:node:node-0',
    '  name: default',
    'current-context: default',
    'kind: Config',
    'users:',
    '- name: system:node:node-0',
    '  user:',
    `    client-certificate: ${cert}`,
    `    client-key: ${key}`,
    '',
  ].join('\n');

let caPem: string;
beforeAll(async () => {
  caPem = (await makeCA()).pem;
});

describe('paths named by reference are read whatever their extension', () => {
  // kubernetes-the-hard-way (52eb26d) units/kubelet.service and configs/kubelet-config.yaml:
  // the unit in /etc/systemd/system passes --config and --kubeconfig under /var/lib/kubelet.
  it('a hard-way node whose kubeconfig names a missing client certificate fails kubeconfig, not skip', async () => {
    const root = await tree({
      'etc/systemd/system/kubelet.service': [
        '[Unit]',
        'Description=Kubernetes Kubelet',
        '[Service]',
        'ExecStart=/usr/local/bin/kubelet \\',
        '  --config=/var/lib/kubelet/kubelet-config.yaml \\',
        '  --kubeconfig=/var/lib/kubelet/kubeconfig \\',
        '  --v=2',
        'Restart=on-failure',
        '[Install]',
        'WantedBy=multi-user.target',
        '',
      ].join('\n'),
      'var/lib/kubelet/kubelet-config.yaml': [
        'kind: KubeletConfiguration',
        'apiVersion: kubelet.config.k8s.io/v1beta1',
        'authentication:',
        '  x509:',
        '    clientCAFile: "/var/lib/kubelet/ca.crt"',
        'cgroupDriver: systemd',
        'containerRuntimeEndpoint: "unix:///var/run/containerd/containerd.sock"',
        '',
      ].join('\n'),
      'var/lib/kubelet/ca.crt': caPem,
      'var/lib/kubelet/kubeconfig': kubeconfig(caPem, '/var/lib/kubelet/node-client-cert', '/var/lib/kubelet/node-client-key'),
    });
    const r = await check(root);
    expect(r.get('kubeconfig')?.status).toBe('fail');
    expect(r.get('kubeconfig')?.summary).toMatch(/node-client-cert/);
    // The same through the built CLI, as an operator runs it on a mounted disk.
    expect(existsSync(BIN), 'build first: npx tsc -p tsconfig.json').toBe(true);
    const cli = spawnSync(process.execPath, [BIN, 'check', '--root', root, '--only', 'kubeconfig', '--output', 'json'], {encoding: 'utf8', timeout: 120_000});
    expect(cli.status, cli.stderr).toBe(1);
    const report = JSON.parse(cli.stdout) as {targets: {results: {id: string; status: string; summary: string}[]}[]};
    expect(report.targets[0]?.results.find((x) => x.id === 'kubeconfig')).toMatchObject({status: 'fail', summary: expect.stringMatching(/node-client-cert/)});
  });

  it('odd paths with no extension at all: the config, the kubeconfig and its files are still read', async () => {
    const {privateKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'});
    const keyPem = privateKey.export({type: 'pkcs8', format: 'pem'}).toString();
    const fp = createHash('sha256')
      .update(createPublicKey(keyPem).export({type: 'spki', format: 'der'}))
      .digest('hex');
    const root = await tree({
      'etc/systemd/system/kubelet.service': ['[Service]', 'ExecStart=/opt/k8s/kubelet --config=/srv/node/settings --kubeconfig /srv/node/creds --v=2', ''].join(
        '\n',
      ),
      'srv/node/settings': [
        'kind: KubeletConfiguration',
        'apiVersion: kubelet.config.k8s.io/v1beta1',
        'tlsCertFile: /srv/node/serving-cert',
        'tlsPrivateKeyFile: /srv/node/serving-key',
        '',
      ].join('\n'),
      'srv/node/serving-key': keyPem,
      'srv/node/creds': kubeconfig(caPem, '/srv/node/client', '/srv/node/client-key'),
    });
    const {raw} = await acquire({kind: 'root', name: 'node', dir: root}, {timeoutMs: 60_000});
    const file = (p: string) => raw.files[p];
    expect(file('/srv/node/settings')?.status).toBe('ok');
    expect(file('/srv/node/creds')?.status).toBe('ok');
    // A named path that is absent is recorded as missing (a fail), not left out (a skip).
    expect(file('/srv/node/client')?.status).toBe('missing');
    expect(file('/srv/node/serving-cert')?.status).toBe('missing');
    // The key is read like every key: only its fingerprint is sent, never the key.
    const key = file('/srv/node/serving-key');
    expect(key?.status).toBe('ok');
    expect(key?.keys?.[0]?.spkiSha256).toBe(fp);
    expect(JSON.stringify(raw)).not.toContain(keyPem.split('\n')[1]);
    const r = await check(root);
    expect(r.get('kubeconfig')?.status).toBe('fail');
    expect(r.get('kubelet-config')?.status).not.toBe('skip');
  });

  it('never reads password or SSH files a path-valued flag names', async () => {
    const root = await tree({
      'etc/systemd/system/kubelet.service': '[Service]\nExecStart=/usr/bin/kubelet --kubeconfig=/etc/shadow --client-ca-file=/home/ops/.ssh/known_hosts\n',
      'etc/shadow': 'root:$6$SENTINELHASH$abc:19000:0:99999:7:::\n',
      'home/ops/.ssh/known_hosts': 'node-1 ssh-ed25519 SENTINELSSH\n',
    });
    const {raw} = await acquire({kind: 'root', name: 'node', dir: root}, {timeoutMs: 60_000});
    const text = JSON.stringify(raw);
    expect(text).not.toContain('SENTINELHASH');
    expect(text).not.toContain('SENTINELSSH');
  });

  it('a path named by reference still resolves inside the root: a link out of it is not followed', async () => {
    const outside = await tree({'secret-creds': 'apiVersion: v1\nkind: Config\nSENTINEL-OUTSIDE\n'});
    const root = await tree({
      'etc/systemd/system/kubelet.service': `[Service]\nExecStart=/usr/bin/kubelet --kubeconfig=/srv/link/secret-creds\n`,
    });
    const {symlink} = await import('node:fs/promises');
    await mkdir(join(root, 'srv'), {recursive: true});
    await symlink(outside, join(root, 'srv/link'));
    const {raw} = await acquire({kind: 'root', name: 'node', dir: root}, {timeoutMs: 60_000});
    expect(JSON.stringify(raw)).not.toContain('SENTINEL-OUTSIDE');
  });
});
