/**
 * `d` in the TUI: which nodes a node can be compared with (the baseline picker's rows, healthy
 * and common first), and what differs between the two (src/diff on the facts the TUI already
 * holds: no new probe). Pure functions of state; fingerprints are kept per facts object.
 */
import {compareNodes, type Difference} from '../../diff/compare.js';
import {fingerprint, type Fingerprint} from '../../diff/fingerprint.js';
import type {Facts} from '../../facts/types.js';
import type {NodeState, UiState} from './run-reducer.js';
import {isNotANode, nodeName, problemCounts} from './selectors.js';

const prints = new WeakMap<Facts, {print: Fingerprint; signature: string}>();

/** A node's fingerprint (computed once per facts object) and a signature of its values. */
function printOf(facts: Facts): {print: Fingerprint; signature: string} {
  let p = prints.get(facts);
  if (!p) {
    const print = fingerprint(facts);
    const values = [...print.values.values()].map((d) => `${d.key}=${d.value}`).sort();
    p = {print, signature: [...values, ...[...print.unread.keys()].map((g) => `unread ${g}`)].join('\n')};
    prints.set(facts, p);
  }
  return p;
}

/** One row of the baseline picker. */
export interface BaselineRow {
  index: number;
  name: string;
  /** The node was read (it has facts): it can be a baseline. */
  readable: boolean;
  /** Why it cannot be a baseline (not checked yet, unreachable), when not readable. */
  why: string | null;
  /** Checked in full and nothing failing. */
  healthy: boolean;
  /** Root causes on it. */
  causes: number;
  /** Other nodes (the compared one aside) whose settings are the same as this node's. */
  alike: number;
}

function why(n: NodeState): string | null {
  if (n.facts) return null;
  if (n.result === null) return n.phase === 'done' ? 'not read' : 'not checked yet';
  if (isNotANode(n.result)) return 'not a node';
  return n.result.error ? `not read: ${n.result.error.kind}` : 'not read';
}

/**
 * The nodes `node` can be compared with, best baseline first: readable, then healthy, then the
 * most common settings (the node most others look like), then the fewest causes, then in
 * command-line order. `filter`: words that must all appear in the name (case-insensitive).
 */
export function baselineRows(s: UiState, node: number, filter = ''): BaselineRow[] {
  const words = filter
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
  const signatures = s.nodes.map((n, i) => (i !== node && n.facts ? printOf(n.facts).signature : null));
  const rows: BaselineRow[] = [];
  for (const [index, n] of s.nodes.entries()) {
    if (index === node) continue;
    const name = nodeName(n);
    if (!words.every((w) => name.toLowerCase().includes(w))) continue;
    const checked = n.result !== null && n.result.status === 'ok' && !isNotANode(n.result);
    const causes = checked ? problemCounts(n.result!.results).causes : 0;
    const sig = signatures[index];
    rows.push({
      index,
      name,
      readable: n.facts !== null,
      why: why(n),
      healthy: checked && causes === 0,
      causes,
      alike: sig === null || sig === undefined ? 0 : signatures.filter((x, i) => i !== index && x === sig).length,
    });
  }
  return rows.sort(
    (a, b) => Number(b.readable) - Number(a.readable) || Number(b.healthy) - Number(a.healthy) || b.alike - a.alike || a.causes - b.causes || a.index - b.index,
  );
}

/** The comparison of a node with its baseline, or why there is none. */
export type Drift = {ok: true; node: string; baseline: string; differences: Difference[]; compared: number} | {ok: false; reason: string};

/** Names as compareNodes keys them: the same hostname twice gets the target's position. */
function sideNames(s: UiState, node: number, baseline: number): [string, string] {
  const a = nodeName(s.nodes[node]!);
  const b = nodeName(s.nodes[baseline]!);
  return a === b ? [`${a} (#${node + 1})`, `${b} (#${baseline + 1})`] : [a, b];
}

/** What differs between `node` and `baseline`, most consequential first (src/diff/compare.ts). */
export function driftOf(s: UiState, node: number, baseline: number): Drift {
  const n = s.nodes[node];
  const b = s.nodes[baseline];
  if (!n || !b) return {ok: false, reason: 'no such node'};
  for (const [x, i] of [
    [n, node],
    [b, baseline],
  ] as const) {
    if (!x.facts) return {ok: false, reason: `${nodeName(x)} was ${why(x) ?? 'not read'}: nothing to compare (#${i + 1})`};
  }
  const [nodeLabel, baseLabel] = sideNames(s, node, baseline);
  const side = (label: string, x: NodeState) => {
    const p = printOf(x.facts!).print;
    return {name: label, values: p.values, unread: p.unread, findings: x.result?.results ?? []};
  };
  const pair = [side(baseLabel, b), side(nodeLabel, n)];
  const keys = new Set([...pair[0]!.values.keys(), ...pair[1]!.values.keys()]);
  return {ok: true, node: nodeLabel, baseline: baseLabel, differences: compareNodes(pair, baseLabel), compared: keys.size};
}
