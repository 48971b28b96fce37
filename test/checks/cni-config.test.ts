import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import check from '../../checks/cni-config.js';
import {ctx, makeFacts, rawFrom, type RawOptions} from '../helpers/facts.js';
import {buildCni, buildRuntime} from '../../src/facts/runtime/runtime.js';
import type {Verdict} from '../../src/catalogue/define.js';
import type {Collected, DirRecord, KubeletArgv} from '../../src/facts/types.js';

const fx = (name: string): string => readFileSync(new URL(`../fixtures/runtime/${name}`, import.meta.url), 'utf8');
const CTD = '/etc/containerd/config.toml';
const V2 = fx('containerd-1.6-default.toml');
const FLANNEL = '/etc/cni/net.d/10-flannel.conflist';
const nc = {collected: false as const, reason: 'not provided by this test'};
const STANDARD = ['bandwidth', 'bridge', 'host-local', 'loopback', 'portmap', 'ptp', 'tuning', 'vlan'];
const bin = (names: string[]): Record<string, DirRecord> => ({
  '/opt/cni/bin': {path: '/opt/cni/bin', status: 'ok', entries: names.map((name) => ({name, type: 'file' as const}))},
});
const emptyNetD: Record<string, DirRecord> = {'/etc/cni/net.d': {path: '/etc/cni/net.d', status: 'ok', entries: []}};

function run(files: Record<string, string>, opts: RawOptions = {}, argv: Collected<KubeletArgv> = nc): Verdict[] {
  const raw = rawFrom(files, opts);
  const runtime = buildRuntime(raw, nc, argv);
  const out = check.evaluate(makeFacts({runtime, cni: buildCni(raw, runtime)}), ctx);
  return Array.isArray(out) ? out : [out];
}

describe('cni-config', () => {
  it('passes naming the config in use and its plugins when every binary is installed', () => {
    const out = run({[CTD]: V2, [FLANNEL]: fx('cni-10-flannel.conflist')}, {dirs: bin(['flannel', ...STANDARD])});
    expect(out).toHaveLength(1);
    expect(out[0]?.status).toBe('pass');
    expect(out[0]?.summary).toBe(
      '10-flannel.conflist (cbr0: flannel, bridge, host-local, portmap) is the CNI config in use in /etc/cni/net.d; plugin binaries present in /opt/cni/bin',
    );
    expect(out[0]?.evidence.map((e) => e.source)).toEqual([
      {file: FLANNEL, line: 6},
      {file: CTD, line: 73},
    ]);
  });

  it('fails when the conf dir has no CNI config (cni plugin not initialized)', () => {
    const [v] = run({[CTD]: V2}, {dirs: {...emptyNetD, ...bin(STANDARD)}});
    expect(v?.status).toBe('fail');
    expect(v?.summary).toMatch(/^no \.conf\/\.conflist\/\.json file in \/etc\/cni\/net\.d: containerd reports "cni plugin not initialized"/);
    expect(v?.evidence[0]).toEqual({source: {file: CTD, line: 73}, text: 'conf_dir = "/etc/cni/net.d"'});
  });

  it('fails when the conf dir does not exist', () => {
    const missing = {'/etc/cni/net.d': {path: '/etc/cni/net.d', status: 'missing' as const, entries: []}};
    const [v] = run({[CTD]: V2}, {dirs: missing});
    expect(v?.status).toBe('fail');
    expect(v?.summary).toMatch(/^\/etc\/cni\/net\.d does not exist/);
  });

  it('fails on a config in use that does not parse, with the line', () => {
    const bad = '{\n  "name": "cbr0",\n  "plugins": [\n    {"type": "flannel"}\n    {"type": "portmap"}\n  ]\n}\n';
    const [v] = run({[CTD]: V2, [FLANNEL]: bad}, {dirs: bin(['flannel', ...STANDARD])});
    expect(v?.status).toBe('fail');
    expect(v?.summary).toMatch(/^\/etc\/cni\/net\.d\/10-flannel\.conflist:5: .*containerd loads this file first and fails/);
    expect(v?.evidence[0]?.source).toEqual({file: FLANNEL, line: 5});
  });

  it('fails for each plugin binary missing from the bin dir', () => {
    const calico = '/etc/cni/net.d/10-calico.conflist';
    const out = run({[CTD]: V2, [calico]: fx('cni-10-calico.conflist')}, {dirs: bin(STANDARD)});
    expect(out.map((v) => v.status)).toEqual(['fail', 'fail']);
    expect(out[0]?.summary).toBe(`CNI plugin "calico" (${calico}:6) is not in /opt/cni/bin: pod sandboxes fail with "failed to find plugin "calico" in path"`);
    expect(out[1]?.evidence.map((e) => e.source)).toEqual([
      {file: calico, line: 13},
      {file: CTD, line: 72},
    ]);
  });

  it('warns about a broken config CRI-O skips, and passes on the one it uses', () => {
    const argv: Collected<KubeletArgv> = {
      collected: true,
      value: {
        executable: {value: '/usr/bin/kubelet', source: {file: '/etc/systemd/system/kubelet.service', line: 9}, text: 'ExecStart=/usr/bin/kubelet'},
        args: [],
        flags: {
          'container-runtime-endpoint': [
            {
              name: 'container-runtime-endpoint',
              value: 'unix:///var/run/crio/crio.sock',
              source: {file: '/var/lib/kubelet/kubeadm-flags.env', line: 1},
              text: '--container-runtime-endpoint=unix:///var/run/crio/crio.sock',
              index: 0,
            },
          ],
        },
        positional: [],
      },
    };
    const files = {
      '/etc/crio/crio.conf': fx('crio.conf'),
      '/etc/cni/net.d/05-old.conf': '{"cniVersion": "0.3.1", "name": "old"}',
      [FLANNEL]: fx('cni-10-flannel.conflist'),
    };
    const out = run(files, {dirs: bin(['flannel', ...STANDARD])}, argv);
    expect(out.map((v) => v.status)).toEqual(['pass', 'warn']);
    expect(out[1]?.summary).toMatch(/^\/etc\/cni\/net\.d\/05-old\.conf:1: no "type" in the network config/);
  });

  it('fails when the runtime still reports NetworkReady=false with a good config', () => {
    const crictl = fx('crictl-info-containerd-1.6.json');
    const [v] = run(
      {[CTD]: V2, [FLANNEL]: fx('cni-10-flannel.conflist')},
      {live: true, dirs: bin(['flannel', ...STANDARD]), commands: {'crictl-info': {stdout: crictl}}},
    );
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(
      'the config looks right but the runtime still reports NetworkReady=false NetworkPluginNotReady: Network plugin returns error: cni plugin not initialized; restart the runtime',
    );
    expect(v?.evidence.map((e) => e.source)).toEqual([{command: 'crictl info'}, {file: FLANNEL, line: 6}]);
  });

  it('passes without judging binaries when the bin dir was not listed', () => {
    const [v] = run({[CTD]: V2, [FLANNEL]: fx('cni-10-flannel.conflist')});
    expect(v?.status).toBe('pass');
    expect(v?.summary).toContain('plugin binaries not checked (bin dir not listed)');
  });

  it('skips when CNI facts or the conf dir listing were not collected', () => {
    expect(check.evaluate(makeFacts(), ctx)).toEqual({status: 'skip', summary: 'not provided by this test', evidence: []});
    const text = V2.replace('conf_dir = "/etc/cni/net.d"', 'conf_dir = "/srv/cni"');
    expect(run({[CTD]: text})[0]).toEqual({status: 'skip', summary: '/srv/cni was not listed by the probe', evidence: []});
  });
});
