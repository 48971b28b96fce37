/**
 * Remote text is data: everything a node sends (file lines, command output, error messages,
 * node names) passes through here before it reaches a terminal or a report. Ink's own sanitiser
 * keeps SGR and OSC sequences (hyperlinks, title changes); we strip every escape and control
 * character, so a hostile file on a node can't retitle, clear or rewrite the operator's screen.
 *
 * Sequence grammar: ECMA-48 (5th ed.) sections 5.3-5.6 and 8.3; xterm's ctlseqs for OSC/BEL.
 */

const ESC = 0x1b;
const BEL = 0x07;
/** 8-bit C1 introducers and terminator (ECMA-48 8.3): CSI, OSC, DCS, SOS, PM, APC, ST. */
const C1_CSI = 0x9b;
const C1_OSC = 0x9d;
const C1_ST = 0x9c;
const C1_STRINGS = new Set([0x90, 0x98, 0x9e, 0x9f]);
/** Second byte after ESC that opens a control string: ']' OSC, 'P' DCS, 'X' SOS, '^' PM, '_' APC. */
const ESC_STRINGS = new Set([0x5d, 0x50, 0x58, 0x5e, 0x5f]);

/** Characters that may need work; everything else is copied as-is (the fast path). */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

const isParam = (c: number): boolean => c >= 0x30 && c <= 0x3f;
const isIntermediate = (c: number): boolean => c >= 0x20 && c <= 0x2f;
const isFinal = (c: number): boolean => c >= 0x40 && c <= 0x7e;

/**
 * Bidi controls used to reorder text (Trojan Source, CVE-2021-42574): embeddings/overrides
 * U+202A-U+202E, isolates U+2066-U+2069, and the implicit marks ALM U+061C, LRM U+200E, RLM U+200F
 * (Unicode UAX #9, table 4). Plus the LINE and PARAGRAPH SEPARATORS U+2028/U+2029, which some
 * terminals and viewers break lines on: a node could otherwise start a fake line in a report.
 */
const isBidi = (c: number): boolean =>
  (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0x061c || c === 0x200e || c === 0x200f || c === 0x2028 || c === 0x2029;

/** Any character that is dropped on its own: C0 but \t and \n, DEL, C1, bidi controls and marks, line/paragraph separators. */
const isDropped = (c: number): boolean => (c < 0x20 && c !== 0x09 && c !== 0x0a) || (c >= 0x7f && c <= 0x9f) || isBidi(c);

/**
 * End index (exclusive) of a CSI body starting at `i`: parameters, intermediates, one final byte.
 * Returns `i` unchanged when no well-formed body follows (the introducer alone is then dropped).
 */
function csiEnd(s: string, i: number): number {
  let j = i;
  while (j < s.length && isParam(s.charCodeAt(j))) j++;
  while (j < s.length && isIntermediate(s.charCodeAt(j))) j++;
  return j < s.length && isFinal(s.charCodeAt(j)) ? j + 1 : i;
}

/**
 * End index (exclusive) of a control string body starting at `i`, including its terminator:
 * ST (ESC \ or 0x9C), or BEL for OSC (xterm). An unterminated string ends nowhere: return `i`,
 * so only the introducer is dropped and the rest is treated as (sanitised) text, which keeps a
 * truncated log line readable while no control character survives.
 */
function stringEnd(s: string, i: number, allowBel: boolean): number {
  for (let j = i; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === C1_ST || (allowBel && c === BEL)) return j + 1;
    if (c === ESC && s.charCodeAt(j + 1) === 0x5c) return j + 2;
  }
  return i;
}

/** Length of the escape sequence starting with ESC at `i` (at least 1: the ESC itself). */
function escLength(s: string, i: number): number {
  const next = s.charCodeAt(i + 1);
  if (Number.isNaN(next)) return 1;
  if (next === 0x5b) return csiEnd(s, i + 2) - i; // ESC [ = CSI
  if (ESC_STRINGS.has(next)) return stringEnd(s, i + 2, next === 0x5d) - i;
  // nF / Fp / Fe / Fs: ESC, intermediates (0x20-0x2F)*, one final byte 0x30-0x7E (ESC ( B, ESC c, ESC 7).
  let j = i + 1;
  while (j < s.length && isIntermediate(s.charCodeAt(j))) j++;
  const c = s.charCodeAt(j);
  return c >= 0x30 && c <= 0x7e ? j + 1 - i : 1;
}

/** Length of the sequence opened by the C1 character at `i` (at least 1). */
function c1Length(s: string, i: number, c: number): number {
  if (c === C1_CSI) return csiEnd(s, i + 1) - i;
  if (c === C1_OSC || C1_STRINGS.has(c)) return stringEnd(s, i + 1, c === C1_OSC) - i;
  return 1;
}

/**
 * Strip every terminal escape sequence and control character from remote text, keeping `\n`
 * and `\t`. Use it on anything that came from a node before it is printed or written to a report.
 *
 * Removed: CSI (`ESC [` … final, and 8-bit `0x9B`), OSC (`ESC ]` … BEL or ST, and `0x9D`),
 * DCS/SOS/PM/APC strings, other ESC sequences, C1 controls (U+0080–U+009F), C0 controls but
 * tab and newline (so `\r` is dropped), DEL, the bidi controls U+202A–U+202E, U+2066–U+2069 and
 * marks U+061C, U+200E, U+200F, and the line/paragraph separators U+2028, U+2029.
 */
export function sanitize(s: string): string {
  if (!UNSAFE.test(s)) return s;
  let out = '';
  let kept = 0;
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    let n = 0;
    if (c === ESC) n = escLength(s, i);
    else if (c >= 0x80 && c <= 0x9f) n = c1Length(s, i, c);
    else if (isDropped(c)) n = 1;
    if (n === 0) {
      i++;
      continue;
    }
    out += s.slice(kept, i);
    i += n;
    kept = i;
  }
  return out + s.slice(kept);
}

/**
 * {@link sanitize}, then fold newlines into spaces: for text that must stay on one line
 * (a table cell, a header, a summary next to a status badge).
 */
export function sanitizeLine(s: string): string {
  return sanitize(s).replace(/\n/g, ' ');
}
