/**
 * End-to-end: the real binary on a kubeadm control-plane node tree (real certificates, the
 * apiserver certificate expired three days ago) under --root. cert-expiry covers the control-plane
 * PKI like `kubeadm certs check-expiration`, and no private key of the control plane reaches a
 * report or a snapshot: the .key files are listed, never read, and client-key-data is blanked.
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {spawnSync} from 'node:child_process';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {writeNodeTree, type NodeTreeInfo} from '../../src/lab/node-tree.js';
import {containsSecret} from '../../src/facts/secrets/redact.js';

const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');
const KUBECONFIGS = ['admin.conf', 'super-admin.conf', 'controller-manager.conf', 'scheduler.conf'].map((n) => `/etc/kubernetes/${n}`);

let dir: string;
let cp: NodeTreeInfo;
/** Every line of key material on the node: PEM body lines of the .key files and of the kubeconfigs' client-key-data, and that data itself. */
let secrets: string[];

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}, timeout: 60_000});
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}

interface Result {
  id: string;
  status: string;
  summary: string;
  evidence: {source: string; text: string}[];
  details: string[];
  fix: string | null;
}
const certExpiry = (stdout: string): Result =>
  (JSON.parse(stdout) as {targets: {results: Result[]}[]}).targets[0]!.results.find((r) => r.id === 'cert-expiry')!;

const pemBody = (pem: string): string[] => pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));

beforeAll(async () => {
  expect(existsSync(BIN), 'build first: npm test runs tsc before vitest').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'kd-e2e-cp-'));
  cp = await writeNodeTree(join(dir, 'cp-1'), {layout: 'deb', hostname: 'cp-1', kubeletVersion: 'v1.30.2', controlPlane: {notAfterDays: {apiserver: -3}}});
  secrets = [];
  for (const p of cp.files.filter((f) => f.endsWith('.key'))) secrets.push(...pemBody(await readFile(join(cp.root, p), 'utf8')));
  for (const p of KUBECONFIGS) {
    const data = /client-key-data: (\S+)/.exec(await readFile(join(cp.root, p), 'utf8'))?.[1];
    expect(data, p).toBeTruthy();
    secrets.push(data!, ...pemBody(Buffer.from(data!, 'base64').toString('utf8')));
  }
}, 60_000);
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('cert-expiry on a kubeadm control-plane node (--root)', () => {
  it('writes the kubeadm control-plane layout with its keys on disk', () => {
    for (const p of [
      '/etc/kubernetes/pki/apiserver.key',
      '/etc/kubernetes/pki/ca.key',
      '/etc/kubernetes/pki/etcd/peer.key',
      '/etc/kubernetes/pki/sa.key',
      ...KUBECONFIGS,
    ]) {
      expect(cp.files).toContain(p);
    }
    // 12 key files (CAs, leaves, sa.key) and 4 embedded keys: real key material to look for.
    expect(secrets.length).toBeGreaterThan(16);
  });

  it('fails the expired apiserver certificate at its file, and lists the admin.conf certificate among the valid ones', () => {
    const r = run(['check', '--root', cp.root, '--output', 'json']);
    const res = certExpiry(r.stdout);
    expect(res.status).toBe('fail');
    expect(res.summary).toMatch(/^control-plane certificate "apiserver" expired 3 days ago \(notAfter .*\); run `kubeadm certs renew apiserver`/);
    expect(res.evidence).toEqual([
      {source: '/etc/kubernetes/pki/apiserver.crt:1', text: expect.stringMatching(/^apiserver: subject=CN=kube-apiserver .* CA=ca$/)},
    ]);
    expect(res.details).toEqual([
      expect.stringMatching(
        /^pass: the other 13 control-plane certificates are valid \(admin\.conf, apiserver-etcd-client, .*super-admin\.conf, ca, etcd-ca, front-proxy-ca\)/,
      ),
    ]);
    // No kubelet fix applies to a control-plane certificate.
    expect(res.fix).toBeNull();
    expect(r.code).toBe(1);
  });

  it('sends no private key into the JSON report or any other format', () => {
    for (const format of ['json', 'text', 'markdown', 'junit', 'sarif']) {
      const r = run(['check', '--root', cp.root, '--output', format]);
      expect(r.stdout.length, format).toBeGreaterThan(0);
      for (const s of secrets) expect(r.stdout.includes(s), `${format} holds key material`).toBe(false);
      expect(containsSecret(r.stdout), format).toBe(false);
    }
  });

  it('never reads a control-plane .key file: the snapshot lists them and holds no key material', async () => {
    const out = join(dir, 'cp-1.json');
    const r = run(['collect', '--root', cp.root, '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    const text = await readFile(out, 'utf8');
    for (const s of secrets) expect(text.includes(s), 'the snapshot holds key material').toBe(false);
    expect(containsSecret(text)).toBe(false);
    const snap = JSON.parse(text) as {raw: {files: Record<string, {content?: string}>; dirs: Record<string, {entries: {name: string}[]}>}};
    expect(Object.keys(snap.raw.files).filter((p) => p.startsWith('/etc/kubernetes/') && p.endsWith('.key'))).toEqual([]);
    expect(snap.raw.dirs['/etc/kubernetes/pki']!.entries.map((e) => e.name)).toContain('ca.key');
    expect(snap.raw.files['/etc/kubernetes/admin.conf']?.content).toMatch(/client-key-data: \[redacted\]/);
    // The snapshot checks the same way later, anywhere.
    const again = certExpiry(run(['check', '--snapshot', out, '--output', 'json']).stdout);
    expect(again.status).toBe('fail');
    expect(again.evidence[0]?.source).toBe('/etc/kubernetes/pki/apiserver.crt:1');
  });
});
