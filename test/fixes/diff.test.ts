import {describe, expect, it} from 'vitest';
import {unifiedDiff} from '../../src/fixes/diff.js';

describe('unifiedDiff', () => {
  it('is empty when nothing changes', () => {
    expect(unifiedDiff('/etc/x', 'a\nb\n', 'a\nb\n')).toBe('');
  });

  it('shows a changed line with three lines of context, like diff -u', () => {
    const before = `${['1', '2', '3', '4', '5', '6', '7', '8', '9'].join('\n')}\n`;
    const after = before.replace('5\n', 'five\n');
    expect(unifiedDiff('/var/lib/kubelet/config.yaml', before, after)).toBe(
      ['--- a/var/lib/kubelet/config.yaml', '+++ b/var/lib/kubelet/config.yaml', '@@ -2,7 +2,7 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8', ''].join(
        '\n',
      ),
    );
  });

  it('shows a new file against /dev/null', () => {
    expect(unifiedDiff('/etc/sysctl.d/k8s.conf', null, 'net.ipv4.ip_forward = 1\n')).toBe(
      '--- /dev/null\n+++ b/etc/sysctl.d/k8s.conf\n@@ -0,0 +1 @@\n+net.ipv4.ip_forward = 1\n',
    );
  });

  it('marks a last line without a newline', () => {
    expect(unifiedDiff('/f', 'a\nb', 'a\nc')).toContain('-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file');
  });

  it('keeps two distant edits in two hunks and near ones in one', () => {
    const lines = Array.from({length: 30}, (_, i) => `l${i + 1}`);
    const far = [...lines];
    far[1] = 'X';
    far[25] = 'Y';
    expect(unifiedDiff('/f', `${lines.join('\n')}\n`, `${far.join('\n')}\n`).match(/^@@/gm)).toHaveLength(2);
    const near = [...lines];
    near[1] = 'X';
    near[6] = 'Y';
    expect(unifiedDiff('/f', `${lines.join('\n')}\n`, `${near.join('\n')}\n`).match(/^@@/gm)).toHaveLength(1);
  });

  it('shows an inserted line between its neighbours', () => {
    const d = unifiedDiff('/d.conf', '[Service]\nExecStart=/usr/bin/kubelet\n', '[Service]\nExecStart=\nExecStart=/usr/bin/kubelet\n');
    expect(d).toContain('@@ -1,2 +1,3 @@\n [Service]\n+ExecStart=\n ExecStart=/usr/bin/kubelet\n');
  });
});
