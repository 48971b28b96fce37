/**
 * Kubernetes label selectors (`-l`), for picking inventory hosts by their labels the way
 * `kubectl get nodes -l` picks nodes: `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`,
 * `k notin (a,b)`, comma-separated and all required. Cluster listing sends the selector to the
 * API server as typed; this parser is for the inventory, which has no server.
 */
import {UsageError} from '../errors.js';

/** One requirement of a selector. */
export type Requirement =
  | {key: string; op: 'eq' | 'ne'; value: string}
  | {key: string; op: 'in' | 'notin'; values: string[]}
  | {key: string; op: 'exists' | 'absent'};

/** Split on commas outside parentheses. */
function split(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  parts.push(cur);
  return parts.map((p) => p.trim());
}

const KEY = '[A-Za-z0-9][-A-Za-z0-9_./]*';

/** Parse a selector; anything malformed is a UsageError quoting the bad part. */
export function parseSelector(s: string): Requirement[] {
  const bad = (part: string) =>
    new UsageError(
      `-l ${s}: cannot read ${JSON.stringify(part)} as a label requirement`,
      'use key=value, key!=value, key, !key or key in (a,b), comma-separated',
    );
  if (s.trim() === '') throw bad(s);
  return split(s).map((part): Requirement => {
    let m: RegExpExecArray | null;
    // <1:key> <2:in|notin> <3:values>
    if ((m = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^()]*)\\)$`).exec(part))) {
      return {
        key: m[1]!,
        op: m[2] as 'in' | 'notin',
        values: m[3]!
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
      };
    }
    // <1:key> <2:op> <3:value>
    if ((m = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*([-A-Za-z0-9_.]*)$`).exec(part))) {
      return {key: m[1]!, op: m[2] === '!=' ? 'ne' : 'eq', value: m[3]!};
    }
    if ((m = new RegExp(`^!\\s*(${KEY})$`).exec(part))) return {key: m[1]!, op: 'absent'};
    if ((m = new RegExp(`^(${KEY})$`).exec(part))) return {key: m[1]!, op: 'exists'};
    throw bad(part);
  });
}

/** Whether labels satisfy every requirement (Kubernetes semantics: `!=` and `notin` match a missing key). */
export function matchesSelector(req: readonly Requirement[], labels: Readonly<Record<string, string>>): boolean {
  return req.every((r) => {
    const v = Object.hasOwn(labels, r.key) ? labels[r.key] : undefined;
    switch (r.op) {
      case 'eq':
        return v === r.value;
      case 'ne':
        return v !== r.value;
      case 'in':
        return v !== undefined && r.values.includes(v);
      case 'notin':
        return v === undefined || !r.values.includes(v);
      case 'exists':
        return v !== undefined;
      case 'absent':
        return v === undefined;
    }
  });
}
