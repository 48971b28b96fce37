/**
 * Runs the catalogue over one node's facts. A check that throws becomes an `error` result
 * (one bad check never sinks the run); several verdicts fold into one result, worst first.
 */
import {SEVERITY_RANK, STATUS_RANK, type CheckContext, type CheckDef, type Exclusion, type Status, type Verdict} from '../catalogue/define.js';
import {effectiveFlag} from '../facts/types.js';
import type {Facts} from '../facts/types.js';
import {minorOf, versionAtLeast} from '../facts/kubelet/version.js';
import type {Finding} from '../report/types.js';
import {IMPLEMENTED_FIXES} from '../fixes/index.js';
import {profileById} from '../../checks/data/profiles/index.js';

function fold(check: CheckDef, verdicts: Verdict[]): Finding {
  const sorted = [...verdicts].sort((a, b) => STATUS_RANK[b.status] - STATUS_RANK[a.status]);
  const worst = sorted[0] ?? {status: 'skip' as const, summary: 'the check returned no verdict', evidence: []};
  // Evidence of the verdicts that matter: everything at the worst status (or all, when passing).
  const relevant = sorted.filter((v) => v.status === worst.status);
  const others = sorted.filter((v) => v !== worst);
  return {
    id: check.id,
    title: check.title,
    category: check.category,
    severity: check.severity,
    status: worst.status,
    summary: relevant.length > 1 ? `${worst.summary} (and ${relevant.length - 1} more)` : worst.summary,
    evidence: relevant.flatMap((v) => v.evidence),
    remediation: check.remediation,
    fix: offeredFix(worst, check),
    causedBy: null,
    ...(check.symptom || (relevant.length > 0 && relevant.every((v) => v.symptom)) ? {symptom: true} : {}),
    ...(relevant.some((v) => v.pointsTo) ? {pointsTo: [...new Set(relevant.flatMap((v) => (v.pointsTo ? [v.pointsTo] : [])))]} : {}),
    details: others.map((v) => `${v.status}: ${v.summary}`),
    references: check.references,
  };
}

/** The fix a finding offers: only for fail/warn, and only once the fix is implemented. */
function offeredFix(v: Verdict, check: CheckDef): string | null {
  if (v.status !== 'fail' && v.status !== 'warn') return null;
  const id = v.fix === undefined ? check.fix : v.fix;
  return id && IMPLEMENTED_FIXES.includes(id) ? id : null;
}

/** What a pass that names nothing it read becomes: a pass is only as good as its evidence. */
export const NO_EVIDENCE = 'no evidence collected';

/**
 * A pass must carry the evidence it read (the file and line, or the command and its output). A
 * pass with none rests on input that may never have arrived (a /proc file the probe did not send,
 * a section of a cut output): it becomes a skip that says so, never a pass.
 */
function evidenced(v: Verdict): Verdict {
  if (v.status !== 'pass' || v.evidence.length > 0) return v;
  return {...v, status: 'skip', summary: `${NO_EVIDENCE}: the check would pass ("${v.summary}") but names nothing it read`};
}

/** `v` lies in the inclusive minor range (`{max: '1.23'}` holds for v1.23.17, not v1.24.0). */
function inRange(v: string, r: {min?: string; max?: string} | undefined): boolean {
  if (!r) return true;
  if (r.min && !versionAtLeast(v, r.min)) return false;
  if (r.max) {
    const m = minorOf(v);
    if (m === null || (versionAtLeast(v, r.max) && m !== minorOf(r.max))) return false;
  }
  return true;
}

/** Whether an exclusion holds on this node; with the version unknown, only on an explicit flag. */
function excluded(e: Exclusion, facts: Facts, version: string | null): boolean {
  if (version !== null && !inRange(version, e.kubelet)) return false;
  const flags = e.flags ?? [];
  // Flags unknown (the unit was not collected): the kubelet may well use what the check judges.
  if (flags.length > 0 && !facts.argv.collected) return false;
  let explicit = false;
  for (const f of flags) {
    const occ = facts.argv.collected ? effectiveFlag(facts.argv.value, f.flag) : undefined;
    if (occ) explicit = true;
    if (f.not.includes(occ?.value ?? f.default)) return false;
  }
  return version !== null || (e.kubelet === undefined && flags.length === 0) || explicit;
}

/**
 * Why the check does not apply to this node (its declared eras and modes), or null. Enforced here,
 * once, before any check runs: a check never judges a node outside its declaration.
 */
export function notApplicable(check: CheckDef, facts: Facts): string | null {
  if (check.live && !facts.target.live && !check.appliesTo.offline) {
    return 'needs a live node (commands, /proc): not available on this transport';
  }
  // k3s and RKE2 run the kubelet inside their own binary: no unit, no flags file, their own
  // kubeconfig and certificate paths. Their profile lists what the tool does not judge there.
  const profile = facts.profile.collected ? profileById(facts.profile.value.id) : undefined;
  const embedded = profile?.embeddedKubelet;
  if (embedded && (embedded.notChecked as readonly string[]).includes(check.id)) {
    return `does not apply: ${profile.title} runs the kubelet inside ${embedded.service} (arguments in ${embedded.configPath}); this check reads a standalone kubelet's files and is not run here`;
  }
  const version = facts.kubeletVersion.collected ? facts.kubeletVersion.value.value : null;
  const r = check.appliesTo.kubelet;
  if (version !== null && r && !inRange(version, r)) {
    const span = r.min && r.max ? `${r.min} to ${r.max}` : r.min ? `${r.min} and later` : `${r.max} and older`;
    return `does not apply to kubelet ${version}: the check covers kubelet ${span}`;
  }
  for (const e of check.appliesTo.except ?? []) {
    if (excluded(e, facts, version)) return `does not apply: ${e.reason}`;
  }
  return null;
}

/** A check's verdicts on this node (a skip when it does not apply), or what it threw. */
function judge(check: CheckDef, facts: Facts, ctx: CheckContext): Verdict[] | {crashed: unknown} {
  try {
    const why = notApplicable(check, facts);
    if (why !== null) return [{status: 'skip', summary: why, evidence: []}];
    const out = check.evaluate(facts, ctx);
    return (Array.isArray(out) ? out : [out]).map(evidenced);
  } catch (e) {
    return {crashed: e};
  }
}

/** Fold verdicts into the finding, or the `error` result of a check that crashed. */
function finding(check: CheckDef, judged: Verdict[] | {crashed: unknown}): Finding {
  if (Array.isArray(judged)) return fold(check, judged);
  const e = judged.crashed as Error;
  return {...fold(check, []), status: 'error', summary: `the check crashed: ${e?.message ?? String(e)} (please report this)`};
}

/** Evaluate one check, turning exceptions into an `error` result. */
export function evaluateCheck(check: CheckDef, facts: Facts, ctx: CheckContext): Finding {
  return finding(check, judge(check, facts, ctx));
}

/**
 * A journal line that only repeats what the check it points at already reports (the deprecation
 * warning for a flag kubelet-flags judged) is a note: one fact, one row. A line whose check
 * passes stays a warning, since it is news no check saw.
 */
function quietRepeats(verdicts: Verdict[], statusOf: ReadonlyMap<string, Status>): Verdict[] {
  return verdicts.map((v) => {
    const pointed = v.pointsTo ? statusOf.get(v.pointsTo) : undefined;
    if (v.status !== 'warn' || pointed === undefined || pointed === 'pass' || pointed === 'skip') return v;
    return {...v, status: 'note', summary: `${v.summary} (already reported by ${v.pointsTo})`};
  });
}

/**
 * Mark failures explained by a deeper failing cause (`causedBy`, first cause first).
 *
 * Causes are failures of checks that judge a setting or a file; symptoms (a restart loop, no
 * healthz answer, NotReady, journal lines) are what causes produce and never explain anything,
 * so two symptoms can't explain each other. A cause is explained by the deepest failing cause
 * its `explainedBy` chain reaches. A symptom hangs under the check the journal's first fatal
 * line names when that check fails (the kubelet's own word on why it exits), else under the
 * first failing cause its `explainedBy` lists, else one that lists it, else a critical one.
 * A journal line whose check does not fail is itself the best-known cause: it becomes a root.
 */
export function linkCauses(findings: Finding[], checks: readonly CheckDef[]): Finding[] {
  const byId = new Map(checks.map((c) => [c.id, c]));
  // Failing checks that judge a setting or a file: the candidates for a cause.
  const judged = new Set(findings.filter((f) => f.status === 'fail' && !f.symptom).map((f) => f.id));
  // A symptom whose evidence points at checks none of which fail (a journal line no failing
  // check explains): that line is the best-known cause, a root of its own.
  const promotedIds = new Set(
    findings
      .filter((f) => f.status === 'fail' && f.symptom && (f.pointsTo ?? []).length > 0 && !(f.pointsTo ?? []).some((id) => judged.has(id)))
      .map((f) => f.id),
  );
  const candidates = findings.filter((f) => f.status === 'fail' && (!f.symptom || promotedIds.has(f.id)));
  const causes = new Set(candidates.map((f) => f.id));
  const deepest = (id: string, seen: Set<string>): string | null => {
    for (const parent of byId.get(id)?.explainedBy ?? []) {
      if (seen.has(parent)) continue;
      seen.add(parent);
      if (causes.has(parent)) return deepest(parent, seen) ?? parent;
      const further = deepest(parent, seen);
      if (further) return further;
    }
    return null;
  };
  const rooted = (id: string): string => deepest(id, new Set([id])) ?? id;
  // The journal decides: the first fatal line of the kubelet's latest run names the check.
  const journal = findings.find((f) => f.status === 'fail' && f.pointsTo !== undefined);
  const crashCause = journal && promotedIds.has(journal.id) ? journal.id : journal?.pointsTo?.find((id) => causes.has(id));
  const bySeverity = [...candidates].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  const symptomCause = (f: Finding): string | null => {
    if (promotedIds.has(f.id)) return null;
    const named = f.pointsTo?.find((id) => causes.has(id));
    if (named) return rooted(named);
    if (crashCause && crashCause !== f.id) return rooted(crashCause);
    const listed = byId.get(f.id)?.explainedBy.find((id) => causes.has(id)) ?? deepest(f.id, new Set([f.id]));
    if (listed) return rooted(listed);
    const dependent = candidates.find((g) => (byId.get(g.id)?.explainedBy ?? []).includes(f.id));
    if (dependent) return rooted(dependent.id);
    // A crash loop is what a fatal misconfiguration looks like from systemd's side: a critical failure.
    const critical = bySeverity.find((g) => g.severity === 'critical' && g.id !== f.id);
    return critical ? rooted(critical.id) : null;
  };
  return findings.map((f) => {
    if (f.status !== 'fail') return f;
    if (f.symptom && !promotedIds.has(f.id)) return {...f, causedBy: symptomCause(f)};
    return {...f, causedBy: deepest(f.id, new Set([f.id]))};
  });
}

/** Evaluate the whole catalogue (or the `only` subset) on one node. */
export function evaluateAll(checks: readonly CheckDef[], facts: Facts, ctx: CheckContext): Finding[] {
  const judged = checks.map((c) => judge(c, facts, ctx));
  const first = checks.map((c, i) => finding(c, judged[i]!));
  const statusOf = new Map(first.map((f) => [f.id, f.status]));
  const findings = first.map((f, i) => {
    const v = judged[i]!;
    return Array.isArray(v) && v.some((x) => x.pointsTo) ? fold(checks[i]!, quietRepeats(v, statusOf)) : f;
  });
  return linkCauses(findings, checks);
}
