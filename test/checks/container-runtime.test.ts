import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import check from '../../checks/container-runtime.js';
import {ctx, makeFacts, rawFrom, type RawOptions} from '../helpers/facts.js';
import {buildRuntime} from '../../src/facts/runtime/runtime.js';
import type {Verdict} from '../../src/catalogue/define.js';
import type {Collected, ConfigValue, DirRecord, Facts, KubeletArgv, KubeletConfigFacts} from '../../src/facts/types.js';

const fx = (name: string): string => readFileSync(new URL(`../fixtures/runtime/${name}`, import.meta.url), 'utf8');
const CTD = '/etc/containerd/config.toml';
const KCFG = '/var/lib/kubelet/config.yaml';
const V2 = fx('containerd-1.6-default.toml').replace('SystemdCgroup = false', 'SystemdCgroup = true');
const nc = {collected: false as const, reason: 'not provided by this test'};

function endpointConfig(endpoint: string): Collected<KubeletConfigFacts> {
  const v: ConfigValue = {
    value: endpoint,
    origin: 'config-file',
    source: {file: KCFG, line: 12},
    text: `containerRuntimeEndpoint: ${endpoint}`,
    overridden: [],
  };
  return {
    collected: true,
    value: {configPath: null, configDir: null, files: [], effective: {containerRuntimeEndpoint: v}, unknownFields: [], typeErrors: [], defaultsFor: null},
  };
}
const CONTAINERD = endpointConfig('unix:///run/containerd/containerd.sock');
const runDir = (entries: [string, DirRecord['entries'][number]['type']][]): Record<string, DirRecord> => ({
  '/run/containerd': {path: '/run/containerd', status: 'ok', entries: entries.map(([name, type]) => ({name, type}))},
});

function run(files: Record<string, string>, opts: RawOptions = {}, cfg = CONTAINERD): Verdict[] {
  const raw = rawFrom(files, opts);
  const f: Facts = makeFacts({kubeletConfig: cfg, runtime: buildRuntime(raw, cfg, nc)});
  const out = check.evaluate(f, ctx);
  return Array.isArray(out) ? out : [out];
}

describe('container-runtime', () => {
  it('passes offline on a containerd config with the CRI plugin enabled', () => {
    const [v, ...rest] = run({[CTD]: V2});
    expect(rest).toEqual([]);
    expect(v?.status).toBe('pass');
    expect(v?.summary).toBe(
      `the kubelet talks to containerd at unix:///run/containerd/containerd.sock (${KCFG}:12); CRI plugin enabled; socket and CRI not checked offline`,
    );
    expect(v?.evidence.map((e) => e.source)).toEqual([
      {file: KCFG, line: 12},
      {file: CTD, line: 1},
    ]);
  });

  it('passes live when the socket exists and crictl info answers', () => {
    const opts = {live: true, dirs: runDir([['containerd.sock', 'socket']]), commands: {'crictl-info': {stdout: fx('crictl-info-containerd-1.6.json')}}};
    const [v] = run({[CTD]: V2}, opts);
    expect(v?.status).toBe('pass');
    expect(v?.summary).toContain('socket present; crictl info answers');
  });

  it("fails on Docker's containerd.io config, which disables the CRI plugin", () => {
    const [v] = run({[CTD]: fx('containerd-docker-io.toml')});
    expect(v?.status).toBe('fail');
    expect(v?.summary).toMatch(/^containerd's CRI plugin is disabled \(\/etc\/containerd\/config\.toml:15 disabled_plugins = \["cri"\]\)/);
    expect(v?.summary).toContain('CRI v1 runtime API is not implemented');
    expect(v?.evidence[0]).toEqual({source: {file: CTD, line: 15}, text: 'disabled_plugins = ["cri"]'});
  });

  it('fails on a config file that does not parse, with its line', () => {
    const [v] = run({[CTD]: V2.replace('[plugins."io.containerd.grpc.v1.cri".cni]', '[plugins."io.containerd.grpc.v1.cri".cni')});
    expect(v?.status).toBe('fail');
    expect(v?.summary).toMatch(/^\/etc\/containerd\/config\.toml:71: .*containerd refuses to start with this file$/);
    expect(v?.evidence[0]?.source).toEqual({file: CTD, line: 71});
  });

  it('fails when the socket is missing on a live node', () => {
    const [v] = run({[CTD]: V2}, {live: true, dirs: runDir([['containerd.sock.ttrpc', 'socket']])});
    expect(v?.status).toBe('fail');
    expect(v?.summary).toMatch(/^\/run\/containerd\/containerd\.sock is missing \(no containerd\.sock in \/run\/containerd\): containerd is not running/);
    expect(v?.evidence.map((e) => e.source)).toEqual([{file: KCFG, line: 12}, {file: '/run/containerd/containerd.sock'}]);
  });

  it('fails when crictl info gets no answer on the kubelet endpoint, warns when crictl looked elsewhere', () => {
    const failed = {
      'crictl-info': {
        stdout: '',
        status: 'failed' as const,
        exitCode: 1,
        reason: 'rpc error: code = Unimplemented desc = unknown service runtime.v1.RuntimeService',
      },
    };
    const opts = {live: true, dirs: runDir([['containerd.sock', 'socket']]), commands: failed};
    const [v] = run({[CTD]: V2}, opts);
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(
      'the CRI does not answer: crictl info failed (exit 1): rpc error: code = Unimplemented desc = unknown service runtime.v1.RuntimeService',
    );
    const [w] = run({[CTD]: V2, '/etc/crictl.yaml': 'runtime-endpoint: unix:///var/run/crio/crio.sock\n'}, opts);
    expect(w?.status).toBe('warn');
    expect(w?.evidence[2]?.source).toEqual({file: '/etc/crictl.yaml', line: 1});
  });

  it('fails on systemd_cgroup = true, which stops containerd 1.x loading the CRI plugin', () => {
    const [v] = run({[CTD]: V2.replace('systemd_cgroup = false', 'systemd_cgroup = true')});
    expect(v?.status).toBe('fail');
    expect(v?.evidence[0]).toEqual({source: {file: CTD, line: 67}, text: 'systemd_cgroup = true'});
  });

  it('fails when containerd listens on another socket than the kubelet dials', () => {
    const [v] = run({[CTD]: V2.replace('address = "/run/containerd/containerd.sock"', 'address = "/run/containerd/cri.sock"')});
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(`the kubelet dials unix:///run/containerd/containerd.sock but containerd listens on /run/containerd/cri.sock (${CTD}:22)`);
  });

  it('fails when an import named in config.toml is missing', () => {
    const text = V2.replace('imports = []', 'imports = ["/etc/containerd/runtime.toml"]');
    const [v] = run({[CTD]: text}, {records: {'/etc/containerd/runtime.toml': {status: 'missing', content: undefined}}});
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe('imported /etc/containerd/runtime.toml is missing: containerd will not start');
    expect(v?.evidence[0]?.source).toEqual({file: CTD, line: 2});
  });

  it('warns about an endpoint without the unix:// scheme', () => {
    const out = run({[CTD]: V2}, {}, endpointConfig('/run/containerd/containerd.sock'));
    expect(out.map((v) => v.status)).toEqual(['warn']);
    expect(out[0]?.evidence[0]?.source).toEqual({file: KCFG, line: 12});
  });

  it('skips when the runtime facts were not collected', () => {
    const out = check.evaluate(makeFacts({kubeletConfig: CONTAINERD}), ctx);
    expect(out).toEqual({status: 'skip', summary: 'not provided by this test', evidence: []});
  });
});

describe('container-runtime without crictl on the node', () => {
  const sock = (answered: boolean, text: string) => ({
    collected: true as const,
    value: {
      endpoint: 'unix:///run/containerd/containerd.sock',
      answered: {value: answered, source: {command: 'CRI Version call on the socket'}, text},
      grpcStatus: answered ? 0 : 12,
      runtimeName: answered ? 'containerd' : null,
      runtimeVersion: null,
      apiVersion: null,
    },
  });
  const facts = (s: ReturnType<typeof sock>) => {
    const raw = rawFrom({[CTD]: V2});
    return makeFacts({runtime: buildRuntime(raw, CONTAINERD, nc), kubeletConfig: CONTAINERD, criSocket: s});
  };

  it('fails when the socket answers but the CRI service is not there', () => {
    const out = [check.evaluate(facts(sock(false, 'grpc-status 12: unknown service runtime.v1.RuntimeService')), ctx)].flat();
    const f = out.find((v) => v.status === 'fail');
    expect(f?.summary).toMatch(/does not answer: grpc-status 12: unknown service runtime\.v1\.RuntimeService/);
    expect(f?.evidence.some((e) => 'command' in e.source)).toBe(true);
  });

  it('passes and says the runtime answered', () => {
    const out = [check.evaluate(facts(sock(true, 'containerd 1.6.20 answers CRI v1')), ctx)].flat();
    expect(out.map((v) => v.status)).toEqual(['pass']);
    expect(out[0]?.summary).toMatch(/containerd 1\.6\.20 answers CRI v1/);
  });
});

describe('container-runtime: Docker nodes', () => {
  const DAEMON = {'/etc/docker/daemon.json': '{"exec-opts": ["native.cgroupdriver=systemd"]}\n'};
  const NO_FLAGS = kubeletFlags({});
  /** An argv from kubeadm-flags.env line 1. */
  function kubeletFlags(flags: Record<string, string>): Collected<KubeletArgv> {
    const src = {file: '/var/lib/kubelet/kubeadm-flags.env', line: 1};
    const text = Object.entries(flags)
      .map(([k, v]) => `--${k}=${v}`)
      .join(' ');
    const entries = Object.entries(flags).map(([name, value], index) => [name, [{name, value, source: src, text, index}]]);
    const exe = {value: '/usr/bin/kubelet', source: {file: '/lib/systemd/system/kubelet.service', line: 5}, text: 'ExecStart=/usr/bin/kubelet'};
    return {collected: true, value: {executable: exe, args: [], flags: Object.fromEntries(entries), positional: []}};
  }
  function runDocker(files: Record<string, string>, argv: Collected<KubeletArgv>, version: string, opts: RawOptions = {}): Verdict[] {
    const f = makeFacts({kubeletConfig: nc, runtime: buildRuntime(rawFrom(files, opts), nc, argv, version)});
    const out = check.evaluate(f, ctx);
    return Array.isArray(out) ? out : [out];
  }

  it('passes a 1.20 dockershim node without asking for a containerd socket', () => {
    const run = {'/var/run': {path: '/var/run', status: 'ok' as const, entries: [{name: 'dockershim.sock', type: 'socket' as const}]}};
    const [v, ...rest] = runDocker({...DAEMON, [CTD]: 'disabled_plugins = ["cri"]\n'}, NO_FLAGS, 'v1.20.15', {live: true, dirs: run});
    expect(rest).toEqual([]);
    expect(v?.status).toBe('pass');
    expect(v?.summary).toContain(
      'the kubelet talks to Docker (dockershim) at unix:///var/run/dockershim.sock (kubelet default) through its built-in dockershim',
    );
    expect(v?.summary).not.toContain('containerd');
  });

  it('fails a 1.20 dockershim node whose dockershim.sock is missing, saying the kubelet serves it', () => {
    const run = {'/var/run': {path: '/var/run', status: 'ok' as const, entries: [{name: 'docker.sock', type: 'socket' as const}]}};
    const [v] = runDocker(DAEMON, NO_FLAGS, 'v1.20.15', {live: true, dirs: run});
    expect(v?.status).toBe('fail');
    expect(v?.summary).toContain("/var/run/dockershim.sock is missing (no dockershim.sock in /var/run): the kubelet's built-in dockershim serves it");
  });

  it('fails a 1.25 kubelet still configured for dockershim with --container-runtime=docker', () => {
    const out = runDocker(DAEMON, kubeletFlags({'container-runtime': 'docker'}), 'v1.25.4');
    const v = out.find((x) => x.status === 'fail');
    expect(v?.summary).toMatch(/^kubelet v1\.25\.4 has no dockershim \(removed in 1\.24\): --container-runtime=docker is refused/);
    expect(v?.evidence[0]?.source).toEqual({file: '/var/lib/kubelet/kubeadm-flags.env', line: 1});
  });

  it('fails when dockerd would refuse to start (exec-opts both as a flag and in daemon.json)', () => {
    const unit = '[Service]\nExecStart=/usr/sbin/dockerd -H fd:// --exec-opt native.cgroupdriver=systemd\n';
    const out = runDocker(
      {...DAEMON, '/lib/systemd/system/docker.service': unit},
      kubeletFlags({'container-runtime-endpoint': 'unix:///run/cri-dockerd.sock'}),
      'v1.28.0',
    );
    const fails = out.filter((x) => x.status === 'fail');
    expect(fails[0]?.summary).toContain('dockerd refuses to start');
    expect(fails[0]?.summary).toContain('/lib/systemd/system/docker.service:2 sets --exec-opt and /etc/docker/daemon.json:1 sets "exec-opts"');
  });
});
