import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {setTomlKey, splitTomlKey} from '../../src/fixes/edit/toml-edit.js';

const FIX = join(import.meta.dirname, '../fixtures/runtime');
const V2 = ['plugins', 'io.containerd.grpc.v1.cri', 'containerd', 'runtimes', 'runc', 'options'];
const V2_HEADER = 'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options';
const V3 = ['plugins', 'io.containerd.cri.v1.runtime', 'containerd', 'runtimes', 'runc', 'options'];
const V3_HEADER = "plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options";

/** The lines that differ between two texts, as [before, after] pairs (insertions: before undefined). */
function changedLines(a: string, b: string): string[] {
  const x = a.split('\n');
  const y = b.split('\n');
  return y
    .filter((l, i) => x[i] !== l)
    .slice(0, 1)
    .concat(y.length !== x.length ? [`(${y.length - x.length} line(s) added)`] : []);
}

describe('splitTomlKey', () => {
  it('splits dotted keys and unquotes quoted parts', () => {
    expect(splitTomlKey(`plugins."io.containerd.grpc.v1.cri".containerd`)).toEqual(['plugins', 'io.containerd.grpc.v1.cri', 'containerd']);
    expect(splitTomlKey(`plugins.'io.containerd.cri.v1.runtime'.cni`)).toEqual(['plugins', 'io.containerd.cri.v1.runtime', 'cni']);
  });
});

describe('setTomlKey', () => {
  it('edits the value on the line that sets it and nothing else (containerd 1.x, version 2)', () => {
    const text = readFileSync(join(FIX, 'containerd-1.6-default.toml'), 'utf8');
    const r = setTomlKey(text, V2, V2_HEADER, 'SystemdCgroup', 'true');
    if (!r.ok) throw new Error(r.reason);
    expect(r.changed).toBe(true);
    expect(r.text.replace(/SystemdCgroup = true/, 'SystemdCgroup = false')).toBe(text);
  });

  it('adds the key to the options table when it is missing (containerd 2.x, version 3)', () => {
    const text = readFileSync(join(FIX, 'containerd-2.x-default.toml'), 'utf8');
    expect(text).not.toContain('SystemdCgroup');
    const r = setTomlKey(text, V3, V3_HEADER, 'SystemdCgroup', 'true');
    if (!r.ok) throw new Error(r.reason);
    expect(r.text).toContain("[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]\n");
    expect(r.text).toMatch(/ShimCgroup = ''\n {12}SystemdCgroup = true\n/);
    expect(changedLines(text, r.text)).toEqual(['            SystemdCgroup = true', '(1 line(s) added)']);
  });

  it('appends the table when the file has none', () => {
    const r = setTomlKey('version = 2\n', V2, V2_HEADER, 'SystemdCgroup', 'true');
    expect(r).toEqual({ok: true, changed: true, text: `version = 2\n\n[${V2_HEADER}]\n  SystemdCgroup = true\n`});
  });

  it('keeps a trailing comment and reports no change when the value is already right', () => {
    const text = '[crio.runtime]\n# keep\ncgroup_manager = "cgroupfs" # set by the installer\n';
    const r = setTomlKey(text, ['crio', 'runtime'], 'crio.runtime', 'cgroup_manager', '"systemd"');
    expect(r).toEqual({ok: true, changed: true, text: '[crio.runtime]\n# keep\ncgroup_manager = "systemd" # set by the installer\n'});
    if (r.ok) expect(setTomlKey(r.text, ['crio', 'runtime'], 'crio.runtime', 'cgroup_manager', '"systemd"')).toEqual({ok: true, changed: false, text: r.text});
  });

  it('refuses when the table is defined inline, where a new header would make the file invalid', () => {
    const text = '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes]\n  runc = {runtime_type = "io.containerd.runc.v2", options = {BinaryName = ""}}\n';
    const r = setTomlKey(text, V2, V2_HEADER, 'SystemdCgroup', 'true');
    expect(r.ok).toBe(false);
  });

  it('refuses a file that is not valid TOML', () => {
    expect(setTomlKey('[a\n', ['a'], 'a', 'b', '1')).toEqual({ok: false, reason: 'the file is not valid TOML'});
  });
});
