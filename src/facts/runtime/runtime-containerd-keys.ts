/**
 * Key matching as containerd 1.x decodes its config: with pelletier/go-toml v1, whose Unmarshal
 * looks a struct field up under four spellings of its toml name, first match wins
 * (github.com/pelletier/go-toml v1.9.5 marshal.go, valueFromTree: keysToTry = baseKey,
 * strings.ToLower(baseKey), strings.ToTitle(baseKey), lower-cased first letter + rest).
 * baseKey is the `toml:"..."` tag, else the Go field name: runc's Options.SystemdCgroup has no
 * tag, so `systemdcgroup`, `SYSTEMDCGROUP` and `systemdCgroup` all set it, `systemd_cgroup` does not.
 * Map keys (plugin ids, runtime names) are matched exactly.
 */
import type {TomlTable} from './runtime-parse.js';

/** The spellings go-toml v1 tries for a field whose toml name is `name`, in its order. */
export function spellings(name: string): string[] {
  const out = [name, name.toLowerCase(), name.toUpperCase(), (name[0] ?? '').toLowerCase() + name.slice(1)];
  return out.filter((k, i) => out.indexOf(k) === i);
}

/** One step of a lookup: a struct field (go-toml spellings) or a map key (exact). */
export type Step = string | {map: string};

/** Walk `steps` from `data`; returns the value and the key path as written, or undefined. */
export function walk(data: unknown, steps: readonly Step[], exact = false): {value: unknown; path: string[]} | undefined {
  let cur: unknown = data;
  const path: string[] = [];
  for (const step of steps) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    const table = cur as TomlTable;
    const tries = typeof step === 'string' ? (exact ? [step] : spellings(step)) : [step.map];
    const key = tries.find((k) => Object.hasOwn(table, k));
    if (key === undefined) return undefined;
    path.push(key);
    cur = table[key];
  }
  return {value: cur, path};
}
