/**
 * What the operator asked to check, resolved from arguments before anything connects.
 */

/** One node to check and how to reach it. */
export type Target =
  | {kind: 'local'; name: string; hostRoot: string}
  | {kind: 'root'; name: string; dir: string}
  | {kind: 'snapshot'; name: string; file: string};
