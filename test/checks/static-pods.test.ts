import {describe, it, expect} from 'vitest';
import check from '../../checks/static-pods.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {buildStaticPods} from '../../src/facts/host/host.js';
import {buildKubeletConfig} from '../../src/facts/kubelet/kubelet-config.js';
import {notCollected} from '../../src/facts/types.js';
import type {DirRecord} from '../../src/facts/types.js';
import {ctx, makeFacts, rawFrom} from '../helpers/facts.js';
import type {RawOptions} from '../helpers/facts.js';
import {argvOf} from '../helpers/argv.js';

const CFG = '/var/lib/kubelet/config.yaml';
const M = '/etc/kubernetes/manifests';
const CONFIG = `apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\nstaticPodPath: ${M}\n`;
const pod = (name: string, image: string): string =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    component: ${name}\n    tier: control-plane\n  name: ${name}\n  namespace: kube-system\nspec:\n  containers:\n  - command:\n    - ${name}\n    image: ${image}\n    name: ${name}\n  hostNetwork: true\n  priorityClassName: system-node-critical\nstatus: {}\n`;
const APISERVER = pod('kube-apiserver', 'registry.k8s.io/kube-apiserver:v1.30.2');
const ETCD = pod('etcd', 'registry.k8s.io/etcd:3.5.12-0');

function run(files: Record<string, string>, opts: RawOptions = {}, config = CONFIG): Verdict[] {
  const raw = rawFrom({[CFG]: config, ...files}, opts);
  const kubeletConfig = buildKubeletConfig(raw, argvOf([`--config=${CFG}`]), 'v1.30.2');
  const v = check.evaluate(makeFacts({kubeletConfig, staticPods: buildStaticPods(raw, kubeletConfig)}), ctx);
  return Array.isArray(v) ? v : [v];
}

describe('static-pods check', () => {
  it('passes with the count and names of valid manifests', () => {
    const [v, ...rest] = run({[`${M}/etcd.yaml`]: ETCD, [`${M}/kube-apiserver.yaml`]: APISERVER});
    expect(rest).toEqual([]);
    expect(v?.status).toBe('pass');
    expect(v?.summary).toBe(`2 static pod manifest(s) in ${M}: etcd, kube-apiserver`);
    expect(v?.evidence).toEqual([
      {source: {file: CFG, line: 4}, text: `staticPodPath: ${M}`},
      {source: {file: `${M}/etcd.yaml`, line: 7}, text: 'name: etcd'},
      {source: {file: `${M}/kube-apiserver.yaml`, line: 7}, text: 'name: kube-apiserver'},
    ]);
  });

  it('passes an empty directory (a worker)', () => {
    const dirs: Record<string, DirRecord> = {[M]: {path: M, status: 'ok', entries: [{name: '.kubelet-keep', type: 'file'}]}};
    const [v] = run({}, {dirs});
    expect(v?.status).toBe('pass');
    expect(v?.summary).toBe(`staticPodPath ${M} exists and holds no manifests`);
  });

  it('warns when staticPodPath does not exist', () => {
    const [v] = run({}, {dirs: {[M]: {path: M, status: 'missing', entries: []}}});
    expect(v?.status).toBe('warn');
    expect(v?.summary).toMatch(/^staticPodPath \/etc\/kubernetes\/manifests does not exist: the kubelet logs "path does not exist, ignoring"/);
    expect(v?.evidence[0]?.source).toEqual({file: CFG, line: 4});
  });

  it('fails a manifest that is not valid YAML, at its line', () => {
    const broken = APISERVER.replace('  namespace: kube-system', '\tnamespace: kube-system');
    const vs = run({[`${M}/etcd.yaml`]: ETCD, [`${M}/kube-apiserver.yaml`]: broken});
    expect(vs).toHaveLength(1);
    expect(vs[0]?.status).toBe('fail');
    expect(vs[0]?.summary).toMatch(/^\/etc\/kubernetes\/manifests\/kube-apiserver.yaml is not valid YAML at line 8 /);
    expect(vs[0]?.evidence[0]?.source).toEqual({file: `${M}/kube-apiserver.yaml`, line: 8});
  });

  it('fails a manifest that is not a Pod', () => {
    const [v] = run({[`${M}/web.yaml`]: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n'});
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(
      `${M}/web.yaml is not a valid Pod manifest (apiVersion apps/v1, kind Deployment: a static pod manifest must be apiVersion v1, kind Pod): the kubelet skips it`,
    );
    expect(v?.evidence[0]?.source).toEqual({file: `${M}/web.yaml`, line: 2});
  });

  it('warns about a backup file the kubelet will load too, and about the duplicate pod', () => {
    const dirs: Record<string, DirRecord> = {
      [M]: {
        path: M,
        status: 'ok',
        entries: [
          {name: 'kube-apiserver.yaml', type: 'file'},
          {name: 'kube-apiserver.yaml.bak', type: 'file'},
        ],
      },
    };
    const [v] = run({[`${M}/kube-apiserver.yaml`]: APISERVER}, {dirs});
    expect(v?.status).toBe('warn');
    expect(v?.summary).toMatch(/kube-apiserver.yaml.bak was not read by the probe, but the kubelet loads every non-hidden file/);
    expect(v?.evidence[0]?.source).toEqual({file: `${M}/kube-apiserver.yaml.bak`});
  });

  it('warns when two manifests declare the same pod', () => {
    const vs = run({[`${M}/kube-apiserver.yaml`]: APISERVER, [`${M}/kube-apiserver-old.yml`]: APISERVER});
    expect(vs[0]?.status).toBe('warn');
    expect(vs[0]?.summary).toBe(
      `2 manifests declare the static pod kube-system/kube-apiserver (${M}/kube-apiserver-old.yml, ${M}/kube-apiserver.yaml): keep one`,
    );
    expect(vs[0]?.evidence.map((e) => e.source)).toEqual([
      {file: `${M}/kube-apiserver-old.yml`, line: 7},
      {file: `${M}/kube-apiserver.yaml`, line: 7},
    ]);
  });

  it('passes when static pods are disabled', () => {
    const [v] = run({}, {}, 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstaticPodPath: ""\n');
    expect(v?.status).toBe('pass');
    expect(v?.evidence[0]?.source).toEqual({file: CFG, line: 3});
  });

  it('skips when the directory was not collected, or the facts are missing', () => {
    const [v] = run({}, {}, CONFIG.replace(M, '/srv/static-pods'));
    expect(v).toEqual({status: 'skip', summary: 'staticPodPath /srv/static-pods was not collected by the probe', evidence: []});
    expect(check.evaluate(makeFacts({staticPods: notCollected('the kubelet configuration is unknown: no unit')}), ctx)).toEqual({
      status: 'skip',
      summary: 'the kubelet configuration is unknown: no unit',
      evidence: [],
    });
  });
});

describe('signatures', () => {
  it('match the log lines they describe', () => {
    expect(check.signatures.length).toBeGreaterThan(0);
    for (const s of check.signatures) expect(s.pattern.test(s.text), s.id).toBe(true);
  });
});
