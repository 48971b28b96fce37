/**
 * The second line of defence for secrets: the probe already blanks private keys and secret
 * values on the node (the awk pass in src/probe/script-read.ts); this pass applies the same
 * rules again on the operator's side before facts, snapshots or reports are made, so a node
 * running an older probe, a snapshot file from elsewhere, or a form the node's pass missed is
 * still caught. Both passes are driven by one list of key names and armours
 * (src/facts/secret-keys.ts).
 *
 * The rules blank VALUES and keep the structure, so a redacted file still parses and keeps its
 * line count (evidence lines stay true):
 * - YAML: `key: value`, quoted values (multi-word, multi-line), block scalars (`|`, `>`, with
 *   indentation and chomping indicators: every content line becomes an indented `[redacted]`),
 *   values on the following indented lines, flow mappings `{token: x}`;
 * - TOML / INI: `key = "..."`, `'...'`, `"""` / `'''` multi-line strings, inline tables;
 * - JSON: `"apiKey": "..."` anywhere on a line (minified files too);
 * - env files and flags: `PASSWORD=...`, `export X_TOKEN=...`, `Environment="X_TOKEN=..."`, `--token=...`;
 * - private keys in every armour (PEM of any kind, PGP, SSH2, PuTTY's Private-Lines), plain,
 *   indented, or JSON-escaped on one line, and in base64 under ANY key name;
 * - kubeadm bootstrap tokens anywhere (`abcdef.[redacted]`).
 *
 * {@link findSecret} / {@link containsSecret} are the detectors the snapshot and report writers
 * run on what they are about to write: if one still matches, nothing is written.
 */
import {B64_MARKER_ERE, isSecretKey, normaliseKey} from './secret-keys.js';
import type {RawSnapshot} from '../core.js';

const RED = '[redacted]';
const KEY_RED = '[private key redacted]';

/** A key (optionally quoted) and its separator; bounded, so a long run of name characters costs linear time. */
const KEY_RE = /["']?[A-Za-z_][A-Za-z0-9_.-]{0,127}["']?[ \t]{0,64}[:=]/;
/** A YAML mapping entry (a line that cannot be the continuation of a plain scalar). */
const MAP_KEY = /^([^"'#][^:]*|"[^"]*"|'[^']*')[ \t]*:([ \t]|$)/;
const ARMOUR_BEGIN = /-----?[ ]?BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?[ ]?-----?/;
const ARMOUR_END = /-----?[ ]?END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?[ ]?-----?/;
const BLOCK_HEADER = /^[|>]([1-9][+-]?|[+-][1-9]?)?[ \t]*(#.*)?$/;
const B64_RUN = /[A-Za-z0-9+/=]+/;
const B64_MARK = new RegExp(B64_MARKER_ERE);
const BLOB = /^[ \t"'-]*[A-Za-z0-9+/=]+[ \t"',\\]*$/;

// Trailing runs are cut by walking back from the end, not with /[…]+$/: a regex like that retries
// at every position of a long run that is followed by something else, which costs the square of
// the run's length (a node's line of 1 MiB of spaces and one letter took minutes).
const isBlank = (c: number): boolean => c === 0x20 || c === 0x09;
const isB64 = (c: number): boolean =>
  (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f || c === 0x3d;
/** `s` without its trailing characters for which `drop` holds. */
function trimEndWhere(s: string, drop: (c: number) => boolean): string {
  let e = s.length;
  while (e > 0 && drop(s.charCodeAt(e - 1))) e--;
  return s.slice(0, e);
}

/** The characters of a bootstrap token: [a-z0-9] (NaN past the end is none of them). */
const isTokenChar = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
/** Whether s[from, to) is all token characters. */
function tokenRun(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

const indent = (s: string): string => /^[ \t]*/.exec(s)![0];

/** Index (1-based, like the awk) of the quote closing the string opened at s[0], or 0. */
function closeQuote(s: string, q: string): number {
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && q === '"') {
      i++;
      continue;
    }
    if (c === q) {
      if (q === "'" && s[i + 1] === "'") {
        i++;
        continue;
      }
      return i + 1;
    }
  }
  return 0;
}

/** Line-by-line redaction of one text: the same state machine as the probe's awk (`scrub`). */
class Scrubber {
  private inKey = false;
  private multiQuote = '';
  private skipLines = 0;
  private block = false;
  private pending = false;
  private blockCol = 0;
  private blockStyle: '|' | 'p' = '|';
  private b64Run = false;
  private tail = '';
  /** An env-style `name: X_TOKEN` was seen at this column: its sibling `value:` is secret. */
  private namedSecretCol = -1;

  private endBlock(): void {
    this.block = false;
    this.pending = false;
  }

  /** Redact the keys and values of one line (not in any multi-line state). */
  private fields(line: string): string {
    let s = line;
    let o = '';
    let flow = false;
    // A secret `name:` earlier on this line (a flow mapping: `{name: API_KEY, value: x}`).
    let namedHere = false;
    for (;;) {
      const m = KEY_RE.exec(s);
      if (!m) break;
      const pre = s.slice(0, m.index);
      if (/[[{]/.test(pre)) flow = true;
      o += pre;
      let t = m[0];
      s = s.slice(m.index + t.length);
      const sep = t[t.length - 1]!;
      let k = trimEndWhere(t.slice(0, -1), isBlank);
      const q = k[0]!;
      let quoted = false;
      if (q === '"' || q === "'") {
        if (k.length > 1 && k[k.length - 1] === q) {
          quoted = true;
          k = k.slice(1, -1);
        } else {
          o += q;
          t = t.slice(1);
          k = k.slice(1);
        }
      } else if (k.endsWith('"') || k.endsWith("'")) {
        k = k.slice(0, -1);
      }
      const col = o.length;
      if (sep === ':' && !quoted && s !== '' && !/^[ \t]/.test(s)) {
        o += t;
        continue;
      }
      o += t;
      if (this.namedSecretCol >= 0 && col < this.namedSecretCol) this.namedSecretCol = -1;
      if (normaliseKey(k) === 'name' && sep === ':') {
        const n = s.replace(/^[ \t]+["']?/, '').replace(/["']?[ \t]*([#,}].*)?$/, '');
        this.namedSecretCol = isSecretKey(n) ? col : -1;
        namedHere = this.namedSecretCol >= 0;
      }
      const namedValue = normaliseKey(k) === 'value' && this.namedSecretCol >= 0 && (col === this.namedSecretCol || namedHere);
      if (!isSecretKey(k) && !namedValue) {
        if (sep === ':') {
          const w = s.replace(/^[ \t]+/, '');
          const c = w[0];
          if (c === '"' || c === "'") {
            const i = closeQuote(w, c);
            if (i > 0) {
              o += s.slice(0, s.length - w.length + i);
              s = w.slice(i);
            }
          }
        }
        continue;
      }
      const w = s.replace(/^[ \t]+/, '');
      o += s.slice(0, s.length - w.length);
      s = w;
      const c = s[0] ?? '';
      const pv = quoted || (sep === '=' && /[ \t]=$/.test(t)) ? `"${RED}"` : RED;
      if (s === '' || (sep === ':' && c === '#')) {
        if (sep === ':') {
          this.endBlock();
          this.pending = true;
          this.blockCol = col;
        }
        o += s;
        s = '';
        break;
      }
      if (sep === ':' && BLOCK_HEADER.test(s)) {
        this.endBlock();
        this.block = true;
        this.blockStyle = '|';
        this.blockCol = col;
        o += s;
        s = '';
        break;
      }
      if (s.startsWith(RED) || s.startsWith(`"${RED}"`) || s.startsWith(`'${RED}'`)) {
        // Already blanked (by the probe): keep it as it is.
        const n = s.startsWith(RED) ? RED.length : RED.length + 2;
        o += s.slice(0, n);
        s = s.slice(n);
        continue;
      }
      const d = s.slice(0, 3);
      if (d === '"""' || d === "'''") {
        const i = s.indexOf(d, 3);
        if (i >= 0) {
          o += d + RED + d;
          s = s.slice(i + 3);
        } else {
          o += d + RED;
          this.multiQuote = d;
          s = '';
        }
        continue;
      }
      if (c === '"' || c === "'") {
        if (c === "'" && s[1] === "'") {
          o += "''";
          s = s.slice(2);
          continue;
        }
        const i = closeQuote(s, c);
        if (i > 0) {
          o += c + RED + c;
          s = s.slice(i);
        } else {
          o += c + RED;
          this.multiQuote = c;
          s = '';
        }
        continue;
      }
      if (c === '{') {
        o += c;
        s = s.slice(1);
        flow = true;
        continue;
      }
      if (c === '[') {
        const i = s.indexOf(']');
        if (i >= 0) {
          o += `[${pv}]`;
          s = s.slice(i + 1);
        } else {
          o += `[${pv}`;
          this.multiQuote = ']';
          s = '';
        }
        continue;
      }
      let e = s.length;
      const cut = (x: string): void => {
        const i = s.indexOf(x);
        if (i >= 0 && i < e) e = i;
      };
      if (sep === ':') cut(' #');
      if (flow) {
        cut(',');
        cut('}');
        cut(']');
      }
      if ((o.match(/"/g)?.length ?? 0) % 2 === 1) cut('"');
      let v = s.slice(0, e);
      let r = s.slice(e);
      const kept = trimEndWhere(v, isBlank);
      if (kept.length < v.length) {
        r = v.slice(kept.length) + r;
        v = kept;
      }
      // A switch (`--use-service-account-credentials=true`) is not a secret.
      if (/^(true|false)$/i.test(v)) o += v;
      else if (v !== '') o += pv;
      s = r;
    }
    return o + s;
  }

  /** Blank base64 runs that carry a key marker (the first run is joined to the previous line's tail). */
  private b64(s: string): string {
    let o = '';
    let first = true;
    for (;;) {
      const m = B64_RUN.exec(s);
      if (!m) break;
      const t = m[0];
      const j = (first ? this.tail : '') + t;
      if (j.length >= 16 && B64_MARK.test(j)) {
        o += s.slice(0, m.index) + RED;
        this.b64Run = true;
      } else {
        o += s.slice(0, m.index + t.length);
      }
      s = s.slice(m.index + t.length);
      first = false;
    }
    return o + s;
  }

  /**
   * Blank the secret half of kubeadm bootstrap tokens (`abcdef.0123456789abcdef`, not inside a
   * longer run of [a-z0-9]). A token is found from its dot, with character tests: a regex scan for
   * it retried at every position of every line and was a third of this pass's time on journals.
   */
  private bootstrap(s: string): string {
    let o = '';
    let from = 0;
    for (let d = s.indexOf('.', 6); d >= 0 && d + 16 < s.length; d = s.indexOf('.', d + 1)) {
      const start = d - 6;
      if (start < from || !tokenRun(s, start, d) || !tokenRun(s, d + 1, d + 17)) continue;
      if ((start > 0 && isTokenChar(s.charCodeAt(start - 1))) || isTokenChar(s.charCodeAt(d + 17))) continue;
      o += `${s.slice(from, d + 1)}${RED}`;
      from = d + 17;
    }
    return from === 0 ? s : o + s.slice(from);
  }

  /** One line in, one line out. */
  line(line: string): string {
    if (this.inKey) {
      const m = ARMOUR_END.exec(line);
      if (m) {
        this.inKey = false;
        return indent(line) + KEY_RED + line.slice(m.index + m[0].length);
      }
      return indent(line) + KEY_RED;
    }
    if (this.skipLines > 0) {
      this.skipLines--;
      return indent(line) + KEY_RED;
    }
    if (this.multiQuote !== '') {
      const mq = this.multiQuote;
      const e = mq === '"' || mq === "'" ? closeQuote(mq + line, mq) - 1 : line.indexOf(mq) + 1;
      if (e <= 0) return indent(line) + RED;
      const post = line.slice(e - 1 + mq.length);
      this.multiQuote = '';
      return indent(line) + RED + mq + this.fields(post);
    }
    for (;;) {
      const m = ARMOUR_BEGIN.exec(line);
      if (!m) break;
      const pre = line.slice(0, m.index);
      const post = line.slice(m.index);
      if ((this.block || this.pending) && indent(pre).length <= this.blockCol) this.endBlock();
      const end = ARMOUR_END.exec(post);
      if (end) {
        line = pre + KEY_RED + post.slice(end.index + end[0].length);
        continue;
      }
      this.inKey = true;
      return pre + KEY_RED;
    }
    if (this.block || this.pending) {
      const w = line.replace(/^[ \t]+/, '');
      const ci = line.length - w.length;
      if (w === '') return line;
      if (ci > this.blockCol && !(this.pending && (MAP_KEY.test(w) || /^-( |$)/.test(w)))) {
        if (this.pending && w.startsWith('#')) return line;
        if (this.pending) {
          this.pending = false;
          this.block = true;
          this.blockStyle = 'p';
          return `${line.slice(0, ci)}"${RED}"`;
        }
        if (this.blockStyle === 'p') return `${line.slice(0, ci)}# ${RED}`;
        return line.slice(0, ci) + RED;
      }
      this.endBlock();
    }
    if (this.b64Run) {
      const w = line.replace(/[ \t",\\'-]/g, '');
      if (w.length >= 16 && /^[A-Za-z0-9+/=]+$/.test(w)) {
        const m = B64_RUN.exec(line)!;
        this.tail = '';
        return line.slice(0, m.index) + RED + line.slice(m.index + m[0].length);
      }
      this.b64Run = false;
    }
    let m: RegExpExecArray | null;
    if ((m = /^[ \t]*Private-Lines:[ \t]*/.exec(line))) this.skipLines = Number.parseInt(line.slice(m[0].length), 10) || 0;
    else if ((m = /^[ \t]*Private-(MAC|Hash):/.exec(line))) line = `${m[0]} ${RED}`;
    else line = this.fields(line);
    const w = this.tail !== '' ? line.replace(/^[ \t"-]+/, '') : line;
    if (B64_MARK.test(this.tail + w)) line = this.b64(line);
    this.tail = '';
    if (BLOB.test(line)) this.tail = trimEndWhere(line, (c) => !isB64(c)).slice(-24);
    if (line.includes('.')) line = this.bootstrap(line);
    return line;
  }
}

/** Remove secrets from one text (one file); the line count is preserved so evidence lines stay true. */
export function redactText(text: string): string {
  const s = new Scrubber();
  return text
    .split('\n')
    .map((l) => s.line(l))
    .join('\n');
}

/** Redact every file content, command output and note of a raw snapshot (returns a new object). */
export function redactRaw(raw: RawSnapshot): RawSnapshot {
  const files = Object.fromEntries(Object.entries(raw.files).map(([k, f]) => [k, f.content === undefined ? f : {...f, content: redactText(f.content)}]));
  const commands = Object.fromEntries(
    Object.entries(raw.commands).map(([k, c]) => [k, {...c, stdout: redactText(c.stdout), ...(c.reason === undefined ? {} : {reason: redactText(c.reason)})}]),
  );
  return {...raw, files, commands, notes: raw.notes.map((n) => redactText(n))};
}

/** Detectors: name → test. Each looks at text as written (plain, JSON-escaped, or in a report). */
const DETECTORS: readonly (readonly [string, (text: string) => boolean])[] = [
  // A private key armour followed by key material (JSON-escaped newlines and PEM headers allowed).
  [
    'a PEM/PGP/SSH private key block',
    (t) => /-----?[ ]?BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?[ ]?-----?(?:\\[nr]|[\s"'])*(?:[A-Za-z-]+: [^\n\\]*(?:\\[nr]|\s)+)*[A-Za-z0-9+/]{20}/.test(t),
  ],
  ['PuTTY private key lines', (t) => /Private-Lines:[ \t]*\d+(?:\\[nr]|[\s"'])+[A-Za-z0-9+/]{16}/.test(t)],
  // Base64 of a private key (or of a PuTTY key, or a docker config) under any name: the marker may straddle a line break.
  ['a base64-encoded private key or registry credential', (t) => B64_MARK.test(t) || B64_MARK.test(t.replace(/\\[nrt]|[\s"'\\|>-]/g, ''))],
  ['client-key-data', (t) => /client-key-data["']?\s*[:=]\s*(?:[|>][0-9+-]*(?:\\[nr]|\s)+)?["']?(?!\[redacted\])[A-Za-z0-9+/=]{20}/.test(t)],
  ['a kubeadm bootstrap token', (t) => /(?<![a-z0-9])[a-z0-9]{6}\.[a-z0-9]{16}(?![a-z0-9])/.test(t)],
];

/** What kind of secret the text still holds, or null. */
export function findSecret(text: string): string | null {
  for (const [name, test] of DETECTORS) if (test(text)) return name;
  return null;
}

/** True when the text still looks like it holds a secret (tests, the snapshot writer, the report writers). */
export function containsSecret(text: string): boolean {
  return findSecret(text) !== null;
}
