/**
 * Differential test: for every config in test/fixtures/containerd-corpus, what the tool reads
 * (SystemdCgroup, CRI plugin state, sandbox image, or "containerd refuses this") must equal what
 * the real containerd (Debian's 1.6 package, installed by .ci/run) reports with `config dump`.
 */
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {readContainerd} from '../../src/facts/runtime/runtime-containerd.js';
import {rawFrom} from '../helpers/facts.js';
import {CONTAINERD_BIN, type CorpusCase, containerdReading, corpusCases, type Reading} from '../helpers/containerd-dump.js';

const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'containerd-corpus');
const cases = corpusCases(CORPUS);
const haveContainerd = existsSync(CONTAINERD_BIN);
if (!haveContainerd) console.warn(`containerd differential skipped: ${CONTAINERD_BIN} is absent (.ci/run installs Debian's containerd)`);

/** The tool's reading of a case, in the oracle's terms. */
function toolReading(c: CorpusCase): Reading {
  const read = readContainerd(rawFrom(c.files, {records: Object.fromEntries(c.missing.map((p) => [p, {status: 'missing'}]))}));
  const broken = read.configFiles.find((f) => f.status === 'parse-error');
  if (broken) return {refused: true, why: `${broken.path}: ${broken.error}`};
  const stop = read.problems.find((p) => p.severity === 'fail' && /does not start|will not start/.test(p.message));
  if (stop) return {refused: true, why: stop.message};
  if (read.criDisabled?.value) return {refused: false, cri: 'disabled', systemdCgroup: null, sandboxImage: null};
  return {
    refused: false,
    cri: 'enabled',
    systemdCgroup: read.problems.some((p) => /SystemdCgroup must be true or false/.test(p.message))
      ? null
      : read.cgroupDriver
        ? read.cgroupDriver.value === 'systemd'
        : null,
    sandboxImage: read.sandboxImage?.value ?? null,
  };
}

const show = (r: Reading): string =>
  r.refused ? 'refused' : r.cri === 'disabled' ? 'CRI disabled' : `SystemdCgroup=${r.systemdCgroup} sandbox=${r.sandboxImage}`;
const same = (a: Reading, b: Reading): boolean => show(a) === show(b);

describe.skipIf(!haveContainerd)('containerd config: the tool reads it as containerd 1.6 does', () => {
  it(`agrees with \`containerd config dump\` on all ${cases.length} corpus configs`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    const rows = cases.map((c) => {
      const oracle = containerdReading(c);
      const tool = toolReading(c);
      return {name: c.name, containerd: show(oracle), tool: show(tool), agree: same(oracle, tool)};
    });
    const agreed = rows.filter((r) => r.agree).length;
    const width = Math.max(...rows.map((r) => r.name.length));
    const table = rows.map((r) => `${r.agree ? 'ok  ' : 'DIFF'} ${r.name.padEnd(width)}  containerd: ${r.containerd}${r.agree ? '' : `  tool: ${r.tool}`}`);
    console.log(`containerd ${CONTAINERD_BIN} vs tool: ${agreed}/${rows.length} agree\n${table.join('\n')}`);
    expect(rows.filter((r) => !r.agree)).toEqual([]);
  }, 300_000);
});

describe('containerd config: evidence lines for accepted spellings', () => {
  const read = (name: string) => {
    const c = cases.find((x) => x.name === name);
    if (!c) throw new Error(`no corpus case ${name}`);
    return readContainerd(rawFrom(c.files));
  };

  it('points SystemdCgroup at the line written in upper case', () => {
    const r = read('09-v2-uppercase');
    expect(r.cgroupDriver).toEqual({value: 'systemd', source: {file: '/etc/containerd/config.toml', line: 3}, text: 'SYSTEMDCGROUP = true'});
  });

  it('points the sandbox image at SANDBOX_IMAGE, and gives containerd 1.6 default pause:3.6 when unset', () => {
    expect(read('11-v2-sandbox-upper').sandboxImage).toEqual({
      value: 'registry.example/pause:upper',
      source: {file: '/etc/containerd/config.toml', line: 3},
      text: 'SANDBOX_IMAGE = "registry.example/pause:upper"',
    });
    expect(read('04-v2-kubeadm').sandboxImage?.value).toBe('registry.k8s.io/pause:3.6');
  });

  it('says a version 1 file ignores the full-id CRI tables, at the SystemdCgroup line', () => {
    const r = read('03-v1-full-id-ignored');
    expect(r.cgroupDriver?.value).toBe('cgroupfs');
    const note = r.problems.find((p) => /version = 2/.test(p.message));
    expect(note).toMatchObject({severity: 'warn', source: {file: '/etc/containerd/config.toml', line: 7}, text: 'SystemdCgroup = true'});
  });

  it('takes the CRI table of the last import that defines it, whole', () => {
    const r = read('22-import-override');
    expect(r.sandboxImage?.source).toEqual({file: '/etc/containerd/override.toml', line: 3});
    expect(r.cgroupDriver?.value).toBe('cgroupfs');
  });
});
