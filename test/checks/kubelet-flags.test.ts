import {describe, it, expect} from 'vitest';
import check from '../../checks/kubelet-flags.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {buildArgv} from '../../src/facts/kubelet/kubelet-argv.js';
import {buildUnit} from '../../src/facts/systemd/systemd-unit.js';
import {collected} from '../../src/facts/types.js';
import type {Collected, KubeletArgv, Sourced} from '../../src/facts/types.js';
import {ctx, makeFacts, rawFrom} from '../helpers/facts.js';

const USR = '/usr/lib/systemd/system';
const SERVICE = '[Unit]\nDescription=kubelet: The Kubernetes Node Agent\n\n[Service]\nExecStart=/usr/bin/kubelet\nRestart=always\n';
// kubernetes/release 10-kubeadm.conf (RPM), comments dropped: ExecStart is on line 8.
const KUBEADM = `[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env

EnvironmentFile=-/etc/sysconfig/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
`;
const FLAGS_ENV = '/var/lib/kubelet/kubeadm-flags.env';
const EXTRA = '/etc/sysconfig/kubelet';

/** The argv of a kubeadm node whose kubeadm-flags.env and /etc/sysconfig/kubelet hold these words. */
function argvOf(kubeadmArgs: string, extraArgs = '', dropin = KUBEADM): Collected<KubeletArgv> {
  return buildArgv(
    buildUnit(
      rawFrom({
        [`${USR}/kubelet.service`]: SERVICE,
        [`${USR}/kubelet.service.d/10-kubeadm.conf`]: dropin,
        [FLAGS_ENV]: `KUBELET_KUBEADM_ARGS="${kubeadmArgs}"\n`,
        [EXTRA]: `# extra args\nKUBELET_EXTRA_ARGS="${extraArgs}"\n`,
      }),
    ),
  );
}
const version = (v: string): Collected<Sourced<string>> => collected({value: v, source: {command: 'kubelet-version'}, text: `Kubernetes ${v}`});
const NO_VERSION = {collected: false as const, reason: 'kubelet version unknown'};

function run(argv: Collected<KubeletArgv>, kubeletVersion: Collected<Sourced<string>> = version('v1.31.1')): Verdict[] {
  const v = check.evaluate(makeFacts({argv, kubeletVersion}), ctx);
  return Array.isArray(v) ? v : [v];
}
const sources = (v: Verdict | undefined): unknown[] => v?.evidence.map((e) => e.source) ?? [];

describe('kubelet-flags', () => {
  it("stays quiet about dockershim's own flags on a node that runs dockershim, and warns where the runtime is remote", () => {
    const argv = argvOf('--network-plugin=cni --pod-infra-container-image=k8s.gcr.io/pause:3.6');
    const facts = (via: 'dockershim' | 'cri') => makeFacts({argv, kubeletVersion: version('v1.22.17'), runtime: collected({via} as never)});
    const flat = (v: Verdict | Verdict[]) => (Array.isArray(v) ? v : [v]);
    const dockershim = flat(check.evaluate(facts('dockershim'), ctx));
    expect(dockershim.filter((v) => /network-plugin/.test(v.summary))).toEqual([]);
    const remote = flat(check.evaluate(facts('cri'), ctx));
    expect(remote.find((v) => /network-plugin/.test(v.summary))?.status).toBe('warn');
  });

  it('passes a kubeadm node whose flags this kubelet accepts, citing where they are set', () => {
    const [v, ...rest] = run(argvOf('--node-ip=10.0.0.5 --hostname-override=node-1'));
    expect(rest).toEqual([]);
    expect([v?.status, v?.summary]).toEqual(['pass', 'kubelet v1.31.1 accepts all 5 flag(s)']);
    expect(sources(v)).toEqual([
      {file: `${USR}/kubelet.service.d/10-kubeadm.conf`, line: 2},
      {file: `${USR}/kubelet.service.d/10-kubeadm.conf`, line: 3},
      {file: FLAGS_ENV, line: 1},
      {command: 'kubelet-version'},
    ]);
  });

  it('fails a flag removed at or before the installed version, with the line that set it', () => {
    const [v] = run(argvOf('--network-plugin=cni --node-ip=10.0.0.5'), version('v1.27.3'));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toMatch(
      /^--network-plugin was removed in v1\.24; this kubelet \(v1\.27\.3\) exits with "unknown flag: --network-plugin"\. Instead: none on the kubelet: CNI is configured in the runtime/,
    );
    expect(v?.evidence).toEqual([
      {source: {file: FLAGS_ENV, line: 1}, text: 'KUBELET_KUBEADM_ARGS="--network-plugin=cni --node-ip=10.0.0.5"'},
      {source: {command: 'kubelet-version'}, text: 'Kubernetes v1.27.3'},
    ]);
  });

  it('fails the klog flags removed in v1.26', () => {
    const [v] = run(argvOf('', '--logtostderr=false'), version('v1.26.0'));
    expect([v?.status, sources(v)[0]]).toEqual(['fail', {file: EXTRA, line: 2}]);
    expect(v?.summary).toContain('--logtostderr was removed in v1.26');
  });

  it('warns about a deprecated flag, with its replacement', () => {
    const [v] = run(argvOf('--pod-infra-container-image=registry.k8s.io/pause:3.9'), version('v1.30.2'));
    expect(v?.status).toBe('warn');
    expect(v?.summary).toMatch(/^--pod-infra-container-image is deprecated since v1\.24 and is removed in v1\.35; .*Instead: the runtime's sandbox image/);
    expect(sources(v)).toEqual([{file: FLAGS_ENV, line: 1}, {command: 'kubelet-version'}]);
  });

  it('accepts a flag the installed version predates the deprecation of', () => {
    expect(run(argvOf('--container-runtime=remote'), version('v1.23.17')).map((v) => v.status)).toEqual(['pass']);
  });

  it('warns about a removed flag when the kubelet version is unknown', () => {
    const [v] = run(argvOf('--network-plugin=cni'), NO_VERSION);
    expect([v?.status, v?.summary.split('. ')[0]]).toEqual(['warn', '--network-plugin was removed in v1.24; kubelet version unknown (pass --kubelet-version)']);
    expect(sources(v)).toEqual([{file: FLAGS_ENV, line: 1}]);
  });

  it('fails an unknown flag and names the nearest known one', () => {
    const [v] = run(argvOf('', '--max-pod=50'));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe('unknown flag --max-pod: the kubelet exits with "failed to parse kubelet flag: unknown flag: --max-pod"; did you mean --max-pods?');
    expect(sources(v)).toEqual([{file: EXTRA, line: 2}]);
    expect(run(argvOf('--frobnicate-everything=1'))[0]?.summary).not.toContain('did you mean');
  });

  it('warns about an old cAdvisor flag whose removal release is not pinned', () => {
    expect(run(argvOf('--housekeeping-interval=10s')).map((v) => v.status)).toEqual(['warn']);
  });

  it('fails a flag newer than the installed kubelet', () => {
    const [v] = run(argvOf('--config-dir=/etc/kubernetes/kubelet.conf.d'), version('v1.27.3'));
    expect([v?.status, v?.summary]).toEqual(['fail', '--config-dir was added in v1.28; this kubelet (v1.27.3) exits with "unknown flag: --config-dir"']);
  });

  it('fails a single-dash long flag, which pflag reads as shorthands', () => {
    const [v] = run(argvOf('-config=/var/lib/kubelet/config.yaml'));
    expect(v?.summary).toBe(`-config: the kubelet exits with "unknown shorthand flag: 'c' in -config=/var/lib/kubelet/config.yaml"; write --config`);
  });

  it('fails a boolean flag with a value strconv.ParseBool rejects, and a value flag with no value', () => {
    expect(run(argvOf('--fail-swap-on=no'))[0]?.summary).toBe(
      'invalid argument "no" for "--fail-swap-on" flag: the kubelet exits (strconv.ParseBool accepts true/false/1/0)',
    );
    expect(run(argvOf('', '--node-ip=10.0.0.5 --hostname-override'))[0]?.summary).toBe(
      '--hostname-override has no value (it is the last word): the kubelet exits with "flag needs an argument: --hostname-override"',
    );
  });

  it('fails --version, which makes the kubelet exit at once', () => {
    expect(run(argvOf('--version')).map((v) => v.status)).toEqual(['fail']);
  });

  it('warns about a flag set twice with different values, saying the last one wins and where each came from', () => {
    const [v] = run(argvOf('--node-ip=10.0.0.5', '--node-ip=192.168.1.7'));
    expect(v?.status).toBe('warn');
    expect(v?.summary).toBe(
      `--node-ip is set 2 times with different values; the kubelet keeps the last one, 192.168.1.7 from ${EXTRA}:2 (earlier: 10.0.0.5 (${FLAGS_ENV}:1))`,
    );
    expect(sources(v)).toEqual([
      {file: FLAGS_ENV, line: 1},
      {file: EXTRA, line: 2},
    ]);
    expect(run(argvOf('--node-ip=10.0.0.5', '--node-ip=10.0.0.5')).map((x) => x.status)).toEqual(['pass']);
  });

  it('merges map flags and warns only when one key gets two values', () => {
    expect(run(argvOf('--feature-gates=A=true', '--feature-gates=B=true')).map((v) => v.status)).toEqual(['pass']);
    const [v] = run(argvOf('--feature-gates=A=true', '--feature-gates=A=false'));
    expect(v?.summary).toBe(
      `--feature-gates is given 2 times; the values merge, and A is set to true (${FLAGS_ENV}:1) and then false (${EXTRA}:2): the later one wins`,
    );
  });

  it('fails a stray word: a boolean given its value with a space', () => {
    const [v] = run(argvOf('--fail-swap-on false'));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(
      'the kubelet exits with "unknown command false": stray word(s) on its command line: "false"; a boolean flag takes its value with "=", e.g. --fail-swap-on=false',
    );
    expect(sources(v)).toEqual([{file: FLAGS_ENV, line: 1}]);
  });

  it('fails the empty argument an empty ${VAR} produces', () => {
    const [v] = run(argvOf('--node-ip=10.0.0.5', '', KUBEADM.replace('$KUBELET_EXTRA_ARGS', '${KUBELET_EXTRA_ARGS}')));
    expect(v?.summary).toContain('stray word(s) on its command line: "" (an empty argument); an empty argument comes from an empty ${VAR}');
    expect(sources(v)).toEqual([{file: `${USR}/kubelet.service.d/10-kubeadm.conf`, line: 8}]);
  });

  it('still reports unknown flags and duplicates when the version is unknown, and says so when all is well', () => {
    expect(run(argvOf('--max-pod=5'), NO_VERSION)[0]?.status).toBe('fail');
    const [v] = run(argvOf('--node-ip=10.0.0.5'), NO_VERSION);
    expect([v?.status, v?.summary]).toEqual(['pass', '4 flag(s) known; kubelet version unknown, so removals were not checked (pass --kubelet-version)']);
  });

  it('skips when the argv was not collected', () => {
    const argv = {collected: false as const, reason: 'kubelet.service does not run: Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.'};
    expect(run(argv)).toEqual([{status: 'skip', summary: argv.reason, evidence: []}]);
  });
});
