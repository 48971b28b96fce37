import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import check from '../../checks/cgroup-driver-match.js';
import {ctx, makeFacts, rawFrom, type RawOptions} from '../helpers/facts.js';
import {buildRuntime} from '../../src/facts/runtime/runtime.js';
import type {Verdict} from '../../src/catalogue/define.js';
import type {Collected, ConfigValue, Facts, KubeletConfigFacts, Sourced} from '../../src/facts/types.js';

const fx = (name: string): string => readFileSync(new URL(`../fixtures/runtime/${name}`, import.meta.url), 'utf8');
const CTD = '/etc/containerd/config.toml';
const KCFG = '/var/lib/kubelet/config.yaml';
const V2_DEFAULT = fx('containerd-1.6-default.toml');
const V2_SYSTEMD = V2_DEFAULT.replace('SystemdCgroup = false', 'SystemdCgroup = true');
const V3_SYSTEMD = fx('containerd-2.x-default.toml').replace(
  "            ShimCgroup = ''\n",
  "            ShimCgroup = ''\n            SystemdCgroup = true\n",
);
const nc = {collected: false as const, reason: 'not provided by this test'};

function kubeletConfig(values: Record<string, [unknown, number, string]>): Collected<KubeletConfigFacts> {
  const effective: Record<string, ConfigValue> = {};
  for (const [k, [value, line, text]] of Object.entries(values)) {
    effective[k] = {value, origin: 'config-file', source: {file: KCFG, line}, text, overridden: []};
  }
  return {collected: true, value: {configPath: null, configDir: null, files: [], effective, unknownFields: [], typeErrors: [], defaultsFor: null}};
}

const driver = (d: string): Collected<KubeletConfigFacts> => kubeletConfig({cgroupDriver: [d, 14, `cgroupDriver: ${d}`]});
const version = (v: string): Collected<Sourced<string>> => ({
  collected: true,
  value: {value: v, source: {command: 'kubelet-version'}, text: `Kubernetes ${v}`},
});

function facts(files: Record<string, string>, kubelet: Collected<KubeletConfigFacts>, opts: RawOptions = {}, over: Partial<Facts> = {}): Facts {
  const raw = rawFrom(files, opts);
  return makeFacts({kubeletConfig: kubelet, runtime: buildRuntime(raw, kubelet, nc), ...over});
}

function run(f: Facts): Verdict[] {
  const out = check.evaluate(f, ctx);
  return Array.isArray(out) ? out : [out];
}

describe('cgroup-driver-match', () => {
  it('passes when the kubelet and containerd both use systemd', () => {
    const [v, ...rest] = run(facts({[CTD]: V2_SYSTEMD}, driver('systemd')));
    expect(rest).toEqual([]);
    expect(v?.status).toBe('pass');
    expect(v?.summary).toBe(`kubelet and containerd both use systemd (${KCFG}:14, ${CTD}:125)`);
    expect(v?.evidence.map((e) => e.source)).toEqual([
      {file: KCFG, line: 14},
      {file: CTD, line: 125},
    ]);
  });

  it('fails when the kubelet uses cgroupfs and containerd uses systemd, naming both sources', () => {
    const [v] = run(facts({[CTD]: V2_SYSTEMD}, driver('cgroupfs')));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(`kubelet uses cgroupfs (${KCFG}:14 cgroupDriver: cgroupfs), containerd uses systemd (${CTD}:125 SystemdCgroup = true)`);
    expect(v?.evidence).toEqual([
      {source: {file: KCFG, line: 14}, text: 'cgroupDriver: cgroupfs'},
      {source: {file: CTD, line: 125}, text: 'SystemdCgroup = true'},
    ]);
  });

  it("fails when kubeadm's systemd meets containerd 1.x's default SystemdCgroup = false", () => {
    const [v] = run(facts({[CTD]: V2_DEFAULT}, driver('systemd')));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toContain(`containerd uses cgroupfs (${CTD}:125 SystemdCgroup = false)`);
  });

  it("takes the kubelet's default cgroupfs when cgroupDriver is not set", () => {
    const [v] = run(facts({[CTD]: V2_SYSTEMD}, kubeletConfig({})));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toMatch(/^kubelet uses cgroupfs \(kubelet default: cgroupDriver not set, default cgroupfs\), containerd uses systemd/);
    expect(v?.evidence[1]?.source).toEqual({file: CTD, line: 125});
  });

  it('warns instead of failing when kubelet >= 1.31 takes the driver from containerd 2.x', () => {
    const [v] = run(facts({[CTD]: V3_SYSTEMD}, driver('cgroupfs'), {}, {kubeletVersion: version('v1.31.0')}));
    expect(v?.status).toBe('warn');
    expect(v?.summary).toContain(`containerd uses systemd (${CTD}:106 SystemdCgroup = true)`);
    expect(v?.summary).toContain('KubeletCgroupDriverFromCRI');
  });

  it('still fails on kubelet 1.30, or on 1.32 with the KubeletCgroupDriverFromCRI gate off', () => {
    expect(run(facts({[CTD]: V3_SYSTEMD}, driver('cgroupfs'), {}, {kubeletVersion: version('v1.30.2')}))[0]?.status).toBe('fail');
    const gateOff = kubeletConfig({
      cgroupDriver: ['cgroupfs', 14, 'cgroupDriver: cgroupfs'],
      featureGates: [{KubeletCgroupDriverFromCRI: false}, 20, 'featureGates:'],
    });
    expect(run(facts({[CTD]: V3_SYSTEMD}, gateOff, {}, {kubeletVersion: version('v1.32.1')}))[0]?.status).toBe('fail');
  });

  it('fails on a CRI-O drop-in that switches to cgroupfs', () => {
    const cfg = kubeletConfig({
      cgroupDriver: ['systemd', 14, 'cgroupDriver: systemd'],
      containerRuntimeEndpoint: ['unix:///var/run/crio/crio.sock', 12, 'containerRuntimeEndpoint: unix:///var/run/crio/crio.sock'],
    });
    const files = {'/etc/crio/crio.conf': fx('crio.conf'), '/etc/crio/crio.conf.d/02-cgroup-manager.conf': fx('crio-02-cgroup-manager.conf')};
    const [v] = run(facts(files, cfg));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(
      `kubelet uses systemd (${KCFG}:14 cgroupDriver: systemd), CRI-O uses cgroupfs (/etc/crio/crio.conf.d/02-cgroup-manager.conf:3 cgroup_manager = "cgroupfs")`,
    );
  });

  it("fails when dockerd's native.cgroupdriver differs (cri-dockerd refuses it)", () => {
    const cfg = kubeletConfig({
      cgroupDriver: ['cgroupfs', 14, 'cgroupDriver: cgroupfs'],
      containerRuntimeEndpoint: ['unix:///var/run/cri-dockerd.sock', 12, 'containerRuntimeEndpoint: unix:///var/run/cri-dockerd.sock'],
    });
    const [v] = run(facts({'/etc/docker/daemon.json': fx('docker-daemon.json')}, cfg));
    expect(v?.status).toBe('fail');
    expect(v?.evidence[1]?.source).toEqual({file: '/etc/docker/daemon.json', line: 2});
  });

  it('judges the running containerd and warns when its config was changed without a restart', () => {
    const live = {live: true, commands: {'crictl-info': {stdout: fx('crictl-info-containerd-1.6.json')}}};
    const [restart, verdict] = run(facts({[CTD]: V2_DEFAULT}, driver('systemd'), live));
    expect(restart?.status).toBe('warn');
    expect(restart?.summary).toContain(`containerd's config says cgroupfs (${CTD}:125 SystemdCgroup = false) but the running containerd uses systemd`);
    expect(restart?.fix).toBeNull();
    expect(verdict?.status).toBe('pass');
    expect(verdict?.evidence[1]?.source).toEqual({command: 'crictl info'});
  });

  it('warns that SystemdCgroup in the version 2 table of a version 3 config is ignored', () => {
    const text = `${fx('containerd-2.x-default.toml')}\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n`;
    const out = run(facts({[CTD]: text}, driver('systemd')));
    expect(out.map((v) => v.status)).toEqual(['warn', 'fail']);
    expect(out[0]?.evidence[0]?.source).toEqual({file: CTD, line: text.split('\n').length - 1});
    expect(out[0]?.summary).toMatch(/ignores it/);
  });

  it("skips when the runtime's config does not parse", () => {
    const [v] = run(facts({[CTD]: 'version = 2\n[plugins\n'}, driver('systemd')));
    expect(v).toEqual({status: 'skip', summary: `cannot tell containerd's cgroup driver: ${CTD} is parse-error (see container-runtime)`, evidence: []});
  });

  it('skips when the kubelet config or the runtime was not collected', () => {
    expect(run(makeFacts({runtime: buildRuntime(rawFrom({[CTD]: V2_DEFAULT}), nc, nc)}))[0]).toEqual({
      status: 'skip',
      summary: 'not provided by this test',
      evidence: [],
    });
    expect(run(makeFacts({kubeletConfig: driver('systemd')}))[0]?.status).toBe('skip');
  });
});

describe('cgroup-driver-match: Docker nodes', () => {
  const UNIT = '/lib/systemd/system/docker.service';
  const unitWith = (opts: string): string => `[Service]\nType=notify\nExecStart=/usr/sbin/dockerd -H fd:// ${opts}\n`;
  /** A 1.20 kubelet (dockershim era) with no runtime flags. */
  function shim(files: Record<string, string>, kubelet: Collected<KubeletConfigFacts>): Facts {
    return makeFacts({kubeletConfig: kubelet, runtime: buildRuntime(rawFrom(files), kubelet, nc, 'v1.20.15')});
  }

  it('passes a healthy dockershim node: dockerd --exec-opt native.cgroupdriver=systemd and kubelet systemd', () => {
    const [v, ...rest] = run(shim({[UNIT]: unitWith('--exec-opt native.cgroupdriver=systemd'), '/etc/docker/daemon.json': '{}\n'}, driver('systemd')));
    expect(rest).toEqual([]);
    expect(v?.status).toBe('pass');
    expect(v?.summary).toBe(`kubelet and Docker (dockershim) both use systemd (${KCFG}:14, ${UNIT}:3)`);
  });

  it('fails a dockershim node whose dockerd defaults to cgroupfs, with the kubelet line, the dockerd default and the kubelet error', () => {
    const [v] = run(shim({[UNIT]: unitWith('--containerd=/run/containerd/containerd.sock'), '/etc/docker/daemon.json': '{}\n'}, driver('systemd')));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toContain(`kubelet uses systemd (${KCFG}:14 cgroupDriver: systemd), Docker (dockershim) uses cgroupfs (/etc/docker/daemon.json`);
    expect(v?.summary).toContain(
      'the kubelet exits with "misconfiguration: kubelet cgroup driver: "systemd" is different from docker cgroup driver: "cgroupfs""',
    );
  });

  it('fails a cri-dockerd node whose daemon.json says cgroupfs against a systemd kubelet, citing daemon.json:2', () => {
    const kubelet = kubeletConfig({
      cgroupDriver: ['systemd', 14, 'cgroupDriver: systemd'],
      containerRuntimeEndpoint: ['unix:///var/run/cri-dockerd.sock', 9, 'containerRuntimeEndpoint: unix:///var/run/cri-dockerd.sock'],
    });
    const f = makeFacts({
      kubeletConfig: kubelet,
      runtime: buildRuntime(rawFrom({'/etc/docker/daemon.json': '{\n  "exec-opts": ["native.cgroupdriver=cgroupfs"]\n}\n'}), kubelet, nc, 'v1.28.2'),
    });
    const [v] = run(f);
    expect(v?.status).toBe('fail');
    expect(v?.summary).toContain('Docker via cri-dockerd uses cgroupfs (/etc/docker/daemon.json:2');
    expect(v?.summary).toContain('cri-dockerd exits');
    expect(v?.evidence.map((e) => e.source)).toEqual([
      {file: KCFG, line: 14},
      {file: '/etc/docker/daemon.json', line: 2},
    ]);
  });

  it('fails when dockerd gets exec-opts both as a flag and from daemon.json, with both lines', () => {
    const files = {
      [UNIT]: unitWith('--exec-opt=native.cgroupdriver=systemd'),
      '/etc/docker/daemon.json': '{\n  "exec-opts": ["native.cgroupdriver=systemd"]\n}\n',
    };
    const [v] = run(shim(files, driver('systemd')));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toContain('specified both as a flag and in the configuration file: exec-opts');
    expect(v?.evidence.map((e) => e.source)).toEqual([
      {file: KCFG, line: 14},
      {file: UNIT, line: 3},
      {file: '/etc/docker/daemon.json', line: 2},
    ]);
  });
});
