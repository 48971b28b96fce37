/**
 * Runs a runbook over its nodes, unattended: probe each node once, evaluate the checks, apply
 * the fix rules in order under the same safety rules as `fix` (plan, backup, atomic write,
 * verify, roll back), then report the node as it is after the fixes. Nodes run with bounded
 * concurrency; prompts for `policy: ask` are asked one at a time; `stopOnFailure` starts no new
 * node (and no further fix) once a fix did not verify or a node could not be reached.
 */
import {eachLimited} from '../engine/pool.js';
import {clusterFactsOf, summarizeCluster, type ClusterSource} from '../engine/cluster.js';
import type {CheckContext, CheckDef} from '../catalogue/define.js';
import {evaluateAll} from '../engine/evaluate.js';
import {runTarget, transportFor} from '../engine/run.js';
import {TargetError} from '../errors.js';
import {buildFacts} from '../facts/build.js';
import type {Facts, RawSnapshot} from '../facts/types.js';
import {applyPlan} from '../fixes/apply.js';
import {type AuditEntry, outcomeOf} from '../fixes/audit.js';
import {planFix} from '../fixes/registry.js';
import {renderPlan, targetWords} from '../fixes/render.js';
import {isNotApplicable, type FixPlan} from '../fixes/types.js';
import {collectRaw} from '../probe/collect.js';
import {summarize} from '../report/order.js';
import type {Finding, Report, TargetResult} from '../report/types.js';
import type {Target} from '../targets/types.js';
import {TOOL_VERSION} from '../version.js';
import type {FixRule} from './schema.js';
import {applyWaivers, targetLabels, type Waiver} from './waivers.js';

/** How one fix rule went on one node. */
export interface FixOutcome {
  target: string;
  check: string;
  fixId: string | null;
  outcome: 'verified' | 'rolled-back' | 'refused' | 'rollback-failed' | 'lost' | 'not-applicable' | 'declined' | 'skipped';
  message: string;
  backup: string | null;
}

/** Everything a run needs. */
export interface RunbookRunOptions {
  targets: Target[];
  checks: readonly CheckDef[];
  rules: readonly FixRule[];
  waivers: readonly Waiver[];
  stopOnFailure: boolean;
  concurrency: number;
  timeoutMs: number;
  kubeletVersion: string | null;
  expiryWarnDays: number;
  now: () => Date;
  signal?: AbortSignal;
  /** Decide a `policy: ask` fix (its plan was just logged); called one at a time. */
  ask: (plan: FixPlan, target: string, text: string) => Promise<boolean>;
  log: (line: string) => void;
  audit: (entry: Omit<AuditEntry, 'time' | 'user' | 'host'>) => Promise<void>;
  /** Show the plans and change nothing. */
  dryRun?: boolean;
  /** Test hook passed to applyPlan. */
  verify?: (after: Finding) => boolean;
  /** The cluster's view (with a kubeconfig), read once at the start and joined with each node's facts. */
  cluster?: ClusterSource;
  /** `--join-command`'s endpoint, tried from each node. */
  joinEndpoint?: string | null;
}

/** The run's report (waivers applied), what each fix did, and whether it stopped early. */
export interface RunbookResult {
  report: Report;
  outcomes: FixOutcome[];
  stopped: boolean;
}

const FAILED = new Set<FixOutcome['outcome']>(['rolled-back', 'refused', 'rollback-failed', 'lost']);

function unchecked(t: Target, kind: string, message: string, hint: string | null, unreachable: boolean): TargetResult {
  return {
    target: t.name,
    node: t.name,
    transport: t.kind,
    status: unreachable ? 'unreachable' : 'error',
    error: {kind, message, hint},
    kubeletVersion: null,
    durationMs: 0,
    notes: [],
    results: [],
  };
}

/** One node: probe, fix by the rules, report the final state. */
async function runNode(
  t: Target,
  o: RunbookRunOptions,
  state: {stopped: boolean},
  ask: RunbookRunOptions['ask'],
): Promise<{result: TargetResult; outcomes: FixOutcome[]}> {
  const ctx: CheckContext = {now: o.now(), expiryWarnDays: o.expiryWarnDays};
  const runOpts = {
    checks: o.checks,
    kubeletVersion: o.kubeletVersion,
    timeoutMs: o.timeoutMs,
    concurrency: 1,
    now: o.now,
    expiryWarnDays: o.expiryWarnDays,
    ...(o.signal ? {signal: o.signal} : {}),
    ...(o.cluster ? {cluster: o.cluster} : {}),
  };
  const probe = {timeoutMs: o.timeoutMs, ...(o.signal ? {signal: o.signal} : {}), joinEndpoint: o.joinEndpoint ?? null};
  // The cluster's view as read at the start of the run (a fix does not re-read it).
  const factsOf = async (raw: RawSnapshot, kind: Facts['target']['transport']): Promise<Facts> => {
    const f = buildFacts(raw, {name: t.name, transport: kind, kubeletVersion: o.kubeletVersion});
    if (o.cluster) f.cluster = await clusterFactsOf(f, o.cluster);
    return f;
  };
  if (t.kind === 'snapshot') {
    const {result} = await runTarget(t, runOpts);
    return {result: {...result, notes: [...result.notes, 'a snapshot is read-only: fixes were not applied']}, outcomes: []};
  }
  const started = Date.now();
  const tr = (await transportFor(t))!;
  const outcomes: FixOutcome[] = [];
  const say = (x: FixOutcome) => {
    outcomes.push(x);
    o.log(`${t.name}: ${x.check}: ${x.outcome}: ${x.message}`);
  };
  try {
    let raw: RawSnapshot = await collectRaw(tr, probe);
    let facts: Facts = await factsOf(raw, tr.kind);
    let findings = evaluateAll(o.checks, facts, ctx);
    for (const rule of o.rules) {
      const f = findings.find((x) => x.id === rule.check);
      if (!f || (f.status !== 'fail' && f.status !== 'warn')) continue;
      const waived = applyWaivers(wrap(t, [f]), o.waivers, ctx.now, () => labelsOf(t)).targets[0]?.results[0]?.waived;
      const base = {target: t.name, check: rule.check, fixId: f.fix, backup: null};
      if (waived && !waived.expired) {
        say({...base, outcome: 'skipped', message: `waived until ${waived.expires}: ${waived.reason}`});
        continue;
      }
      if (rule.policy === 'never') {
        say({...base, outcome: 'skipped', message: `policy never: reported, not fixed (${f.summary})`});
        continue;
      }
      if (state.stopped) break;
      const plan = planFix({facts, raw, finding: f, now: ctx.now, ...(rule.choice ? {choice: rule.choice} : {})});
      if (isNotApplicable(plan)) {
        say({...base, outcome: 'not-applicable', message: plan.reason});
        continue;
      }
      const text = renderPlan(plan, {offline: !tr.live, target: t.name});
      // Every plan goes to the log before anything happens: an unattended run stays reviewable.
      o.log(text.trimEnd());
      if (o.dryRun) {
        say({...base, fixId: plan.fixId, outcome: 'skipped', message: 'dry run: the plan is shown above, nothing was changed'});
        continue;
      }
      if (rule.policy === 'ask' && !(await ask(plan, t.name, text))) {
        say({...base, outcome: 'declined', message: 'the operator said no: nothing was changed'});
        continue;
      }
      const audit = {target: t.name, transport: tr.kind, action: 'apply' as const, fixId: plan.fixId, checkId: plan.checkId, choice: plan.choice ?? null};
      await o.audit({...audit, backup: null, result: 'started', message: `${plan.title} (runbook)`, files: []});
      const r = await applyPlan(plan, {
        transport: tr,
        target: t.name,
        check: o.checks.find((c) => c.id === rule.check)!,
        before: f,
        ctx,
        kubeletVersion: o.kubeletVersion,
        timeoutMs: o.timeoutMs,
        ...(o.signal ? {signal: o.signal} : {}),
        ...(o.verify ? {verify: o.verify} : {}),
      });
      await o.audit({...audit, ...outcomeOf(r)});
      say({...base, fixId: plan.fixId, outcome: r.status, message: r.message, backup: r.backup});
      if (r.status === 'lost')
        return {result: unchecked(t, 'lost', r.message, `kubelet-doctor fix ${targetWords(t)} --rollback ${r.backup ?? 'TIMESTAMP'}`, false), outcomes};
      if (r.after) {
        raw = r.after.raw;
        facts = o.cluster ? {...r.after.facts, cluster: facts.cluster} : r.after.facts;
      } else if (r.status !== 'refused') {
        raw = await collectRaw(tr, probe);
        facts = await factsOf(raw, tr.kind);
      }
      findings = evaluateAll(o.checks, facts, ctx);
      if (FAILED.has(r.status) && o.stopOnFailure) {
        state.stopped = true;
        break;
      }
    }
    const node = facts.hostname.collected ? facts.hostname.value.value : t.name;
    const notes = [...raw.notes, ...outcomes.map((x) => `fix ${x.check}: ${x.outcome}: ${x.message}`)];
    const kubeletVersion = facts.kubeletVersion.collected ? facts.kubeletVersion.value.value : null;
    const cluster = o.cluster ? {cluster: summarizeCluster(facts.cluster)} : {};
    return {
      result: {
        target: t.name,
        node,
        transport: tr.kind,
        status: 'ok',
        error: null,
        kubeletVersion,
        durationMs: Date.now() - started,
        notes,
        ...cluster,
        results: findings,
      },
      outcomes,
    };
  } catch (e) {
    if (!(e instanceof TargetError)) throw e;
    if (o.stopOnFailure) state.stopped = true;
    const unreachable = ['unreachable', 'timeout', 'auth', 'host-key', 'sudo'].includes(e.kind);
    return {result: unchecked(t, e.kind, e.message, e.hint ?? null, unreachable), outcomes};
  } finally {
    await tr.close();
  }
}

const labelsOf = (t: Target): Record<string, string> => (t.kind === 'ssh' ? t.labels : {});
const wrap = (t: Target, results: Finding[]): Report => ({
  schema: 1,
  tool: 'kubelet-doctor',
  version: TOOL_VERSION,
  startedAt: '',
  summary: summarize([]),
  targets: [{target: t.name, node: t.name, transport: t.kind, status: 'ok', error: null, kubeletVersion: null, durationMs: 0, notes: [], results}],
});

/** Run the runbook; results in target order. */
export async function runRunbook(o: RunbookRunOptions): Promise<RunbookResult> {
  const startedAt = o.now().toISOString();
  const results: TargetResult[] = new Array(o.targets.length);
  const outcomes: FixOutcome[][] = o.targets.map(() => []);
  const state = {stopped: false};
  // Prompts never overlap: each waits for the one before it.
  let queue: Promise<unknown> = Promise.resolve();
  const ask: RunbookRunOptions['ask'] = (plan, target, text) => {
    const next = queue.then(() => o.ask(plan, target, text));
    queue = next.catch(() => undefined);
    return next;
  };
  await eachLimited(o.targets, o.concurrency, async (t, i) => {
    if (state.stopped || o.signal?.aborted) {
      results[i] = unchecked(
        t,
        'interrupted',
        state.stopped ? 'not run: the runbook stopped after a failure (stopOnFailure)' : 'not run: interrupted',
        null,
        false,
      );
      return;
    }
    const r = await runNode(t, o, state, ask);
    results[i] = r.result;
    outcomes[i] = r.outcomes;
  });
  const report = applyWaivers(
    {schema: 1, tool: 'kubelet-doctor', version: TOOL_VERSION, startedAt, targets: results, summary: summarize(results)},
    o.waivers,
    o.now(),
    targetLabels(o.targets),
  );
  return {report, outcomes: outcomes.flat(), stopped: state.stopped};
}
