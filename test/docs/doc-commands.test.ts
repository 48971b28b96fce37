/**
 * The extractor behind test/docs/commands.test.ts, on small documents: which lines are commands,
 * what output a doc shows, the not-runnable markers, how kubelet-doctor is invoked, and how shown
 * output is compared with real output.
 */
import {describe, expect, it} from 'vitest';
import {extractCommands, invocationOf, missingLines, shellWords, splitComment} from './doc-commands.js';

describe('the extractor', () => {
  const doc = [
    'Prose `kubelet-doctor not-a-block`.',
    '```sh',
    '# a comment line',
    'kubelet-doctor check --root /mnt/node-7   # one node',
    'npm start -- lab \\',
    '  --run',
    'kubelet-doctor lab   # not-runnable: serves until Ctrl-C',
    '```',
    '',
    '<!-- not-runnable: needs a real cluster -->',
    '',
    '```',
    '$ kubelet-doctor check --all-nodes',
    'node-1  ssh  ok',
    '$ kubelet-doctor list-checks',
    '```',
    '```yaml',
    '$ not: a command',
    '```',
  ].join('\n');
  const found = extractCommands('x.md', doc);

  it('takes every line of a shell block and every $ line of a prompted block, with the output shown after it', () => {
    expect(found.map((c) => [c.line, c.text, c.block])).toEqual([
      [4, 'kubelet-doctor check --root /mnt/node-7', 1],
      [5, 'npm start -- lab --run', 1],
      [7, 'kubelet-doctor lab', 1],
      [13, 'kubelet-doctor check --all-nodes', 2],
      [15, 'kubelet-doctor list-checks', 2],
    ]);
    expect(found[3]!.expected).toEqual([{line: 14, text: 'node-1  ssh  ok'}]);
  });

  it('reads not-runnable markers on a block and on a command', () => {
    expect(found.map((c) => c.notRunnable)).toEqual([undefined, undefined, 'serves until Ctrl-C', 'needs a real cluster', 'needs a real cluster']);
    expect(extractCommands('y.md', '<!-- not-runnable: -->\n```sh\nkubelet-doctor lab\n```')[0]!.notRunnable).toBe('');
  });

  it('finds kubelet-doctor behind env assignments, sudo, npm start and node dist/…, and flags npx', () => {
    const kinds = (line: string) => shellWords(line).map(invocationOf);
    expect(kinds('X="$(cat a b)" sudo -E kubelet-doctor check -o r.xml 2>&1 && npm start -- lab')).toEqual([
      {kind: 'kubelet-doctor', args: ['check', '-o', 'r.xml']},
      {kind: 'kubelet-doctor', args: ['lab']},
    ]);
    expect(kinds('npx kubelet-doctor list-checks | node dist/src/cli/bin.js explain "a b" > out')).toEqual([
      {kind: 'npx', args: ['list-checks']},
      {kind: 'kubelet-doctor', args: ['explain', 'a b']},
    ]);
    expect(kinds('npm ci; npm run docs')).toEqual([{kind: 'other'}, {kind: 'npm-script', script: 'docs'}]);
    expect(splitComment("echo '# not a comment' # a comment")).toEqual({code: "echo '# not a comment' ", comment: ' a comment'});
  });

  it('compares shown output by its words: numbers and … stand for what changes', () => {
    const real = 'node-2  root  v1.30.2  1 fail, 3 warn, 19 pass\n  at /var/lib/kubelet/config.yaml:15  cgroupDriver: cgroupfs\n';
    const shown = (text: string) => [{line: 1, text}];
    expect(missingLines(shown('node-2  root  v1.30.2  1 fail, 1 warn, 9 pass'), real)).toEqual([]);
    expect(missingLines(shown('at /var/lib/kubelet/config.yaml:13  cgroupDriver: …'), real)).toEqual([]);
    expect(missingLines(shown('at /var/lib/kubelet/config.yaml:13  cgroupDriver: systemd'), real)).toHaveLength(1);
    expect(missingLines(shown('✗ FAIL  cgroup-driver-match  …'), 'x FAIL  cgroup-driver-match  kubelet uses cgroupfs')).toEqual([]);
  });
});
