import {describe, expect, it} from 'vitest';
import {findFlag, removeFlag, setFlagValue} from '../../src/fixes/edit/flag-edit.js';

const ENV = 'KUBELET_KUBEADM_ARGS="--container-runtime=remote --container-runtime-endpoint=unix:///run/containerd/containerd.sock"';

describe('flag edits on the line that sets them', () => {
  it('finds a flag only as a whole word', () => {
    expect(findFlag(ENV, '--container-runtime=remote')).toBe(22);
    expect(findFlag(ENV, '--container-runtime')).toBe(-1);
  });

  it('removes a flag and one space beside it, keeping the quotes', () => {
    expect(removeFlag(ENV, '--container-runtime=remote')).toBe('KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/containerd.sock"');
    expect(removeFlag('KUBELET_EXTRA_ARGS=--a=1 --b=2', '--b=2')).toBe('KUBELET_EXTRA_ARGS=--a=1');
    expect(removeFlag('KUBELET_EXTRA_ARGS=--node-ip=10.0.0.1', '--node-ip=10.0.0.1')).toBe('KUBELET_EXTRA_ARGS=');
  });

  it('sets a value the way it was written', () => {
    expect(setFlagValue('KUBELET_EXTRA_ARGS="--cgroup-driver=cgroupfs --v=2"', '--cgroup-driver=cgroupfs', 'systemd')).toBe(
      'KUBELET_EXTRA_ARGS="--cgroup-driver=systemd --v=2"',
    );
    expect(setFlagValue('ExecStart=/usr/bin/kubelet --cgroup_driver cgroupfs', '--cgroup_driver cgroupfs', 'systemd')).toBe(
      'ExecStart=/usr/bin/kubelet --cgroup_driver systemd',
    );
  });

  it('refuses when the flag is not on the line exactly once', () => {
    expect(removeFlag('A="--v=2 --v=2"', '--v=2')).toBeNull();
    expect(setFlagValue('A=""', '--v=2', '3')).toBeNull();
  });
});
