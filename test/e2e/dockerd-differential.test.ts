/**
 * Differential test against a REAL dockerd: for each place Docker's cgroup driver can be set
 * (daemon.json, `--exec-opt` in docker.service's ExecStart in both spellings, a drop-in resetting
 * ExecStart=, `$OPTIONS` from /etc/sysconfig/docker, both a flag and daemon.json, nothing), a
 * kubeadm node tree holds the unit files as a node would, the built CLI reads it with --root, and
 * dockerd is started with the command line that unit would give it. What the tool says Docker
 * uses must be what `docker info --format '{{.CgroupDriver}}'` answers, and where dockerd refuses
 * to start, the tool must say so. dockerd runs on temporary data/exec roots and a socket in the
 * test directory, with no iptables and no bridge (needs root: Debian's `docker.io` package).
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {execFileSync, spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {writeNodeTree} from '../../src/lab/node-tree.js';
import {runCli} from '../helpers/sshd.js';

const which = (cmd: string): string | null => {
  try {
    return (
      execFileSync('sh', ['-c', `command -v ${cmd}`])
        .toString()
        .trim() || null
    );
  } catch {
    return null;
  }
};
const DOCKERD = which('dockerd');
const DOCKER = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : which('docker');
const skip =
  DOCKERD === null || DOCKER === null ? 'dockerd/docker not installed (apt-get install docker.io)' : process.getuid?.() !== 0 ? 'dockerd needs root' : null;
if (skip) console.warn(`dockerd differential e2e skipped: ${skip}`);

/** A cgroup v2 host booted with systemd: there dockerd's default is systemd, not cgroupfs. */
function hostDefault(): 'systemd' | 'cgroupfs' {
  const fs = execFileSync('stat', ['-fc', '%T', '/sys/fs/cgroup']).toString().trim();
  return fs === 'cgroup2fs' && existsSync('/run/systemd/system') ? 'systemd' : 'cgroupfs';
}

const DEBIAN_UNIT = (opts: string): string =>
  `[Unit]\nDescription=Docker Application Container Engine\n\n[Service]\nType=notify\nEnvironmentFile=-/etc/default/docker\nExecStart=/usr/sbin/dockerd -H fd:// ${opts}\nDelegate=yes\n`;
const RPM_UNIT = `[Service]\nType=notify\nEnvironmentFile=-/etc/sysconfig/docker\nExecStart=/usr/bin/dockerd \\\n          $OPTIONS\n`;

interface Variant {
  name: string;
  /** Files of the node tree (path → text), besides the kubeadm node's own. */
  files: Record<string, string>;
  /** The flags those units hand dockerd (written here by hand, not by the tool). */
  flags: string[];
  daemonJson: string;
}

const VARIANTS: Variant[] = [
  {
    name: 'daemon.json exec-opts',
    files: {'/lib/systemd/system/docker.service': DEBIAN_UNIT('$DOCKER_OPTS')},
    flags: [],
    daemonJson: '{\n  "exec-opts": ["native.cgroupdriver=systemd"]\n}\n',
  },
  {
    name: '--exec-opt X in the unit',
    files: {'/lib/systemd/system/docker.service': DEBIAN_UNIT('--exec-opt native.cgroupdriver=systemd')},
    flags: ['--exec-opt', 'native.cgroupdriver=systemd'],
    daemonJson: '{}\n',
  },
  {
    name: '--exec-opt=X in the unit',
    files: {'/lib/systemd/system/docker.service': DEBIAN_UNIT('--exec-opt=native.cgroupdriver=cgroupfs')},
    flags: ['--exec-opt=native.cgroupdriver=cgroupfs'],
    daemonJson: '{"log-level": "warn"}\n',
  },
  {
    name: 'drop-in resetting ExecStart=',
    files: {
      '/lib/systemd/system/docker.service': DEBIAN_UNIT('--exec-opt native.cgroupdriver=cgroupfs'),
      '/etc/systemd/system/docker.service.d/10-cgroup.conf':
        '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// --exec-opt native.cgroupdriver=systemd\n',
    },
    flags: ['--exec-opt', 'native.cgroupdriver=systemd'],
    daemonJson: '{}\n',
  },
  {
    name: '$DOCKER_OPTS from /etc/default/docker',
    files: {'/lib/systemd/system/docker.service': DEBIAN_UNIT('$DOCKER_OPTS'), '/etc/default/docker': 'DOCKER_OPTS="--exec-opt native.cgroupdriver=systemd"\n'},
    flags: ['--exec-opt', 'native.cgroupdriver=systemd'],
    daemonJson: '{}\n',
  },
  {
    name: '$OPTIONS from /etc/sysconfig/docker',
    files: {'/usr/lib/systemd/system/docker.service': RPM_UNIT, '/etc/sysconfig/docker': "OPTIONS='--log-level=warn --exec-opt native.cgroupdriver=systemd'\n"},
    flags: ['--log-level=warn', '--exec-opt', 'native.cgroupdriver=systemd'],
    daemonJson: '{}\n',
  },
  {
    name: 'a flag and daemon.json both',
    files: {'/lib/systemd/system/docker.service': DEBIAN_UNIT('--exec-opt native.cgroupdriver=systemd')},
    flags: ['--exec-opt', 'native.cgroupdriver=systemd'],
    daemonJson: '{\n  "exec-opts": ["native.cgroupdriver=systemd"]\n}\n',
  },
  {
    name: 'nothing set',
    files: {'/lib/systemd/system/docker.service': DEBIAN_UNIT('$DOCKER_OPTS')},
    flags: [],
    daemonJson: '{}\n',
  },
];

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kd-e2e-dockerd-'));
});
afterAll(async () => {
  if (work) await rm(work, {recursive: true, force: true});
});

/** What the real dockerd does with these flags and this config file: its driver, or its refusal. */
async function realDockerd(dir: string, v: Variant): Promise<{driver: string | null; refused: string | null}> {
  const cfg = join(dir, 'daemon.json');
  await writeFile(cfg, v.daemonJson);
  const sock = join(dir, 'docker.sock');
  const args = [
    ...['--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'docker.pid')],
    ...['-H', `unix://${sock}`, '--iptables=false', '--ip6tables=false', '--bridge=none', '--config-file', cfg],
    ...v.flags,
  ];
  const child = spawn(DOCKERD as string, args, {stdio: ['ignore', 'pipe', 'pipe']});
  let log = '';
  child.stdout.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr.on('data', (b: Buffer) => (log += b.toString()));
  let exited: number | null | undefined;
  const done = new Promise<void>((resolve) =>
    child.on('close', (code) => {
      exited = code;
      resolve();
    }),
  );
  try {
    for (let i = 0; i < 300 && exited === undefined; i++) {
      if (existsSync(sock)) {
        try {
          const out = execFileSync(DOCKER as string, ['-H', `unix://${sock}`, 'info', '--format', '{{.CgroupDriver}}'], {stdio: ['ignore', 'pipe', 'ignore']});
          return {driver: out.toString().trim(), refused: null};
        } catch {
          // not answering yet
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await done;
    return {driver: null, refused: log.trim().split('\n').slice(-1)[0] ?? ''};
  } finally {
    if (exited === undefined) {
      child.kill('SIGTERM');
      await done;
    }
  }
}

/** What the tool says, reading the node tree offline: the driver, or that dockerd refuses. */
async function toolReading(root: string, v: Variant): Promise<{driver: string | null; refused: boolean; summary: string}> {
  for (const [path, text] of Object.entries({...v.files, '/etc/docker/daemon.json': v.daemonJson})) {
    await mkdir(dirname(join(root, path)), {recursive: true});
    await writeFile(join(root, path), text);
  }
  const r = await runCli(['check', '--root', root, '--kubelet-version', 'v1.28.2', '--only', 'cgroup-driver-match', '--output', 'json', '--no-cluster']);
  const report = JSON.parse(r.stdout) as {targets: {results: {id: string; summary: string}[]}[]};
  const summary = report.targets[0]?.results.find((x) => x.id === 'cgroup-driver-match')?.summary ?? `(no verdict) ${r.stderr}`;
  // <1:driver>
  const m = /Docker via cri-dockerd (?:both use|uses) (systemd|cgroupfs)/.exec(summary);
  return {driver: m?.[1] ?? null, refused: /specified both as a flag and in the configuration file/.test(summary), summary};
}

describe.skipIf(skip)('Docker cgroup driver: the tool against a real dockerd', () => {
  for (const [i, v] of VARIANTS.entries()) {
    it(`${v.name}: the same driver as docker info, or the same refusal`, async () => {
      const dir = join(work, `v${i}`);
      const root = join(dir, 'root');
      await writeNodeTree(root, {layout: 'deb', hostname: `docker-${i}`, kubeletVersion: 'v1.28.2'});
      // kubeadm's flags file names the runtime's socket: cri-dockerd's, as kubeadm writes it for Docker.
      const flagsEnv = join(root, 'var/lib/kubelet/kubeadm-flags.env');
      const text = await readFile(flagsEnv, 'utf8');
      expect(text).toContain('--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock');
      await writeFile(flagsEnv, text.replace('unix:///var/run/containerd/containerd.sock', 'unix:///var/run/cri-dockerd.sock'));
      const tool = await toolReading(root, v);
      const real = await realDockerd(dir, v);
      if (real.refused !== null) {
        expect(real.refused).toContain('the following directives are specified both as a flag and in the configuration file: exec-opts');
        expect(tool.refused, tool.summary).toBe(true);
      } else {
        expect(tool.refused, tool.summary).toBe(false);
        // Offline the tool cannot see a cgroup v2 + systemd host; the default it reads is cgroupfs.
        const expected = v.name === 'nothing set' && hostDefault() === 'systemd' ? 'cgroupfs' : real.driver;
        expect(tool.driver, tool.summary).toBe(expected);
      }
    }, 120_000);
  }
});
