import {describe, it, expect} from 'vitest';
import check from '../../checks/cgroup-version.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {buildCgroup} from '../../src/facts/host/host.js';
import {buildKubeletConfig} from '../../src/facts/kubelet/kubelet-config.js';
import {collected, notCollected} from '../../src/facts/types.js';
import type {Facts} from '../../src/facts/types.js';
import {ctx, makeFacts, rawFrom} from '../helpers/facts.js';
import {argvOf} from '../helpers/argv.js';

const CFG = '/var/lib/kubelet/config.yaml';
const HEAD = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n';
const STAT = 'stat -fc %T /sys/fs/cgroup';
const CMDLINE = 'BOOT_IMAGE=/boot/vmlinuz-5.15.0-105-generic root=UUID=3b6f0c1e ro quiet systemd.unified_cgroup_hierarchy=0\n';

const versionFact = (v: string): Facts['kubeletVersion'] => collected({value: v, source: {command: 'kubelet --version'}, text: `Kubernetes ${v}`});

function run(fs: 'cgroup2fs' | 'tmpfs', version: string | null, config = HEAD, files: Record<string, string> = {}): Verdict {
  const raw = rawFrom({[CFG]: config, ...files}, {live: true, commands: {'cgroup-fs': {stdout: `${fs}\n`, command: STAT}}});
  const kubeletConfig = buildKubeletConfig(raw, argvOf([`--config=${CFG}`]), version);
  const facts = makeFacts({
    cgroup: buildCgroup(raw),
    kubeletConfig,
    kubeletVersion: version ? versionFact(version) : notCollected('`kubelet --version` not-found'),
  });
  const v = check.evaluate(facts, ctx);
  if (Array.isArray(v)) throw new Error('cgroup-version returns one verdict');
  return v;
}

describe('cgroup-version check', () => {
  it('passes on cgroup v2', () => {
    const v = run('cgroup2fs', 'v1.35.0', HEAD, {'/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc\n'});
    expect(v.status).toBe('pass');
    expect(v.summary).toBe('cgroup v2 (cgroup2fs)');
    expect(v.evidence.map((e) => e.source)).toEqual([{command: STAT}, {file: '/sys/fs/cgroup/cgroup.controllers', line: 1}]);
  });

  it('warns on cgroup v2 without the memory controller', () => {
    const v = run('cgroup2fs', 'v1.30.2', HEAD, {'/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io pids\n'});
    expect(v.status).toBe('warn');
    expect(v.summary).toMatch(/^cgroup v2, but the memory controller\(s\) are not available at the root/);
  });

  it('fails on cgroup v1 with kubelet 1.35 and the default failCgroupV1', () => {
    const v = run('tmpfs', 'v1.35.0', HEAD, {'/proc/cmdline': CMDLINE});
    expect(v.status).toBe('fail');
    expect(v.summary).toBe(
      'cgroup v1 (forced by systemd.unified_cgroup_hierarchy=0 on the kernel command line) and kubelet v1.35.0 has failCgroupV1 true (the default from 1.35): the kubelet refuses to start',
    );
    expect(v.evidence.map((e) => e.source)).toEqual([
      {command: STAT},
      {file: '/proc/cmdline', line: 1},
      {command: 'kubelet --version'},
      {command: 'kubelet default (v1.35.0)'},
    ]);
  });

  it('warns on cgroup v1 with kubelet 1.35 when failCgroupV1 is false', () => {
    const v = run('tmpfs', 'v1.35.0', `${HEAD}failCgroupV1: false\n`);
    expect(v.status).toBe('warn');
    expect(v.summary).toContain('allowed on kubelet v1.35.0 only because failCgroupV1 is false');
    expect(v.evidence.at(-1)).toEqual({source: {file: CFG, line: 4}, text: 'failCgroupV1: false'});
  });

  it('warns on cgroup v1 with kubelet 1.31-1.34 (maintenance mode)', () => {
    const v = run('tmpfs', 'v1.33.1');
    expect(v.status).toBe('warn');
    expect(v.summary).toBe(
      'cgroup v1 (v1 or hybrid hierarchy): in maintenance mode since 1.31 (kubelet v1.33.1); from 1.35 the kubelet refuses it by default, so migrate to cgroup v2 before upgrading',
    );
  });

  it('fails on 1.31-1.34 when failCgroupV1 is set to true', () => {
    const v = run('tmpfs', 'v1.32.0', `${HEAD}failCgroupV1: true\n`);
    expect(v.status).toBe('fail');
    expect(v.evidence.at(-1)?.source).toEqual({file: CFG, line: 4});
  });

  it('passes cgroup v1 on kubelet 1.30 with a note about the timeline', () => {
    const v = run('tmpfs', 'v1.30.2');
    expect(v.status).toBe('pass');
    expect(v.summary).toContain('is supported by kubelet v1.30.2');
  });

  it('warns on cgroup v1 when the kubelet version is unknown', () => {
    const v = run('tmpfs', null);
    expect(v.status).toBe('warn');
    expect(v.summary).toContain('the kubelet version is unknown');
  });

  it('skips offline, with the reason', () => {
    const v = check.evaluate(makeFacts({cgroup: buildCgroup(rawFrom({}))}), ctx);
    expect(v).toEqual({
      status: 'skip',
      summary: 'root transport: commands and /proc are not collected: the cgroup version is a property of the running kernel',
      evidence: [],
    });
  });
});

describe('signatures', () => {
  it('match the log lines they describe', () => {
    expect(check.signatures.length).toBeGreaterThan(0);
    for (const s of check.signatures) expect(s.pattern.test(s.text), s.id).toBe(true);
  });
});
