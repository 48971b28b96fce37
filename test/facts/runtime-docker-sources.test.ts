/**
 * dockerd's cgroup driver from every place it can be set: daemon.json, `--exec-opt` in
 * docker.service's ExecStart (both spellings), a drop-in that resets ExecStart=, `$OPTIONS` from
 * /etc/sysconfig/docker, and the refusal when a flag and daemon.json both set exec-opts.
 * test/e2e/dockerd-differential.test.ts checks the same readings against a real dockerd.
 */
import {describe, expect, it} from 'vitest';
import {rawFrom} from '../helpers/facts.js';
import {kubeletConfig, lineOf, runtime} from './runtime-fixtures.js';

const CRI_DOCKERD = kubeletConfig({
  containerRuntimeEndpoint: ['unix:///var/run/cri-dockerd.sock', 9, 'containerRuntimeEndpoint: unix:///var/run/cri-dockerd.sock'],
});

/** Debian's docker.io 20.10 unit, as installed (/lib/systemd/system/docker.service), trimmed to what matters. */
const DEBIAN_UNIT = `[Unit]
Description=Docker Application Container Engine
Requires=docker.socket

[Service]
Type=notify
EnvironmentFile=-/etc/default/docker
ExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS
ExecReload=/bin/kill -s HUP $MAINPID
Delegate=yes

[Install]
WantedBy=multi-user.target
`;
/** The RPM docker unit's shape (Fedora/CentOS `docker` package): options come from /etc/sysconfig/docker. */
const RPM_UNIT = `[Unit]
Description=Docker Application Container Engine

[Service]
Type=notify
EnvironmentFile=-/etc/sysconfig/docker
EnvironmentFile=-/etc/sysconfig/docker-storage
EnvironmentFile=-/etc/sysconfig/docker-network
ExecStart=/usr/bin/dockerd-current \\
          --add-runtime docker-runc=/usr/libexec/docker/docker-runc-current \\
          $OPTIONS \\
          $DOCKER_STORAGE_OPTIONS \\
          $DOCKER_NETWORK_OPTIONS
`;
const SYSCONFIG = `# /etc/sysconfig/docker
OPTIONS='--selinux-enabled --log-driver=journald --exec-opt native.cgroupdriver=systemd'
`;
const DEB_UNIT_PATH = '/lib/systemd/system/docker.service';
const RPM_UNIT_PATH = '/usr/lib/systemd/system/docker.service';
const DAEMON = '/etc/docker/daemon.json';

describe('dockerd cgroup driver: daemon.json', () => {
  it('reads "exec-opts" with its line when the unit sets no --exec-opt', () => {
    const json = '{\n  "exec-opts": ["native.cgroupdriver=systemd"],\n  "log-driver": "json-file"\n}\n';
    const rt = runtime(rawFrom({[DEB_UNIT_PATH]: DEBIAN_UNIT, [DAEMON]: json}), CRI_DOCKERD);
    expect(rt.name).toBe('docker');
    expect(rt.via).toBe('cri-dockerd');
    expect(rt.cgroupDriver).toEqual({value: 'systemd', source: {file: DAEMON, line: 2}, text: '"exec-opts": ["native.cgroupdriver=systemd"],'});
    expect(rt.problems).toEqual([]);
  });

  it('takes the last native.cgroupdriver, key case-insensitive (moby parseExecOptions)', () => {
    const json = '{\n  "exec-opts": [\n    "native.cgroupdriver=systemd",\n    " Native.CgroupDriver = cgroupfs"\n  ]\n}\n';
    const rt = runtime(rawFrom({[DAEMON]: json}), CRI_DOCKERD);
    expect(rt.cgroupDriver).toMatchObject({value: 'cgroupfs', source: {file: DAEMON, line: 4}});
  });
});

describe('dockerd cgroup driver: --exec-opt in docker.service', () => {
  it('reads `--exec-opt native.cgroupdriver=systemd` (two words) from the unit ExecStart', () => {
    const unit = DEBIAN_UNIT.replace('$DOCKER_OPTS', '--exec-opt native.cgroupdriver=systemd');
    const rt = runtime(rawFrom({[DEB_UNIT_PATH]: unit, [DAEMON]: '{}\n'}), CRI_DOCKERD);
    expect(rt.cgroupDriver?.value).toBe('systemd');
    expect(rt.cgroupDriver?.source).toEqual({file: DEB_UNIT_PATH, line: lineOf(unit, 'ExecStart=')});
    expect(rt.docker?.execOpts.map((o) => [o.from, o.value])).toEqual([['flag', 'native.cgroupdriver=systemd']]);
  });

  it('reads `--exec-opt=native.cgroupdriver=cgroupfs` (one word)', () => {
    const unit = DEBIAN_UNIT.replace('$DOCKER_OPTS', '--exec-opt=native.cgroupdriver=cgroupfs');
    const rt = runtime(rawFrom({[DEB_UNIT_PATH]: unit, [DAEMON]: '{}\n'}), CRI_DOCKERD);
    expect(rt.cgroupDriver).toMatchObject({value: 'cgroupfs', source: {file: DEB_UNIT_PATH, line: lineOf(unit, 'ExecStart=')}});
  });

  it('follows a drop-in that resets ExecStart= and sets the driver, over the vendor unit', () => {
    const vendor = DEBIAN_UNIT.replace('$DOCKER_OPTS', '--exec-opt native.cgroupdriver=cgroupfs');
    const dropIn = '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// --exec-opt native.cgroupdriver=systemd\n';
    const path = '/etc/systemd/system/docker.service.d/override.conf';
    const rt = runtime(rawFrom({[DEB_UNIT_PATH]: vendor, [path]: dropIn, [DAEMON]: '{}\n'}), CRI_DOCKERD);
    expect(rt.cgroupDriver).toMatchObject({value: 'systemd', source: {file: path, line: 3}});
    expect(rt.docker?.command?.[0]?.value).toBe('/usr/sbin/dockerd');
  });

  it('reads $DOCKER_OPTS from /etc/default/docker only because the unit names it', () => {
    const env = 'DOCKER_OPTS="--exec-opt native.cgroupdriver=systemd"\n';
    const named = runtime(rawFrom({[DEB_UNIT_PATH]: DEBIAN_UNIT, '/etc/default/docker': env, [DAEMON]: '{}\n'}), CRI_DOCKERD);
    expect(named.cgroupDriver).toMatchObject({value: 'systemd', source: {file: '/etc/default/docker', line: 1}});
    // Docker CE's unit has no EnvironmentFile=: the same file changes nothing.
    const ce = '[Service]\nType=notify\nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n';
    const unnamed = runtime(rawFrom({'/lib/systemd/system/docker.service': ce, '/etc/default/docker': env, [DAEMON]: '{}\n'}), CRI_DOCKERD);
    expect(unnamed.cgroupDriver?.value).toBe('cgroupfs');
    expect(unnamed.cgroupDriver?.text).toMatch(/no --exec-opt in docker.service and no "exec-opts" in \/etc\/docker\/daemon.json/);
  });
});

describe('dockerd cgroup driver: /etc/sysconfig/docker OPTIONS', () => {
  it('expands $OPTIONS from EnvironmentFile=-/etc/sysconfig/docker and cites the sysconfig line', () => {
    const raw = rawFrom({[RPM_UNIT_PATH]: RPM_UNIT, '/etc/sysconfig/docker': SYSCONFIG}, {records: {[DAEMON]: {status: 'missing', content: undefined}}});
    const rt = runtime(raw, CRI_DOCKERD);
    expect(rt.cgroupDriver).toEqual({
      value: 'systemd',
      source: {file: '/etc/sysconfig/docker', line: 2},
      text: expect.stringContaining('OPTIONS=') as unknown as string,
    });
    expect(rt.docker?.command?.map((a) => a.value)).toContain('--selinux-enabled');
  });

  it('without the sysconfig file, falls to the default (cgroupfs on a cgroup v1 or offline host)', () => {
    const rt = runtime(rawFrom({[RPM_UNIT_PATH]: RPM_UNIT}, {records: {[DAEMON]: {status: 'missing', content: undefined}}}), CRI_DOCKERD);
    expect(rt.cgroupDriver?.value).toBe('cgroupfs');
  });
});

describe('dockerd cgroup driver: refusals', () => {
  it('fails when a flag and daemon.json both set exec-opts, naming both lines, and gives no driver', () => {
    const json = '{\n  "exec-opts": ["native.cgroupdriver=systemd"]\n}\n';
    const raw = rawFrom({[RPM_UNIT_PATH]: RPM_UNIT, '/etc/sysconfig/docker': SYSCONFIG, [DAEMON]: json});
    const rt = runtime(raw, CRI_DOCKERD);
    expect(rt.cgroupDriver).toBeNull();
    const fails = rt.problems.filter((p) => p.severity === 'fail');
    expect(fails[0]?.message).toContain(
      'the following directives are specified both as a flag and in the configuration file: exec-opts: (from flag: [native.cgroupdriver=systemd], from file: [native.cgroupdriver=systemd])',
    );
    expect(fails[0]?.message).toContain('/etc/sysconfig/docker:2');
    expect(fails[0]?.message).toContain('/etc/docker/daemon.json:2');
    expect(fails.map((f) => f.source)).toEqual([
      {file: '/etc/sysconfig/docker', line: 2},
      {file: DAEMON, line: 2},
    ]);
  });

  it('fails on a driver dockerd does not know', () => {
    const rt = runtime(rawFrom({[DAEMON]: '{"exec-opts": ["native.cgroupdriver=none"]}\n'}), CRI_DOCKERD);
    expect(rt.cgroupDriver).toBeNull();
    expect(rt.problems[0]?.message).toContain('native.cgroupdriver option none is internally used');
  });
});

describe('dockerd cgroup driver: default', () => {
  it('is systemd on a live cgroup v2 host when nothing sets it (moby UsingSystemd)', () => {
    const raw = rawFrom({[DEB_UNIT_PATH]: DEBIAN_UNIT, [DAEMON]: '{}\n'}, {live: true, commands: {'cgroup-fs': {stdout: 'cgroup2fs\n'}}});
    expect(runtime(raw, CRI_DOCKERD).cgroupDriver?.value).toBe('systemd');
  });

  it('is cgroupfs on a cgroup v1 host', () => {
    const raw = rawFrom({[DEB_UNIT_PATH]: DEBIAN_UNIT, [DAEMON]: '{}\n'}, {live: true, commands: {'cgroup-fs': {stdout: 'tmpfs\n'}}});
    expect(runtime(raw, CRI_DOCKERD).cgroupDriver?.value).toBe('cgroupfs');
  });
});
