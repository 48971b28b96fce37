import {describe, expect, it} from 'vitest';
import {parse} from 'yaml';
import {editYaml} from '../../src/fixes/edit/yaml-edit.js';

const CONFIG = `# Managed by kubeadm; hand edits below.
apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false   # keep it off
cgroupDriver: cgroupfs # was systemd before the rebuild
clusterDNS:
- 10.96.0.10
kind: KubeletConfiguration
# the operator wanted more pods
maxPod: 200
memorySwap: {}
unknownVendorKey: {nested: true}
`;

const ok = (r: ReturnType<typeof editYaml>): string => {
  if (!r.ok) throw new Error(r.reason);
  return r.text;
};

describe('editYaml', () => {
  it('gives byte-identical output when no edit is asked for', () => {
    expect(ok(editYaml(CONFIG, []))).toBe(CONFIG);
  });

  it('changes only the value of a set key and keeps its comment', () => {
    const out = ok(editYaml(CONFIG, [{op: 'set', path: ['cgroupDriver'], value: 'systemd'}]));
    expect(out).toBe(CONFIG.replace('cgroupDriver: cgroupfs #', 'cgroupDriver: systemd #'));
  });

  it('renames a misspelt key in place, keeping the comment above it and every other line', () => {
    const out = ok(editYaml(CONFIG, [{op: 'rename', path: ['maxPod'], to: 'maxPods'}]));
    expect(out).toBe(CONFIG.replace('maxPod: 200', 'maxPods: 200'));
    expect(out).toContain('# the operator wanted more pods\nmaxPods: 200');
    expect(out).toContain('# Managed by kubeadm; hand edits below.');
    expect(out).toContain('unknownVendorKey: {nested: true}');
  });

  it('adds a missing key in sorted position when the keys are sorted', () => {
    const out = ok(editYaml(CONFIG, [{op: 'set', path: ['failSwapOn'], value: false}]));
    expect(out).toContain('- 10.96.0.10\nfailSwapOn: false\nkind: KubeletConfiguration');
  });

  it('turns an empty flow mapping into a block holding the new key', () => {
    const out = ok(editYaml(CONFIG, [{op: 'set', path: ['memorySwap', 'swapBehavior'], value: 'LimitedSwap'}]));
    expect(out).toContain('memorySwap:\n  swapBehavior: LimitedSwap\nunknownVendorKey');
    expect(parse(out).memorySwap).toEqual({swapBehavior: 'LimitedSwap'});
  });

  it('deletes a key and only its line', () => {
    const out = ok(editYaml(CONFIG, [{op: 'delete', path: ['maxPod']}]));
    expect(out).toBe(CONFIG.replace('maxPod: 200\n', ''));
  });

  it('moves a field written at the wrong indentation to where it belongs', () => {
    const text = 'apiVersion: v1\nauthentication:\n  cgroupDriver: systemd\n  x509:\n    clientCAFile: /ca\nkind: K\n';
    const out = ok(editYaml(text, [{op: 'move', from: ['authentication', 'cgroupDriver'], to: ['cgroupDriver']}]));
    expect(parse(out)).toEqual({apiVersion: 'v1', authentication: {x509: {clientCAFile: '/ca'}}, cgroupDriver: 'systemd', kind: 'K'});
  });

  it('quotes a value only when YAML needs it', () => {
    const out = ok(
      editYaml('a: 1\n', [
        {op: 'set', path: ['b'], value: 'yes'},
        {op: 'set', path: ['c'], value: 'unix:///run/x.sock'},
      ]),
    );
    expect(out).toBe('a: 1\nb: "yes"\nc: unix:///run/x.sock\n');
  });

  it('refuses to rename onto a key that is already set', () => {
    const r = editYaml('maxPod: 1\nmaxPods: 2\n', [{op: 'rename', path: ['maxPod'], to: 'maxPods'}]);
    expect(r).toEqual({ok: false, reason: 'maxPods is already set next to maxPod'});
  });

  it('refuses a file that is not valid YAML or holds several documents', () => {
    expect(editYaml('a: [1\n', [{op: 'set', path: ['a'], value: 1}]).ok).toBe(false);
    expect(editYaml('a: 1\n---\nb: 2\n', [{op: 'set', path: ['a'], value: 2}])).toEqual({ok: false, reason: 'the file holds several YAML documents'});
  });

  it('keeps CRLF line endings on untouched lines', () => {
    const out = ok(editYaml('a: 1\r\nb: 2\r\n', [{op: 'set', path: ['b'], value: 3}]));
    expect(out).toBe('a: 1\r\nb: 3\r\n');
  });
});

describe('editYaml edge cases', () => {
  it('fills a key that has no value yet', () => {
    expect(ok(editYaml('a: 1\nfailSwapOn:\nz: 2\n', [{op: 'set', path: ['failSwapOn'], value: false}]))).toBe('a: 1\nfailSwapOn: false\nz: 2\n');
  });

  it('adds a key to an existing nested block mapping at its indentation, in sorted position', () => {
    expect(ok(editYaml('memorySwap:\n    swapBehavior: NoSwap\nz: 1\n', [{op: 'set', path: ['memorySwap', 'other'], value: 'x'}]))).toBe(
      'memorySwap:\n    other: x\n    swapBehavior: NoSwap\nz: 1\n',
    );
    expect(ok(editYaml('memorySwap:\n    swapBehavior: NoSwap\nz: 1\n', [{op: 'set', path: ['memorySwap', 'zz'], value: 'x'}]))).toBe(
      'memorySwap:\n    swapBehavior: NoSwap\n    zz: x\nz: 1\n',
    );
  });

  it('creates missing parent mappings', () => {
    expect(ok(editYaml('a: 1\n', [{op: 'set', path: ['memorySwap', 'swapBehavior'], value: 'LimitedSwap'}]))).toBe(
      'a: 1\nmemorySwap:\n  swapBehavior: LimitedSwap\n',
    );
  });

  it('refuses to set below a key that holds a single value', () => {
    expect(editYaml('memorySwap: none\n', [{op: 'set', path: ['memorySwap', 'swapBehavior'], value: 'x'}])).toEqual({
      ok: false,
      reason: 'memorySwap.swapBehavior: a parent is not a mapping',
    });
  });

  it('adds a key to a file without a trailing newline', () => {
    expect(ok(editYaml('a: 1', [{op: 'set', path: ['b'], value: 2}]))).toBe('a: 1\nb: 2\n');
  });
});
