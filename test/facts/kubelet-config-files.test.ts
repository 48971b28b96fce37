import {describe, it, expect} from 'vitest';
import {buildKubeletConfig} from '../../src/facts/kubelet/kubelet-config.js';
import type {KubeletConfigFacts} from '../../src/facts/types.js';
import {rawFrom} from '../helpers/facts.js';
import type {RawOptions} from '../helpers/facts.js';
import {argvOf} from '../helpers/argv.js';

const CFG = '/var/lib/kubelet/config.yaml';
const HEAD = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n';
const DIR = '/etc/kubernetes/kubelet.conf.d';

function build(files: Record<string, string>, opts: RawOptions = {}, words = [`--config=${CFG}`], version = 'v1.30.2'): KubeletConfigFacts {
  const r = buildKubeletConfig(rawFrom(files, opts), argvOf(words), version);
  if (!r.collected) throw new Error(r.reason);
  return r.value;
}

describe('buildKubeletConfig file problems', () => {
  it('marks a --config file the probe found missing', () => {
    const f = build({}, {records: {[CFG]: {status: 'missing'}}});
    expect(f.files).toEqual([{path: CFG, role: 'config', status: 'missing', error: `${CFG}: no such file or directory`}]);
  });

  it('marks a --config file the probe did not collect as missing, saying so', () => {
    expect(build({}).files[0]).toMatchObject({status: 'missing', error: `${CFG} was not collected by the probe`});
  });

  it('marks unreadable, binary and truncated files', () => {
    expect(build({}, {records: {[CFG]: {status: 'unreadable'}}}).files[0]?.status).toBe('unreadable');
    expect(build({}, {records: {[CFG]: {binary: true, content: undefined}}}).files[0]?.status).toBe('binary');
    expect(build({[CFG]: HEAD}, {records: {[CFG]: {truncated: true, size: 9000000}}}).files[0]).toMatchObject({
      status: 'too-large',
      error: `${CFG} is larger than the probe's read limit (9000000 bytes)`,
    });
  });

  it('reports a YAML syntax error with its line', () => {
    const f = build({[CFG]: `${HEAD}cgroupDriver: systemd\nclusterDNS: [10.96.0.10\nmaxPods: 110\n`});
    expect(f.files[0]).toMatchObject({status: 'parse-error', line: 5});
    expect(f.files[0]?.error).toMatch(/Flow sequence/);
  });

  it('reports a file whose top level is not a mapping', () => {
    expect(build({[CFG]: '- cgroupDriver: systemd\n'}).files[0]).toMatchObject({status: 'not-a-mapping', line: 1});
  });

  it('reports an empty file as having no apiVersion/kind', () => {
    expect(build({[CFG]: ''}).files[0]).toMatchObject({status: 'wrong-kind', error: 'the file is empty: no apiVersion/kind'});
  });

  it('recognises a kubeconfig passed as --config, at the kind line', () => {
    const kubeconfig = 'apiVersion: v1\nclusters:\n- cluster:\n    server: https://127.0.0.1:6443\n  name: kubernetes\nkind: Config\n';
    expect(build({[CFG]: kubeconfig}).files[0]).toEqual({
      path: CFG,
      role: 'config',
      status: 'wrong-kind',
      apiVersion: 'v1',
      kind: 'Config',
      line: 6,
      error: 'no kind "Config" is registered for version "v1": this is a kubeconfig, not a KubeletConfiguration',
    });
  });

  it('rejects a wrong apiVersion', () => {
    const f = build({[CFG]: 'apiVersion: kubelet.config.k8s.io/v1alpha1\nkind: KubeletConfiguration\n'});
    expect(f.files[0]).toMatchObject({status: 'wrong-kind', line: 2});
    expect(f.files[0]?.error).toMatch(/unknown apiVersion\/kind kubelet.config.k8s.io\/v1alpha1\/KubeletConfiguration/);
  });

  it('still applies defaults when the file is unusable', () => {
    expect(build({}).effective['cgroupDriver']?.value).toBe('cgroupfs');
  });
});

describe('buildKubeletConfig unknown fields and type errors', () => {
  it('names the nearest known field for a typo', () => {
    const f = build({[CFG]: `${HEAD}maxPod: 50\n`});
    expect(f.unknownFields).toEqual([{field: 'maxPod', nearest: 'maxPods', source: {file: CFG, line: 3}, text: 'maxPod: 50'}]);
    expect(f.effective['maxPods']?.value).toBe(110);
  });

  it('matches field names case-insensitively (the kubelet decoder is case-sensitive)', () => {
    expect(build({[CFG]: `${HEAD}MaxPods: 50\n`}).unknownFields[0]?.nearest).toBe('maxPods');
  });

  it('points a mis-indented field at its real place', () => {
    const f = build({[CFG]: `${HEAD}authentication:\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\n  cgroupDriver: systemd\n`});
    expect(f.unknownFields).toEqual([
      {field: 'authentication.cgroupDriver', nearest: 'cgroupDriver', source: {file: CFG, line: 6}, text: 'cgroupDriver: systemd'},
    ]);
  });

  it('suggests the nested sibling for a nested typo', () => {
    const f = build({[CFG]: `${HEAD}authentication:\n  x509:\n    clientCaFile: /etc/kubernetes/pki/ca.crt\n`});
    expect(f.unknownFields[0]).toMatchObject({field: 'authentication.x509.clientCaFile', nearest: 'authentication.x509.clientCAFile'});
  });

  it('gives no suggestion for a field that resembles nothing', () => {
    expect(build({[CFG]: `${HEAD}zzzzqqq: 1\n`}).unknownFields[0]?.nearest).toBeNull();
  });

  it('reports a quoted number for an integer and a quoted yes for a boolean as type errors', () => {
    const f = build({[CFG]: `${HEAD}maxPods: "110"\nfailSwapOn: "yes"\n`});
    expect(f.typeErrors).toEqual([
      {field: 'maxPods', expected: 'an integer', source: {file: CFG, line: 3}, text: 'maxPods: "110"'},
      {field: 'failSwapOn', expected: 'a boolean (true or false)', source: {file: CFG, line: 4}, text: 'failSwapOn: "yes"'},
    ]);
  });

  it('reads an unquoted yes as true, as the kubelet YAML 1.1 parser does', () => {
    const f = build({[CFG]: `${HEAD}failSwapOn: yes\n`});
    expect(f.typeErrors).toEqual([]);
    expect(f.effective['failSwapOn']).toMatchObject({value: true, origin: 'config-file'});
  });

  it('reports unquoted numbers in string maps and bad durations', () => {
    const f = build({[CFG]: `${HEAD}kubeReserved:\n  cpu: 1\nsyncFrequency: 1 minute\n`});
    expect(f.typeErrors.map((t) => [t.field, t.source])).toEqual([
      ['kubeReserved', {file: CFG, line: 3}],
      ['syncFrequency', {file: CFG, line: 5}],
    ]);
    expect(f.typeErrors[0]?.expected).toBe('a string for "cpu"');
  });

  it('keeps the later of two duplicate keys and the earlier in the history', () => {
    const v = build({[CFG]: `${HEAD}maxPods: 50\nmaxPods: 60\n`}).effective['maxPods'];
    expect(v).toMatchObject({value: 60, source: {file: CFG, line: 4}});
    expect(v?.overridden.map((o) => o.value)).toEqual([110, 50]);
  });
});

describe('buildKubeletConfig --config-dir drop-ins', () => {
  const words = [`--config=${CFG}`, `--config-dir=${DIR}`];
  const base = `${HEAD}maxPods: 110\nclusterDNS:\n- 10.96.0.10\nevictionHard:\n  memory.available: 100Mi\n  nodefs.available: 10%\n`;

  it('applies *.conf files in lexical order as merge patches and ignores other files', () => {
    const f = build(
      {
        [CFG]: base,
        [`${DIR}/20-pods.conf`]: `${HEAD}maxPods: 250\n`,
        [`${DIR}/10-eviction.conf`]: `${HEAD}maxPods: 200\nevictionHard:\n  memory.available: 500Mi\nclusterDNS:\n- 169.254.20.10\n`,
        [`${DIR}/30-ignored.yaml`]: `${HEAD}maxPods: 999\n`,
      },
      {},
      words,
    );
    expect(f.files.map((x) => [x.path, x.role, x.status])).toEqual([
      [CFG, 'config', 'ok'],
      [`${DIR}/10-eviction.conf`, 'dropin', 'ok'],
      [`${DIR}/20-pods.conf`, 'dropin', 'ok'],
    ]);
    expect(f.effective['maxPods']).toMatchObject({value: 250, origin: 'config-dir', source: {file: `${DIR}/20-pods.conf`, line: 3}});
    expect(f.effective['maxPods']?.overridden.map((o) => o.value)).toEqual([110, 110, 200]);
    expect(f.effective['evictionHard']?.value).toEqual({'memory.available': '500Mi', 'nodefs.available': '10%'});
    expect(f.effective['clusterDNS']?.value).toEqual(['169.254.20.10']);
  });

  it('rejects a drop-in without apiVersion/kind and does not apply it', () => {
    const f = build({[CFG]: base, [`${DIR}/50-pods.conf`]: 'maxPods: 50\n'}, {}, words);
    expect(f.files[1]).toMatchObject({path: `${DIR}/50-pods.conf`, role: 'dropin', status: 'wrong-kind', line: 1});
    expect(f.files[1]?.error).toMatch(/^no apiVersion\/kind/);
    expect(f.effective['maxPods']?.value).toBe(110);
  });

  it('lets null in a drop-in delete a value so the default applies again', () => {
    const f = build({[CFG]: `${HEAD}maxPods: 50\n`, [`${DIR}/10.conf`]: `${HEAD}maxPods: null\n`}, {}, words);
    expect(f.effective['maxPods']).toMatchObject({value: 110, origin: 'default'});
    expect(f.effective['maxPods']?.overridden.map((o) => o.value)).toEqual([50, null]);
  });

  it('records a --config-dir that does not exist', () => {
    const f = build({[CFG]: base}, {dirs: {[DIR]: {path: DIR, status: 'missing', entries: []}}}, words);
    expect(f.configDir?.value).toBe(DIR);
    expect(f.files[1]).toMatchObject({path: DIR, role: 'dropin', status: 'missing'});
  });

  it('still lets flags win over drop-ins', () => {
    const f = build({[CFG]: base, [`${DIR}/10.conf`]: `${HEAD}maxPods: 200\n`}, {}, [...words, '--max-pods=300']);
    expect(f.effective['maxPods']).toMatchObject({value: 300, origin: 'flag'});
  });
});
