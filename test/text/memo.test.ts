import {describe, expect, it} from 'vitest';
import {memoByText} from '../../src/text/memo.js';
import {parseTomlText} from '../../src/facts/runtime/runtime-parse.js';
import {parseYaml} from '../../src/facts/kubelet/yaml-source.js';

function counted() {
  const seen: string[] = [];
  const fn = (t: string) => {
    seen.push(t);
    return {upper: t.toUpperCase()};
  };
  return {seen, fn};
}

describe('memoByText', () => {
  it('computes each text once and hands back the same result', () => {
    const {seen, fn} = counted();
    const m = memoByText(fn, {maxEntries: 8, maxChars: 1000, maxTextChars: 100});
    const a = m('cgroupDriver: systemd');
    // The same bytes from another node (a different string object, sliced out of a larger one).
    const other = 'xx cgroupDriver: systemd'.slice(3);
    expect(m(other)).toBe(a);
    expect(seen).toEqual(['cgroupDriver: systemd']);
    expect(m.stats()).toMatchObject({hits: 1, misses: 1, entries: 1, chars: 21});
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const {seen, fn} = counted();
    const m = memoByText(fn, {maxEntries: 2, maxChars: 1000, maxTextChars: 100});
    m('a');
    m('b');
    m('a'); // a is now the most recent
    m('c'); // drops b
    m('a');
    m('b');
    expect(seen).toEqual(['a', 'b', 'c', 'b']);
    expect(m.stats().entries).toBe(2);
  });

  it('keeps at most maxChars of text, and never a text longer than maxTextChars', () => {
    const {seen, fn} = counted();
    const m = memoByText(fn, {maxEntries: 100, maxChars: 10, maxTextChars: 6});
    m('123456');
    m('abcdef'); // 12 chars: the first goes
    expect(m.stats()).toMatchObject({entries: 1, chars: 6});
    m('1234567'); // too long to keep
    m('1234567');
    expect(seen.filter((t) => t === '1234567')).toHaveLength(2);
    expect(m.stats()).toMatchObject({entries: 1, chars: 6});
  });

  it('computes but does not keep a text that does not survive a copy (a lone surrogate)', () => {
    const {seen, fn} = counted();
    const m = memoByText(fn, {maxEntries: 8, maxChars: 1000, maxTextChars: 100});
    const odd = 'key: \ud800';
    expect(m(odd).upper).toBe('KEY: \ud800');
    expect(m(odd).upper).toBe('KEY: \ud800');
    expect(seen).toEqual([odd, odd]);
    expect(m.stats().entries).toBe(0);
  });
});

describe('the parsers shared across a fleet', () => {
  it('parse the same kubelet config text once; the TOML is frozen so no node can change another node’s copy', () => {
    const yaml = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n';
    const a = parseYaml(yaml);
    expect(parseYaml(`${yaml} `.slice(0, -1))).toBe(a);
    const toml = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\nSystemdCgroup = true\n';
    const t = parseTomlText(toml);
    expect(parseTomlText(toml)).toBe(t);
    if (!t.ok) throw new Error(t.error);
    expect(() => {
      (t.data as Record<string, unknown>)['version'] = 3;
    }).toThrow(TypeError);
    expect(t.data['version']).toBe(2);
  });
});
