/**
 * `kubelet-doctor fix TARGET --check ID [--dry-run | --yes] [--choice NAME]` and
 * `kubelet-doctor fix TARGET --rollback TIMESTAMP`: probe the node, plan the fix for that check's
 * finding, show the plan with diffs, ask (or take --yes), apply with backup and verification,
 * and log it. Exit 0 fixed (or nothing to fix), 1 not fixed (rolled back, refused, declined,
 * not applicable), 2 bad usage, or refused because the node is locked by another kubelet-doctor
 * or its disk holds a symlink where the fix keeps its state or writes, 3 the node could not be
 * reached or was lost mid-fix.
 */
import {joinCommandOf} from './cluster-view.js';
import {closest, distance} from 'fastest-levenshtein';
import {catalogue} from '../../../checks/index.js';
import type {CheckDef} from '../../catalogue/define.js';
import {InputError, UsageError} from '../../errors.js';
import type {ApplyResult} from '../../fixes/apply.js';
import {appendAudit, outcomeOf} from '../../fixes/audit.js';
import {confirmFix} from '../../fixes/confirm.js';
import {renderPlan} from '../../fixes/render.js';
import {openFixSession} from '../../fixes/session.js';
import {isNotApplicable} from '../../fixes/types.js';
import type {Target} from '../../targets/types.js';
import {sanitizeLine} from '../../text/sanitize.js';
import {OPTIONS, type ParsedArgs} from '../args.js';
import {shellWord, targetWords} from '../../fixes/render.js';
import {listTargets, runOptions} from './common.js';
import {rollbackCommand} from './fix-rollback.js';

const out = (s: string): void => void process.stdout.write(`${sanitizeLine(s)}\n`);
const err = (s: string): void => void process.stderr.write(`${sanitizeLine(s)}\n`);

/** The catalogue entry for --check, or a usage error naming the nearest id. */
export function checkById(id: unknown): CheckDef {
  if (typeof id !== 'string' || id === '')
    throw new UsageError('fix needs --check ID: the check whose finding to fix', 'list the checks with: kubelet-doctor list-checks');
  const found = catalogue.find((c) => c.id === id);
  if (found) return found;
  const ids = catalogue.map((c) => c.id);
  const near = closest(id, ids);
  const hint =
    distance(id, near) <= Math.max(2, Math.floor(id.length / 3)) ? `did you mean --check ${near}?` : 'list the checks with: kubelet-doctor list-checks';
  throw new UsageError(`--check ${id}: no such check`, hint);
}

/** The one target a fix acts on; snapshots are read-only. */
export async function fixTarget(a: ParsedArgs, signal: AbortSignal): Promise<Target> {
  if (a.values['snapshot'] !== undefined) {
    throw new UsageError('fix changes a node, and a snapshot is a read-only copy of one', 'point fix at the node: --root DIR, --local or [user@]host');
  }
  if (a.values['via'] === 'pod') {
    throw new UsageError(
      'fix does not work through a probe pod: it mounts the node read-only and cannot keep a backup',
      'fix the node over SSH: kubelet-doctor fix [user@]NODE --check ID',
    );
  }
  const targets = await listTargets(a, signal);
  if (targets.length !== 1) {
    throw new UsageError(
      targets.length === 0 ? 'fix needs a target' : `fix works on one node at a time (${targets.length} given)`,
      'name one: --root DIR, --local or [user@]host; for several nodes use a runbook',
    );
  }
  return targets[0]!;
}

/**
 * How the operator named the target, with every target and SSH option they gave, as words for a
 * command line: `--root /mnt/node`, `node-7 -p 2222 -i KEY --host-root /host`. Hand-restore
 * commands printed by `fix` carry it, so they work as printed.
 */
export function commandTarget(a: ParsedArgs, t: Target): string {
  const words: string[] = [...a.positional];
  for (const o of OPTIONS) {
    if (o.group !== 'target' && o.group !== 'ssh' && o.name !== 'timeout') continue;
    const v = a.values[o.name];
    for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) {
      if (x === true) words.push(`--${o.name}`);
      else if (typeof x === 'string') words.push(`--${o.name}`, x);
    }
  }
  return words.length > 0 ? words.map(shellWord).join(' ') : targetWords(t);
}

/** Print the outcome of an apply. */
export function printResult(r: ApplyResult, undo: string): void {
  const mark = r.status === 'verified' ? 'fixed' : r.status === 'rolled-back' ? 'rolled back' : r.status === 'refused' ? 'not applied' : r.status;
  out(`${mark}: ${r.message}`);
  for (const n of r.notes ?? []) err(`note: ${n}`);
  for (const line of r.output.slice(-20)) out(`  | ${line}`);
  if (r.pending.length > 0) {
    out('Pending until the node runs (not run offline):');
    for (const p of r.pending) out(`  - ${p}`);
  }
  if (r.status === 'verified' && r.backup) out(`Undo: kubelet-doctor fix ${undo} --rollback ${r.backup}`);
}

/** Run `fix`; returns the exit code. */
export async function fixCommand(a: ParsedArgs, signal: AbortSignal): Promise<number> {
  const target = await fixTarget(a, signal);
  const opts = runOptions(a, signal);
  const rollback = a.values['rollback'];
  const force = a.values['force'] === true;
  const spec = commandTarget(a, target);
  if (typeof rollback === 'string') return rollbackCommand(target, rollback, {timeoutMs: opts.timeoutMs, signal, force});
  const check = checkById(a.values['check']);
  const choice = typeof a.values['choice'] === 'string' ? a.values['choice'] : undefined;
  const join = joinCommandOf(a);
  let audit: {target: string; transport: string; action: 'apply'; fixId: string; checkId: string; choice: string | null} | null = null;
  const session = await openFixSession(target, check, {
    ...opts,
    signal,
    force,
    rollbackTarget: spec,
    ...(choice ? {choice} : {}),
    ...(join ? {joinCommand: join} : {}),
    // The backup is in the audit log before anything is written: `--rollback` restores only recorded backups.
    recordBackup: async (id, manifest) => {
      if (audit) await appendAudit({...audit, backup: id, manifest, result: 'backed-up', message: 'backup taken', files: []});
    },
  });
  try {
    const {plan, finding, transport} = session;
    if (isNotApplicable(plan)) {
      if (choice && plan.reason.startsWith('--choice')) throw new UsageError(plan.reason, plan.hint);
      out(`${check.id} on ${target.name}: ${finding.status}: ${finding.summary}`);
      (finding.status === 'pass' ? out : err)(`${finding.status === 'pass' ? 'nothing to fix' : 'cannot fix'}: ${plan.reason}`);
      if (plan.hint) err(`hint: ${plan.hint}`);
      return finding.status === 'pass' ? 0 : 1;
    }
    process.stdout.write(renderPlan(plan, {offline: !transport.live, target: target.name}));
    if (a.values['dry-run'] === true) {
      out('');
      out('Dry run: nothing was changed.');
      return 0;
    }
    if (!(await confirmFix(plan, {yes: a.values['yes'] === true, target: target.name}))) {
      out('Not applied: nothing was changed.');
      return 1;
    }
    audit = {target: target.name, transport: transport.kind, action: 'apply' as const, fixId: plan.fixId, checkId: plan.checkId, choice: plan.choice ?? null};
    await appendAudit({...audit, backup: null, result: 'started', message: plan.title, files: []});
    const result = await session.apply((e) => {
      if (e.type === 'phase') err(`… ${e.phase}`);
    });
    await appendAudit({...audit, ...outcomeOf(result)});
    // Another kubelet-doctor holds the node, or its disk holds something hostile: exit 2, message and hint.
    if (result.refusal) throw new InputError(result.message, result.hint);
    out('');
    printResult(result, spec);
    return result.status === 'verified' ? 0 : result.status === 'lost' ? 3 : 1;
  } finally {
    await session.close();
  }
}
