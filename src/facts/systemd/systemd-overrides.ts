/**
 * systemd semantics that silently change what the kubelet runs, found after the merge:
 * a variable ExecStart= uses whose earlier value is thrown away (Environment= loses to
 * EnvironmentFile= whatever the order, later assignments win), and quotes inside a word that
 * systemd versions treat differently. Pure; never throws.
 *
 * Sources:
 * - systemd.exec(5) EnvironmentFile=: "Settings from these files override settings made with
 *   Environment=. If the same variable is set twice, the later setting will override the earlier".
 * - systemd.service(5) "Command lines": `${FOO}` is replaced by the exact value (one argument);
 *   `$FOO` as a word of its own is split at whitespace.
 * - systemd src/basic/extract-word.c (stored version 007f09d4, 2017): in an unquoted word a `'` or
 *   `"` anywhere opens a quote, so `--a="b"` becomes `--a=b`. src/basic/env-util.c
 *   replace_env_argv splits `$FOO` with EXTRACT_UNQUOTE, so quotes inside the value are removed too.
 *   Older systemd split with FOREACH_WORD_QUOTED / strv_split_quoted (src/shared/util.c split_quoted:
 *   a `'` or `"` counts only as the first character of a word, an unquoted word runs to the next
 *   whitespace with any quotes kept). The release where ExecStart= parsing moved from split_quoted to
 *   unquote_first_word / extract_first_word (2014-2015) is NOT pinned here, so the node's systemd
 *   version is not used: both outcomes are reported.
 */
import type {Source} from '../core.js';
import {splitWords} from './systemd-parse.js';
import type {ClearedVar, EnvVar} from './env-file.js';

/** What kind of silent change. */
export type SilentOverrideKind =
  | 'env-overridden' // a value of a variable ExecStart= uses is replaced and never reaches the kubelet
  | 'quote-mid-word' // a quote inside a word: removed by current systemd, kept by old systemd
  | 'quote-in-braced-var'; // `${VAR}` whose value holds quotes: passed literally by every systemd

/** One silent change, with the line that loses (or carries the quotes) and the lines involved. */
export interface SilentOverride {
  kind: SilentOverrideKind;
  message: string;
  source: Source;
  text: string;
  /** The line that wins (the override), or the ExecStart= line that uses the variable. */
  related: {source: Source; text: string}[];
}

/** The parts of an ExecStart= command this needs (kept structural to avoid an import cycle). */
export interface CommandLike {
  prefixes: string;
  words: string[];
  source: Source;
  text: string;
}

const loc = (s: Source): string => ('command' in s ? s.command : s.line === undefined ? s.file : `${s.file}:${s.line}`);

// <1:name of $NAME> <2:name of ${NAME...}>
const VAR_REF = /\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\})/g;

/** Variables a command references, and whether each appears braced and/or as a whole `$VAR` word. */
function references(cmd: CommandLike): Map<string, {braced: boolean; whole: boolean}> {
  const refs = new Map<string, {braced: boolean; whole: boolean}>();
  if (cmd.prefixes.includes(':')) return refs; // `:` turns expansion off
  for (const word of cmd.words.slice(1)) {
    for (const m of word.replaceAll('$$', '').matchAll(VAR_REF)) {
      const name = m[1] ?? m[2];
      if (name === undefined) continue;
      const r = refs.get(name) ?? {braced: false, whole: false};
      if (m[2] !== undefined) r.braced = true;
      else if (m[0] === word) r.whole = true;
      refs.set(name, r);
    }
  }
  return refs;
}

/**
 * Split like extract_first_word but keep the words as written (quotes and escapes kept), so a
 * quote's position inside its word can be seen.
 */
export function rawWords(input: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (let i = 0; i < input.length; i++) {
    const c = input.charAt(i);
    if (c === '\\' && i + 1 < input.length) {
      cur += c + input.charAt(i + 1);
      i += 1;
    } else if (quote !== null) {
      cur += c;
      if (c === quote) quote = null;
    } else if (/\s/.test(c)) {
      if (cur !== '') out.push(cur);
      cur = '';
    } else {
      if (c === '"' || c === "'") quote = c;
      cur += c;
    }
  }
  if (cur !== '') out.push(cur);
  return out;
}

/** A word whose first unescaped quote is not its first character. */
function quotedMidWord(word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const c = word.charAt(i);
    if (c === '\\') i += 1;
    else if (c === '"' || c === "'") return i > 0;
  }
  return false;
}

/** Old systemd kept a mid-word quote literally; what it passes for this word (quotes at word start still removed). */
const oldSystemd = (word: string): string => word.replace(/\\(.)/g, '$1');

/** Values of variables ExecStart= uses that were replaced before the kubelet started. */
function envOverrides(refs: Map<string, unknown>, env: Record<string, EnvVar>): SilentOverride[] {
  const out: SilentOverride[] = [];
  for (const name of refs.keys()) {
    const v = Object.hasOwn(env, name) ? env[name] : undefined;
    if (v === undefined) continue;
    const chain = [...v.overridden, {value: v.value, origin: v.origin, source: v.source, text: v.text}];
    chain.forEach((lost, i) => {
      const winner = chain[i + 1];
      if (winner === undefined || lost.value === '' || lost.value === v.value) return;
      const why =
        lost.origin === 'Environment' && winner.origin === 'EnvironmentFile'
          ? 'EnvironmentFile= values override Environment= whatever the order (systemd.exec(5))'
          : 'a later assignment of the same variable wins (systemd.exec(5))';
      const final = winner === chain[chain.length - 1] ? '' : `, finally "${v.value}" from ${loc(v.source)}`;
      const message =
        `${loc(lost.source)} sets ${name}="${lost.value}", but ${loc(winner.source)} sets it to "${winner.value}" and ${why}` +
        `${final}: the kubelet never receives "${lost.value}"`;
      out.push({kind: 'env-overridden', message, source: lost.source, text: lost.text, related: [{source: winner.source, text: winner.text}]});
    });
  }
  return out;
}

/** Values of variables ExecStart= uses that an empty Environment= / EnvironmentFile= threw away. */
function clearedOverrides(refs: Map<string, unknown>, env: Record<string, EnvVar>, cleared: readonly ClearedVar[]): SilentOverride[] {
  return cleared
    .filter((c) => refs.has(c.name) && c.value !== '' && (Object.hasOwn(env, c.name) ? env[c.name]?.value : undefined) !== c.value)
    .map((c) => {
      const why =
        c.origin === 'Environment'
          ? 'an empty Environment= resets the list and all earlier assignments have no effect'
          : `an empty EnvironmentFile= resets the list of files, so ${'file' in c.source ? c.source.file : ''} is never read`;
      const now = Object.hasOwn(env, c.name) ? `"${env[c.name]?.value ?? ''}"` : 'unset';
      const message =
        `${loc(c.source)} sets ${c.name}="${c.value}", but ${loc(c.by.source)} is ${c.by.text} and ${why} (systemd.exec(5)); ` +
        `${c.name} is ${now}: the kubelet never receives "${c.value}"`;
      return {kind: 'env-overridden', message, source: c.source, text: c.text, related: [c.by]};
    });
}

/** Quotes inside words: in ExecStart= itself, in `$VAR` values split into words, and in `${VAR}` values. */
function quoteProblems(cmd: CommandLike, refs: Map<string, {braced: boolean; whole: boolean}>, env: Record<string, EnvVar>): SilentOverride[] {
  const out: SilentOverride[] = [];
  const at = {source: cmd.source, text: cmd.text};
  const describe = (word: string): string => {
    const now = splitWords(word, false)[0] ?? '';
    return `systemd with extract_first_word passes ${now}; older systemd that split words with split_quoted (FOREACH_WORD_QUOTED, a quote counts only at the start of a word) passes ${oldSystemd(word)} with the quotes, which the kubelet then parses as part of the value`;
  };
  for (const word of rawWords(cmd.text.replace(/^ExecStart\s*=\s*[-@+!:|]*/, ''))) {
    if (!quotedMidWord(word) || word.includes('$')) continue;
    out.push({kind: 'quote-mid-word', message: `${loc(cmd.source)}: the word ${word} has quotes inside it: ${describe(word)}`, ...at, related: []});
  }
  for (const [name, r] of refs) {
    const v = Object.hasOwn(env, name) ? env[name] : undefined;
    if (v === undefined) continue;
    const setAt = {source: v.source, text: v.text};
    if (r.whole) {
      for (const word of rawWords(v.value).filter(quotedMidWord)) {
        const message = `${loc(v.source)}: $${name} is split into words at exec time and its word ${word} has quotes inside it: ${describe(word)}`;
        out.push({kind: 'quote-mid-word', message, ...setAt, related: [at]});
      }
    }
    if (r.braced && /["']/.test(v.value)) {
      const message =
        `${loc(v.source)}: \${${name}} is replaced by its exact value ${v.value}, quotes included; every systemd version passes it unchanged, ` +
        'so the kubelet sees the quote characters as part of the flag value';
      out.push({kind: 'quote-in-braced-var', message, ...setAt, related: [at]});
    }
  }
  return out;
}

/** Every silent override and quote hazard of the effective command, in the order found. */
export function findOverrides(cmd: CommandLike | null, env: Record<string, EnvVar>, cleared: readonly ClearedVar[] = []): SilentOverride[] {
  if (cmd === null) return [];
  const refs = references(cmd);
  return [...clearedOverrides(refs, env, cleared), ...envOverrides(refs, env), ...quoteProblems(cmd, refs, env)];
}
