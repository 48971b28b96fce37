/**
 * systemd's own syntax rules, reimplemented for offline use: unit-file lines (sections,
 * comments, continuations), word splitting with quotes and C escapes, specifiers, ExecStart=
 * prefixes, the `$VAR` / `${VAR}` expansion systemd applies at exec time, and the KEY=VALUE
 * output of `systemctl show`. Pure functions; nothing here throws on bad input.
 */

/** One `Key=value` assignment of a unit file, with where it is. */
export interface UnitAssignment {
  section: string;
  key: string;
  value: string;
  /** 1-based line where the (possibly continued) assignment starts. */
  line: number;
  /** The logical line as written (continuation backslashes become spaces). */
  text: string;
}

/** A line systemd warns about (and ignores) or refuses. */
export interface UnitSyntaxProblem {
  kind: 'garbage-line' | 'unknown-section' | 'invalid-section-header';
  /** systemd's own wording where it has one. */
  message: string;
  line: number;
  text: string;
}

/** A unit file (or drop-in) split into assignments. */
export interface ParsedUnitFile {
  assignments: UnitAssignment[];
  problems: UnitSyntaxProblem[];
}

// systemd: the sections a service unit may hold (load-fragment-gperf); `X-` sections are silently ignored.
const SERVICE_SECTIONS = new Set(['Unit', 'Service', 'Install']);
const WS = new Set([' ', '\t', '\n', '\r']);

/** True when `s` ends in an unescaped backslash (a continuation line, systemd.syntax(7)). */
function endsEscaped(s: string): boolean {
  let escaped = false;
  for (const c of s) escaped = escaped ? false : c === '\\';
  return escaped;
}

/**
 * Parse unit-file text the way systemd's config parser does (src/shared/conf-parser.c).
 * Comment lines (`#`, `;`) are skipped even inside a continuation; a trailing backslash joins the
 * next line with a space; lines outside a known section or without `=` are ignored with a warning.
 */
export function parseUnitFile(content: string): ParsedUnitFile {
  const out: ParsedUnitFile = {assignments: [], problems: []};
  const lines = content.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  let section: string | null = null;
  let sectionIgnored = false;
  let cont: {start: number; text: string} | null = null;

  const parseLine = (logical: string, line: number): void => {
    const l = logical.trim();
    if (l === '') return;
    if (l.startsWith('[')) {
      if (!l.endsWith(']')) {
        out.problems.push({kind: 'invalid-section-header', message: `Invalid section header '${l}'`, line, text: l});
        return;
      }
      const name = l.slice(1, -1);
      if (SERVICE_SECTIONS.has(name)) {
        section = name;
        sectionIgnored = false;
        return;
      }
      if (!name.startsWith('X-')) {
        out.problems.push({kind: 'unknown-section', message: `Unknown section '${name}'. Ignoring.`, line, text: l});
      }
      section = null;
      sectionIgnored = true;
      return;
    }
    if (section === null) {
      if (!sectionIgnored) {
        out.problems.push({kind: 'garbage-line', message: 'Assignment outside of section. Ignoring.', line, text: l});
      }
      return;
    }
    const eq = l.indexOf('=');
    if (eq < 0) {
      out.problems.push({kind: 'garbage-line', message: "Missing '=', ignoring line.", line, text: l});
      return;
    }
    if (eq === 0) {
      out.problems.push({kind: 'garbage-line', message: "Missing key name before '=', ignoring line.", line, text: l});
      return;
    }
    out.assignments.push({section, key: l.slice(0, eq).trim(), value: l.slice(eq + 1).trim(), line, text: l});
  };

  lines.forEach((physical, i) => {
    const lineNo = i + 1;
    const lead = physical.trimStart();
    // systemd: comment lines are dropped before continuation handling, so they may sit inside one.
    if (lead.startsWith('#') || lead.startsWith(';')) return;
    const joined: string = cont ? cont.text + physical : physical;
    if (endsEscaped(joined)) {
      cont = {start: cont?.start ?? lineNo, text: `${joined.slice(0, -1)} `};
      return;
    }
    parseLine(joined, cont?.start ?? lineNo);
    cont = null;
  });
  const last = cont as {start: number; text: string} | null;
  if (last) parseLine(last.text, last.start);
  return out;
}

const C_ESCAPES: Record<string, string> = {a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', s: ' '};

/** Decode the escape at `s[i] === '\\'`; returns the text and how many extra characters were used. */
function unescapeAt(s: string, i: number, cunescape: boolean): [string, number] {
  const next = s[i + 1] ?? '';
  if (!cunescape) return [next, 1];
  const simple = C_ESCAPES[next];
  if (simple !== undefined) return [simple, 1];
  const hex = /^x([0-9a-fA-F]{2})/.exec(s.slice(i + 1));
  if (hex?.[1]) return [String.fromCharCode(parseInt(hex[1], 16)), 3];
  const uni = /^u([0-9a-fA-F]{4})/.exec(s.slice(i + 1));
  if (uni?.[1]) return [String.fromCharCode(parseInt(uni[1], 16)), 5];
  const oct = /^([0-7]{3})/.exec(s.slice(i + 1));
  if (oct?.[1]) return [String.fromCharCode(parseInt(oct[1], 8)), 3];
  return [next, 1];
}

/**
 * Split a value into words as systemd's extract_first_word does with EXTRACT_UNQUOTE: whitespace
 * separates, single and double quotes group and are removed, a backslash escapes.
 * `cunescape` adds C escapes (`\n`, `\x41`, ...), as ExecStart= and Environment= use.
 */
export function splitWords(input: string, cunescape = true): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < input.length; i++) {
    const c = input.charAt(i);
    if (c === '\\' && i + 1 < input.length) {
      const [text, used] = unescapeAt(input, i, cunescape);
      cur += text;
      inWord = true;
      i += used;
    } else if (quote !== null) {
      if (c === quote) quote = null;
      else cur += c;
    } else if (WS.has(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

// systemd.unit(5) "Specifiers": every letter systemd knows. Values we can't know offline stay literal.
const KNOWN_SPECIFIERS = new Set('aAbBCdEfgGhHiIjJlLmMnNopPqsStTuUvVwWyY%'.split(''));

/**
 * Resolve `%` specifiers for kubelet.service running as a system unit (`%n` → kubelet.service,
 * `%t` → /run, `%%` → %). Returns the first unknown specifier: systemd then ignores the whole line.
 */
export function resolveSpecifiers(s: string, hostname: string | null = null): {value: string; unknown: string | null} {
  const known: Record<string, string> = {
    '%': '%', n: 'kubelet.service', N: 'kubelet', p: 'kubelet', P: 'kubelet', i: '', I: '', j: 'kubelet', J: 'kubelet',
    f: '/kubelet', t: '/run', S: '/var/lib', C: '/var/cache', L: '/var/log', E: '/etc', T: '/tmp', V: '/var/tmp',
    h: '/root', u: 'root', U: '0', g: 'root', G: '0', s: '/bin/sh', y: '', Y: '',
    ...(hostname === null ? {} : {H: hostname, l: hostname.split('.')[0] ?? hostname}),
  };
  let unknown: string | null = null;
  const value = s.replace(/%(.?)/g, (m: string, ch: string) => {
    const v = known[ch];
    if (v !== undefined) return v;
    if (!KNOWN_SPECIFIERS.has(ch)) unknown ??= m;
    return m;
  });
  return {value, unknown};
}

/** One argument produced by expanding one ExecStart word. */
export interface ExpandedPiece {
  value: string;
  /** Variables the piece's text came from, in the order referenced (empty for literal text). */
  vars: string[];
  /** `$VAR` as its own word, split at whitespace (zero or more pieces). */
  split: boolean;
  /** The word consisted only of `${...}` references. */
  bracedOnly: boolean;
}

/** The result of expanding one word. */
export interface ExpandedWord {
  pieces: ExpandedPiece[];
  /** Variables referenced but not set (systemd ≥ 250 logs "Referenced but unset environment variable"). */
  unset: string[];
}

// `${NAME}`, `${NAME:-default}` or `${NAME:+alternative}`. <1:name> <2:op> <3:operand>
const BRACED = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:[-+])([^}]*))?\}/;
const WHOLE_UNBRACED = /^\$([^{$].*)$/s;

/**
 * Expand one ExecStart word as systemd does at exec time (systemd.service(5) "Command lines"):
 * `$VAR` as a whole word splits the value at whitespace (quotes honoured) into 0..n arguments;
 * `${VAR}` anywhere yields the exact value inside one argument; `$$` is a literal `$`.
 */
export function expandWord(word: string, lookup: (name: string) => {value: string} | undefined): ExpandedWord {
  const whole = WHOLE_UNBRACED.exec(word);
  if (whole?.[1] !== undefined) {
    const name = whole[1];
    const v = lookup(name);
    if (v === undefined) return {pieces: [], unset: [name]};
    const parts = splitWords(v.value, false);
    return {pieces: parts.map((value) => ({value, vars: [name], split: true, bracedOnly: false})), unset: []};
  }
  let out = '';
  const vars: string[] = [];
  const unset: string[] = [];
  let literal = false;
  for (let i = 0; i < word.length; ) {
    if (word.startsWith('$$', i)) {
      out += '$';
      literal = true;
      i += 2;
      continue;
    }
    const m = word[i] === '$' ? BRACED.exec(word.slice(i)) : null;
    if (m?.[1] === undefined) {
      out += word.charAt(i);
      literal = true;
      i += 1;
      continue;
    }
    const name = m[1];
    const v = lookup(name);
    if (v === undefined) unset.push(name);
    else vars.push(name);
    const set = v !== undefined && v.value !== '';
    if (m[2] === ':-') out += set ? v.value : (m[3] ?? '');
    else if (m[2] === ':+') out += set ? (m[3] ?? '') : '';
    else out += v?.value ?? '';
    i += m[0].length;
  }
  return {pieces: [{value: out, vars, split: false, bracedOnly: !literal && word !== ''}], unset};
}

/** One ExecStart= value split into its prefix characters and command(s). */
export interface ExecLine {
  /** `-` ignore failure, `@` argv0 follows, `+` `!` `!!` privileges, `:` no variable expansion. */
  prefixes: string;
  /** Usually one command; a lone `;` word separates several (only Type=oneshot may run more than one). */
  commands: string[][];
}

/** Split an ExecStart= value (specifiers already resolved) into prefixes and words (systemd.service(5)). */
export function parseExecLine(value: string): ExecLine {
  // <1:prefix characters> <2:command line>
  const m = /^([-@+!:|]*)(.*)$/s.exec(value);
  const commands: string[][] = [];
  let words: string[] = [];
  for (const w of [...splitWords(m?.[2] ?? ''), ';']) {
    if (w !== ';') words.push(w);
    else if (words.length > 0) {
      commands.push(words);
      words = [];
    }
  }
  return {prefixes: m?.[1] ?? '', commands};
}

/** Parse `systemctl show` output (KEY=VALUE per line) into a map of value and 1-based line. */
export function parseSystemctlShow(stdout: string): Map<string, {value: string; line: number}> {
  const out = new Map<string, {value: string; line: number}>();
  stdout.split(/\r?\n/).forEach((l, i) => {
    const eq = l.indexOf('=');
    if (eq > 0) out.set(l.slice(0, eq).trim(), {value: l.slice(eq + 1).trim(), line: i + 1});
  });
  return out;
}
