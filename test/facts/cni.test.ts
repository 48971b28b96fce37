import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {rawFrom, type RawOptions} from '../helpers/facts.js';
import {buildCni, buildRuntime, type CniFacts} from '../../src/facts/runtime/runtime.js';
import type {Collected, DirRecord, KubeletArgv} from '../../src/facts/types.js';

const fx = (name: string): string => readFileSync(new URL(`../fixtures/runtime/${name}`, import.meta.url), 'utf8');
const CTD = '/etc/containerd/config.toml';
const V2 = fx('containerd-1.6-default.toml');
const nc = {collected: false as const, reason: 'not provided by this test'};
const STANDARD = ['bandwidth', 'bridge', 'dhcp', 'firewall', 'host-device', 'host-local', 'loopback', 'macvlan', 'portmap', 'ptp', 'tuning', 'vlan'];

const bin = (names: string[], path = '/opt/cni/bin'): Record<string, DirRecord> => ({
  [path]: {path, status: 'ok', entries: names.map((name) => ({name, type: 'file' as const}))},
});

function cni(files: Record<string, string>, opts: RawOptions = {}, argv: Collected<KubeletArgv> = nc): CniFacts {
  const raw = rawFrom(files, opts);
  const out = buildCni(raw, buildRuntime(raw, nc, argv));
  if (!out.collected) throw new Error(out.reason);
  return out.value;
}

const crioArgv: Collected<KubeletArgv> = {
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

describe('buildCni', () => {
  it('finds the flannel config in use, with the bridge and host-local plugins it delegates to', () => {
    const c = cni({[CTD]: V2, '/etc/cni/net.d/10-flannel.conflist': fx('cni-10-flannel.conflist')}, {dirs: bin(['flannel', ...STANDARD])});
    expect(c.confDir.source).toEqual({file: CTD, line: 73});
    expect(c.inUse?.path).toBe('/etc/cni/net.d/10-flannel.conflist');
    expect(c.inUse?.name).toBe('cbr0');
    expect(c.inUse?.plugins.map((p) => [p.value, p.source])).toEqual([
      ['flannel', {file: '/etc/cni/net.d/10-flannel.conflist', line: 6}],
      ['bridge', {file: '/etc/cni/net.d/10-flannel.conflist', line: 6}],
      ['host-local', {file: '/etc/cni/net.d/10-flannel.conflist', line: 6}],
      ['portmap', {file: '/etc/cni/net.d/10-flannel.conflist', line: 13}],
    ]);
    expect(c.missing).toEqual([]);
  });

  it('lists the calico plugin binaries missing from /opt/cni/bin with the line naming each', () => {
    const files = {[CTD]: V2, '/etc/cni/net.d/10-calico.conflist': fx('cni-10-calico.conflist'), '/etc/cni/net.d/calico-kubeconfig': 'apiVersion: v1\n'};
    const c = cni(files, {dirs: bin(STANDARD)});
    expect(c.ignored).toEqual(['calico-kubeconfig']);
    expect(c.missing.map((m) => [m.value, m.source, m.text])).toEqual([
      ['calico', {file: '/etc/cni/net.d/10-calico.conflist', line: 6}, '"type": "calico"'],
      ['calico-ipam', {file: '/etc/cni/net.d/10-calico.conflist', line: 13}, '"type": "calico-ipam"'],
    ]);
  });

  it('uses the lexically first file, as libcni sorts the conf dir', () => {
    const files = {
      [CTD]: V2,
      '/etc/cni/net.d/10-containerd-net.conflist': fx('cni-10-containerd-net.conflist'),
      '/etc/cni/net.d/05-flannel.conflist': fx('cni-10-flannel.conflist'),
    };
    expect(cni(files, {dirs: bin(['flannel', ...STANDARD])}).inUse?.path).toBe('/etc/cni/net.d/05-flannel.conflist');
  });

  it('has no config in use when the conf dir is empty or missing', () => {
    const empty = cni({[CTD]: V2}, {dirs: {'/etc/cni/net.d': {path: '/etc/cni/net.d', status: 'ok', entries: []}, ...bin(STANDARD)}});
    expect(empty.confDirStatus).toBe('ok');
    expect(empty.configs).toEqual([]);
    expect(empty.inUse).toBeNull();
    const missing = cni({[CTD]: V2}, {dirs: {'/etc/cni/net.d': {path: '/etc/cni/net.d', status: 'missing', entries: []}}});
    expect(missing.confDirStatus).toBe('missing');
  });

  it('records a malformed conflist with its line; containerd uses it anyway and fails', () => {
    const bad = '{\n  "name": "k8s-pod-network",\n  "plugins": [\n    {"type": "calico",}\n  ]\n}\n';
    const files = {[CTD]: V2, '/etc/cni/net.d/10-calico.conflist': bad, '/etc/cni/net.d/20-flannel.conflist': fx('cni-10-flannel.conflist')};
    const c = cni(files, {dirs: bin(['flannel', ...STANDARD])});
    expect(c.configs[0]).toMatchObject({path: '/etc/cni/net.d/10-calico.conflist', status: 'parse-error', line: 4});
    expect(c.inUse?.path).toBe('/etc/cni/net.d/10-calico.conflist');
    expect(c.missing).toEqual([]);
  });

  it('lets CRI-O skip an invalid config and use the next valid one', () => {
    const files = {
      '/etc/crio/crio.conf': fx('crio.conf'),
      '/etc/cni/net.d/10-broken.conf': '{\n  "cniVersion": "0.4.0",\n  "name": "broken"\n}\n',
      '/etc/cni/net.d/20-flannel.conflist': fx('cni-10-flannel.conflist'),
    };
    const c = cni(files, {dirs: bin(['flannel', ...STANDARD])}, crioArgv);
    expect(c.confDir.value).toBe('/etc/cni/net.d/');
    expect(c.configs[0]).toMatchObject({status: 'invalid', error: 'no "type" in the network config'});
    expect(c.inUse?.path).toBe('/etc/cni/net.d/20-flannel.conflist');
  });

  it('rejects a conflist without a name or plugins as libcni does', () => {
    const c = cni({[CTD]: V2, '/etc/cni/net.d/10-x.conflist': '{"cniVersion": "1.0.0", "plugins": []}'}, {dirs: bin(STANDARD)});
    expect(c.configs[0]).toMatchObject({status: 'invalid', error: 'no "name" in the network config list'});
  });

  it('follows conf_dir and bin_dir from the containerd config', () => {
    const text = V2.replace('bin_dir = "/opt/cni/bin"', 'bin_dir = "/usr/lib/cni"').replace('conf_dir = "/etc/cni/net.d"', 'conf_dir = "/etc/cni/custom"');
    const c = cni({[CTD]: text, '/etc/cni/custom/10-flannel.conflist': fx('cni-10-flannel.conflist')}, {dirs: bin(['flannel'], '/usr/lib/cni')});
    expect(c.inUse?.path).toBe('/etc/cni/custom/10-flannel.conflist');
    expect(c.binListings).toEqual([{path: '/usr/lib/cni', status: 'ok', entries: ['flannel']}]);
    expect(c.missing.map((m) => m.value)).toEqual(['bridge', 'host-local', 'portmap']);
  });

  it('does not call binaries missing when a bin dir was not listed', () => {
    const c = cni({[CTD]: V2, '/etc/cni/net.d/10-flannel.conflist': fx('cni-10-flannel.conflist')});
    expect(c.binListings[0]?.status).toBe('not-collected');
    expect(c.missing).toEqual([]);
  });

  it('is not collected when the runtime is not', () => {
    expect(buildCni(rawFrom({}), {collected: false, reason: 'runtime config files were not collected by the probe'})).toEqual({
      collected: false,
      reason: 'runtime config files were not collected by the probe',
    });
  });
});
