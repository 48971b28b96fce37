/**
 * The catalogue's vocabulary: how a check is declared and what it returns.
 * A check is data (metadata) plus one pure function of the facts snapshot.
 */
import type {Facts, Source, Sourced} from '../facts/types.js';

/**
 * The result states of a check. `note`: true and worth knowing, nothing to act on (a flag the
 * installer writes itself). `advice`: best practice, not a fault (hidden unless `--advice`).
 * Worst first: error, fail, warn, advice, note, pass, skip.
 */
export type Status = 'pass' | 'warn' | 'fail' | 'skip' | 'error' | 'note' | 'advice';

/** Every status, worst first: what ordering, counting and rendering iterate over. */
export const STATUSES: readonly Status[] = ['error', 'fail', 'warn', 'advice', 'note', 'pass', 'skip'];

/** How bad a status is (higher is worse): folding several verdicts keeps the worst. */
export const STATUS_RANK: Readonly<Record<Status, number>> = {error: 6, fail: 5, warn: 4, advice: 3, note: 2, pass: 1, skip: 0};
/** How bad a failure of this check is for the node. */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
/** Most severe first (0 = critical): ordering causes and fleet rows. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = {critical: 0, high: 1, medium: 2, low: 3, info: 4};
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
  /**
   * The check this verdict's evidence names as the cause (a journal line a signature matched:
   * the check that explains it). The engine lets the journal's first fatal line decide which
   * failing check a crash loop hangs under.
   */
  pointsTo?: string;
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

/**
 * A kubelet flag condition of an {@link Exclusion}: it holds when the flag's effective value
 * (the last occurrence in the kubelet's argv, or `default` when the flag is not set) is none of `not`.
 */
export interface FlagCondition {
  flag: string;
  /** The value the kubelet uses when the flag is absent (`''` = none). */
  default: string;
  not: readonly string[];
}

/**
 * A case a check does not apply to, as data (docs/checks.md lists it): a kubelet version range
 * and flag conditions that must ALL hold. With the kubelet version unknown, it holds only when
 * a flag it names is set explicitly (an explicit `--network-plugin=kubenet` is itself the era's mark).
 */
export interface Exclusion {
  /** Kubelet minor releases the exclusion covers, inclusive (`{max: '1.23'}`); absent: every release. */
  kubelet?: {min?: string; max?: string};
  flags?: readonly FlagCondition[];
  /** Why the check does not apply then: the skip's reason. */
  reason: string;
}

/**
 * Which nodes a check judges. Outside them the engine reports `skip` with the reason, before
 * the check runs (src/engine/evaluate.ts), so no check judges a node of another era or mode.
 */
export interface Applicability {
  /** Kubelet minor releases the check applies to, inclusive; absent bound: open. Unknown version: applies. */
  kubelet?: {min?: string; max?: string};
  /** Cases inside that range it does not apply to. */
  except?: readonly Exclusion[];
  /**
   * What the check judges when its live input is missing (offline, or /proc not sent): the
   * offline judgement it falls back to. Absent on a live check: it skips offline.
   */
  offline?: string;
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
  /**
   * The check reports effects (the kubelet does not answer, the Node is NotReady, the journal's
   * error lines): its failures are folded under the cause that explains them and never explain
   * another failure, so two symptoms can't explain each other. Unexplained, it is its own root.
   */
  symptom?: boolean;
  /** True when the verdict needs a live node (commands, /proc); under --root it skips. */
  live: boolean;
  remediation: string;
  /** The fix id offered, or null. */
  fix: string | null;
  references: readonly string[];
  signatures: readonly Signature[];
  /** The eras and modes the check judges (every check declares it; `{}` = every release, both modes). */
  appliesTo: Applicability;
}

/** A check: metadata plus its pure evaluation. */
export interface CheckDef extends CheckMeta {
  evaluate(facts: Facts, ctx: CheckContext): Verdict | Verdict[];
}

type CheckInput = Omit<CheckMeta, 'explainedBy' | 'live' | 'fix' | 'references' | 'signatures' | 'appliesTo'> &
  Partial<Pick<CheckMeta, 'explainedBy' | 'live' | 'fix' | 'references' | 'signatures' | 'appliesTo'>> & {
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
    appliesTo: {},
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
/** True and worth knowing, but nothing to act on (what the installer writes itself). */
export const note = verdict('note');
/** Best practice, not a fault: shown only with `--advice`. */
export const advice = verdict('advice');
/** The check could not be judged; the reason says why (not collected, not applicable). */
export const skip = (reason: string): Verdict => ({status: 'skip', summary: reason, evidence: []});

const range = (r: {min?: string; max?: string} | undefined): string | null => {
  if (!r || (!r.min && !r.max)) return null;
  if (r.min && r.max) return `kubelet ${r.min} to ${r.max}`;
  return r.min ? `kubelet ${r.min} and later` : `kubelet ${r.max} and older`;
};

/** The "Applies to" line of docs/checks.md and list-checks: the declaration in words. */
export function describeApplicability(c: Pick<CheckMeta, 'live' | 'appliesTo'>): string {
  const a = c.appliesTo;
  const parts = [range(a.kubelet) ?? 'every kubelet release'];
  parts.push(
    c.live
      ? a.offline
        ? `live nodes; offline: ${a.offline}`
        : 'live nodes only (skips under --root)'
      : a.offline
        ? `live and offline (offline: ${a.offline})`
        : 'live and offline',
  );
  for (const e of a.except ?? []) {
    const flags = (e.flags ?? []).map(
      (f) => `--${f.flag} not ${f.not.map((v) => `"${v}"`).join('/')}${f.default === '' ? ' (unset by default)' : ` (default "${f.default}")`}`,
    );
    const when = [range(e.kubelet), ...flags].filter(Boolean).join(', ');
    parts.push(`not ${when ? `when ${when}` : 'always'}: ${e.reason}`);
  }
  return parts.join('; ');
}
