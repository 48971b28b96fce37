/**
 * Drift between nodes: which values differ, on which nodes, and where each was set. Pure: it
 * takes each node's fingerprint (src/diff/fingerprint.ts) and findings, and orders the
 * differences most consequential first (one a failing check names, then clear outliers).
 */
import type {Finding} from '../report/types.js';
import {GROUP_ORDER, type Datum, type DiffGroup} from './fingerprint.js';

/** One node's input to a comparison. */
export interface DiffNode {
  name: string;
  values: ReadonlyMap<string, Datum>;
  /** Groups not read on this node (the unit was refused, no config file): left out of each key's comparison. */
  unread: ReadonlyMap<DiffGroup, string>;
  findings: readonly Finding[];
}

/** One node's side of a difference: the value and where it was set, or absent. */
export interface Side {
  node: string;
  source: string | null;
  text: string | null;
}

/** Nodes sharing one value of a key (`null`: the key is absent there). */
export interface ValueGroup {
  value: string | null;
  nodes: Side[];
}

/** One key whose value is not the same on every node. */
export interface Difference {
  key: string;
  group: DiffGroup;
  /** The baseline's value first (or the most common), then the rest, largest group first. */
  values: ValueGroup[];
  /** Nodes whose value is not the baseline's (or not the most common). */
  outliers: string[];
  /** Failing checks whose evidence names this value, with the node they fail on. */
  namedBy: {node: string; check: string}[];
}

/** A failing check's evidence that names the value: the same file:line, or the line's text. */
function names(f: Finding, d: Datum): boolean {
  if (f.status !== 'fail' && f.status !== 'error') return false;
  return f.evidence.some((e) => {
    const src = 'command' in e.source ? e.source.command : e.source.line === undefined ? e.source.file : `${e.source.file}:${e.source.line}`;
    const file = 'file' in e.source ? e.source.file : null;
    // The same file or file:line (a default or a command is shared by every value it sets: not a match).
    return (src === d.source && file !== null) || (d.text.length > 8 && e.text.includes(d.text)) || (file !== null && d.value.split(', ').includes(file));
  });
}

/**
 * Compare nodes key by key. With a `baseline` (a node's name), a value is an outlier when it is
 * not the baseline's; without, when it is not the most common one (ties: the first node's).
 * Only keys whose value is not the same on every node are returned.
 */
export function compareNodes(nodes: readonly DiffNode[], baseline?: string): Difference[] {
  const keys = new Map<string, DiffGroup>();
  for (const n of nodes) for (const d of n.values.values()) if (!keys.has(d.key)) keys.set(d.key, d.group);
  const base = baseline === undefined ? undefined : nodes.find((n) => n.name === baseline);
  const out: Difference[] = [];
  // A group read on some nodes and not on others: one difference that says why, not one per key.
  for (const group of GROUP_ORDER) {
    const not = nodes.filter((n) => n.unread.has(group));
    if (not.length === 0 || not.length === nodes.length) continue;
    const read = nodes.filter((n) => !n.unread.has(group));
    const values: ValueGroup[] = [
      {value: 'read', nodes: read.map((n) => ({node: n.name, source: null, text: null}))},
      ...not.map((n) => ({value: `not read: ${n.unread.get(group)}`, nodes: [{node: n.name, source: null, text: null}]})),
    ];
    out.push({key: `${group} (whole)`, group, values, outliers: not.map((n) => n.name), namedBy: []});
  }
  for (const [key, group] of keys) {
    const byValue = new Map<string | null, Side[]>();
    for (const n of nodes) {
      if (n.unread.has(group)) continue;
      const d = n.values.get(key);
      // On a node where part of the facts could not be read, a missing value is unknown, not absent.
      if (!d && n.unread.size > 0) continue;
      const v = d?.value ?? null;
      const list = byValue.get(v) ?? [];
      list.push({node: n.name, source: d?.source ?? null, text: d?.text ?? null});
      byValue.set(v, list);
    }
    if (byValue.size < 2) continue;
    const firstValue = (nodes[0]?.values.get(key)?.value ?? null) as string | null;
    const reference = base ? (base.values.get(key)?.value ?? null) : null;
    const values = [...byValue.entries()]
      .map(([value, sides]) => ({value, nodes: sides}))
      .sort((a, b) => {
        if (base) return Number(b.value === reference) - Number(a.value === reference) || b.nodes.length - a.nodes.length;
        return b.nodes.length - a.nodes.length || Number(b.value === firstValue) - Number(a.value === firstValue);
      });
    const outliers = values.slice(1).flatMap((g) => g.nodes.map((s) => s.node));
    const namedBy: Difference['namedBy'] = [];
    // A failing check names the difference on a node that holds an odd value (with two nodes
    // and no majority, either side): the common value is named on healthy nodes too.
    const odd = new Set(values.every((g) => g.nodes.length === 1) && !base ? nodes.map((n) => n.name) : outliers);
    for (const n of nodes) {
      const d = n.values.get(key);
      if (!d || !odd.has(n.name)) continue;
      for (const f of n.findings) if (names(f, d)) namedBy.push({node: n.name, check: f.id});
    }
    out.push({key, group, values, outliers, namedBy});
  }
  const groupRank = (g: DiffGroup): number => GROUP_ORDER.indexOf(g);
  return out.sort(
    (a, b) =>
      Number(b.namedBy.length > 0) - Number(a.namedBy.length > 0) ||
      a.outliers.length - b.outliers.length ||
      groupRank(a.group) - groupRank(b.group) ||
      a.key.localeCompare(b.key),
  );
}
