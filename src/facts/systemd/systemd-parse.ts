/**
 * systemd's own syntax rules, reimplemented for offline use: unit-file lines (sections,
 * comments, continuations), word splitting with quotes and C escapes, specifiers, ExecStart=
 * prefixes, the `$VAR` / `${VAR}` expansion systemd applies at exec time, and the KEY=VALUE
 * output of `systemctl show`. Pure functions; nothing here throws on bad input.
 */
import type {Sourced} from '../core.js';

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
    const problem = (kind: UnitSyntaxProblem['kind'], message: string): void => void out.problems.push({kind, message, line, text: l});
    const eq = l.indexOf('=');
    if (l === '') return;
    if (l.startsWith('[')) {
      const name = l.slice(1, -1);
      // systemd: a broken header fails the whole file (-EBADMSG), so the unit does not load.
      if (!l.endsWith(']')) return problem('invalid-section-header', `Invalid section header '${l}'`);
      if (!SERVICE_SECTIONS.has(name) && !name.startsWith('X-')) problem('unknown-section', `Unknown section '${name}'. Ignoring.`);
      section = SERVICE_SECTIONS.has(name) ? name : null;
      sectionIgnored = section === null;
    } else if (section === null) {
      if (!sectionIgnored) problem('garbage-line', 'Assignment outside of section. Ignoring.');
    } else if (eq < 0) problem('garbage-line', "Missing '=', ignoring line.");
    else if (eq === 0) problem('garbage-line', "Missing key name before '=', ignoring line.");
    else out.assignments.push({section, key: l.slice(0, eq).trim(), value: l.slice(eq + 1).trim(), line, text: l});
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
  // <1:\xHH> <2:\uHHHH> <3:\NNN octal>
  const m = /^(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|([0-7]{3}))/.exec(s.slice(i + 1));
  if (m?.[1] ?? m?.[2]) return [String.fromCharCode(parseInt(m[1] ?? m[2] ?? '', 16)), m[0].length];
  if (m?.[3]) return [String.fromCharCode(parseInt(m[3], 8)), 3];
  return [C_ESCAPES[next] ?? next, 1];
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
    '%': '%',
    n: 'kubelet.service',
    N: 'kubelet',
    p: 'kubelet',
    P: 'kubelet',
    i: '',
    I: '',
    j: 'kubelet',
    J: 'kubelet',
    f: '/kubelet',
    t: '/run',
    S: '/var/lib',
    C: '/var/cache',
    L: '/var/log',
    E: '/etc',
    T: '/tmp',
    V: '/var/tmp',
    h: '/root',
    u: 'root',
    U: '0',
    g: 'root',
    G: '0',
    s: '/bin/sh',
    y: '',
    Y: '',
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
    const m = word[i] === '$' ? BRACED.exec(word.slice(i)) : null;
    if (m?.[1] === undefined) {
      const dollar = word.startsWith('$$', i); // `$$` is a literal `$`
      out += dollar ? '$' : word.charAt(i);
      literal = true;
      i += dollar ? 2 : 1;
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

/** Live state of kubelet.service from `systemctl show kubelet` (null: property not printed). */
export interface UnitState {
  loadState: Sourced<string> | null;
  activeState: Sourced<string> | null;
  subState: Sourced<string> | null;
  unitFileState: Sourced<string> | null;
  /** Automatic restarts since the last manual start: a growing count is a crash loop. */
  nRestarts: Sourced<number> | null;
  execMainStatus: Sourced<number> | null;
  execMainCode: Sourced<string> | null;
  /** Unit files or drop-ins changed on disk since systemd loaded them. */
  needDaemonReload: Sourced<boolean> | null;
  fragmentPath: Sourced<string> | null;
  dropInPaths: Sourced<string[]> | null;
  execMainStartTimestamp: Sourced<string> | null;
}

/** Parse `systemctl show` KEY=VALUE output into UnitState, or null when it printed no properties. */
export function parseUnitState(stdout: string, command: string): UnitState | null {
  const props = new Map<string, string>();
  for (const l of stdout.split(/\r?\n/)) if (l.indexOf('=') > 0) props.set(l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim());
  if (props.size === 0) return null;
  const get = <T>(key: string, conv: (v: string) => T | null): Sourced<T> | null => {
    const raw = props.get(key);
    const value = raw === undefined ? null : conv(raw);
    return raw === undefined || value === null ? null : {value, source: {command}, text: `${key}=${raw}`};
  };
  const str = (v: string): string => v;
  const num = (v: string): number | null => (/^\d+$/.test(v) ? Number(v) : null);
  return {
    loadState: get('LoadState', str),
    activeState: get('ActiveState', str),
    subState: get('SubState', str),
    unitFileState: get('UnitFileState', str),
    nRestarts: get('NRestarts', num),
    execMainStatus: get('ExecMainStatus', num),
    execMainCode: get('ExecMainCode', str),
    needDaemonReload: get('NeedDaemonReload', (v) => (v === 'yes' ? true : v === 'no' ? false : null)),
    fragmentPath: get('FragmentPath', str),
    dropInPaths: get('DropInPaths', (v) => v.split(/\s+/).filter((p) => p !== '')),
    execMainStartTimestamp: get('ExecMainStartTimestamp', str),
  };
}
