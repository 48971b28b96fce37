import {describe, it, expect} from 'vitest';
import {buildArgv, parseKubeletArgs} from '../../src/facts/kubelet/kubelet-argv.js';
import {buildUnit} from '../../src/facts/systemd/systemd-unit.js';
import {effectiveFlag} from '../../src/facts/types.js';
import type {KubeletArgv, Sourced} from '../../src/facts/types.js';
import {rawFrom} from '../helpers/facts.js';

const USR = '/usr/lib/systemd/system';
const ETC = '/etc/systemd/system';
const SERVICE = '[Unit]\nDescription=kubelet: The Kubernetes Node Agent\n\n[Service]\nExecStart=/usr/bin/kubelet\nRestart=always\nRestartSec=10\n';
// kubernetes/release 10-kubeadm.conf as the DEB package installs it (comments trimmed, lines kept).
const KUBEADM_DEB = `# Note: This dropin only works with kubeadm and kubelet v1.11+
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
# This is a file that "kubeadm init" and "kubeadm join" generates at runtime, populating the KUBELET_KUBEADM_ARGS variable dynamically
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
# This is a file that the user can use for overrides of the kubelet args as a last resort.
# KUBELET_EXTRA_ARGS should be sourced from this file.
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
`;

/** The parsed argv of a node, failing the test when it is not collected. */
function argvOf(files: Record<string, string>): KubeletArgv {
  const a = buildArgv(buildUnit(rawFrom(files)));
  if (!a.collected) throw new Error(a.reason);
  return a.value;
}

/** Parse literal words as if they all came from one ExecStart line. */
function parse(...words: string[]): KubeletArgv {
  const at = {source: {file: `${ETC}/kubelet.service.d/20-x.conf`, line: 3}, text: 'ExecStart=...'};
  const args: Sourced<string>[] = words.map((value) => ({value, ...at}));
  return parseKubeletArgs({value: '/usr/bin/kubelet', ...at}, args);
}

/** `file:line` of a flag's winning occurrence. */
const where = (argv: KubeletArgv, name: string): string => {
  const s = effectiveFlag(argv, name)?.source;
  return s && 'file' in s ? `${s.file}:${s.line}` : '';
};

describe('buildArgv on a kubeadm DEB node', () => {
  const argv = argvOf({
    [`${USR}/kubelet.service`]: SERVICE,
    [`${USR}/kubelet.service.d/10-kubeadm.conf`]: KUBEADM_DEB,
    '/var/lib/kubelet/kubeadm-flags.env':
      'KUBELET_KUBEADM_ARGS="--container-runtime=remote --container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.8"\n',
    '/etc/default/kubelet': 'KUBELET_EXTRA_ARGS=--node-ip=10.0.0.5 --config=/etc/kubelet/override.yaml\n',
  });

  it('records each flag with the file and line that set it', () => {
    expect(Object.keys(argv.flags)).toEqual([
      'bootstrap-kubeconfig',
      'kubeconfig',
      'config',
      'container-runtime',
      'container-runtime-endpoint',
      'pod-infra-container-image',
      'node-ip',
    ]);
    expect(where(argv, 'container-runtime')).toBe('/var/lib/kubelet/kubeadm-flags.env:1');
    expect(where(argv, 'kubeconfig')).toBe(`${USR}/kubelet.service.d/10-kubeadm.conf:3`);
    expect(argv.executable).toMatchObject({value: '/usr/bin/kubelet', source: {file: `${USR}/kubelet.service.d/10-kubeadm.conf`, line: 11}});
  });

  it('keeps every occurrence and lets the last one win', () => {
    expect(argv.flags['config']?.map((o) => [o.value, o.index])).toEqual([
      ['/var/lib/kubelet/config.yaml', 2],
      ['/etc/kubelet/override.yaml', 7],
    ]);
    expect(effectiveFlag(argv, 'config')).toMatchObject({
      value: '/etc/kubelet/override.yaml',
      source: {file: '/etc/default/kubelet', line: 1},
      text: '--config=/etc/kubelet/override.yaml',
    });
    expect(argv.positional).toEqual([]);
  });
});

describe('parseKubeletArgs (pflag rules)', () => {
  it('takes the next word as the value only for flags that take one', () => {
    const argv = parse('--config', '/var/lib/kubelet/config.yaml', '--node-labels', '--x=y');
    expect(effectiveFlag(argv, 'config')).toMatchObject({value: '/var/lib/kubelet/config.yaml', text: '--config /var/lib/kubelet/config.yaml', index: 0});
    expect(effectiveFlag(argv, 'node-labels')?.value).toBe('--x=y');
  });

  it('treats a boolean flag alone as true and leaves a separate true/false as a stray word', () => {
    const argv = parse('--rotate-certificates', '--fail-swap-on=false', '--exit-on-lock-contention', 'false');
    expect(['rotate-certificates', 'fail-swap-on', 'exit-on-lock-contention'].map((f) => effectiveFlag(argv, f)?.value)).toEqual(['true', 'false', 'true']);
    expect(argv.positional.map((p) => p.value)).toEqual(['false']);
  });

  it('reads -v=2, -v 2 and -v2 as the v flag', () => {
    expect(parse('-v=2', '-v', '3', '-v4').flags['v']?.map((o) => o.value)).toEqual(['2', '3', '4']);
  });

  it('normalises underscores and keeps an unknown single-dash word whole for the check to name', () => {
    const argv = parse('--cgroup_driver=systemd', '-config=/x.yaml');
    expect(effectiveFlag(argv, 'cgroup-driver')).toMatchObject({value: 'systemd', text: '--cgroup_driver=systemd'});
    expect(effectiveFlag(argv, 'config')).toMatchObject({value: '/x.yaml', text: '-config=/x.yaml'});
  });

  it('stops at -- and gives a value flag at the end an empty value', () => {
    const argv = parse('--kubeconfig', '--', 'extra', '--v=2');
    expect(effectiveFlag(argv, 'kubeconfig')?.value).toBe('--');
    expect(argv.positional.map((p) => p.value)).toEqual(['extra']);
    expect(effectiveFlag(argv, 'v')).toMatchObject({value: '2'});
    expect(parse('--hostname-override').flags['hostname-override']?.[0]).toMatchObject({value: '', text: '--hostname-override'});
    expect(parse('--bogus', '--v=1').flags['bogus']?.[0]?.value).toBe('');
    expect(parse('--', '--v=1').positional.map((p) => p.value)).toEqual(['--v=1']);
  });
});

describe('expansion into argv', () => {
  const node = (dropin: string, extra: Record<string, string> = {}): Record<string, string> => ({
    [`${USR}/kubelet.service`]: SERVICE,
    [`${ETC}/kubelet.service.d/20-x.conf`]: dropin,
    ...extra,
  });

  it('passes a braced multi-word variable as ONE argument and records the problem', () => {
    const files = node('[Service]\nEnvironmentFile=/etc/default/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet ${KUBELET_EXTRA_ARGS}\n', {
      '/etc/default/kubelet': 'KUBELET_EXTRA_ARGS="--node-ip=10.0.0.5 --max-pods=50"\n',
    });
    expect(effectiveFlag(argvOf(files), 'node-ip')).toMatchObject({value: '10.0.0.5 --max-pods=50', source: {file: '/etc/default/kubelet', line: 1}});
    const u = buildUnit(rawFrom(files));
    expect(u.collected && u.value.problems.map((p) => [p.kind, p.source, p.related?.[0]?.source])).toEqual([
      ['braced-multiword', {file: `${ETC}/kubelet.service.d/20-x.conf`, line: 4}, {file: '/etc/default/kubelet', line: 1}],
    ]);
  });

  it('turns an empty braced variable into an empty positional argument', () => {
    const files = node('[Service]\nExecStart=\nExecStart=/usr/bin/kubelet --v=2 ${KUBELET_EXTRA_ARGS}\n');
    expect(argvOf(files).positional).toEqual([
      {value: '', source: {file: `${ETC}/kubelet.service.d/20-x.conf`, line: 3}, text: 'ExecStart=/usr/bin/kubelet --v=2 ${KUBELET_EXTRA_ARGS}'},
    ]);
    const u = buildUnit(rawFrom(files));
    expect(u.collected && u.value.problems.map((p) => p.kind)).toEqual(['empty-braced-var']);
  });

  it('expands ${A:-default}, keeps $$ literal and does not expand an embedded $VAR', () => {
    const dropin =
      '[Service]\nEnvironment=ROOT=/data\nExecStart=\nExecStart=/usr/bin/kubelet --root-dir=${ROOT}/kubelet --cert-dir=${CERTS:-/var/lib/kubelet/pki} --node-labels=cost=$$5 --provider-id=x$ROOT\n';
    const argv = argvOf(node(dropin));
    expect(['root-dir', 'cert-dir', 'node-labels', 'provider-id'].map((f) => effectiveFlag(argv, f)?.value)).toEqual([
      '/data/kubelet',
      '/var/lib/kubelet/pki',
      'cost=$5',
      'x$ROOT',
    ]);
    expect(where(argv, 'root-dir')).toBe(`${ETC}/kubelet.service.d/20-x.conf:2`);
    expect(where(argv, 'node-labels')).toBe(`${ETC}/kubelet.service.d/20-x.conf:4`);
  });

  it('drops variables named by UnsetEnvironment= before expanding', () => {
    const dropin = '[Service]\nEnvironment=A=--v=1 B=--v=2\nUnsetEnvironment=A B=--v=9\nExecStart=\nExecStart=/usr/bin/kubelet $A $B\n';
    expect(argvOf(node(dropin)).args.map((a) => a.value)).toEqual(['--v=2']);
  });

  it('honours prefixes (@ argv0, : no expansion), quotes and continuation lines', () => {
    const dropin =
      '[Service]\nEnvironment=V=5\nExecStart=\nExecStart=-@/usr/bin/kubelet kubelet \\\n# a comment inside the continuation\n  --v=$V "--node-labels=a=b c" %%n\n';
    expect(argvOf(node(dropin)).args.map((a) => a.value)).toEqual(['--v=$V', '--node-labels=a=b c', '%n']);
    const noExpand = '[Service]\nEnvironment=V=5\nExecStart=\nExecStart=:/usr/bin/kubelet --v=${V}\n';
    expect(argvOf(node(noExpand)).args.map((a) => a.value)).toEqual(['--v=${V}']);
  });
});

describe('buildArgv when there is no command', () => {
  it('passes the unit reason through when the unit was not collected', () => {
    expect(buildArgv({collected: false, reason: 'the probe did not list the systemd unit directories'})).toEqual({
      collected: false,
      reason: 'the probe did not list the systemd unit directories',
    });
  });

  it('names the load error when systemd would refuse the unit', () => {
    const a = buildArgv(
      buildUnit(rawFrom({[`${USR}/kubelet.service`]: SERVICE, [`${ETC}/kubelet.service.d/20-x.conf`]: '[Service]\nExecStart=/usr/bin/kubelet --v=2\n'})),
    );
    expect(a.collected).toBe(false);
    expect(!a.collected && a.reason).toBe(`systemd refuses kubelet.service (${ETC}/kubelet.service.d/20-x.conf:2): see systemd-dropin`);
  });
});
