/**
 * `kubelet-doctor join TARGET -- kubeadm join …`: the kubeadm join flight recorder (docs/join.md).
 * Reads the node first (what an earlier join left; read-only), shows the command with its secrets
 * replaced by `<redacted>`, asks, runs it with -v=5 on the node over SSH, streams its output
 * (redacted, escapes stripped, bounded), then names the step it stopped in and runs the checks
 * that step depends on. `join --from-log FILE [TARGET]` does the same from a saved output.
 * Exit codes: 0 joined, 1 failed (with a diagnosis), 2 usage, 3 the node could not be reached.
 */
import {createInterface} from 'node:readline/promises';
import {catalogue} from '../../../checks/index.js';
import {clusterFactsOf, summarizeCluster} from '../../engine/cluster.js';
import {checkRaw, transportFor, type RunOptions} from '../../engine/run.js';
import {TargetError, UsageError} from '../../errors.js';
import {buildFacts} from '../../facts/build.js';
import type {RawSnapshot} from '../../facts/core.js';
import {parseJoinArgv, LineRedactor, redact, type JoinCommand} from '../../join/command.js';
import {causeLines, checksFor, firstCause, verdictLines, whatToCheckLines} from '../../join/diagnose.js';
import {findLeftovers, leftoverLines, type Leftovers} from '../../join/leftovers.js';
import {recognise, type JoinVerdict} from '../../join/phases.js';
import {MAX_TRANSCRIPT, runRemoteJoin} from '../../join/remote.js';
import {collectRaw} from '../../probe/collect.js';
import type {TargetResult} from '../../report/types.js';
import type {Target} from '../../targets/types.js';
import {readInput} from '../../transport/limits.js';
import type {Transport} from '../../transport/types.js';
import type {ParsedArgs} from '../args.js';
import {withCluster} from './cluster-view.js';
import {listTargets, runOptions, writeOut} from './common.js';

/** Lines of kubeadm's output shown live; the rest is recorded and counted. */
const MAX_LIVE_LINES = 2000;
/** How long to wait for kubeadm: its own limits are 5 min discovery + 4 min healthz + 5 min TLS bootstrap. */
const JOIN_DEADLINE_MS = 20 * 60_000;

export async function joinCommand(a: ParsedArgs, signal: AbortSignal): Promise<number> {
  const fromLog = typeof a.values['from-log'] === 'string' ? (a.values['from-log'] as string) : null;
  const pass = a.passthrough;
  if (fromLog !== null && pass !== undefined) throw new UsageError('join takes either a command after `--` or --from-log FILE, not both');
  if (fromLog === null && pass === undefined) {
    throw new UsageError(
      'join needs the `kubeadm join …` command after `--`, or --from-log FILE',
      'kubelet-doctor join TARGET -- kubeadm join HOST:PORT --token … --discovery-token-ca-cert-hash sha256:…',
    );
  }
  const cmd = pass !== undefined ? parseJoinArgv(pass) : null;
  const hasTarget =
    a.positional.length > 0 ||
    a.values['local'] !== undefined ||
    a.values['root'] !== undefined ||
    a.values['snapshot'] !== undefined ||
    a.values['inventory'] !== undefined;
  const targets = hasTarget ? await listTargets(a, signal) : [];
  if (targets.length > 1) throw new UsageError(`join takes one target (got ${targets.length})`);
  const target = targets[0];
  if (fromLog !== null) return fromLogCommand(a, fromLog, target, signal);
  if (!target) throw new UsageError('join needs the node to run it on', 'kubelet-doctor join [user@]HOST -- kubeadm join …');
  if (target.kind !== 'ssh')
    throw new UsageError(`join runs kubeadm on a node over SSH; ${target.name} is a ${target.kind} target`, 'use --from-log FILE to read a saved output');
  return runCommand(a, cmd!, target, signal);
}

/** Read a saved output; with a target, also run the step's checks there. */
async function fromLogCommand(a: ParsedArgs, file: string, target: Target | undefined, signal: AbortSignal): Promise<number> {
  const text = redact(await readInput(file, {label: '--from-log', noun: 'a join log', cap: MAX_TRANSCRIPT}), []);
  const verdict = recognise(text);
  const lines = verdictLines(verdict, {source: file.split('/').pop() ?? file});
  if (verdict.outcome !== 'joined' && verdict.phase !== null) {
    if (target) {
      const d = await diagnoseOn(a, target, verdict, signal, null);
      lines.push('', ...d);
    } else {
      lines.push('', ...whatToCheckLines(verdict));
    }
  }
  await writeOut(`${lines.join('\n')}\n`, a.values['out']);
  return verdict.outcome === 'joined' ? 0 : 1;
}

/** The engine's options for the step's checks (and the join command, for join-prereqs). */
async function stepOptions(a: ParsedArgs, target: Target, verdict: JoinVerdict, signal: AbortSignal, cmd: JoinCommand | null): Promise<RunOptions> {
  const ids = new Set(checksFor(verdict));
  const base = {...runOptions({...a, values: {...a.values, only: undefined}}, signal), checks: catalogue.filter((c) => ids.has(c.id))};
  const withJoin = cmd ? {...a, values: {...a.values, 'join-command': cmd.original}} : a;
  return withCluster(withJoin, base, [target], signal);
}

/** Probe through `tr` (or a new transport) and check the facts with `o`. */
async function checkThrough(target: Target, tr: Transport, o: RunOptions): Promise<{result: TargetResult; raw: RawSnapshot; kubeletRunning: boolean}> {
  const started = Date.now();
  const raw = await collectRaw(tr, {timeoutMs: o.timeoutMs, ...(o.signal ? {signal: o.signal} : {}), joinEndpoint: o.joinEndpoint ?? null});
  const facts = buildFacts(raw, {name: target.name, transport: tr.kind, kubeletVersion: o.kubeletVersion});
  if (o.cluster) facts.cluster = await clusterFactsOf(facts, o.cluster);
  const cluster = o.cluster ? summarizeCluster(facts.cluster!) : undefined;
  const {result} = checkRaw(target, {raw, transport: tr.kind, name: target.name}, o, started, {facts, ...(cluster !== undefined ? {cluster} : {})});
  const kubeletRunning = facts.kubeletProcesses.collected && facts.kubeletProcesses.value.length > 0;
  return {result, raw, kubeletRunning};
}

/** The step's checks on the node, and the lines that say what they found. */
async function diagnoseOn(
  a: ParsedArgs,
  target: Target,
  verdict: JoinVerdict,
  signal: AbortSignal,
  cmd: JoinCommand | null,
  tr?: Transport,
): Promise<string[]> {
  const o = await stepOptions(a, target, verdict, signal, cmd);
  const own = tr ?? (await transportFor(target));
  if (!own) {
    // A snapshot: checked from the file.
    const {runTarget} = await import('../../engine/run.js');
    const {result} = await runTarget(target, o);
    return resultLines(verdict, result, null);
  }
  try {
    const {result, raw, kubeletRunning} = await checkThrough(target, own, o);
    return resultLines(verdict, result, findLeftovers(raw, {controlPlane: verdict.controlPlane, kubeletRunning}));
  } finally {
    if (!tr) await own.close();
  }
}

function resultLines(verdict: JoinVerdict, result: TargetResult, left: Leftovers | null): string[] {
  if (result.status !== 'ok' && result.status !== 'error') {
    throw new TargetError(
      result.status === 'unreachable' ? 'unreachable' : 'probe',
      result.error?.message ?? `${result.target} could not be checked`,
      result.error?.hint ?? undefined,
    );
  }
  const cause = firstCause(verdict, result.results);
  const out = causeLines(verdict, cause, {leftoversReset: left?.resetNeeded ?? false});
  const failing = result.results.filter((r) => r.status === 'fail').length;
  out.push(`  checked for this step: ${result.results.length} checks on ${result.node}, ${failing} failing${result.error ? ` (${result.error.message})` : ''}`);
  if (left && (verdict.phase === 'preflight' || left.items.length > 0)) out.push('', ...leftoverLines(left));
  return out;
}

/** Ask before running; no terminal and no --yes is a refusal (exit 2), as for fixes (src/fixes/confirm.ts). */
async function confirmJoin(yes: boolean, node: string): Promise<boolean> {
  if (yes) return true;
  if (process.stdin.isTTY !== true || process.stderr.isTTY !== true) {
    throw new UsageError(
      'refusing to run kubeadm join without a confirmation: there is no terminal to ask on; nothing was run',
      'pass --yes to run it without asking',
    );
  }
  const rl = createInterface({input: process.stdin, output: process.stderr, terminal: true});
  try {
    return /^\s*y(es)?\s*$/i.test(await rl.question(`Run this on ${node}? [y/N] `));
  } finally {
    rl.close();
  }
}

async function runCommand(a: ParsedArgs, cmd: JoinCommand, target: Target, signal: AbortSignal): Promise<number> {
  const err = (s: string) => process.stderr.write(`${s}\n`);
  const tr = (await transportFor(target))!;
  try {
    // 1. Read-only: what an earlier join left on the node.
    const before = await checkThrough(target, tr, {...runOptions({...a, values: {...a.values, only: undefined}}, signal), checks: []});
    const left = findLeftovers(before.raw, {controlPlane: cmd.controlPlane, kubeletRunning: before.kubeletRunning});
    const node = before.result.node;
    err(leftoverLines(left).join('\n'));
    // 2. What will run, secrets redacted; then ask.
    err('');
    err(`Will run on ${node}${tr.hostRoot !== '/' ? ` (files under ${tr.hostRoot})` : ''}:`);
    err(`  ${cmd.shown.join(' ')}`);
    if (!(await confirmJoin(a.values['yes'] === true, node))) {
      err('Not confirmed: nothing was run.');
      return 2;
    }
    // 3. Run it, streaming.
    const redactor = new LineRedactor(cmd.secrets);
    const transcript: string[] = [];
    let shown = 0;
    const emit = (lines: string[]) => {
      for (const l of lines) {
        transcript.push(l);
        if (shown < MAX_LIVE_LINES) err(`  | ${l}`);
        else if (shown === MAX_LIVE_LINES) err('  | … (more output is recorded, not shown)');
        shown++;
      }
    };
    const decoder = new TextDecoder('utf-8');
    const run = await runRemoteJoin(tr, cmd.argv, {
      deadlineMs: JOIN_DEADLINE_MS,
      signal,
      onData: (b) => emit(redactor.push(decoder.decode(b, {stream: true}))),
    }).catch((e: unknown) => {
      // A shell's complaint about the start script could quote its line, token and all.
      throw e instanceof TargetError ? new TargetError(e.kind, redact(e.message, cmd.secrets), e.hint) : e;
    });
    emit(redactor.push(decoder.decode()));
    emit(redactor.end());
    err(`kubeadm ${run.detached ? 'was still running when the wait ended' : `exited with ${run.exitCode}`}; the node keeps its output in ${run.runDir}/out`);
    if (run.capped) err(`kubeadm's output passed ${MAX_TRANSCRIPT / 1024 / 1024} MiB: the rest was not fetched (the node has it all)`);
    if (signal.aborted) {
      err('Interrupted: kubeadm was left to finish on the node (a join cut off half way is worse than a finished failure).');
      return 1;
    }
    // 4. Diagnose.
    const log = transcript.join('\n');
    const verdict = recognise(log, {controlPlane: cmd.controlPlane});
    const lines = verdictLines(verdict, {node, source: 'output'});
    if (verdict.outcome !== 'joined' && verdict.phase !== null) lines.push('', ...(await diagnoseOn(a, target, verdict, signal, cmd, tr)));
    const report = `${lines.join('\n')}\n`;
    await writeOut(typeof a.values['out'] === 'string' ? `${report}\nkubeadm's output (redacted):\n${log}\n` : report, a.values['out']);
    if (typeof a.values['out'] === 'string') process.stdout.write(report);
    return verdict.outcome === 'joined' && run.exitCode === 0 ? 0 : 1;
  } finally {
    await tr.close();
  }
}
