/**
 * Which runtime the kubelet uses, and through what: dockershim (kubelet <= 1.23 unless
 * `--container-runtime=remote`), cri-dockerd, or a CRI runtime.
 */
import {describe, expect, it} from 'vitest';
import {rawFrom} from '../helpers/facts.js';
import {buildRuntime, runtimeLabel, type RuntimeFacts} from '../../src/facts/runtime/runtime.js';
import type {Collected, KubeletArgv} from '../../src/facts/types.js';
import {CTD, V2_SYSTEMD, argvWith, nc} from './runtime-fixtures.js';

const FLAGS = '/var/lib/kubelet/kubeadm-flags.env';

/** An argv with the given flags, all from kubeadm-flags.env line 1. */
function argv(flags: Record<string, string>): Collected<KubeletArgv> {
  const base = argvWith('v', '2');
  if (!base.collected) throw new Error('unreachable');
  const src = {file: FLAGS, line: 1};
  const text = Object.entries(flags)
    .map(([k, v]) => `--${k}=${v}`)
    .join(' ');
  const entries = Object.entries(flags).map(([name, value], index) => [name, [{name, value, source: src, text, index}]]);
  return {collected: true, value: {...base.value, flags: Object.fromEntries(entries)}};
}

function rt(files: Record<string, string>, a: Collected<KubeletArgv>, version: string | null): RuntimeFacts {
  const r = buildRuntime(rawFrom(files), nc, a, version);
  if (!r.collected) throw new Error(r.reason);
  return r.value;
}

const DOCKER_ONLY = {'/etc/docker/daemon.json': '{"exec-opts": ["native.cgroupdriver=systemd"]}\n'};

describe('runtime detection', () => {
  it('1.20 kubelet without runtime flags: Docker through the built-in dockershim, on dockershim.sock', () => {
    // Docker's containerd.io package ships a config.toml too: it must not make this a containerd node.
    const r = rt({...DOCKER_ONLY, [CTD]: 'disabled_plugins = ["cri"]\n'}, argv({}), 'v1.20.15');
    expect(r.name).toBe('docker');
    expect(r.via).toBe('dockershim');
    expect(r.detectedBy).toBe('kubelet-version');
    expect(r.endpoint.value).toBe('unix:///var/run/dockershim.sock');
    expect(runtimeLabel(r.name, r.via)).toBe('Docker (dockershim)');
    expect(r.cgroupDriver?.value).toBe('systemd');
  });

  it('1.22 with --container-runtime=remote and containerd endpoint: containerd', () => {
    const a = argv({'container-runtime': 'remote', 'container-runtime-endpoint': 'unix:///run/containerd/containerd.sock'});
    const r = rt({...DOCKER_ONLY, [CTD]: V2_SYSTEMD}, a, 'v1.22.17');
    expect(r.name).toBe('containerd');
    expect(r.via).toBe('cri');
    expect(r.detectedBy).toBe('endpoint');
    expect(r.endpoint.source).toEqual({file: FLAGS, line: 1});
  });

  it('1.26 with the cri-dockerd endpoint: Docker via cri-dockerd', () => {
    const r = rt(DOCKER_ONLY, argv({'container-runtime-endpoint': 'unix:///var/run/cri-dockerd.sock'}), 'v1.26.3');
    expect(r.name).toBe('docker');
    expect(r.via).toBe('cri-dockerd');
    expect(runtimeLabel(r.name, r.via)).toBe('Docker via cri-dockerd');
    expect(r.problems).toEqual([]);
  });

  it('1.25 with --container-runtime=docker: fails, dockershim is gone', () => {
    const r = rt(DOCKER_ONLY, argv({'container-runtime': 'docker'}), 'v1.25.0');
    expect(r.via).not.toBe('dockershim');
    expect(r.problems[0]).toMatchObject({severity: 'fail', source: {file: FLAGS, line: 1}});
    expect(r.problems[0]?.message).toMatch(/kubelet v1.25.0 has no dockershim \(removed in 1.24\): --container-runtime=docker is refused/);
  });

  it('1.24 dialing dockershim.sock with no cri-dockerd unit: fails; with cri-docker.service it is cri-dockerd', () => {
    const a = argv({'container-runtime-endpoint': 'unix:///var/run/dockershim.sock'});
    const bare = rt(DOCKER_ONLY, a, 'v1.24.1');
    expect(bare.problems[0]?.message).toMatch(/the dockershim it no longer has/);
    const served = rt({...DOCKER_ONLY, '/lib/systemd/system/cri-docker.service': '[Service]\nExecStart=/usr/bin/cri-dockerd\n'}, a, 'v1.24.1');
    expect(served.via).toBe('cri-dockerd');
    expect(served.problems).toEqual([]);
  });

  it('1.24+ without an endpoint: containerd socket by default', () => {
    const r = rt({...DOCKER_ONLY, [CTD]: V2_SYSTEMD}, argv({}), 'v1.24.0');
    expect(r.endpoint.value).toBe('unix:///run/containerd/containerd.sock');
    expect(r.name).toBe('containerd');
  });
});
