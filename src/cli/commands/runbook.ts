/**
 * `kubelet-doctor runbook FILE [TARGET...]`: run a runbook (docs/runbooks.md) unattended. Targets
 * on the command line (or --root/--local/--inventory/-l) replace the runbook's own. `--yes`
 * applies `policy: ask` fixes without asking; without it and without a terminal such a runbook
 * is refused before anything runs. `--dry-run` shows the plans and changes nothing. Exit codes
 * are check's: 0, 1 an unwaived failure (or a fix that did not verify), 2 bad input, 3 a node
 * could not be reached or was lost mid-fix.
 */
import {catalogue} from '../../../checks/index.js';
import {UsageError} from '../../errors.js';
import {appendAudit} from '../../fixes/audit.js';
import {confirmFix} from '../../fixes/confirm.js';
import {FORMATS, renderReport, type Format} from '../../report/index.js';
import {loadRunbook, type Runbook} from '../../runbook/schema.js';
import {runRunbook} from '../../runbook/run.js';
import {exitCodeWithWaivers, loadWaivers} from '../../runbook/waivers.js';
import {resolveTargetsAsync, type TargetOptions} from '../../targets/resolve.js';
import type {Target} from '../../targets/types.js';
import {sanitizeLine} from '../../text/sanitize.js';
import {intOption, type ParsedArgs} from '../args.js';
import {runOptions, targetOptions, colorWanted, versionOption, writeOut} from './common.js';
import {clusterInputError, withCluster} from './cluster-view.js';

const log = (s: string): void => {
  for (const line of s.split('\n')) process.stderr.write(`${sanitizeLine(line)}\n`);
};

/** Whether the command line names targets itself (then the runbook's are not used). */
function cliNamesTargets(o: TargetOptions): boolean {
  return (
    o.local ||
    o.root.length > 0 ||
    o.snapshot.length > 0 ||
    o.positional.length > 0 ||
    Boolean(o.inventory) ||
    Boolean(o.cluster?.allNodes) ||
    Boolean(o.cluster?.selector)
  );
}

/** The targets: the command line's, else the runbook's. */
async function runbookTargets(a: ParsedArgs, rb: Runbook, signal: AbortSignal): Promise<Target[]> {
  const cli = targetOptions({...a, positional: a.positional.slice(1)});
  const o: TargetOptions = cliNamesTargets(cli)
    ? cli
    : {
        ...cli,
        local: rb.targets.some((t) => t.kind === 'local'),
        root: rb.targets.flatMap((t) => (t.kind === 'root' ? [t.dir] : [])),
        positional: rb.targets.flatMap((t) => (t.kind === 'ssh' ? [t.spec] : [])),
        inventory: rb.inventory,
        cluster: {...cli.cluster, ...(rb.selector ? {selector: rb.selector} : {})},
      };
  const targets = await resolveTargetsAsync(o, signal);
  if (targets.length === 0)
    throw new UsageError(`${rb.file} names no targets`, 'add targets:, inventory: or selector: to the runbook, or name targets after the file');
  return targets;
}

/** Run a runbook; returns the exit code. */
export async function runbookCommand(a: ParsedArgs, signal: AbortSignal): Promise<number> {
  const file = a.positional[0];
  if (file === undefined) throw new UsageError('runbook needs a FILE', 'kubelet-doctor runbook FILE [TARGET...]; see docs/runbooks.md');
  const rb = loadRunbook(file);
  const format = (typeof a.values['output'] === 'string' ? a.values['output'] : rb.output.format) as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--output ${format}: unknown format`, `use one of ${FORMATS.join(', ')}`);
  const yes = a.values['yes'] === true;
  const dryRun = a.values['dry-run'] === true;
  const asks = rb.fixes.filter((f) => f.policy === 'ask');
  const tty = process.stdin.isTTY === true && process.stderr.isTTY === true;
  if (asks.length > 0 && !yes && !dryRun && !tty) {
    throw new UsageError(
      `${rb.file}: ${asks.map((f) => f.check).join(', ')} ${asks.length === 1 ? 'has' : 'have'} policy ask, and there is no terminal to ask on`,
      'pass --yes to apply them (still backed up, verified and rolled back on failure), set policy: auto or never, or use --dry-run',
    );
  }
  const targets = await runbookTargets(a, rb, signal);
  const waivers = [...rb.waivers, ...(typeof a.values['waivers'] === 'string' ? loadWaivers(a.values['waivers']) : [])];
  const checks = rb.checks === null ? catalogue : catalogue.filter((c) => rb.checks!.includes(c.id));
  if (rb.name) log(`runbook: ${rb.name} (${targets.length} node${targets.length === 1 ? '' : 's'})`);
  // The cluster's view and --join-command, as `check` reads them (docs/cluster.md).
  const withView = await withCluster(a, runOptions(a, signal), targets, signal);
  const {cluster, joinEndpoint} = withView;
  const result = await runRunbook({
    targets,
    checks,
    rules: rb.fixes,
    waivers,
    stopOnFailure: rb.stopOnFailure,
    dryRun,
    ...(cluster ? {cluster} : {}),
    joinEndpoint: joinEndpoint ?? null,
    concurrency: intOption(a.values['concurrency'], 'concurrency', rb.concurrency ?? 4),
    timeoutMs: intOption(a.values['timeout'], 'timeout', rb.timeout ?? 60) * 1000,
    kubeletVersion: versionOption(a.values['kubelet-version']),
    expiryWarnDays: intOption(a.values['expiry-warn-days'], 'expiry-warn-days', 30, 0),
    now: () => new Date(),
    signal,
    log,
    ask: async (plan, target) => yes || confirmFix(plan, {target, output: process.stderr}),
    audit: (entry) => appendAudit(entry),
  });
  const bad = await clusterInputError(withView);
  if (bad) throw bad;
  const out = typeof a.values['out'] === 'string' ? a.values['out'] : (rb.output.file ?? undefined);
  const color = format === 'text' && out === undefined && colorWanted(a, process.stdout);
  await writeOut(renderReport(format, result.report, {color, verbose: a.values['verbose'] === true}), out);
  if (result.stopped) log('stopped after a failure (stopOnFailure): the remaining nodes and fixes were not run');
  const code = exitCodeWithWaivers(result.report);
  if (code === 3 || result.outcomes.some((x) => x.outcome === 'lost')) return 3;
  const fixFailed = result.outcomes.some((x) => ['rolled-back', 'refused', 'rollback-failed'].includes(x.outcome));
  return fixFailed ? Math.max(code, 1) : code;
}
