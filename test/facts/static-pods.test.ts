import {describe, it, expect} from 'vitest';
import {buildStaticPods} from '../../src/facts/host/host.js';
import {buildKubeletConfig} from '../../src/facts/kubelet/kubelet-config.js';
import {notCollected} from '../../src/facts/types.js';
import type {DirRecord} from '../../src/facts/types.js';
import {rawFrom} from '../helpers/facts.js';
import type {RawOptions} from '../helpers/facts.js';
import {argvOf} from '../helpers/argv.js';

const CFG = '/var/lib/kubelet/config.yaml';
const M = '/etc/kubernetes/manifests';
const config = (path: string): string =>
  `apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\nstaticPodPath: ${path}\n`;

const ETCD = `apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/etcd.advertise-client-urls: https://127.0.0.1:2379
  creationTimestamp: null
  labels:
    component: etcd
    tier: control-plane
  name: etcd
  namespace: kube-system
spec:
  containers:
  - command:
    - etcd
    - --advertise-client-urls=https://127.0.0.1:2379
    image: registry.k8s.io/etcd:3.5.12-0
    name: etcd
  hostNetwork: true
status: {}
`;

function build(files: Record<string, string>, opts: RawOptions = {}, path = M) {
  const raw = rawFrom({[CFG]: config(path), ...files}, opts);
  const cfg = buildKubeletConfig(raw, argvOf([`--config=${CFG}`]), 'v1.30.2');
  const r = buildStaticPods(raw, cfg);
  if (!r.collected) throw new Error(r.reason);
  return r.value;
}

describe('buildStaticPods', () => {
  it('parses each manifest and records the line of its name', () => {
    const f = build({[`${M}/etcd.yaml`]: ETCD});
    expect(f.path).toMatchObject({value: M, source: {file: CFG, line: 4}, text: `staticPodPath: ${M}`});
    expect(f.kind).toBe('dir');
    expect(f.manifests).toEqual([{path: `${M}/etcd.yaml`, status: 'ok', name: 'etcd', namespace: 'kube-system', line: 10, text: 'name: etcd'}]);
  });

  it('ignores hidden files and subdirectories, as the kubelet does', () => {
    const dirs: Record<string, DirRecord> = {
      [M]: {
        path: M,
        status: 'ok',
        entries: [
          {name: '.kubelet-keep', type: 'file'},
          {name: 'old', type: 'dir'},
          {name: 'etcd.yaml', type: 'file'},
        ],
      },
    };
    const f = build({[`${M}/etcd.yaml`]: ETCD}, {dirs});
    expect(f.ignored).toEqual([`${M}/.kubelet-keep`, `${M}/old`]);
    expect(f.manifests.map((m) => m.status)).toEqual(['ok']);
  });

  it('marks a listed file the probe did not read (a .bak the kubelet will still load)', () => {
    const dirs: Record<string, DirRecord> = {
      [M]: {
        path: M,
        status: 'ok',
        entries: [
          {name: 'etcd.yaml', type: 'file'},
          {name: 'etcd.yaml.bak', type: 'file'},
        ],
      },
    };
    const f = build({[`${M}/etcd.yaml`]: ETCD}, {dirs});
    expect(f.manifests[1]).toMatchObject({path: `${M}/etcd.yaml.bak`, status: 'not-collected'});
  });

  it('reports a YAML error with its line', () => {
    const f = build({[`${M}/kube-apiserver.yaml`]: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n\tnamespace: kube-system\n'});
    expect(f.manifests[0]).toMatchObject({status: 'parse-error', line: 5});
  });

  it('rejects a manifest that is not a v1 Pod, at its kind line', () => {
    const f = build({[`${M}/web.yaml`]: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n'});
    expect(f.manifests[0]).toMatchObject({
      status: 'not-a-pod',
      line: 2,
      error: 'apiVersion apps/v1, kind Deployment: a static pod manifest must be apiVersion v1, kind Pod',
    });
  });

  it('requires metadata.name and at least one container', () => {
    const f = build({
      [`${M}/a.yaml`]: 'apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: kube-system\nspec:\n  containers: []\n',
      [`${M}/b.yaml`]: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: b\nspec:\n  containers: []\n',
    });
    expect(f.manifests.map((m) => [m.status, m.error, m.line])).toEqual([
      ['not-a-pod', 'metadata.name is required', 3],
      ['not-a-pod', 'spec.containers must list at least one container', 6],
    ]);
  });

  it('reports a missing directory', () => {
    const f = build({}, {dirs: {[M]: {path: M, status: 'missing', entries: []}}});
    expect(f.kind).toBe('missing');
    expect(f.manifests).toEqual([]);
  });

  it('says when the path was not collected', () => {
    expect(build({}, {}, '/srv/static').kind).toBe('not-collected');
  });

  it('accepts staticPodPath naming a single manifest file', () => {
    const f = build({'/srv/etcd.yaml': ETCD}, {}, '/srv/etcd.yaml');
    expect(f.kind).toBe('file');
    expect(f.manifests[0]?.name).toBe('etcd');
  });

  it('is disabled when staticPodPath is empty (the default)', () => {
    const raw = rawFrom({[CFG]: 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n'});
    const r = buildStaticPods(raw, buildKubeletConfig(raw, argvOf([`--config=${CFG}`]), 'v1.30.2'));
    expect(r.collected && r.value.kind).toBe('disabled');
  });

  it('is not collected when the kubelet config is not', () => {
    expect(buildStaticPods(rawFrom({}), notCollected('no unit')).collected).toBe(false);
  });
});
