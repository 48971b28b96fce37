/**
 * First cause first: a node's failures as trees, each root cause with the failures it explains
 * folded under it. Every view (text, markdown, JSON `firstCause`, the TUI, the fleet table)
 * counts and leads with the causes from here, so none can count a consequence as a cause.
 */
import {placeFindings, type Orderable} from './order.js';
import type {Finding} from './types.js';

/** One root cause on a node and every failure it explains (directly or through a chain). */
export interface CauseGroup<F extends Orderable = Finding> {
  cause: F;
  /** The failures it explains, in display order, with how deep each sits under the cause (1 = directly). */
  explains: {finding: F; depth: number}[];
}

/**
 * The node's failure trees, most severe cause first. A failure whose cause is absent or not
 * failing is a root; each failure belongs to exactly one group.
 */
export function causeGroups<F extends Orderable>(findings: readonly F[]): CauseGroup<F>[] {
  const groups: CauseGroup<F>[] = [];
  for (const p of placeFindings(findings)) {
    if (p.finding.status !== 'fail') continue;
    if (p.depth === 0) groups.push({cause: p.finding, explains: []});
    else groups.at(-1)?.explains.push(p);
  }
  return groups;
}

/** The ids of the node's root causes, most severe first: JSON's per-target `firstCause`. */
export const firstCauseIds = <F extends Orderable>(findings: readonly F[]): string[] => causeGroups(findings).map((g) => g.cause.id);

/** How many failures each failing root explains on this node, by check id (absent: 0). */
export function explainsCounts<F extends Orderable>(findings: readonly F[]): ReadonlyMap<string, number> {
  return new Map(causeGroups(findings).map((g) => [g.cause.id, g.explains.length]));
}
