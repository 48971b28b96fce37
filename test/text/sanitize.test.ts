import {describe, it, expect} from 'vitest';
import {sanitize, sanitizeLine} from '../../src/text/sanitize.js';

/** True when no escape, C0 (but \t \n), DEL, C1 or bidi control is left. */
const isClean = (s: string): boolean => !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/.test(s);

describe('sanitize', () => {
  it('returns plain text unchanged, tabs and newlines included', () => {
    const s = 'cgroupDriver: systemd\n\tkey: "välue ✓ 日本"';
    expect(sanitize(s)).toBe(s);
  });

  it('strips an OSC title change terminated by BEL', () => {
    expect(sanitize('before\u001b]0;pwned\u0007after')).toBe('beforeafter');
  });

  it('strips an OSC title change terminated by ESC backslash (ST)', () => {
    expect(sanitize('a\u001b]2;pwned\u001b\\b')).toBe('ab');
  });

  it('strips an OSC 8 hyperlink but keeps its visible label', () => {
    const link = '\u001b]8;;https://127.0.0.1/evil\u001b\\click me\u001b]8;;\u001b\\';
    expect(sanitize(`see ${link}.`)).toBe('see click me.');
  });

  it('strips clear-screen, cursor moves and colours (CSI)', () => {
    expect(sanitize('\u001b[2J\u001b[H\u001b[10;20Hx\u001b[1A\u001b[31mred\u001b[0m\u001b[?25l')).toBe('xred');
  });

  it('strips the 8-bit CSI (U+009B) with its parameters and other C1 controls', () => {
    expect(sanitize('a\u009b2Jb\u009b31mc\u0085d\u0090dcs\u009ce')).toBe('abcde');
  });

  it('strips 8-bit OSC strings terminated by BEL or 8-bit ST', () => {
    expect(sanitize('a\u009d0;pwned\u0007b\u009d0;x\u009cc')).toBe('abc');
  });

  it('strips DCS, SOS, PM and APC strings', () => {
    expect(sanitize('a\u001bPq#0;2;0;0;0\u001b\\b\u001bXsos\u001b\\c\u001b^pm\u001b\\d\u001b_apc\u001b\\e')).toBe('abcde');
  });

  it('strips single ESC sequences (charset, reset, save cursor) and a lone ESC', () => {
    expect(sanitize('a\u001b(Bb\u001bcc\u001b7d\u001b')).toBe('abcd');
  });

  it('drops an unterminated OSC introducer and keeps the rest as inert text', () => {
    const out = sanitize('log \u001b]0;half a title');
    expect(out).toBe('log 0;half a title');
    expect(isClean(out)).toBe(true);
  });

  it('drops carriage returns, backspaces, BEL, NUL and DEL but keeps tabs and newlines', () => {
    expect(sanitize('ok\r\nfake\bX\u0007\u0000\u007f\tend\n')).toBe('ok\nfakeX\tend\n');
  });

  it('drops bidi overrides and isolates (Trojan Source)', () => {
    expect(sanitize('admin\u202e\u2066gnp.exe\u2069\u202c')).toBe('admingnp.exe');
  });

  it('drops the bidi marks ALM, LRM and RLM (U+061C, U+200E, U+200F), which reorder text like the overrides', () => {
    expect(sanitize('node\u200f-1\u061c: ok\u200e')).toBe('node-1: ok');
    expect(isClean(sanitize('a\u061cb\u200ec\u200fd'))).toBe(true);
  });

  it('drops the LINE and PARAGRAPH SEPARATORS (U+2028, U+2029): a node cannot start a fake line', () => {
    const forged = 'cgroupDriver: systemd\u2028✓ kubelet-config  pass\u2029';
    expect(sanitize(forged)).toBe('cgroupDriver: systemd✓ kubelet-config  pass');
    expect(sanitizeLine(forged)).not.toMatch(/[\u2028\u2029]/);
  });

  it('leaves no control character in a mix of hostile sequences', () => {
    const hostile = '\u001b]0;pwned\u0007\u001b[2J\u009b6n\u001b]8;;x\u0007y\u001bP1$r\u001b\\\u202ez\r\u0008\u2028\u2029\u200f\u061c';
    const out = sanitize(hostile);
    expect(isClean(out)).toBe(true);
    expect(out).not.toContain('pwned');
  });
});

describe('sanitizeLine', () => {
  it('folds newlines into spaces after stripping escapes', () => {
    expect(sanitizeLine('line one\r\n\u001b[31mline two\u001b[0m')).toBe('line one line two');
  });
});
