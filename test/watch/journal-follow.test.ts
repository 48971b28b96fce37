import {describe, expect, it} from 'vitest';
import {catalogue} from '../../checks/index.js';
import {allSignatures} from '../../src/catalogue/signatures.js';
import {classifyLine, journalScript, lineKey, LineSplitter, MAX_LINE_CHARS, MAX_PENDING_BYTES, RateLimit} from '../../src/watch/journal-follow.js';

const signatures = allSignatures(catalogue);
const at = '2026-12-05T12:00:00+00:00 node-1 kubelet[2392]: ';

describe('a journal line as it arrives', () => {
  it('matches the signature catalogue and names the check it points to', () => {
    const hit = classifyLine(
      `${at}E1205 12:00:00.000000    2392 run.go:74] "command failed" err="failed to run Kubelet: running with swap on is not supported, please disable swap!"`,
      signatures,
    );
    expect(hit).toMatchObject({time: '2026-12-05T12:00:00+00:00', signature: 'swap-on-not-supported', check: 'swap'});
  });

  it('an error no signature knows is shown without a check; an info line is not shown', () => {
    expect(classifyLine(`${at}E1205 12:00:00.000000    2392 x.go:1] "something new broke"`, signatures)).toMatchObject({signature: null, check: null});
    expect(classifyLine(`${at}I1205 12:00:00.000000    2392 server.go:1264] "Started kubelet"`, signatures)).toBeNull();
    expect(classifyLine('', signatures)).toBeNull();
  });

  it('strips terminal escapes and control characters, and caps the line', () => {
    const hostile = `${at}E1205 12:00:00.000000 1 x.go:1] \u001b]0;owned\u0007\u001b[2J\u009b31m boom\r${'A'.repeat(5000)}`;
    const hit = classifyLine(hostile, signatures)!;
    expect(hit.text).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(hit.text).not.toContain('owned');
    expect(hit.text.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
  });

  it('redacts a token a line carries before it is shown', () => {
    const hit = classifyLine(`${at}E1205 12:00:00.000000 1 x.go:1] "failed" --token=abcdef.0123456789abcdef`, signatures)!;
    expect(hit.text).not.toContain('0123456789abcdef');
  });

  it('the follower knows a line the probe read by the same key the probe gives it', () => {
    expect(lineKey(`${at}I1205  "x"\u0007`)).toBe(`${at}I1205 "x"`);
  });
});

describe('line splitting and rate', () => {
  it('splits across chunks and never holds an endless line', () => {
    const s = new LineSplitter();
    expect(s.push('a\nb')).toEqual(['a']);
    expect(s.push('c\n')).toEqual(['bc']);
    const long = s.push(Buffer.alloc(MAX_PENDING_BYTES + 10, 'x'));
    expect(long).toHaveLength(1);
    expect(long[0]!.length).toBe(MAX_LINE_CHARS);
    expect(s.push('\n')).toEqual(['']);
  });

  it('lets a burst through, then a few a second, and counts what it dropped', () => {
    const r = new RateLimit(5, 20, 0);
    let shown = 0;
    for (let i = 0; i < 100; i++) if (r.allow(0)) shown++;
    expect(shown).toBe(20);
    expect(r.takeDropped()).toBe(80);
    expect(r.takeDropped()).toBe(0);
    expect(r.allow(1000)).toBe(true);
  });
});

describe('the journal command on the node', () => {
  it('follows from now without a seed, reads the journal directory of a mounted host root, and quotes the root', () => {
    expect(journalScript('/', 'follow', 0)).toContain('exec "$@" -u kubelet -f -n 0 -o short-iso --no-pager');
    expect(journalScript('/', 'follow', 0)).toContain("R=''");
    const s = journalScript("/host/it's", 'poll');
    expect(s).toContain(`R='/host/it'\\''s'`);
    expect(s).toContain('-n 200 -o short-iso');
    expect(s).toContain('journalctl -D "$R$_j"');
  });
});
