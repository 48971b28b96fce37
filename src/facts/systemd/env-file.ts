/**
 * The kubelet unit's environment: EnvironmentFile= syntax (/etc/default/kubelet,
 * /etc/sysconfig/kubelet, /var/lib/kubelet/kubeadm-flags.env) parsed the way systemd's own state
 * machine does (src/basic/env-file.c, v254+), Environment= / EnvironmentFile= /
 * UnsetEnvironment= merged in systemd's precedence, and ExecStart= expanded with that environment,
 * each argument keeping the line its text came from. Pure; never throws.
 */
import type {RawSnapshot, Source, Sourced} from '../core.js';
import {expandWord, resolveSpecifiers, splitWords} from './systemd-parse.js';
import type {UnitAssignment} from './systemd-parse.js';
import type {ExecCommand, ExpandedCommand, UnitProblem} from './systemd-unit.js';

/** One variable assignment found in an environment file. */
export interface EnvFileAssignment {
  name: string;
  /** The value after quote removal and escapes. */
  value: string;
  /** 1-based line where the assignment starts. */
  line: number;
  /** The assignment as written (continued lines joined by a space). */
  text: string;
}

/** A line systemd drops: no `=`, or a name it rejects (`export FOO=bar`, `FOO-BAR=1`). */
export interface EnvFileIgnored {
  line: number;
  text: string;
  reason: string;
}

/** The parsed file: assignments in file order (a later one for the same name wins). */
export interface ParsedEnvFile {
  assignments: EnvFileAssignment[];
  ignored: EnvFileIgnored[];
}

/** systemd's env_name_is_valid: bash-style names, not starting with a digit. */
export const isValidEnvName = (name: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);

type State = 'preKey' | 'key' | 'preValue' | 'value' | 'valueEsc' | 'single' | 'double' | 'doubleEsc' | 'comment' | 'commentEsc';

// systemd: inside double quotes only these characters are unescaped (SHELL_NEED_ESCAPE); others keep the backslash.
const DOUBLE_QUOTE_ESCAPES = new Set(['"', '\\', '`', '$']);
const WS = new Set([' ', '\t', '\n', '\r']);

/**
 * Parse an environment file as systemd does: `#`/`;` comment lines, `KEY=value`, single quotes
 * literal, double quotes with `\"` `\\` `` \` `` `\$` escapes, unquoted trailing whitespace trimmed,
 * backslash-newline continues. No `export` keyword: `export FOO=1` is an invalid name, dropped.
 */
export function parseEnvFile(content: string): ParsedEnvFile {
  const out: ParsedEnvFile = {assignments: [], ignored: []};
  const lines = content.split('\n');
  let state: State = 'preKey';
  let key = '';
  let value = '';
  let keyWs = -1;
  let valueWs = -1;
  let line = 1;
  let startLine = 1;

  const push = (hasValue: boolean): void => {
    const name = keyWs >= 0 ? key.slice(0, keyWs) : key;
    const v = state === 'value' && valueWs >= 0 ? value.slice(0, valueWs) : value;
    const text = lines
      .slice(startLine - 1, line)
      .map((l) => l.trim())
      .join(' ')
      .trim();
    if (!hasValue) out.ignored.push({line: startLine, text, reason: "no '=': systemd ignores the line"});
    else if (!isValidEnvName(name)) {
      const hint = name.startsWith('export ') ? ' (systemd does not accept the shell `export` keyword)' : '';
      out.ignored.push({line: startLine, text, reason: `"${name}" is not a valid variable name${hint}: systemd ignores the assignment`});
    } else out.assignments.push({name, value: v, line: startLine, text});
    key = '';
    value = '';
  };
  // Track where trailing whitespace starts so it can be chomped (systemd's last_*_whitespace).
  const wsMark = (c: string, mark: number, len: number): number => (!WS.has(c) ? -1 : mark < 0 ? len : mark);

  for (const c of content) {
    const nl = c === '\n';
    if (state === 'preKey') {
      if (c === '#' || c === ';') state = 'comment';
      else if (!WS.has(c)) {
        state = 'key';
        startLine = line;
        key = c;
        keyWs = -1;
      }
    } else if (state === 'key') {
      if (nl) push(false);
      if (nl) state = 'preKey';
      else if (c === '=') state = 'preValue';
      else {
        keyWs = wsMark(c, keyWs, key.length);
        key += c;
      }
    } else if (state === 'preValue' || state === 'value') {
      if (nl) push(true);
      if (nl) state = 'preKey';
      else if (c === '\\') state = 'valueEsc';
      else if (state === 'preValue' && (c === "'" || c === '"')) state = c === "'" ? 'single' : 'double';
      else if (state === 'value' || !WS.has(c)) {
        valueWs = state === 'value' ? wsMark(c, valueWs, value.length) : -1;
        value += c;
        state = 'value';
      }
    } else if (state === 'valueEsc') {
      value += nl ? '' : c; // systemd: an escaped newline is eaten (continuation)
      valueWs = -1;
      state = 'value';
    } else if (state === 'single' || state === 'double') {
      if (c === (state === 'single' ? "'" : '"')) state = 'preValue';
      else if (state === 'double' && c === '\\') state = 'doubleEsc';
      else value += c;
    } else if (state === 'doubleEsc') {
      // like the shell, a backslash before any other character stays; an escaped newline is eaten
      value += DOUBLE_QUOTE_ESCAPES.has(c) ? c : nl ? '' : `\\${c}`;
      state = 'double';
    } else if (state === 'comment') {
      if (c === '\\') state = 'commentEsc';
      else if (nl) state = 'preKey';
    } else {
      state = nl ? 'preKey' : 'comment'; // systemd ≥ 254: a backslash ending a comment no longer continues it
    }
    if (nl) line += 1;
  }
  if (state === 'key') push(false);
  else if (!['preKey', 'comment', 'commentEsc'].includes(state)) push(true);
  return out;
}

/** Where an environment value came from. */
export type EnvOrigin = 'Environment' | 'EnvironmentFile';

/** One effective environment variable and the values it replaced. */
export interface EnvVar {
  value: string;
  origin: EnvOrigin;
  source: Source;
  text: string;
  /** Earlier values, lowest precedence first. */
  overridden: {value: string; origin: EnvOrigin; source: Source; text: string}[];
}

/** One `EnvironmentFile=` entry and what the probe found at its path. */
export interface EnvFileInfo {
  path: string;
  /** `-` prefix: a missing file is silently skipped. */
  optional: boolean;
  status: 'ok' | 'missing' | 'unreadable' | 'binary' | 'not-a-file' | 'not-collected';
  /** null when the probe could not tell. */
  exists: boolean | null;
  /** The EnvironmentFile= line. */
  source: Source;
  text: string;
}

/** A value an empty `Environment=` or `EnvironmentFile=` threw away (systemd.exec(5): an empty assignment resets the list). */
export interface ClearedVar {
  name: string;
  value: string;
  origin: EnvOrigin;
  source: Source;
  text: string;
  /** The empty assignment that reset the list. */
  by: {source: Source; text: string};
}

/** A [Service] assignment with the file it is in. */
export type ServiceAssignment = UnitAssignment & {file: string};

/** Look up what the probe found at an EnvironmentFile= path. */
function envFileInfo(raw: RawSnapshot, path: string, optional: boolean, source: Source, text: string): EnvFileInfo {
  const rec = raw.files[path];
  const info = (status: EnvFileInfo['status'], exists: boolean | null): EnvFileInfo => ({path, optional, status, exists, source, text});
  if (rec === undefined) return info('not-collected', null);
  if (rec.status === 'missing') return info('missing', false);
  if (rec.status === 'not-a-file') return info('not-a-file', true);
  if (rec.status !== 'ok') return info('unreadable', null);
  return rec.binary ? info('binary', true) : info('ok', true);
}

/** The problem a required-but-unusable environment file causes, or null. */
function envFileProblem(f: EnvFileInfo): UnitProblem | null {
  const at = {source: f.source, text: f.text};
  if (f.status === 'binary') return {kind: 'unreadable', message: `EnvironmentFile ${f.path} holds binary data (NUL bytes)`, ...at};
  if (f.optional || f.status === 'ok') return null;
  if (f.status === 'missing' || f.status === 'not-a-file') {
    const what = f.status === 'missing' ? 'does not exist' : 'is not a regular file';
    const message = `EnvironmentFile=${f.path} ${what} and has no "-" prefix: systemd fails to start kubelet.service ("Failed to load environment files")`;
    return {kind: 'missing-env-file', message, ...at};
  }
  const why = f.status === 'not-collected' ? 'was not collected by the probe' : 'could not be read by the probe';
  return {kind: 'env-file-unknown', message: `required EnvironmentFile=${f.path} ${why}; cannot tell whether kubelet.service starts`, ...at};
}

type Entry = Omit<EnvVar, 'overridden'>;

/** Set a variable, remembering the value it replaces. */
function setVar(env: Map<string, EnvVar>, name: string, v: Entry): void {
  const prev = env.get(name);
  const history = prev ? [...prev.overridden, {value: prev.value, origin: prev.origin, source: prev.source, text: prev.text}] : [];
  env.set(name, {...v, overridden: history});
}

/**
 * Merge Environment=, EnvironmentFile= and UnsetEnvironment= as systemd.exec(5) says: later
 * Environment= wins, an empty one resets; files override Environment= regardless of order, later
 * files win; UnsetEnvironment= applies last. Problems (missing files, bad lines) go to `problems`.
 */
export function applyEnvironment(
  raw: RawSnapshot,
  assignments: readonly ServiceAssignment[],
  problems: UnitProblem[],
  hostname: string | null,
): {environment: Record<string, EnvVar>; files: EnvFileInfo[]; cleared: ClearedVar[]} {
  const env = new Map<string, EnvVar>();
  const cleared: ClearedVar[] = [];
  let files: EnvFileInfo[] = [];
  let unset: string[] = [];
  for (const a of assignments) {
    const source: Source = {file: a.file, line: a.line};
    const garbage = (message: string): number => problems.push({kind: 'garbage-line', message, source, text: a.text});
    const spec = resolveSpecifiers(a.value, hostname);
    if (spec.unknown !== null) garbage(`Failed to resolve specifiers in "${a.value}" (${spec.unknown}), ignoring.`);
    else if (a.key === 'Environment' && a.value === '') {
      for (const [name, v] of env) cleared.push({name, value: v.value, origin: v.origin, source: v.source, text: v.text, by: {source, text: a.text}});
      env.clear();
    } else if (a.key === 'Environment') {
      for (const word of splitWords(spec.value)) {
        const eq = word.indexOf('=');
        const name = eq > 0 ? word.slice(0, eq) : '';
        if (isValidEnvName(name)) setVar(env, name, {value: word.slice(eq + 1), origin: 'Environment', source, text: a.text});
        else garbage(`Invalid environment assignment, ignoring: ${word}`);
      }
    } else if (a.key === 'EnvironmentFile' && a.value === '') {
      for (const f of files.filter((x) => x.status === 'ok')) {
        for (const x of parseEnvFile(raw.files[f.path]?.content ?? '').assignments) {
          const at = {source: {file: f.path, line: x.line}, text: x.text};
          cleared.push({name: x.name, value: x.value, origin: 'EnvironmentFile', ...at, by: {source, text: a.text}});
        }
      }
      files = [];
    } else if (a.key === 'EnvironmentFile') {
      const optional = spec.value.startsWith('-');
      const path = (optional ? spec.value.slice(1) : spec.value).trim();
      if (path.startsWith('/')) files.push(envFileInfo(raw, path, optional, source, a.text));
      else garbage(`Path '${path}' is not absolute, ignoring.`);
    } else if (a.key === 'UnsetEnvironment') unset = a.value === '' ? [] : [...unset, ...splitWords(spec.value)];
  }
  for (const f of files) {
    const problem = envFileProblem(f);
    if (problem) problems.push(problem);
    if (f.status !== 'ok') continue;
    const parsed = parseEnvFile(raw.files[f.path]?.content ?? '');
    for (const ig of parsed.ignored) {
      problems.push({kind: 'garbage-line', message: `${f.path}:${ig.line}: ${ig.reason}`, source: {file: f.path, line: ig.line}, text: ig.text});
    }
    for (const x of parsed.assignments) {
      setVar(env, x.name, {value: x.value, origin: 'EnvironmentFile', source: {file: f.path, line: x.line}, text: x.text});
    }
  }
  for (const u of unset) {
    const eq = u.indexOf('=');
    const name = eq < 0 ? u : u.slice(0, eq);
    if (eq < 0 || env.get(name)?.value === u.slice(eq + 1)) env.delete(name);
  }
  return {environment: Object.fromEntries(env), files, cleared};
}

/**
 * Expand the effective ExecStart= with the merged environment into the argv systemd passes.
 * Each argument carries the line its text came from: the env-file or Environment= line that set
 * the variable, or the ExecStart= line for literal words. Braced-variable mistakes become problems.
 */
export function expandCommand(cmd: ExecCommand, env: Record<string, EnvVar>, problems: UnitProblem[]): ExpandedCommand {
  const at = {source: cmd.source, text: cmd.text};
  // systemd: with `@` the second word is argv[0], not an argument.
  const [exe = '', ...rest] = cmd.prefixes.includes('@') ? [cmd.words[0] ?? '', ...cmd.words.slice(2)] : cmd.words;
  const lookup = (name: string): EnvVar | undefined => (Object.hasOwn(env, name) ? env[name] : undefined);
  const args: Sourced<string>[] = [];
  const unset = new Set<string>();
  for (const word of rest) {
    // systemd: the `:` prefix turns variable expansion off.
    const ex = cmd.prefixes.includes(':') ? {pieces: [{value: word, vars: [], split: false, bracedOnly: false}], unset: []} : expandWord(word, lookup);
    ex.unset.forEach((u) => unset.add(u));
    for (const piece of ex.pieces) {
      const v = piece.vars.length === 1 && piece.vars[0] !== undefined ? lookup(piece.vars[0]) : undefined;
      // An empty argument is the braces' fault, so it points at the ExecStart= line.
      args.push({value: piece.value, ...(v && piece.value !== '' ? {source: v.source, text: v.text} : at)});
      const related = v ? [{source: v.source, text: v.text}] : [];
      if (!piece.split && piece.bracedOnly && piece.value === '') {
        const message =
          `"${word}" expands to an empty string, and braces keep it as one (empty) argument: ` +
          'the kubelet exits with "unknown command". Use the unbraced $VAR form, which vanishes when empty.';
        problems.push({kind: 'empty-braced-var', message, ...at, related});
      } else if (!piece.split && piece.vars.length > 0 && /\s/.test(piece.value)) {
        const message =
          `"${word}" is braced, so systemd passes the whole value "${piece.value}" as ONE argument; ` +
          'write the variable unbraced as a word of its own ($VAR) to split it into separate arguments.';
        problems.push({kind: 'braced-multiword', message, ...at, related});
      }
    }
  }
  return {executable: {value: exe, ...at}, args, unset: [...unset]};
}
