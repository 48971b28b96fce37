import {describe, it, expect} from 'vitest';
import {buildUnit} from '../../src/facts/systemd/systemd-unit.js';
import type {UnitFacts} from '../../src/facts/systemd/systemd-unit.js';
import {kubeadmDropIn} from '../../src/lab/node-files.js';
import {rawFrom} from '../helpers/facts.js';

const USR = '/usr/lib/systemd/system';
const ETC = '/etc/systemd/system';
const SERVICE = '[Service]\nExecStart=/usr/bin/kubelet\nRestart=always\n';
const KUBEADM = `${USR}/kubelet.service.d/10-kubeadm.conf`;
const EXTRA = `${ETC}/kubelet.service.d/20-extra.conf`;

function unit(files: Record<string, string>, layout: 'rpm' | 'deb' = 'deb'): UnitFacts {
  const u = buildUnit(
    rawFrom({
      [`${USR}/kubelet.service`]: SERVICE,
      [KUBEADM]: kubeadmDropIn(layout),
      '/var/lib/kubelet/kubeadm-flags.env': 'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/containerd.sock"\n',
      ...files,
    }),
  );
  if (!u.collected) throw new Error(u.reason);
  return u.value;
}
const brief = (u: UnitFacts): unknown[] => u.overrides.map((o) => ({kind: o.kind, at: o.source, by: o.related.map((r) => r.source)}));

describe('silent overrides of kubelet.service', () => {
  it('a healthy kubeadm node has none', () => {
    expect(unit({'/etc/default/kubelet': 'KUBELET_EXTRA_ARGS=\n'}).overrides).toEqual([]);
    expect(unit({'/etc/sysconfig/kubelet': 'KUBELET_EXTRA_ARGS=\n'}, 'rpm').overrides).toEqual([]);
  });

  it("kubeadm's /etc/default/kubelet KUBELET_EXTRA_ARGS= wipes a drop-in's Environment=", () => {
    const u = unit({
      '/etc/default/kubelet': 'KUBELET_EXTRA_ARGS=\n',
      [EXTRA]: '[Service]\nEnvironment="KUBELET_EXTRA_ARGS=--node-ip=10.0.0.7"\n',
    });
    expect(brief(u)).toEqual([{kind: 'env-overridden', at: {file: EXTRA, line: 2}, by: [{file: '/etc/default/kubelet', line: 1}]}]);
    expect(u.overrides[0]?.message).toBe(
      `${EXTRA}:2 sets KUBELET_EXTRA_ARGS="--node-ip=10.0.0.7", but /etc/default/kubelet:1 sets it to "" and EnvironmentFile= values override Environment= whatever the order (systemd.exec(5)): the kubelet never receives "--node-ip=10.0.0.7"`,
    );
    expect(u.overrides[0]?.text).toBe('Environment="KUBELET_EXTRA_ARGS=--node-ip=10.0.0.7"');
  });

  it('RPM layout: /etc/sysconfig/kubelet wins the same way', () => {
    const u = unit(
      {'/etc/sysconfig/kubelet': 'KUBELET_EXTRA_ARGS=--v=2\n', [EXTRA]: '[Service]\nEnvironment="KUBELET_EXTRA_ARGS=--node-ip=10.0.0.7"\n'},
      'rpm',
    );
    expect(brief(u)).toEqual([{kind: 'env-overridden', at: {file: EXTRA, line: 2}, by: [{file: '/etc/sysconfig/kubelet', line: 1}]}]);
  });

  it('two Environment= lines: the later wins and the earlier is reported', () => {
    const u = unit({[EXTRA]: '[Service]\nEnvironment="KUBELET_EXTRA_ARGS=--node-ip=10.0.0.7"\nEnvironment="KUBELET_EXTRA_ARGS=--v=4"\n'});
    expect(brief(u)).toEqual([{kind: 'env-overridden', at: {file: EXTRA, line: 2}, by: [{file: EXTRA, line: 3}]}]);
    expect(u.overrides[0]?.message).toContain('a later assignment of the same variable wins');
  });

  it('EnvironmentFile order: the later file wins', () => {
    const u = unit({
      '/etc/default/kubelet': 'KUBELET_EXTRA_ARGS=--v=4\n',
      [EXTRA]: '[Service]\nEnvironmentFile=/etc/kubelet.extra\n',
      '/etc/kubelet.extra': '# mine\nKUBELET_EXTRA_ARGS=--max-pods=200\n',
    });
    expect(brief(u)).toEqual([{kind: 'env-overridden', at: {file: '/etc/default/kubelet', line: 1}, by: [{file: '/etc/kubelet.extra', line: 2}]}]);
  });

  it('Environment= in a later drop-in still loses to an earlier EnvironmentFile=', () => {
    const u = unit({
      '/etc/default/kubelet': 'KUBELET_EXTRA_ARGS=--v=2\n',
      [`${ETC}/kubelet.service.d/99-last.conf`]: '[Service]\nEnvironment="KUBELET_EXTRA_ARGS=--node-ip=10.0.0.7"\n',
    });
    expect(brief(u)).toEqual([
      {kind: 'env-overridden', at: {file: `${ETC}/kubelet.service.d/99-last.conf`, line: 2}, by: [{file: '/etc/default/kubelet', line: 1}]},
    ]);
  });

  it('a variable ExecStart does not use is not reported', () => {
    const u = unit({[EXTRA]: '[Service]\nEnvironment=FOO=1\nEnvironment=FOO=2\n'});
    expect(u.overrides).toEqual([]);
  });

  it('quotes mid-word in ExecStart: says what old and new systemd pass', () => {
    const u = unit({
      [EXTRA]: '[Service]\nExecStart=\nExecStart=/usr/bin/kubelet --node-labels="a=b,c=d" --config=/var/lib/kubelet/config.yaml\n',
    });
    expect(brief(u)).toEqual([{kind: 'quote-mid-word', at: {file: EXTRA, line: 3}, by: []}]);
    expect(u.overrides[0]?.message).toContain('systemd with extract_first_word passes --node-labels=a=b,c=d');
    expect(u.overrides[0]?.message).toContain('--node-labels="a=b,c=d"');
  });

  it('a quoted whole word is not reported', () => {
    const u = unit({[EXTRA]: '[Service]\nExecStart=\nExecStart=/usr/bin/kubelet "--node-labels=a=b c" $KUBELET_EXTRA_ARGS\n'});
    expect(u.overrides).toEqual([]);
  });

  it('quotes inside a $VAR value: reported at the line that set it', () => {
    const u = unit({'/etc/default/kubelet': 'KUBELET_EXTRA_ARGS=\'--eviction-hard=memory.available<"100Mi"\'\n'});
    expect(brief(u)).toEqual([{kind: 'quote-mid-word', at: {file: '/etc/default/kubelet', line: 1}, by: [{file: KUBEADM, line: 11}]}]);
    expect(u.overrides[0]?.message).toContain('--eviction-hard=memory.available<100Mi');
  });

  it('quotes inside a ${VAR} value reach the kubelet literally', () => {
    const u = unit({
      [EXTRA]: '[Service]\nEnvironment=\'LABELS=--node-labels="a=b"\'\nExecStart=\nExecStart=/usr/bin/kubelet ${LABELS}\n',
    });
    expect(brief(u)).toEqual([{kind: 'quote-in-braced-var', at: {file: EXTRA, line: 2}, by: [{file: EXTRA, line: 4}]}]);
    expect(u.overrides[0]?.message).toContain('every systemd version passes it unchanged');
  });

  it('an empty Environment= in a later drop-in throws away earlier values', () => {
    const u = unit({
      [EXTRA]: '[Service]\nEnvironment="KUBELET_EXTRA_ARGS=--node-ip=10.0.0.7"\n',
      [`${ETC}/kubelet.service.d/30-reset.conf`]: '[Service]\nEnvironment=\n',
    });
    const by = [{file: `${ETC}/kubelet.service.d/30-reset.conf`, line: 2}];
    // kubeadm's own KUBELET_KUBECONFIG_ARGS and KUBELET_CONFIG_ARGS go too
    expect(brief(u)).toEqual([
      {kind: 'env-overridden', at: {file: KUBEADM, line: 3}, by},
      {kind: 'env-overridden', at: {file: KUBEADM, line: 4}, by},
      {kind: 'env-overridden', at: {file: EXTRA, line: 2}, by},
    ]);
    expect(u.overrides[2]?.message).toBe(
      `${EXTRA}:2 sets KUBELET_EXTRA_ARGS="--node-ip=10.0.0.7", but ${ETC}/kubelet.service.d/30-reset.conf:2 is Environment= and an empty Environment= resets the list and all earlier assignments have no effect (systemd.exec(5)); KUBELET_EXTRA_ARGS is unset: the kubelet never receives "--node-ip=10.0.0.7"`,
    );
    expect(u.overrides[2]?.message).toContain('an empty Environment= resets the list and all earlier assignments have no effect');
  });

  it('an empty EnvironmentFile= drops the files listed before it', () => {
    const u = unit({
      '/etc/default/kubelet': 'KUBELET_EXTRA_ARGS=--node-ip=10.0.0.7\n',
      [EXTRA]: '[Service]\nEnvironmentFile=\n',
    });
    expect(brief(u)).toEqual([
      {kind: 'env-overridden', at: {file: '/var/lib/kubelet/kubeadm-flags.env', line: 1}, by: [{file: EXTRA, line: 2}]},
      {kind: 'env-overridden', at: {file: '/etc/default/kubelet', line: 1}, by: [{file: EXTRA, line: 2}]},
    ]);
    expect(u.overrides[1]?.message).toContain('an empty EnvironmentFile= resets the list of files');
  });
});
