/**
 * The kubelet's command line parsed the way the kubelet's pflag FlagSet parses it: every flag
 * occurrence with its value and the file:line its text came from, plus the stray words the
 * kubelet rejects with `unknown command`.
 */
import type {Collected, FlagOccurrence, KubeletArgv, Sourced} from '../core.js';
import {collected, notCollected} from '../core.js';
import {LOAD_ERRORS} from '../systemd/systemd-unit.js';
import type {UnitFacts} from '../systemd/systemd-unit.js';
import {LEGACY_FLAGS, SHORTHANDS, isBooleanFlag, isKnownFlag} from '../../../checks/data/known-flags.js';
import {removedFlag} from '../../../checks/data/removed-flags.js';

const LEGACY: ReadonlySet<string> = new Set(LEGACY_FLAGS);

/** A flag some kubelet release accepted with a value: it takes the next word even when that starts with `-`. */
const takesValue = (name: string): boolean => !isBooleanFlag(name) && (isKnownFlag(name) || removedFlag(name) !== undefined || LEGACY.has(name));

/** One flag word split into name and inline value (`--a=b`, `-v=2`, `-v2`). */
function splitFlag(word: string): {name: string; value: string | undefined} {
  const long = word.startsWith('--');
  const body = word.slice(long ? 2 : 1);
  const eq = body.indexOf('=');
  const name = eq >= 0 ? body.slice(0, eq) : body;
  const value = eq >= 0 ? body.slice(eq + 1) : undefined;
  if (long) {
    // The kubelet normalises `_` to `-` in flag names (cliflag.WordSepNormalizeFunc).
    return {name: name.replace(/_/g, '-'), value};
  }
  // pflag shorthand: `-v=2`, `-v2`, `-v 2`. An unknown shorthand (`-config=x`) keeps its whole name
  // so the check can say "unknown shorthand flag: 'c' in -config=x".
  const full = SHORTHANDS[body.charAt(0)];
  if (full === undefined) return {name, value};
  const rest = body.slice(1);
  return {name: full, value: rest.startsWith('=') ? rest.slice(1) : rest !== '' ? rest : undefined};
}

/**
 * Parse the arguments after the executable as pflag does: `--flag=value`; `--flag value` only for
 * flags that take a value; a boolean flag alone means "true"; `--` ends the flags; any other word
 * is positional. Every occurrence is kept in order: the last one wins (see effectiveFlag).
 */
export function parseKubeletArgs(executable: Sourced<string>, args: readonly Sourced<string>[]): KubeletArgv {
  const flags = new Map<string, FlagOccurrence[]>();
  const positional: Sourced<string>[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === undefined) continue;
    const word = arg.value;
    if (word === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!word.startsWith('-') || word === '-') {
      positional.push(arg);
      continue;
    }
    const index = i;
    const split = splitFlag(word);
    let value = split.value;
    let text = word;
    const next = args[i + 1];
    if (value === undefined && isBooleanFlag(split.name)) value = 'true';
    else if (value === undefined && next !== undefined && (takesValue(split.name) || !next.value.startsWith('-'))) {
      value = next.value;
      text = `${word} ${next.value}`;
      i += 1;
    }
    // A value flag at the very end has no value: pflag says "flag needs an argument".
    const occ: FlagOccurrence = {name: split.name, value: value ?? '', source: arg.source, text, index};
    flags.set(split.name, [...(flags.get(split.name) ?? []), occ]);
  }
  return {executable, args: [...args], flags: Object.fromEntries(flags), positional};
}

/**
 * The effective kubelet argv from the merged unit: the expanded ExecStart= parsed into flags.
 * Not collected when the unit was not collected or systemd would not run any command.
 */
export function buildArgv(unit: Collected<UnitFacts>): Collected<KubeletArgv> {
  try {
    if (!unit.collected) return notCollected(unit.reason);
    const {command, problems} = unit.value;
    if (command === null) {
      const cause = problems.find((p) => LOAD_ERRORS.has(p.kind));
      // Keep the reason short: it is repeated by every check that needs the command line.
      const where = cause && 'file' in cause.source ? ` (${cause.source.file}${cause.source.line ? `:${cause.source.line}` : ''})` : '';
      return notCollected(
        cause ? `systemd refuses kubelet.service${where}: see systemd-dropin` : 'kubelet.service has no effective ExecStart=: see systemd-dropin',
      );
    }
    return collected(parseKubeletArgs(command.executable, command.args));
  } catch (err) {
    return notCollected(`could not parse the kubelet command line: ${err instanceof Error ? err.message : String(err)}`);
  }
}
