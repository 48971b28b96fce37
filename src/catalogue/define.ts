/**
 * The catalogue's vocabulary: how a check is declared and what it returns.
 * A check is data (metadata) plus one pure function of the facts snapshot.
 */
import type {Facts, Source, Sourced} from '../facts/types.js';

/** The result states of a check, from best to worst (`skip` and `error` aside). */
export type Status = 'pass' | 'warn' | 'fail' | 'skip' | 'error';
/** How bad a failure of this check is for the node. */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
/** Where a check sits in the catalogue (reports group by it). */
export type Category = 'systemd' | 'kubelet' | 'config' | 'tls' | 'runtime' | 'network' | 'host' | 'cluster';

/** What a verdict rests on: a file and line (or a command) and the text found there. */
export interface Evidence {
  source: Source;
  text: string;
}

/** One verdict of a check. A check may return several; the engine folds them into one result. */
export interface Verdict {
  status: Status;
  summary: string;
  evidence: Evidence[];
  /** Overrides the check's default fix for this verdict (null: no fix applies). */
  fix?: string | null;
  /**
   * The verdict describes an effect (the kubelet is crash-looping), not a cause: a failure
   * made only of symptoms never becomes the first cause that other failures fold under.
   */
  symptom?: boolean;
}

/** What a check may know besides the facts: the clock and the version in force. */
export interface CheckContext {
  /** "Now" for expiry maths; checks never call Date.now(). */
  now: Date;
  /** Days before expiry that count as "expiring soon". */
  expiryWarnDays: number;
}

/** A log line the kubelet (or kubeadm) prints, pointing to the check that explains it. */
export interface Signature {
  /** Stable id, e.g. `unknown-flag`. */
  id: string;
  /** What the line looks like (for search and docs): the kubelet's own wording. */
  text: string;
  /** Matches the line in a journal. */
  pattern: RegExp;
  /** Where the wording comes from (source file or public issue). */
  reference: string;
}

/** The frozen declaration of a check. */
export interface CheckMeta {
  id: string;
  title: string;
  category: Category;
  severity: Severity;
  /** Why it matters, in one or two sentences for the operator. */
  description: string;
  /** The facts the check reads (keys of Facts). */
  needs: readonly (keyof Facts)[];
  /** Checks whose failure explains a failure of this one (first cause first). */
  explainedBy: readonly string[];
  /** True when the verdict needs a live node (commands, /proc); under --root it skips. */
  live: boolean;
  remediation: string;
  /** The fix id offered, or null. */
  fix: string | null;
  references: readonly string[];
  signatures: readonly Signature[];
}

/** A check: metadata plus its pure evaluation. */
export interface CheckDef extends CheckMeta {
  evaluate(facts: Facts, ctx: CheckContext): Verdict | Verdict[];
}

type CheckInput = Omit<CheckMeta, 'explainedBy' | 'live' | 'fix' | 'references' | 'signatures'> &
  Partial<Pick<CheckMeta, 'explainedBy' | 'live' | 'fix' | 'references' | 'signatures'>> & {
    evaluate(facts: Facts, ctx: CheckContext): Verdict | Verdict[];
  };

/** Declare a check; the result is frozen so nothing can mutate the catalogue at run time. */
export function defineCheck(input: CheckInput): CheckDef {
  return Object.freeze({
    explainedBy: [],
    live: false,
    fix: null,
    references: [],
    signatures: [],
    ...input,
  });
}

/** Evidence from a sourced value. */
export const evidenceOf = (s: {source: Source; text: string}): Evidence => ({source: s.source, text: s.text});

const verdict =
  (status: Status) =>
  (summary: string, evidence: readonly (Evidence | Sourced<unknown>)[] = [], fix?: string | null): Verdict => ({
    status,
    summary,
    evidence: evidence.map(evidenceOf),
    ...(fix === undefined ? {} : {fix}),
  });

/** The check holds. */
export const pass = verdict('pass');
/** Not fatal, but an operator should know. */
export const warn = verdict('warn');
/** The node is (or will be) broken by this. */
export const fail = verdict('fail');
/** The check could not be judged; the reason says why (not collected, not applicable). */
export const skip = (reason: string): Verdict => ({status: 'skip', summary: reason, evidence: []});
