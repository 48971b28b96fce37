import {describe, it, expect} from 'vitest';
import check from '../../checks/kubelet-config.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {buildKubeletConfig} from '../../src/facts/kubelet/kubelet-config.js';
import {notCollected} from '../../src/facts/types.js';
import {ctx, makeFacts, rawFrom} from '../helpers/facts.js';
import type {RawOptions} from '../helpers/facts.js';
import {DROPIN, FLAGS_ENV, argvOf} from '../helpers/argv.js';

const CFG = '/var/lib/kubelet/config.yaml';
const DIR = '/etc/kubernetes/kubelet.conf.d';
const HEAD = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n';
const GOOD = `${HEAD}authentication:\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\ncgroupDriver: systemd\nstaticPodPath: /etc/kubernetes/manifests\nrotateCertificates: true\n`;
const CONFIG_FLAG = `--config=${CFG}`;

function run(
  files: Record<string, string>,
  words: (string | [string, typeof DROPIN])[] = [CONFIG_FLAG],
  version = 'v1.30.2',
  opts: RawOptions = {},
): Verdict[] {
  const argv = argvOf(words);
  const kubeletConfig = buildKubeletConfig(rawFrom(files, opts), argv, version);
  const v = check.evaluate(makeFacts({argv, kubeletConfig}), ctx);
  return Array.isArray(v) ? v : [v];
}

const one = (vs: Verdict[]): Verdict => {
  expect(vs).toHaveLength(1);
  return vs[0] as Verdict;
};

describe('kubelet-config check', () => {
  it('passes a valid kubeadm config file', () => {
    const v = one(run({[CFG]: GOOD}));
    expect(v.status).toBe('pass');
    expect(v.summary).toBe(`${CFG} is a valid KubeletConfiguration: 4 field(s) set in files, 0 by flags, no unknown fields`);
    expect(v.evidence.map((e) => e.source)).toEqual([DROPIN, {file: CFG}]);
  });

  it('fails when the --config file does not exist', () => {
    const v = one(run({}, [CONFIG_FLAG], 'v1.30.2', {records: {[CFG]: {status: 'missing'}}}));
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/^the --config file \/var\/lib\/kubelet\/config.yaml does not exist: the kubelet exits at start/);
    expect(v.evidence.map((e) => e.source)).toEqual([DROPIN, {file: CFG}]);
  });

  it('fails on a YAML syntax error, citing its line', () => {
    const v = one(run({[CFG]: `${HEAD}cgroupDriver: systemd\n  maxPods: 110\nkey: [\n`}));
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/is not valid YAML at line \d+/);
    expect(v.evidence[1]?.source).toMatchObject({file: CFG});
  });

  it('fails when --config points at a kubeconfig', () => {
    const kubeconfig = 'apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://127.0.0.1:6443\n  name: kubernetes\n';
    const v = one(run({'/etc/kubernetes/kubelet.conf': kubeconfig}, ['--config=/etc/kubernetes/kubelet.conf']));
    expect(v.status).toBe('fail');
    expect(v.summary).toContain('is a kubeconfig (kind: Config), not a KubeletConfiguration');
    expect(v.evidence[1]?.source).toEqual({file: '/etc/kubernetes/kubelet.conf', line: 2});
  });

  it('fails on a wrong apiVersion', () => {
    const v = one(run({[CFG]: 'apiVersion: kubelet.config.k8s.io/v1\nkind: KubeletConfiguration\n'}));
    expect(v.status).toBe('fail');
    expect(v.summary).toContain('unknown apiVersion/kind kubelet.config.k8s.io/v1/KubeletConfiguration');
  });

  it('fails on a value of the wrong type, at its line', () => {
    const v = one(run({[CFG]: `${GOOD}maxPods: "110"\n`}));
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('maxPods must be an integer: the kubelet cannot decode the file and exits ("failed to decode")');
    expect(v.evidence).toEqual([{source: {file: CFG, line: 9}, text: 'maxPods: "110"'}]);
  });

  it('fails on a flag value of the wrong type', () => {
    const v = one(run({[CFG]: GOOD}, [CONFIG_FLAG, ['--fail-swap-on=no', FLAGS_ENV]]));
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('--fail-swap-on must be a boolean (true or false): the kubelet exits ("failed to parse kubelet flag")');
    expect(v.evidence[0]?.source).toEqual(FLAGS_ENV);
  });

  it('warns about an unknown field and names the nearest known one', () => {
    const v = one(run({[CFG]: `${GOOD}maxPod: 250\n`}));
    expect(v.status).toBe('warn');
    expect(v.summary).toBe('maxPod is not a KubeletConfiguration field; the kubelet ignores it (lenient decoding). Did you mean maxPods?');
    expect(v.evidence).toEqual([{source: {file: CFG, line: 9}, text: 'maxPod: 250'}]);
  });

  it('warns about a field this kubelet version does not know yet', () => {
    const v = one(run({[CFG]: `${GOOD}failCgroupV1: false\n`}, [CONFIG_FLAG], 'v1.30.2'));
    expect(v.status).toBe('warn');
    expect(v.summary).toBe('failCgroupV1 is not known to kubelet v1.30.2 (added in 1.31); the kubelet ignores it (lenient decoding)');
  });

  it('warns when there is no --config: legacy defaults, read-only port 10255', () => {
    const v = one(run({}, ['--kubeconfig=/etc/kubernetes/kubelet.conf']));
    expect(v.status).toBe('warn');
    expect(v.summary).toContain(
      'no --config file and runs on flag-only legacy defaults: anonymous authentication on, authorization AlwaysAllow, read-only port 10255',
    );
    expect(v.evidence[0]?.source).toEqual(DROPIN);
  });

  it('warns when healthzPort is 0', () => {
    const v = one(run({[CFG]: `${GOOD}healthzPort: 0\n`}));
    expect(v.status).toBe('warn');
    expect(v.summary).toContain("healthzPort is 0, which disables the healthz endpoint: kubeadm's kubelet-check");
    expect(v.evidence[0]?.source).toEqual({file: CFG, line: 9});
  });

  it('warns when a config file turns the read-only port on', () => {
    const v = one(run({[CFG]: `${GOOD}readOnlyPort: 10255\n`}));
    expect(v.status).toBe('warn');
    expect(v.summary).toBe('readOnlyPort is 10255: the kubelet serves pod and node data on it without authentication');
  });

  it('fails a drop-in without apiVersion/kind', () => {
    const vs = run({[CFG]: GOOD, [`${DIR}/10-pods.conf`]: 'maxPods: 200\n'}, [CONFIG_FLAG, `--config-dir=${DIR}`]);
    const v = one(vs);
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/^the --config-dir drop-in \/etc\/kubernetes\/kubelet.conf.d\/10-pods.conf: no apiVersion\/kind/);
    expect(v.evidence.map((e) => e.source)).toEqual([DROPIN, {file: `${DIR}/10-pods.conf`, line: 1}]);
  });

  it('fails a --config-dir that does not exist', () => {
    const dirs = {[DIR]: {path: DIR, status: 'missing' as const, entries: []}};
    const v = one(run({[CFG]: GOOD}, [CONFIG_FLAG, `--config-dir=${DIR}`], 'v1.31.0', {dirs}));
    expect(v.status).toBe('fail');
    expect(v.summary).toContain('failed to walk through kubelet dropin directory');
  });

  it('warns that --config-dir needs KUBELET_CONFIG_DROPIN_DIR_ALPHA on 1.28 and 1.29', () => {
    const vs = run({[CFG]: GOOD, [`${DIR}/10-pods.conf`]: `${HEAD}maxPods: 200\n`}, [CONFIG_FLAG, `--config-dir=${DIR}`], 'v1.29.4');
    const v = one(vs);
    expect(v.status).toBe('warn');
    expect(v.summary).toContain('KUBELET_CONFIG_DROPIN_DIR_ALPHA');
  });

  it('warns when the config file was not collected', () => {
    const v = one(run({}));
    expect(v.status).toBe('warn');
    expect(v.summary).toBe(`the --config file ${CFG} was not collected by the probe, so it could not be checked`);
  });

  it('skips when the configuration could not be built', () => {
    const v = check.evaluate(makeFacts({kubeletConfig: notCollected('the kubelet command line is unknown: no kubelet.service')}), ctx);
    expect(v).toEqual({status: 'skip', summary: 'the kubelet command line is unknown: no kubelet.service', evidence: []});
  });
});

describe('signatures', () => {
  it('match the log lines they describe', () => {
    expect(check.signatures.length).toBeGreaterThan(0);
    for (const s of check.signatures) expect(s.pattern.test(s.text), s.id).toBe(true);
  });
});
