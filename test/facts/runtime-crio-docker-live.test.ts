import {describe, expect, it} from 'vitest';
import {rawFrom} from '../helpers/facts.js';
import {CTD, V2_DEFAULT, V2_SYSTEMD, argvWith, dir, fx, kubeletConfig, nc, runtime} from './runtime-fixtures.js';

describe('buildRuntime: CRI-O', () => {
  const crio = {'/etc/crio/crio.conf': fx('crio.conf'), '/etc/crio/crio.conf.d/10-crio.conf': fx('crio-10-crio.conf')};

  it('identifies CRI-O from the --container-runtime-endpoint flag and reads cgroup_manager', () => {
    const rt = runtime(rawFrom(crio), nc, argvWith('container-runtime-endpoint', 'unix:///var/run/crio/crio.sock'));
    expect(rt.name).toBe('cri-o');
    expect(rt.endpoint.source).toEqual({file: '/var/lib/kubelet/kubeadm-flags.env', line: 1});
    expect(rt.cgroupDriver).toEqual({value: 'systemd', source: {file: '/etc/crio/crio.conf', line: 48}, text: 'cgroup_manager = "systemd"'});
    expect(rt.listen?.value).toBe('/var/run/crio/crio.sock');
    expect(rt.cni.confDir.value).toBe('/etc/cni/net.d/');
    expect(rt.cni.binDirs.value).toEqual(['/opt/cni/bin/']);
  });

  it('lets a later crio.conf.d drop-in override cgroup_manager', () => {
    const raw = rawFrom({...crio, '/etc/crio/crio.conf.d/02-cgroup-manager.conf': fx('crio-02-cgroup-manager.conf')});
    const rt = runtime(
      raw,
      kubeletConfig({containerRuntimeEndpoint: ['unix:///var/run/crio/crio.sock', 12, 'containerRuntimeEndpoint: unix:///var/run/crio/crio.sock']}),
    );
    expect(rt.endpoint.source).toEqual({file: '/var/lib/kubelet/config.yaml', line: 12});
    expect(rt.configFiles.map((f) => f.path)).toEqual([
      '/etc/crio/crio.conf',
      '/etc/crio/crio.conf.d/02-cgroup-manager.conf',
      '/etc/crio/crio.conf.d/10-crio.conf',
    ]);
    expect(rt.cgroupDriver).toEqual({
      value: 'cgroupfs',
      source: {file: '/etc/crio/crio.conf.d/02-cgroup-manager.conf', line: 3},
      text: 'cgroup_manager = "cgroupfs"',
    });
  });

  it('defaults to systemd when no file sets cgroup_manager', () => {
    const raw = rawFrom(
      {'/etc/crio/crio.conf.d/10-crio.conf': fx('crio-10-crio.conf')},
      {records: {'/etc/crio/crio.conf': {status: 'missing', content: undefined}}},
    );
    const rt = runtime(raw, nc, argvWith('container-runtime-endpoint', 'unix:///var/run/crio/crio.sock'));
    expect(rt.cgroupDriver).toEqual({
      value: 'systemd',
      source: {file: '/etc/crio/crio.conf.d/10-crio.conf'},
      text: 'cgroup_manager not set (default "systemd")',
    });
  });
});

describe('buildRuntime: docker via cri-dockerd', () => {
  const cfg = kubeletConfig({containerRuntimeEndpoint: ['unix:///var/run/cri-dockerd.sock', 9, 'containerRuntimeEndpoint: unix:///var/run/cri-dockerd.sock']});

  it('reads native.cgroupdriver from daemon.json exec-opts', () => {
    const rt = runtime(rawFrom({'/etc/docker/daemon.json': fx('docker-daemon.json')}), cfg);
    expect(rt.name).toBe('docker');
    expect(rt.cgroupDriver).toEqual({
      value: 'systemd',
      source: {file: '/etc/docker/daemon.json', line: 2},
      text: '"exec-opts": ["native.cgroupdriver=systemd"],',
    });
  });

  it('defaults to cgroupfs offline and to systemd on a live cgroup v2 host', () => {
    const raw = rawFrom({'/etc/docker/daemon.json': '{\n  "log-driver": "json-file"\n}\n'});
    expect(runtime(raw, cfg).cgroupDriver?.value).toBe('cgroupfs');
    const live = rawFrom({'/etc/docker/daemon.json': '{}\n'}, {live: true, commands: {'cgroup-fs': {stdout: 'cgroup2fs\n'}}});
    expect(runtime(live, cfg).cgroupDriver?.value).toBe('systemd');
  });

  it('records malformed daemon.json with the line of the error', () => {
    const rt = runtime(rawFrom({'/etc/docker/daemon.json': '{\n  "exec-opts": ["native.cgroupdriver=systemd"]\n  "storage-driver": "overlay2"\n}\n'}), cfg);
    expect(rt.configFiles[0]).toMatchObject({status: 'parse-error', line: 3});
    expect(rt.cgroupDriver).toBeNull();
  });
});

describe('buildRuntime: live socket and crictl info', () => {
  it('finds the socket in the /run/containerd listing, also for a /var/run endpoint', () => {
    const cfg = kubeletConfig({
      containerRuntimeEndpoint: ['unix:///var/run/containerd/containerd.sock', 5, 'containerRuntimeEndpoint: unix:///var/run/containerd/containerd.sock'],
    });
    const raw = rawFrom(
      {[CTD]: V2_SYSTEMD},
      {
        live: true,
        dirs: {
          '/run/containerd': dir('/run/containerd', [
            ['containerd.sock', 'socket'],
            ['containerd.sock.ttrpc', 'socket'],
          ]),
        },
      },
    );
    expect(runtime(raw, cfg).socket).toMatchObject({path: '/var/run/containerd/containerd.sock', present: true});
  });

  it('reports the socket absent on a live node and unknown offline', () => {
    const live = rawFrom({[CTD]: V2_SYSTEMD}, {live: true, dirs: {'/run/containerd': dir('/run/containerd', [], 'missing')}});
    expect(runtime(live).socket).toMatchObject({present: false, text: '/run/containerd does not exist'});
    expect(runtime(rawFrom({[CTD]: V2_SYSTEMD})).socket.present).toBeNull();
  });

  it("reads the running containerd's driver and readiness from crictl info", () => {
    const raw = rawFrom({[CTD]: V2_DEFAULT}, {live: true, commands: {'crictl-info': {stdout: fx('crictl-info-containerd-1.6.json')}}});
    const rt = runtime(raw);
    expect(rt.cri.collected).toBe(true);
    if (!rt.cri.collected) return;
    expect(rt.cri.value.cgroupDriver).toMatchObject({value: 'systemd', source: {command: 'crictl info'}});
    expect(rt.cri.value.runtimeReady?.value).toBe(true);
    expect(rt.cri.value.networkReady?.text).toBe('NetworkReady=false NetworkPluginNotReady: Network plugin returns error: cni plugin not initialized');
  });

  it('records a failed crictl info as no answer, and skips it offline', () => {
    const raw = rawFrom(
      {[CTD]: V2_DEFAULT},
      {
        live: true,
        commands: {'crictl-info': {stdout: '', status: 'failed', exitCode: 1, reason: 'validate service connection: CRI v1 runtime API is not implemented'}},
      },
    );
    const rt = runtime(raw);
    expect(rt.cri.collected && rt.cri.value.answered).toMatchObject({
      value: false,
      text: 'crictl info failed (exit 1): validate service connection: CRI v1 runtime API is not implemented',
    });
    expect(runtime(rawFrom({[CTD]: V2_DEFAULT})).cri).toEqual({collected: false, reason: 'root transport: `crictl info` is only run on a live node'});
  });
});
