/**
 * systemd EnvironmentFile= syntax (/etc/default/kubelet, /etc/sysconfig/kubelet,
 * /var/lib/kubelet/kubeadm-flags.env), parsed the way systemd's own state machine does
 * (src/basic/env-file.c, v254+). Pure; never throws.
 */

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

type State = 'preKey' | 'key' | 'preValue' | 'value' | 'valueEscape' | 'single' | 'double' | 'doubleEscape' | 'comment' | 'commentEscape';

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
  let keyTrailingWs = -1;
  let valueTrailingWs = -1;
  let line = 1;
  let startLine = 1;

  const textOf = (from: number, to: number): string =>
    lines
      .slice(from - 1, to)
      .map((l) => l.trim())
      .join(' ')
      .trim();

  const push = (endLine: number, hasValue: boolean): void => {
    const name = keyTrailingWs >= 0 ? key.slice(0, keyTrailingWs) : key;
    const v = state === 'value' && valueTrailingWs >= 0 ? value.slice(0, valueTrailingWs) : value;
    const text = textOf(startLine, endLine);
    if (!hasValue) out.ignored.push({line: startLine, text, reason: "no '=': systemd ignores the line"});
    else if (!isValidEnvName(name)) {
      const hint = name.startsWith('export ') ? ' (systemd does not accept the shell `export` keyword)' : '';
      out.ignored.push({line: startLine, text, reason: `"${name}" is not a valid variable name${hint}: systemd ignores the assignment`});
    } else out.assignments.push({name, value: v, line: startLine, text});
    key = '';
    value = '';
  };

  for (const c of content) {
    const nl = c === '\n';
    switch (state) {
      case 'preKey':
        if (c === '#' || c === ';') state = 'comment';
        else if (!WS.has(c)) {
          state = 'key';
          startLine = line;
          key = c;
          keyTrailingWs = -1;
        }
        break;
      case 'key':
        if (nl) {
          push(line, false);
          state = 'preKey';
        } else if (c === '=') {
          state = 'preValue';
          valueTrailingWs = -1;
        } else {
          if (!WS.has(c)) keyTrailingWs = -1;
          else if (keyTrailingWs < 0) keyTrailingWs = key.length;
          key += c;
        }
        break;
      case 'preValue':
        if (nl) {
          push(line, true);
          state = 'preKey';
        } else if (c === "'") state = 'single';
        else if (c === '"') state = 'double';
        else if (c === '\\') state = 'valueEscape';
        else if (!WS.has(c)) {
          state = 'value';
          value += c;
        }
        break;
      case 'value':
        if (nl) {
          push(line, true);
          state = 'preKey';
        } else if (c === '\\') {
          state = 'valueEscape';
          valueTrailingWs = -1;
        } else {
          if (!WS.has(c)) valueTrailingWs = -1;
          else if (valueTrailingWs < 0) valueTrailingWs = value.length;
          value += c;
        }
        break;
      case 'valueEscape':
        state = 'value';
        if (!nl) value += c; // systemd: an escaped newline is eaten (continuation)
        break;
      case 'single':
        if (c === "'") state = 'preValue';
        else value += c;
        break;
      case 'double':
        if (c === '"') state = 'preValue';
        else if (c === '\\') state = 'doubleEscape';
        else value += c;
        break;
      case 'doubleEscape':
        state = 'double';
        if (DOUBLE_QUOTE_ESCAPES.has(c)) value += c;
        else if (!nl) value += `\\${c}`; // like the shell, other backslashes stay
        break;
      case 'comment':
        if (c === '\\') state = 'commentEscape';
        else if (nl) state = 'preKey';
        break;
      case 'commentEscape':
        // systemd ≥ 254: a backslash at the end of a comment no longer continues the comment.
        state = nl ? 'preKey' : 'comment';
        break;
    }
    if (nl) line += 1;
  }
  if (state === 'key') push(line, false);
  else if (state !== 'preKey' && state !== 'comment' && state !== 'commentEscape') push(line, true);
  return out;
}
