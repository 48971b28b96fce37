/**
 * End-to-end: the real binary (built by `npm test`) as a subprocess, on node trees laid out
 * like kubeadm nodes with real certificates. Asserts what a user sees: output and exit code.
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {spawnSync} from 'node:child_process';
import {mkdtemp, rm, writeFile, readFile, mkdir} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {writeFleet, writeNodeTree, scenarios, type NodeTreeInfo} from '../../src/lab/node-tree.js';

const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');
let dir: string;
let fleet: NodeTreeInfo[];

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1', ...env}, timeout: 60_000});
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}

interface JsonReport {
  targets: {
    node: string;
    status: string;
    kubeletVersion: string | null;
    results: {id: string; status: string; summary: string; evidence: {source: string; text: string}[]; causedBy: string | null}[];
  }[];
  summary: Record<string, number>;
}
const json = (s: string) => JSON.parse(s) as JsonReport;

beforeAll(async () => {
  expect(existsSync(BIN), 'build first: npm test runs tsc before vitest').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'kd-e2e-'));
  fleet = await writeFleet(join(dir, 'fleet'));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('check --root on kubeadm node trees', () => {
  it('finds nothing failing on a healthy DEB node and exits 0', () => {
    const healthy = fleet.find((n) => n.scenario === 'healthy')!;
    const r = run(['check', '--root', healthy.root, '--output', 'json']);
    const rep = json(r.stdout);
    const bad = rep.targets[0]!.results.filter((x) => x.status === 'fail' || x.status === 'error');
    expect(bad.map((b) => `${b.id}: ${b.summary}`)).toEqual([]);
    expect(r.code).toBe(0);
    expect(rep.targets[0]!.kubeletVersion).toBe('v1.30.2');
  });

  it('finds nothing failing on a healthy RPM node given --kubelet-version', async () => {
    const node = await writeNodeTree(join(dir, 'rpm'), {layout: 'rpm', hostname: 'rpm-node', kubeletVersion: 'v1.31.1'});
    const r = run(['check', '--root', node.root, '--output', 'json', '--kubelet-version', 'v1.31.1']);
    const rep = json(r.stdout);
    const bad = rep.targets[0]!.results.filter((x) => x.status === 'fail' || x.status === 'error');
    expect(bad.map((b) => `${b.id}: ${b.summary}`)).toEqual([]);
    expect(r.code).toBe(0);
  });

  // A typo'd field is silently ignored by the kubelet's lenient decoder: a warning, not a failure.
  const warnOnly = new Set(['config-typo']);
  for (const s of scenarios.filter((x) => x.breaks)) {
    const want = warnOnly.has(s.id) ? 'warn' : 'fail';
    it(`reports ${s.breaks} as ${want} on the ${s.id} node`, () => {
      const node = fleet.find((n) => n.scenario === s.id)!;
      const r = run(['check', '--root', node.root, '--output', 'json']);
      const res = json(r.stdout).targets[0]!.results.find((x) => x.id === s.breaks)!;
      expect(res.status, res.summary).toBe(want);
      expect(res.evidence.length).toBeGreaterThan(0);
      expect(r.code).toBe(want === 'fail' ? 1 : 0);
    });
  }

  it('names the nearest known field for a typo', () => {
    const node = fleet.find((n) => n.scenario === 'config-typo')!;
    const r = run(['check', '--root', node.root, '--only', 'kubelet-config']);
    expect(r.stdout).toMatch(/maxPod/);
    expect(r.stdout).toMatch(/maxPods/);
    expect(r.stdout).toMatch(/\/var\/lib\/kubelet\/config\.yaml:\d+/);
  });

  it('names the file and line that set the losing cgroup driver', () => {
    const node = fleet.find((n) => n.scenario === 'cgroup-driver-mismatch')!;
    const r = run(['check', '--root', node.root]);
    expect(r.stdout).toMatch(/cgroup-driver-match/);
    expect(r.stdout).toMatch(/\/var\/lib\/kubelet\/config\.yaml:\d+\s+cgroupDriver: cgroupfs/);
    expect(r.stdout).toMatch(/\/etc\/containerd\/config\.toml:\d+\s+SystemdCgroup = true/);
  });

  it('skips live-only checks under --root and says why', () => {
    const r = run(['check', '--root', fleet[0]!.root, '--output', 'json', '--only', 'cgroup-version']);
    const res = json(r.stdout).targets[0]!.results[0]!;
    expect(res.status).toBe('skip');
    expect(res.summary).toMatch(/live|root transport|not collected/i);
  });

  it('checks a whole fleet in one report, in input order', () => {
    const r = run(['check', ...fleet.flatMap((n) => ['--root', n.root]), '--output', 'json']);
    const rep = json(r.stdout);
    expect(rep.targets.map((t) => t.node)).toEqual(fleet.map((n) => n.hostname));
    expect(r.code).toBe(1);
  });
});

describe('no secret leaves the node', () => {
  it('keeps every private key out of every report format and the snapshot', async () => {
    const keyBodies: string[] = [];
    for (const n of fleet.slice(0, 3)) {
      for (const f of n.files) {
        const text = await readFile(join(n.root, f), 'utf8').catch(() => '');
        for (const m of text.matchAll(/-----BEGIN [A-Z ]*PRIVATE KEY-----\n([A-Za-z0-9+/=\n]+)-----END/g)) {
          keyBodies.push(...m[1]!.split('\n').filter((l) => l.length > 20));
        }
      }
    }
    expect(keyBodies.length).toBeGreaterThan(0);
    const outputs: string[] = [];
    const roots = fleet.slice(0, 3).flatMap((n) => ['--root', n.root]);
    for (const format of ['text', 'json', 'junit', 'markdown', 'sarif']) {
      outputs.push(run(['check', ...roots, '--output', format, '--verbose']).stdout);
    }
    const snap = join(dir, 'snap.json');
    expect(run(['collect', '--root', fleet[0]!.root, '-o', snap]).code).toBe(0);
    outputs.push(await readFile(snap, 'utf8'));
    for (const out of outputs) {
      expect(out.length).toBeGreaterThan(100);
      for (const body of keyBodies) expect(out).not.toContain(body);
    }
  });
});

describe('collect and --snapshot', () => {
  it('gives the same verdicts offline from a snapshot as from the node', () => {
    const node = fleet.find((n) => n.scenario === 'cgroup-driver-mismatch')!;
    const snap = join(dir, 'cgroup.json');
    const c = run(['collect', '--root', node.root, '-o', snap]);
    expect(c.code).toBe(0);
    expect(c.stderr).toMatch(/secrets redacted/);
    const live = json(run(['check', '--root', node.root, '--output', 'json']).stdout);
    const off = json(run(['check', '--snapshot', snap, '--output', 'json']).stdout);
    const v = (rep: JsonReport) => rep.targets[0]!.results.map((x) => `${x.id}:${x.status}`);
    expect(v(off)).toEqual(v(live));
  });
});

describe('bad input gets a clear message and exit 2, never a stack trace', () => {
  const cases: [string, () => Promise<string[]>, RegExp][] = [
    ['a missing --root', async () => ['check', '--root', join(dir, 'nope')], /--root .*nope: no such directory/],
    ['an unknown option', async () => ['check', '--frobnicate'], /Unknown option '--frobnicate'/],
    ['an unknown check id', async () => ['check', '--root', dir, '--only', 'nope'], /unknown check id nope/],
    ['a bad output format', async () => ['check', '--root', dir, '--output', 'yaml'], /unknown format/],
    [
      'a snapshot that is not JSON',
      async () => {
        await writeFile(join(dir, 'bad.json'), '{"kind": "kubelet-doctor-snapshot", ');
        return ['check', '--snapshot', join(dir, 'bad.json')];
      },
      /not valid JSON/,
    ],
    [
      'a JSON file that is not a snapshot',
      async () => {
        await writeFile(join(dir, 'other.json'), '{"hello": 1}');
        return ['check', '--snapshot', join(dir, 'other.json')];
      },
      /not a kubelet-doctor snapshot/,
    ],
    ['a missing snapshot', async () => ['check', '--snapshot', join(dir, 'missing.json')], /cannot read the snapshot/],
    ['a bad --kubelet-version', async () => ['check', '--root', dir, '--kubelet-version', 'latest'], /expected a version/],
  ];
  for (const [name, args, msg] of cases) {
    it(`reports ${name}`, async () => {
      const r = run(await args());
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }
});

describe('hostile node content', () => {
  it('never prints escape sequences from node files', async () => {
    const node = await writeNodeTree(join(dir, 'hostile'), {layout: 'deb', hostname: 'hostile', kubeletVersion: 'v1.30.2'});
    const d = join(node.root, 'etc/systemd/system/kubelet.service.d');
    await mkdir(d, {recursive: true});
    await writeFile(
      join(d, '99-evil.conf'),
      '[Service]\n\u001b]0;pwned\u0007\u001b[2J garbage line\nEnvironment="KUBELET_EXTRA_ARGS=--node-labels=\u001b[31mred"\n',
    );
    for (const format of ['text', 'markdown', 'json', 'junit', 'sarif']) {
      const r = run(['check', '--root', node.root, '--output', format, '--verbose']);
      expect(r.stdout, format).not.toContain('\u001b');
      expect(r.stdout, format).not.toContain('\u0007');
    }
  });

  it('reports malformed YAML, TOML and a binary kubeconfig as findings, not crashes', async () => {
    const node = await writeNodeTree(join(dir, 'malformed'), {layout: 'deb', hostname: 'malformed', kubeletVersion: 'v1.30.2'});
    await writeFile(
      join(node.root, 'var/lib/kubelet/config.yaml'),
      'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: [systemd\n',
    );
    await writeFile(join(node.root, 'etc/containerd/config.toml'), 'version = 2\n[plugins\n');
    await writeFile(join(node.root, 'etc/kubernetes/kubelet.conf'), Buffer.from([0, 1, 2, 3, 0, 255]));
    const r = run(['check', '--root', node.root, '--output', 'json']);
    expect(r.code).toBe(1);
    const res = json(r.stdout).targets[0]!.results;
    expect(res.find((x) => x.id === 'kubelet-config')?.status).toBe('fail');
    expect(res.filter((x) => x.status === 'error').map((x) => x.summary)).toEqual([]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

const NOT_A_NODE =
  /^\S+: no kubelet on this machine: not a Kubernetes node, or the kubelet is installed elsewhere \(name its version with --kubelet-version, or its disk with --root\)\n$/;

describe('a machine with no kubelet', () => {
  // This test machine (and CI's) runs no kubelet: no unit, binary, process or kubelet.conf.
  const kubeletHere =
    spawnSync('sh', [
      '-c',
      'command -v kubelet || ls /etc/systemd/system/kubelet.service /lib/systemd/system/kubelet.service /usr/lib/systemd/system/kubelet.service /etc/kubernetes/kubelet.conf',
    ]).status === 0;

  it.skipIf(kubeletHere)('check --local says so in one line and exits 3, with no wall of failures and no fix', () => {
    const r = run(['check', '--local']);
    expect(r.stdout).toMatch(NOT_A_NODE);
    expect(r.stdout).not.toMatch(/FAIL|fix:/);
    expect(r.code).toBe(3);
    const rep = json(run(['check', '--local', '--output', 'json']).stdout);
    expect(rep.targets[0]!.status).toBe('not-a-node');
    expect(rep.targets[0]!.results).toEqual([]);
  });

  it('an empty disk under --root is not a node either; one kubelet file left makes it a broken node instead', async () => {
    const empty = join(dir, 'empty-root');
    await mkdir(join(empty, 'etc'), {recursive: true});
    const r = run(['check', '--root', empty]);
    expect(r.stdout).toMatch(NOT_A_NODE);
    expect(r.code).toBe(3);
    // Naming the kubelet's version says there is one: the checks run (and find it broken).
    const named = run(['check', '--root', empty, '--kubelet-version', 'v1.30.2']);
    expect(named.code).toBe(1);
    expect(named.stdout).toContain('FAIL  systemd-dropin');
    const half = join(dir, 'half-root');
    await mkdir(join(half, 'etc/kubernetes'), {recursive: true});
    await writeFile(join(half, 'etc/kubernetes/kubelet.conf'), 'apiVersion: v1\nkind: Config\n');
    const broken = run(['check', '--root', half, '--output', 'json']);
    expect(json(broken.stdout).targets[0]!.status).toBe('ok');
    expect(broken.code).toBe(1);
  });
});

describe('check --waivers', () => {
  const waiver = (expires: string) =>
    `- check: cgroup-driver-match\n  nodes: "node-2-*"\n  reason: migrating the runtime to systemd next week (OPS-123)\n  expires: "${expires}"\n`;

  it('accepts a waived failure until it expires, and fails again afterwards', async () => {
    const node = fleet.find((n) => n.scenario === 'cgroup-driver-mismatch')!;
    await writeFile(join(dir, 'waivers-ok.yaml'), waiver('2099-01-01'));
    await writeFile(join(dir, 'waivers-old.yaml'), waiver('2020-01-01'));
    const ok = run(['check', '--root', node.root, '--waivers', join(dir, 'waivers-ok.yaml'), '--output', 'json']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/"waived"/);
    const old = run(['check', '--root', node.root, '--waivers', join(dir, 'waivers-old.yaml')]);
    expect(old.code).toBe(1);
    expect(old.stdout).toMatch(/expired/);
  });

  it('refuses a waivers file with a typo before checking anything', async () => {
    await writeFile(join(dir, 'waivers-typo.yaml'), '- chek: swap\n  reason: x\n  expires: "2099-01-01"\n');
    const r = run(['check', '--root', fleet[0]!.root, '--waivers', join(dir, 'waivers-typo.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/waivers-typo\.yaml:1/);
  });
});
