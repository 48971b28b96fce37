import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {X509Certificate, createHash, createPrivateKey, createPublicKey} from 'node:crypto';
import {lstat, mkdtemp, readFile, readdir, readlink, rm, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parse as parseYaml} from 'yaml';
import {parse as parseToml} from 'smol-toml';
import {scenarios, writeFleet, writeNodeTree, type NodeTreeInfo, type ScenarioId} from '../../src/lab/node-tree.js';
import {createClusterCa, type ClusterCa} from '../../src/lab/pki.js';

const NOW = new Date('2025-03-10T08:30:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;
const CLIENT_PEM = '/var/lib/kubelet/pki/kubelet-client-2025-02-08-08-30-00.pem';
const CURRENT = '/var/lib/kubelet/pki/kubelet-client-current.pem';
const DEB_130 = {layout: 'deb', kubeletVersion: 'v1.30.2', now: NOW} as const;

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'kd-lab-'));
});
afterAll(async () => {
  await rm(base, {recursive: true, force: true});
});

const read = (info: NodeTreeInfo, path: string): Promise<string> => readFile(join(info.root, path), 'utf8');
const exists = async (info: NodeTreeInfo, path: string): Promise<boolean> => Boolean(await lstat(join(info.root, path)).catch(() => null));
const mode = async (info: NodeTreeInfo, path: string): Promise<number> => (await stat(join(info.root, path))).mode & 0o777;

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/g;
const KEY_BLOCK = /-----BEGIN EC PRIVATE KEY-----[\s\S]*?-----END EC PRIVATE KEY-----\n/;

function certsIn(pem: string): X509Certificate[] {
  return (pem.match(CERT_BLOCK) ?? []).map((block) => new X509Certificate(block));
}

function spkiHex(key: ReturnType<typeof createPublicKey>): string {
  return createHash('sha256')
    .update(key.export({type: 'spki', format: 'der'}))
    .digest('hex');
}

/** The client pem's certificate and the SPKI hashes of its cert and of its private key. */
async function clientPem(info: NodeTreeInfo, path = CURRENT) {
  const text = await read(info, path === CURRENT ? await readlink(join(info.root, CURRENT)) : path);
  const [cert] = certsIn(text);
  const keyPem = text.match(KEY_BLOCK)?.[0];
  if (!cert || !keyPem) throw new Error('client pem lacks a certificate or a key');
  return {cert, certSpki: spkiHex(cert.publicKey), keySpki: spkiHex(createPublicKey(createPrivateKey(keyPem)))};
}

describe('writeNodeTree (healthy DEB node)', () => {
  let info: NodeTreeInfo;
  beforeAll(async () => {
    info = await writeNodeTree(join(base, 'deb'), {...DEB_130, hostname: 'worker-1'});
  });

  it('writes the kubeadm worker files at the pkgs.k8s.io DEB paths', () => {
    expect(info.files).toEqual(
      expect.arrayContaining([
        '/usr/lib/systemd/system/kubelet.service',
        '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf',
        '/etc/default/kubelet',
        '/var/lib/kubelet/kubeadm-flags.env',
        '/var/lib/kubelet/config.yaml',
        '/etc/kubernetes/kubelet.conf',
        '/etc/kubernetes/pki/ca.crt',
        CLIENT_PEM,
        CURRENT,
        '/var/lib/kubelet/pki/kubelet.crt',
        '/var/lib/kubelet/pki/kubelet.key',
        '/etc/containerd/config.toml',
        '/etc/cni/net.d/10-flannel.conflist',
        '/etc/fstab',
        '/etc/sysctl.d/k8s.conf',
        '/etc/modules-load.d/k8s.conf',
        '/etc/hostname',
        '/var/lib/dpkg/status',
        '/etc/crictl.yaml',
      ]),
    );
    expect(info.files).not.toContain('/etc/sysconfig/kubelet');
    expect(info).toMatchObject({hostname: 'worker-1', layout: 'deb', kubeletVersion: 'v1.30.2', scenario: 'healthy'});
  });

  it('points the kubeadm drop-in at /etc/default/kubelet and resets ExecStart before redefining it', async () => {
    const dropIn = await read(info, '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf');
    expect(dropIn).toContain('EnvironmentFile=-/etc/default/kubelet\n');
    expect(dropIn).toContain('ExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS');
    expect(await read(info, '/etc/default/kubelet')).toBe('KUBELET_EXTRA_ARGS=\n');
  });

  it('records the kubelet package in the dpkg database with its pkgs.k8s.io version', async () => {
    const status = await read(info, '/var/lib/dpkg/status');
    expect(status).toMatch(/^Package: kubelet\nStatus: install ok installed\n(?:.+\n)*Version: 1\.30\.2-1\.1\n/m);
    expect(status).toContain('Package: containerd\n');
  });

  it('links kubelet-client-current.pem by absolute path to the dated pem, which is mode 0600', async () => {
    expect(await readlink(join(info.root, CURRENT))).toBe(CLIENT_PEM);
    expect(await mode(info, CLIENT_PEM)).toBe(0o600);
    expect(await mode(info, '/var/lib/kubelet/pki/kubelet.key')).toBe(0o600);
    expect(await mode(info, '/opt/cni/bin/portmap')).toBe(0o755);
  });

  it('signs the client cert with the cluster CA for system:node:<host>, valid a year from a month ago', async () => {
    const ca = new X509Certificate(await read(info, '/etc/kubernetes/pki/ca.crt'));
    const {cert, certSpki, keySpki} = await clientPem(info, CLIENT_PEM);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subject).toBe('O=system:nodes\nCN=system:node:worker-1');
    expect(keySpki).toBe(certSpki);
    expect(new Date(cert.validFrom).getTime()).toBe(NOW.getTime() - 30 * DAY_MS - 5 * 60 * 1000);
    expect(new Date(cert.validTo).getTime()).toBe(NOW.getTime() + 335 * DAY_MS);
    expect(ca.ca).toBe(true);
    expect(new Date(ca.validFrom).getTime()).toBe(NOW.getTime() - 365 * DAY_MS);
    expect(info.caSpkiSha256).toBe(spkiHex(ca.publicKey));
  });

  it('writes a self-signed serving pair whose issuer is <hostname>-ca@<unix ts>', async () => {
    const [leaf, servingCa] = certsIn(await read(info, '/var/lib/kubelet/pki/kubelet.crt'));
    const joinedTs = (NOW.getTime() - 30 * DAY_MS) / 1000;
    expect(leaf?.issuer).toBe(`CN=worker-1-ca@${joinedTs}`);
    expect(leaf?.subject).toBe(`CN=worker-1@${joinedTs}`);
    expect(servingCa && leaf?.verify(servingCa.publicKey)).toBe(true);
    const keySpki = spkiHex(createPublicKey(createPrivateKey(await read(info, '/var/lib/kubelet/pki/kubelet.key'))));
    expect(leaf && spkiHex(leaf.publicKey)).toBe(keySpki);
  });

  it('writes kubelet.conf as the kubelet does after TLS bootstrap, with a loopback server and CA data', async () => {
    const conf = parseYaml(await read(info, '/etc/kubernetes/kubelet.conf')) as {
      clusters: {cluster: {server: string; 'certificate-authority-data': string}}[];
      users: {name: string; user: {'client-certificate': string; 'client-key': string}}[];
    };
    const cluster = conf.clusters[0]?.cluster;
    expect(cluster?.server).toBe('https://127.0.0.1:6443');
    expect(Buffer.from(cluster?.['certificate-authority-data'] ?? '', 'base64').toString()).toBe(await read(info, '/etc/kubernetes/pki/ca.crt'));
    expect(conf.users[0]).toEqual({name: 'default-auth', user: {'client-certificate': CURRENT, 'client-key': CURRENT}});
  });

  it('writes a config.yaml that parses as kubeadm’s KubeletConfiguration', async () => {
    const config = parseYaml(await read(info, '/var/lib/kubelet/config.yaml')) as Record<string, unknown>;
    expect(config).toMatchObject({
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      authentication: {
        anonymous: {enabled: false},
        webhook: {enabled: true},
        x509: {clientCAFile: '/etc/kubernetes/pki/ca.crt'},
      },
      authorization: {mode: 'Webhook'},
      cgroupDriver: 'systemd',
      clusterDNS: ['10.96.0.10'],
      clusterDomain: 'cluster.local',
      healthzBindAddress: '127.0.0.1',
      healthzPort: 10248,
      rotateCertificates: true,
      staticPodPath: '/etc/kubernetes/manifests',
    });
  });

  it('pairs containerd SystemdCgroup = true with a flannel conflist, no swap and the bridge sysctls', async () => {
    const toml = parseToml(await read(info, '/etc/containerd/config.toml'));
    expect(JSON.stringify(toml)).toContain('"SystemdCgroup":true');
    expect(toml['version']).toBe(2);
    const conflist = JSON.parse(await read(info, '/etc/cni/net.d/10-flannel.conflist')) as {plugins: {type: string}[]};
    expect(conflist.plugins.map((p) => p.type)).toEqual(['flannel', 'portmap']);
    expect(await read(info, '/etc/fstab')).not.toMatch(/^[^#].*\sswap\s/m);
    expect(await read(info, '/etc/sysctl.d/k8s.conf')).toMatch(/^net\.ipv4\.ip_forward\s+= 1$/m);
    expect(await read(info, '/etc/modules-load.d/k8s.conf')).toBe('overlay\nbr_netfilter\n');
    expect(await read(info, '/var/lib/kubelet/kubeadm-flags.env')).toBe(
      'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock"\n',
    );
  });
});

describe('writeNodeTree (RPM node)', () => {
  it('uses /etc/sysconfig/kubelet and writes no dpkg database', async () => {
    const info = await writeNodeTree(join(base, 'rpm'), {...DEB_130, layout: 'rpm', hostname: 'worker-2'});
    expect(await read(info, '/etc/sysconfig/kubelet')).toBe('KUBELET_EXTRA_ARGS=\n');
    expect(await read(info, '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf')).toContain('EnvironmentFile=-/etc/sysconfig/kubelet\n');
    expect(info.files).not.toContain('/var/lib/dpkg/status');
    expect(info.files).not.toContain('/etc/default/kubelet');
    expect(await readdir(join(info.root, '/etc/kubernetes/manifests'))).toEqual([]);
  });
});

describe('scenarios', () => {
  let ca: ClusterCa;
  const nodes = new Map<ScenarioId, NodeTreeInfo>();
  beforeAll(async () => {
    ca = await createClusterCa(NOW);
    for (const s of scenarios) {
      nodes.set(s.id, await writeNodeTree(join(base, 'sc', s.id), {...DEB_130, hostname: 'worker-3', scenario: s.id, ca}));
    }
  });
  const node = (id: ScenarioId): NodeTreeInfo => {
    const info = nodes.get(id);
    if (!info) throw new Error(`no node for ${id}`);
    return info;
  };

  // Besides the certificates (fresh keys every time), each scenario touches only these files.
  const changes: Record<ScenarioId, string[]> = {
    healthy: [],
    'cgroup-driver-mismatch': ['/var/lib/kubelet/config.yaml'],
    'removed-flag': ['/var/lib/kubelet/kubeadm-flags.env'],
    'expired-client-cert': [],
    'config-typo': ['/var/lib/kubelet/config.yaml'],
    'missing-config': ['/var/lib/kubelet/config.yaml'],
    'dropin-no-reset': ['/etc/systemd/system/kubelet.service.d/20-extra.conf'],
    'swap-on': ['/etc/fstab'],
    'no-cni': ['/etc/cni/net.d/10-flannel.conflist'],
    'cri-disabled': ['/etc/containerd/config.toml'],
    'key-mismatch': [],
  };

  it.each(scenarios.map((s) => [s.id]))('%s changes only the files it names', async (id) => {
    const healthy = node('healthy');
    const broken = node(id);
    const all = [...new Set([...healthy.files, ...broken.files])].filter((p) => !p.startsWith('/var/lib/kubelet/pki/'));
    const differs: string[] = [];
    for (const path of all) {
      const [a, b] = await Promise.all([read(healthy, path).catch(() => null), read(broken, path).catch(() => null)]);
      if (a !== b) differs.push(path);
    }
    expect(differs).toEqual(changes[id]);
  });

  it('cgroup-driver-mismatch sets cgroupfs in config.yaml while containerd keeps SystemdCgroup = true', async () => {
    const config = parseYaml(await read(node('cgroup-driver-mismatch'), '/var/lib/kubelet/config.yaml')) as unknown;
    expect(config).toMatchObject({cgroupDriver: 'cgroupfs'});
    expect(await read(node('cgroup-driver-mismatch'), '/etc/containerd/config.toml')).toContain('SystemdCgroup = true');
  });

  it('removed-flag adds --container-runtime=remote on 1.27+ and --network-plugin=cni before that', async () => {
    expect(await read(node('removed-flag'), '/var/lib/kubelet/kubeadm-flags.env')).toBe(
      'KUBELET_KUBEADM_ARGS="--container-runtime=remote --container-runtime-endpoint=unix:///var/run/containerd/containerd.sock"\n',
    );
    const opts = {...DEB_130, hostname: 'worker-4', kubeletVersion: 'v1.25.16', scenario: 'removed-flag', ca} as const;
    const old = await writeNodeTree(join(base, 'old'), opts);
    const flags = await read(old, '/var/lib/kubelet/kubeadm-flags.env');
    expect(flags).toMatch(/^KUBELET_KUBEADM_ARGS="--network-plugin=cni /);
    expect(await read(old, '/var/lib/dpkg/status')).toContain('Version: 1.25.16-1.1\n');
  });

  it('expired-client-cert links to a CA-signed client cert that expired 10 days ago', async () => {
    const info = node('expired-client-cert');
    const target = await readlink(join(info.root, CURRENT));
    expect(target).toMatch(/^\/var\/lib\/kubelet\/pki\/kubelet-client-2024-02-\d\d-08-30-00\.pem$/);
    expect(await exists(info, CLIENT_PEM)).toBe(false);
    const {cert, certSpki, keySpki} = await clientPem(info);
    expect(new Date(cert.validTo).getTime()).toBe(NOW.getTime() - 10 * DAY_MS);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(keySpki).toBe(certSpki);
  });

  it('config-typo adds maxPod: 200 and no maxPods', async () => {
    const text = await read(node('config-typo'), '/var/lib/kubelet/config.yaml');
    const config = parseYaml(text) as Record<string, unknown>;
    expect(config['maxPod']).toBe(200);
    expect(config).not.toHaveProperty('maxPods');
  });

  it('missing-config removes config.yaml while the drop-in still passes --config', async () => {
    const info = node('missing-config');
    expect(await exists(info, '/var/lib/kubelet/config.yaml')).toBe(false);
    expect(await read(info, '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf')).toContain('--config=/var/lib/kubelet/config.yaml');
  });

  it('dropin-no-reset adds a 20-extra.conf whose ExecStart= is not preceded by a reset', async () => {
    const extra = await read(node('dropin-no-reset'), '/etc/systemd/system/kubelet.service.d/20-extra.conf');
    const execStarts = extra.split('\n').filter((l) => l.startsWith('ExecStart='));
    expect(execStarts).toHaveLength(1);
    expect(execStarts[0]).toMatch(/^ExecStart=\/usr\/bin\/kubelet /);
  });

  it('swap-on enables the swap line in /etc/fstab', async () => {
    expect(await read(node('swap-on'), '/etc/fstab')).toMatch(/^\/swap\.img\tnone\tswap\tsw\t0\t0$/m);
  });

  it('no-cni leaves /etc/cni/net.d empty but keeps the plugin binaries', async () => {
    expect(await readdir(join(node('no-cni').root, '/etc/cni/net.d'))).toEqual([]);
    expect(await readdir(join(node('no-cni').root, '/opt/cni/bin'))).toContain('flannel');
  });

  it('cri-disabled disables the cri plugin in containerd config.toml', async () => {
    const toml = parseToml(await read(node('cri-disabled'), '/etc/containerd/config.toml'));
    expect(toml['disabled_plugins']).toEqual(['cri']);
  });

  it('key-mismatch stores a private key that does not belong to the client cert', async () => {
    const {certSpki, keySpki} = await clientPem(node('key-mismatch'));
    expect(keySpki).not.toBe(certSpki);
  });

  it('names a check id for every broken scenario and none for the healthy one', () => {
    expect(new Set(scenarios.map((s) => s.id)).size).toBe(scenarios.length);
    for (const s of scenarios) {
      if (s.id === 'healthy') expect(s.breaks).toBeNull();
      else expect(s.breaks).toMatch(/^[a-z]+(-[a-z]+)*$/);
    }
  });
});

describe('writeFleet', () => {
  it('writes one node per scenario under one CA in less than a second', async () => {
    await writeFleet(join(base, 'warm-up'), NOW);
    const started = performance.now();
    const fleet = await writeFleet(join(base, 'fleet'), NOW);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(fleet.map((n) => n.hostname)).toEqual(scenarios.map((s, i) => `node-${i + 1}-${s.id}`));
    expect(fleet.map((n) => n.root)).toEqual(fleet.map((n) => join(base, 'fleet', n.hostname)));
    expect(new Set(fleet.map((n) => n.caSpkiSha256)).size).toBe(1);
    const healthy = fleet.find((n) => n.scenario === 'healthy');
    expect(healthy && (await read(healthy, '/etc/hostname'))).toBe('node-1-healthy\n');
    expect(healthy && (await clientPem(healthy)).cert.subject).toBe('O=system:nodes\nCN=system:node:node-1-healthy');
  });
});
