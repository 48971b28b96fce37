import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {mkdtemp, mkdir, writeFile, symlink, rm, truncate} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createHash, createPublicKey, generateKeyPairSync} from 'node:crypto';
import {execFileSync} from 'node:child_process';
import {LocalTransport} from '../../src/transport/local.js';
import {collectRaw} from '../../src/probe/collect.js';
import {buildProbeScript} from '../../src/probe/script.js';

const shells = ['dash', 'busybox'].filter((s) => {
  try {
    execFileSync('sh', ['-c', `command -v ${s}`]);
    return true;
  } catch {
    return false;
  }
});

let root: string;
let bbPath: string;
let busybox = 'busybox';
let keyPem: string;
let keyFp: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kd-probe-'));
  bbPath = await mkdtemp(join(tmpdir(), 'kd-bb-'));
  if (shells.includes('busybox')) {
    busybox = execFileSync('sh', ['-c', 'command -v busybox']).toString().trim();
    execFileSync(busybox, ['--install', '-s', bbPath]);
    // openssl is not a busybox applet: keep the real one for key fingerprints.
    const ssl = execFileSync('sh', ['-c', 'command -v openssl']).toString().trim();
    await symlink(ssl, join(bbPath, 'openssl')).catch(() => undefined);
  }
  const w = async (p: string, c: string | Buffer) => {
    await mkdir(join(root, p, '..'), {recursive: true});
    await writeFile(join(root, p), c);
  };
  const {privateKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'});
  keyPem = privateKey.export({type: 'pkcs8', format: 'pem'}).toString();
  keyFp = createHash('sha256')
    .update(createPublicKey(keyPem).export({type: 'spki', format: 'der'}))
    .digest('hex');
  await w(
    'etc/systemd/system/kubelet.service.d/10-kubeadm.conf',
    '[Service]\nEnvironment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_CONFIG_ARGS\n',
  );
  await w(
    'var/lib/kubelet/config.yaml',
    'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstaticPodPath: /etc/kubernetes/manifests\nclientCAFile: /etc/kubernetes/pki/ca.crt\n',
  );
  await w('etc/kubernetes/manifests/etcd.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    note: "grüße — ünïcode"\n');
  await w('var/lib/kubelet/pki/kubelet-client-2026-01-01-00-00-00.pem', `-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n${keyPem}`);
  await symlink('/var/lib/kubelet/pki/kubelet-client-2026-01-01-00-00-00.pem', join(root, 'var/lib/kubelet/pki/kubelet-client-current.pem'));
  const b64 = Buffer.from(keyPem).toString('base64');
  await w(
    'etc/kubernetes/kubelet.conf',
    `apiVersion: v1\nkind: Config\nusers:\n- name: default-auth\n  user:\n    client-key-data: ${b64}\n    token: abcdef.0123456789abcdef\n`,
  );
  // A symlink loop and a binary file and a 50 MB file named by the config.
  await symlink('/etc/kubernetes/pki/loop-b.crt', join(root, 'etc/kubernetes/pki/loop-a.crt')).catch(async () => {
    await mkdir(join(root, 'etc/kubernetes/pki'), {recursive: true});
    await symlink('/etc/kubernetes/pki/loop-b.crt', join(root, 'etc/kubernetes/pki/loop-a.crt'));
  });
  await symlink('/etc/kubernetes/pki/loop-a.crt', join(root, 'etc/kubernetes/pki/loop-b.crt'));
  await w('etc/containerd/config.toml', Buffer.from([0x76, 0x65, 0x00, 0x01, 0xff, 0x00]));
  await w('etc/crio/crio.conf', '');
  await truncate(join(root, 'etc/crio/crio.conf'), 50 * 1024 * 1024);
  await w('etc/default/kubelet', 'KUBELET_EXTRA_ARGS=--tls-cert-file=/etc/kubernetes/pki/loop-a.crt\n');
  await w('var/lib/dpkg/status', 'Package: foo\nVersion: 1\n\nPackage: kubelet\nStatus: install ok installed\nVersion: 1.30.2-1.1\n\nPackage: zzz\n');
  // Directory entries with multi-byte and control bytes: listings are framed by byte count.
  await w('etc/cni/net.d/10-grüße.conflist', '{}\n');
  await w('etc/cni/net.d/odd\u0001name', '');
  // The same key under two names (a copy beside the rotated client certificate): one fingerprint each.
  await w('var/lib/kubelet/pki/kubelet.key', keyPem);
  await w('var/lib/kubelet/pki/kubelet-copy.key', keyPem);
});

afterAll(async () => {
  await rm(root, {recursive: true, force: true});
  await rm(bbPath, {recursive: true, force: true});
});

// A busy two-core machine (other suites running) can take a few seconds per probe run.
describe.each(shells)('the probe under %s', {timeout: 60_000}, (shell) => {
  // Under busybox, every tool the probe uses is a busybox applet too (PATH holds only applets).
  const run = () =>
    collectRaw(
      shell === 'busybox' ? new LocalTransport('root', root, false, [busybox, 'sh'], {PATH: bbPath}) : new LocalTransport('root', root, false, [shell]),
      {timeoutMs: 30_000},
    );

  it('reads the unit drop-in and follows the --config path it names', async () => {
    const raw = await run();
    expect(raw.files['/etc/systemd/system/kubelet.service.d/10-kubeadm.conf']?.content).toContain('ExecStart=/usr/bin/kubelet');
    expect(raw.files['/var/lib/kubelet/config.yaml']?.status).toBe('ok');
    expect(raw.dirs['/etc/kubernetes/manifests']?.entries).toContainEqual({name: 'etcd.yaml', type: 'file'});
    expect(raw.files['/etc/kubernetes/manifests/etcd.yaml']?.content).toContain('kind: Pod');
    // Multi-byte text keeps the framing exact: the record after it still parses.
    expect(raw.files['/etc/kubernetes/manifests/etcd.yaml']?.content).toContain('grüße — ünïcode');
    expect(raw.files['/var/lib/kubelet/config.yaml']?.content).toContain('staticPodPath');
  });

  it('resolves the absolute kubelet-client-current.pem symlink inside the root', async () => {
    const raw = await run();
    const f = raw.files['/var/lib/kubelet/pki/kubelet-client-current.pem'];
    expect(f?.status).toBe('ok');
    expect(f?.realPath).toBe('/var/lib/kubelet/pki/kubelet-client-2026-01-01-00-00-00.pem');
    expect(f?.content).toContain('BEGIN CERTIFICATE');
  });

  it('sends key fingerprints, never the private key', async () => {
    const raw = await run();
    const f = raw.files['/var/lib/kubelet/pki/kubelet-client-current.pem']!;
    expect(f.keys).toEqual([{origin: '/var/lib/kubelet/pki/kubelet-client-current.pem', spkiSha256: keyFp}]);
    const kc = raw.files['/etc/kubernetes/kubelet.conf']!;
    expect(kc.keys?.[0]).toEqual({origin: '/etc/kubernetes/kubelet.conf#client-key-data', spkiSha256: keyFp});
    const all = JSON.stringify(raw);
    const body = keyPem.split('\n')[1]!;
    expect(all).not.toContain(body);
    expect(all).not.toContain(Buffer.from(keyPem).toString('base64').slice(0, 40));
    expect(all).not.toContain('0123456789abcdef');
    expect(kc.content).toContain('client-key-data: [redacted]');
  });

  it('keeps no copy of a private key in its temporary directory once the fingerprints are taken', async () => {
    // What a probe killed just before its end (SIGKILL: no EXIT trap) would leave behind.
    const t = shell === 'busybox' ? new LocalTransport('root', root, false, [busybox, 'sh'], {PATH: bbPath}) : new LocalTransport('root', root, false, [shell]);
    const b64 = Buffer.from(keyPem).toString('base64').slice(0, 40); // client-key-data as written in kubelet.conf
    const script = buildProbeScript({hostRoot: root, live: false}).replace(
      '\nrec Z ok end end\n',
      `\ncat "$T"/* 2>/dev/null | grep -c -e "PRIVATE KEY" -e "${b64}" -e 0123456789abcdef >&2\nrec Z ok end end\n`,
    );
    const res = await t.run({script, timeoutMs: 30_000});
    expect(res.exitCode).toBe(0);
    expect(res.stderr.trim()).toBe('0');
    expect(res.stdout.toString()).not.toContain(keyPem.split('\n')[1]!);
  });

  it('frames the dpkg stanza and odd directory entries byte-exactly', async () => {
    const raw = await run();
    expect(raw.files['/var/lib/dpkg/status']).toMatchObject({
      status: 'ok',
      firstLine: 4,
      size: 66,
      content: 'Package: kubelet\nStatus: install ok installed\nVersion: 1.30.2-1.1\n',
    });
    expect(raw.dirs['/etc/cni/net.d']?.entries).toEqual([
      {name: '10-grüße.conflist', type: 'file'},
      {name: 'odd\u0001name', type: 'file'},
    ]);
    expect(raw.files['/etc/cni/net.d/10-grüße.conflist']?.content).toBe('{}\n');
    expect(raw.notes.join('\n')).not.toContain('ended early');
  });

  it('fingerprints every name of a key, also when two files hold the same key', async () => {
    const raw = await run();
    for (const f of ['/var/lib/kubelet/pki/kubelet.key', '/var/lib/kubelet/pki/kubelet-copy.key']) {
      expect(raw.files[f]?.keys).toEqual([{origin: f, spkiSha256: keyFp}]);
      expect(raw.files[f]?.content).toBe('[private key redacted]\n'.repeat(keyPem.trim().split('\n').length));
    }
  });

  it('reports a symlink loop, a binary file and a 50 MB file without hanging', async () => {
    const raw = await run();
    expect(raw.files['/etc/kubernetes/pki/loop-a.crt']?.status).toBe('symlink-loop');
    expect(raw.files['/etc/containerd/config.toml']).toMatchObject({status: 'ok', binary: true});
    expect(raw.files['/etc/containerd/config.toml']?.content).toBeUndefined();
    const big = raw.files['/etc/crio/crio.conf']!;
    expect(big.truncated).toBe(true);
    expect(big.size).toBe(50 * 1024 * 1024);
  });

  it('runs no command under the root transport', async () => {
    const raw = await run();
    expect(Object.keys(raw.commands)).toEqual([]);
    expect(raw.live).toBe(false);
  });
});

describe('the probe script', () => {
  it('is POSIX sh that dash accepts', () => {
    const script = buildProbeScript({hostRoot: '/', live: true});
    expect(() => execFileSync('dash', ['-n'], {input: script})).not.toThrow();
    expect(script).not.toMatch(/\[\[ |^\s*function |^\s*local |\$\{[A-Za-z_]+\/\/|<<<|\$\(\(.*\*\*/m);
  });

  it('marks an interrupted probe and keeps what arrived', async () => {
    // A shell that dies after the first records: what arrived is kept, and the cut is noted.
    const t = new LocalTransport('root', root, false, ['sh', '-c', 'sh -s | head -c 3000', 'probe']);
    const raw = await collectRaw(t, {timeoutMs: 30_000});
    expect(raw.notes.join('\n')).toContain('ended early');
    expect(Object.keys(raw.files).length).toBeGreaterThan(0);
  });
});
