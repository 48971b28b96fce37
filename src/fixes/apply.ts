/**
 * The only code that changes a node. One plan, one transport, phases run one after another,
 * each as ONE script: back up every touched file (mode and owner in a manifest), check that
 * nothing changed since the probe and write atomically, run the commands (live nodes only:
 * under --root they wait for the next boot), re-probe and re-run the check. When the check does
 * not pass, a command or healthz fails, or the node stops answering, the backup is restored and
 * the result says so. Expected outcomes are data (ApplyResult), never exceptions.
 */
import {STATUS_RANK, type CheckContext, type CheckDef} from '../catalogue/define.js';
import {evaluateCheck} from '../engine/evaluate.js';
import {TargetError} from '../errors.js';
import {buildFacts} from '../facts/build.js';
import type {Facts, RawSnapshot} from '../facts/types.js';
import {collectRaw} from '../probe/collect.js';
import type {Finding} from '../report/types.js';
import type {Transport} from '../transport/types.js';
import {commandLine, stepLine} from './render.js';
import {acquireLock, releaseLock} from './lock.js';
import {runRestore, sha256Bytes, type RestoreResult} from './restore.js';
import {BACKUP_DIR, EXIT, backupScript, checkPath, randomHex, stepsScript, writeScript} from './script.js';
import {fileSteps, liveSteps, type FixPlan} from './types.js';

/** How a fix ended. */
export type ApplyStatus =
  /** Applied, and the check passes now (or improved from fail to warn). */
  | 'verified'
  /** Applied, then restored from the backup (verification or a step failed). */
  | 'rolled-back'
  /** Nothing was written: a file changed since the probe, a path is unsafe, nothing is automatic. */
  | 'refused'
  /** Verification failed and the restore failed too: the node needs the operator. */
  | 'rollback-failed'
  /** The node stopped answering mid-fix. */
  | 'lost';

/** What happened, for the CLI, the audit log, runbooks and the TUI. */
export interface ApplyResult {
  status: ApplyStatus;
  /** The backup's timestamp id, once one was taken. */
  backup: string | null;
  /** One or two sentences for the operator. */
  message: string;
  /** The check after the fix (when it was re-run). */
  finding: Finding | null;
  /** Node paths written or moved aside. */
  changed: string[];
  /** Steps that wait for the node's next boot (--root). */
  pending: string[];
  /** Output of the commands run on the node. */
  output: string[];
  /** What the verification probe saw (so a runbook can plan the next fix without probing again). */
  after?: {raw: RawSnapshot; facts: Facts};
  /** sha256 of the backup's manifest as written: the audit log records it, and `--rollback` checks it. */
  manifest?: string;
  /**
   * Why a refusal is not an ordinary "not fixed": the node is locked by another kubelet-doctor, or
   * its disk holds something hostile (a symlink where kubelet-doctor keeps its state). The CLI
   * exits 2 for these, with `hint`.
   */
  refusal?: 'locked' | 'unsafe';
  hint?: string;
  /** Said along the way (a stale lock broken). */
  notes?: string[];
}

/**
 * Progress, for a streaming UI: each phase as it starts, then what it did (the backup taken, each
 * file written or moved aside, each command run and its output). Node text is not sanitised here.
 */
export type ApplyEvent =
  | {type: 'phase'; phase: 'backup' | 'write' | 'steps' | 'verify' | 'rollback'}
  | {type: 'output'; line: string}
  /** The backup is complete: its id and its directory on the node (under the host root, if any). */
  | {type: 'backup'; id: string; dir: string}
  /** A file was written, or moved into the backup. */
  | {type: 'file'; action: 'wrote' | 'removed'; path: string}
  /** A live step was started (its output follows as `output` events). */
  | {type: 'step'; line: string};

/** Everything apply needs besides the plan. */
export interface ApplyOptions {
  transport: Transport;
  /** The target's name (facts and messages). */
  target: string;
  check: CheckDef;
  /** The finding the plan was made for. */
  before: Finding;
  ctx: CheckContext;
  kubeletVersion: string | null;
  timeoutMs: number;
  signal?: AbortSignal;
  /** The clock for the backup id. */
  now?: () => Date;
  /** Test hook: return false to fail the verification (as KUBELET_DOCTOR_TEST_FAIL_VERIFY=1 does). */
  verify?: (after: Finding) => boolean;
  onEvent?: (e: ApplyEvent) => void;
  /** Break a stale lock (--force). Never a lock whose holder may still be working. */
  force?: boolean;
  /**
   * How the operator names this target on the command line, transport options included
   * (`--root /mnt/node`, `node-7 -p 2222 --host-root /host`): the hand-restore command printed
   * when a restore cannot finish. @default the target's name
   */
  rollbackTarget?: string;
  /** Called (and awaited) once the backup is complete, to record it before anything is written (the audit log). */
  recordBackup?: (id: string, manifest: string) => Promise<void>;
}

const RANK = STATUS_RANK;

/** The backup id for a moment: 20261123T114233Z. */
export const backupStamp = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/** Whether the re-run check counts as fixed: it passes, or a failure became a warning. */
export function isFixed(before: Finding, after: Finding): boolean {
  return after.status === 'pass' || (after.status === 'warn' && RANK[before.status] > RANK.warn);
}

/** Test-only: KUBELET_DOCTOR_TEST_FAIL_VERIFY=1 makes every verification fail (docs/fixes.md). */
const forcedFailure = (): boolean => process.env['KUBELET_DOCTOR_TEST_FAIL_VERIFY'] === '1';

/** The command line a live step runs. */
const commandOf = (s: Exclude<ReturnType<typeof liveSteps>[number], {kind: 'wait-healthz'}>): string =>
  s.kind === 'run' ? commandLine(s.argv) : s.kind === 'restart-unit' ? `systemctl restart ${s.unit}` : 'systemctl daemon-reload';

const markers = (stdout: Buffer): string[] =>
  stdout
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');
const isMarker = (l: string): boolean => l.startsWith('KD-');

/** Apply a plan to a node. Never rejects for node-side problems: the result says what happened. */
export async function applyPlan(plan: FixPlan, o: ApplyOptions): Promise<ApplyResult> {
  const res = resultOf(pendingSteps(plan, o.transport.live), () => undefined);
  const early = precheck(plan, o.transport.live);
  if (early) return res('refused', early);
  // One fix at a time per node: the lock is held from the backup to the end of any restore.
  let lock;
  try {
    lock = await acquireLock(o.transport, {
      action: `fix ${plan.checkId}`,
      force: o.force === true,
      timeoutMs: o.timeoutMs,
      node: o.target,
      ...(o.signal ? {signal: o.signal} : {}),
    });
  } catch (e) {
    if (e instanceof TargetError) return res('lost', `lost ${o.target} while taking its lock (${e.message}): nothing was changed`);
    throw e;
  }
  if (!lock.ok) return res('refused', `${lock.message}: nothing was changed`, {...(lock.refusal === 'failed' ? {} : {refusal: lock.refusal}), hint: lock.hint});
  try {
    const r = await applyLocked(plan, o);
    return lock.note ? {...r, notes: [lock.note, ...(r.notes ?? [])]} : r;
  } finally {
    // Not abortable: after Ctrl-C the node must still be unlocked.
    await releaseLock(o.transport, lock.token, o.timeoutMs);
  }
}

/** The steps that wait for the node's next boot: every live step, when the node is offline (--root). */
const pendingSteps = (plan: FixPlan, live: boolean): string[] => (live ? [] : liveSteps(plan).map((s) => stepLine(s, false)));

/** A result builder: every outcome carries the pending steps and, once written, the backup's manifest. */
const resultOf =
  (pending: string[], manifest: () => string | undefined) =>
  (status: ApplyStatus, message: string, extra: Partial<ApplyResult> = {}): ApplyResult => {
    const m = manifest();
    return {status, backup: null, message, finding: null, changed: [], pending, output: [], ...(m ? {manifest: m} : {}), ...extra};
  };

/** Why a plan cannot be applied at all (null: it can). */
function precheck(plan: FixPlan, live: boolean): string | null {
  const files = fileSteps(plan);
  const bad = files.map((s) => checkPath(s.path)).find((e) => e !== null);
  if (bad) return `refusing to touch ${bad}`;
  if (new Set(files.map((s) => s.path)).size !== files.length) return 'the plan touches one file twice (a bug in its planner)';
  const steps = liveSteps(plan);
  if (files.length === 0 && (!live || steps.length === 0)) {
    const manual = plan.steps.filter((s) => s.kind === 'manual').length;
    return manual > 0
      ? `nothing here can be done automatically: ${manual} manual step(s) above`
      : 'nothing to change offline: every step waits for the node to run';
  }
  return null;
}

async function applyLocked(plan: FixPlan, o: ApplyOptions): Promise<ApplyResult> {
  const files = fileSteps(plan);
  const live = liveSteps(plan);
  const offline = !o.transport.live;
  const pending = pendingSteps(plan, o.transport.live);
  let manifest: string | undefined;
  const res = resultOf(pending, () => manifest);
  const run = async (script: string, extraMs = 0) => {
    const r = await o.transport.run({script, timeoutMs: o.timeoutMs + extraMs, ...(o.signal ? {signal: o.signal} : {})});
    const lines = markers(r.stdout);
    for (const l of lines) {
      if (!isMarker(l)) o.onEvent?.({type: 'output', line: l});
      else if (l.startsWith('KD-WROTE ') || l.startsWith('KD-REMOVED '))
        o.onEvent?.({type: 'file', action: l.startsWith('KD-WROTE ') ? 'wrote' : 'removed', path: l.replace(/^KD-\w+ /, '')});
      else if (/^KD-STEP \d+$/.test(l)) {
        const step = live[Number(l.slice(8)) - 1];
        if (step) o.onEvent?.({type: 'step', line: stepLine(step, false)});
      } else if (/^KD-HEALTHZ-OK \d+$/.test(l)) o.onEvent?.({type: 'output', line: 'healthz answered ok'});
    }
    return {...r, lines};
  };
  const units = live.flatMap((s) => (s.kind === 'restart-unit' ? [s.unit] : []));
  const info = JSON.stringify({
    fixId: plan.fixId,
    checkId: plan.checkId,
    choice: plan.choice ?? null,
    target: o.target,
    steps: plan.steps.map((s) => stepLine(s, false)),
  });

  // 1. Backup. A clash with an existing backup id (two fixes in one second) takes the next suffix.
  o.onEvent?.({type: 'phase', phase: 'backup'});
  let ts = backupStamp((o.now ?? (() => new Date()))());
  for (let n = 2; ; n++) {
    let r;
    try {
      r = await run(backupScript(o.transport.hostRoot, ts, files, {units, reload: live.some((s) => s.kind === 'daemon-reload'), info, nonce: randomHex()}));
    } catch (e) {
      if (e instanceof TargetError) return res('lost', `lost ${o.target} while backing up (${e.message}): nothing was changed`);
      throw e;
    }
    const hex = r.lines.find((l) => l.startsWith('KD-MANIFEST '))?.slice(12) ?? '';
    if (r.exitCode === 0 && r.lines.includes('KD-BACKUP-OK') && /^([0-9a-f]{2})+$/.test(hex)) {
      manifest = sha256Bytes(Buffer.from(hex, 'hex'));
      await o.recordBackup?.(ts, manifest);
      o.onEvent?.({type: 'backup', id: ts, dir: `${BACKUP_DIR}/${ts}/`});
      break;
    }
    if (r.exitCode === EXIT.outsideRoot) {
      const link = r.lines.find((l) => l.startsWith('KD-UNSAFE '))?.slice(10);
      const which = r.lines.find((l) => l.startsWith('KD-OUTSIDE '))?.slice(11) ?? 'a file';
      return link !== undefined
        ? res('refused', `${link} is a symlink: kubelet-doctor keeps its backups there and never follows a link out of the node's files: nothing was changed`, {
            refusal: 'unsafe',
            hint: 'look at that link on the node; remove it if it is not meant to be there',
          })
        : res('refused', `${which}: a directory on its path is a symlink, which under the host root would lead outside the node's files: nothing was written`, {
            refusal: 'unsafe',
            hint: "the node's files must be reachable under --root/--host-root without leaving it; fix the link or apply the fix on the running node",
          });
    }
    if (r.exitCode === EXIT.noHashTool) return res('refused', 'the node has neither sha256sum nor openssl, so files cannot be verified: nothing was changed');
    if (r.exitCode === EXIT.backupExists && n < 10) {
      ts = `${ts.replace(/-\d+$/, '')}-${n}`;
      continue;
    }
    return res(
      'refused',
      `could not back up the files (exit ${r.exitCode ?? r.signal}): ${r.stderr.trim().split('\n').pop() ?? ''}${r.lines.filter(isMarker).join(' ')}; nothing was changed`,
    );
  }
  const hand = `kubelet-doctor fix ${o.rollbackTarget ?? o.target} --rollback ${ts}`;
  const restoreWith = async (why: string, extra: Partial<ApplyResult>): Promise<ApplyResult> => {
    o.onEvent?.({type: 'phase', phase: 'rollback'});
    let rr: RestoreResult;
    try {
      // Not abortable: after Ctrl-C the node must still get its files back.
      // force: a file the fix's own steps changed since the write (a restarted kubelet re-bootstraps its
      // certificate) is put back too; a file still as before the fix is left alone either way.
      rr = await runRestore(o.transport, ts, {timeoutMs: o.timeoutMs, manifests: manifest ? [manifest] : [], force: true});
    } catch (e) {
      if (!(e instanceof TargetError)) throw e;
      return res('lost', `${why}; then lost ${o.target} (${e.message}) before the backup could be restored: restore it with \`${hand}\``, {
        ...extra,
        backup: ts,
      });
    }
    if (rr.status === 'intact')
      return res('refused', `${why}; nothing was changed: every file is as it was before the fix (compared by sha256 with backup ${ts})`, {
        ...extra,
        changed: [],
        backup: ts,
      });
    if (!rr.ok)
      return res('rollback-failed', `${why}; restoring backup ${ts} failed (${rr.failed.join(', ') || rr.message}): restore it by hand with \`${hand}\``, {
        ...extra,
        backup: ts,
      });
    const n = rr.restored.length + rr.removed.length;
    const again = rr.problems.length > 0 ? ` (but ${rr.problems.join('; ')})` : '';
    return res('rolled-back', `${why}; restored ${n} file(s) from backup ${ts}, byte for byte${again}`, {...extra, backup: ts});
  };

  // 2. Write: every file is checked against what the probe read before any is written.
  o.onEvent?.({type: 'phase', phase: 'write'});
  let w;
  try {
    w = await run(writeScript(o.transport.hostRoot, ts, files));
  } catch (e) {
    if (!(e instanceof TargetError)) throw e;
    return restoreWith(`lost ${o.target} while writing (${e.message})`, {});
  }
  const changed = w.lines.filter((l) => l.startsWith('KD-WROTE ') || l.startsWith('KD-REMOVED ')).map((l) => l.replace(/^KD-\w+ /, ''));
  if (w.exitCode === EXIT.changed) {
    const which = w.lines.find((l) => l.startsWith('KD-CHANGED '))?.slice(11) ?? 'a file';
    return res(
      'refused',
      `${which} changed since it was read (or is not plain UTF-8 text): nothing was written; run the fix again to plan on what is there now`,
      {backup: ts},
    );
  }
  if (w.exitCode === EXIT.outsideRoot) {
    const which = w.lines.find((l) => l.startsWith('KD-OUTSIDE '))?.slice(11) ?? 'a file';
    return res(
      'refused',
      `${which}: a directory on its path is a symlink, which under the host root would lead outside the node's files: nothing was written`,
      {
        backup: ts,
        refusal: 'unsafe',
        hint: "the node's files must be reachable under --root/--host-root without leaving it",
      },
    );
  }
  if (w.exitCode === EXIT.noHashTool)
    return res('refused', 'the node has neither sha256sum nor openssl, so unchanged files cannot be verified: nothing was written', {backup: ts});
  if (w.exitCode !== 0 || !w.lines.includes('KD-WRITE-OK')) {
    const which = w.lines.find((l) => l.startsWith('KD-WRITE-FAILED '))?.slice(16);
    return restoreWith(`writing ${which ?? 'the files'} failed (exit ${w.exitCode ?? w.signal}: ${w.stderr.trim().split('\n').pop() ?? ''})`, {changed});
  }

  // 3. Commands, on a live node; under --root they wait for the next boot.
  const output: string[] = [];
  if (!offline && live.length > 0) {
    o.onEvent?.({type: 'phase', phase: 'steps'});
    const wait = live.reduce((ms, s) => ms + (s.kind === 'wait-healthz' ? s.timeoutMs : 0), 0);
    let r;
    try {
      r = await run(stepsScript(live), wait);
    } catch (e) {
      if (!(e instanceof TargetError)) throw e;
      return restoreWith(`lost ${o.target} while running the steps (${e.message})`, {changed});
    }
    output.push(...r.lines.filter((l) => !isMarker(l)));
    if (r.exitCode !== 0 || !r.lines.includes('KD-STEPS-OK')) {
      const failed = r.lines.find((l) => l.startsWith('KD-STEP-FAILED '))?.split(' ')[1];
      const step = failed ? live[Number(failed) - 1] : undefined;
      const what =
        step?.kind === 'wait-healthz'
          ? `${step.url} did not answer ok within ${Math.round(step.timeoutMs / 1000)} s`
          : step
            ? `\`${commandOf(step)}\` failed`
            : `the steps failed (exit ${r.exitCode ?? r.signal})`;
      return restoreWith(what, {changed, output});
    }
  }

  // 4. Verify: probe again and re-run the check.
  o.onEvent?.({type: 'phase', phase: 'verify'});
  let after: Finding;
  let state: {raw: RawSnapshot; facts: Facts};
  try {
    const raw = await collectRaw(o.transport, {timeoutMs: o.timeoutMs, ...(o.signal ? {signal: o.signal} : {})});
    const facts = buildFacts(raw, {name: o.target, transport: o.transport.kind, kubeletVersion: o.kubeletVersion});
    state = {raw, facts};
    after = evaluateCheck(o.check, facts, o.ctx);
  } catch (e) {
    if (!(e instanceof TargetError)) throw e;
    return restoreWith(`lost ${o.target} while verifying (${e.message}), so the change is unverified`, {changed, output});
  }
  const forced = forcedFailure() ? 'KUBELET_DOCTOR_TEST_FAIL_VERIFY, a test hook' : o.verify && !o.verify(after) ? 'the verify hook' : null;
  if (forced || !isFixed(o.before, after)) {
    const why = forced
      ? `verification failed (forced by ${forced})`
      : after.status === 'skip'
        ? `could not verify: ${after.id} was skipped (${after.summary})`
        : `${after.id} still reports ${after.status} after the fix: ${after.summary}`;
    return restoreWith(why, {changed, output, finding: after});
  }
  const note = after.status === 'warn' ? ` (still a warning: ${after.summary})` : '';
  const later = pending.length > 0 ? `; ${pending.length} step(s) wait for the node's next boot` : '';
  return res('verified', `${after.id} ${after.status === 'pass' ? 'passes' : 'improved'} after the fix${note}; backup ${ts}${later}`, {
    backup: ts,
    finding: after,
    changed,
    output,
    after: state,
  });
}
