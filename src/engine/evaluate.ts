/**
 * Runs the catalogue over one node's facts. A check that throws becomes an `error` result
 * (one bad check never sinks the run); several verdicts fold into one result, worst first.
 */
import {STATUS_RANK, type CheckContext, type CheckDef, type Exclusion, type Verdict} from '../catalogue/define.js';
import {effectiveFlag} from '../facts/types.js';
import type {Facts} from '../facts/types.js';
import {minorOf, versionAtLeast} from '../facts/version.js';
import type {Finding} from '../report/types.js';
import {IMPLEMENTED_FIXES} from '../fixes/index.js';
import {profileById} from '../../checks/data/profiles/index.js';

const RANK = STATUS_RANK;

function fold(check: CheckDef, verdicts: Verdict[]): Finding {
  const sorted = [...verdicts].sort((a, b) => RANK[b.status] - RANK[a.status]);
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
    ...(relevant.length > 0 && relevant.every((v) => v.symptom) ? {symptom: true} : {}),
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

/** Evaluate one check, turning exceptions into an `error` result. */
export function evaluateCheck(check: CheckDef, facts: Facts, ctx: CheckContext): Finding {
  try {
    const why = notApplicable(check, facts);
    if (why !== null) return fold(check, [{status: 'skip', summary: why, evidence: []}]);
    const out = check.evaluate(facts, ctx);
    return fold(check, (Array.isArray(out) ? out : [out]).map(evidenced));
  } catch (e) {
    return {
      ...fold(check, []),
      status: 'error',
      summary: `the check crashed: ${(e as Error).message ?? String(e)} (please report this)`,
    };
  }
}

/**
 * Mark failures explained by a deeper failing cause: a failure whose `explainedBy` names a
 * failing check (directly or through a chain) gets `causedBy` = the deepest such cause.
 */
export function linkCauses(findings: Finding[], checks: readonly CheckDef[]): Finding[] {
  const byId = new Map(checks.map((c) => [c.id, c]));
  // Only real causes explain others: a crash loop (symptom) is what the causes produce.
  const failing = new Set(findings.filter((f) => f.status === 'fail' && !f.symptom).map((f) => f.id));
  const deepest = (id: string, seen: Set<string>): string | null => {
    for (const parent of byId.get(id)?.explainedBy ?? []) {
      if (seen.has(parent)) continue;
      seen.add(parent);
      if (failing.has(parent)) return deepest(parent, seen) ?? parent;
      const further = deepest(parent, seen);
      if (further) return further;
    }
    return null;
  };
  // A symptom (crash loop) is explained by a failing check that depends on it: the flag or
  // config error that makes the kubelet exit.
  // Failing that, the first critical failure: a crash loop is what a fatal misconfiguration
  // looks like from systemd's side (an expired client cert, a missing config file ...).
  const dependentCause = (id: string) =>
    findings.find((g) => failing.has(g.id) && (byId.get(g.id)?.explainedBy ?? []).includes(id))?.id ??
    findings.find((g) => failing.has(g.id) && g.severity === 'critical')?.id ??
    null;
  return findings.map((f) => {
    if (f.status !== 'fail') return f;
    return {...f, causedBy: f.symptom ? dependentCause(f.id) : deepest(f.id, new Set([f.id]))};
  });
}

/** Evaluate the whole catalogue (or the `only` subset) on one node. */
export function evaluateAll(checks: readonly CheckDef[], facts: Facts, ctx: CheckContext): Finding[] {
  return linkCauses(
    checks.map((c) => evaluateCheck(c, facts, ctx)),
    checks,
  );
}
