/**
 * `kubelet-doctor diff A B…`: what differs between nodes. Each target is read like `check` reads
 * it (SSH, --root, --snapshot, pod), its facts flattened (src/diff/fingerprint.ts) and compared
 * (src/diff/compare.ts). Exit 1 on drift, 0 without, 3 when a target could not be read.
 */
import {compareNodes, type DiffNode} from '../../diff/compare.js';
import {fingerprint} from '../../diff/fingerprint.js';
import {renderDriftJson, renderDriftMarkdown, renderDriftText, type DriftReport} from '../../diff/render.js';
import {eachLimited} from '../../engine/pool.js';
import {runTarget} from '../../engine/run.js';
import {UsageError} from '../../errors.js';
import type {ParsedArgs} from '../args.js';
import {listTargets, runOptions, writeOut} from './common.js';

/** Read every target (bounded concurrency, input order kept) and compare them. */
export async function diffCommand(a: ParsedArgs, signal: AbortSignal): Promise<number> {
  const format = typeof a.values['output'] === 'string' ? a.values['output'] : 'text';
  if (!['text', 'json', 'markdown'].includes(format))
    throw new UsageError(`diff writes text, json or markdown, not ${format}`, 'use --output text|json|markdown');
  const targets = await listTargets(a, signal);
  if (targets.length < 2) throw new UsageError('diff needs at least two targets to compare', 'name two nodes (or --root/--snapshot twice, or an --inventory)');
  const opts = runOptions(a, signal);
  const read: ({node: DiffNode} | {unchecked: {target: string; reason: string}})[] = new Array(targets.length);
  await eachLimited(targets, opts.concurrency, async (t, i) => {
    const {result, facts} = await runTarget(t, opts);
    if (!facts || result.status !== 'ok') {
      read[i] = {unchecked: {target: t.name, reason: result.error ? `${result.error.kind}: ${result.error.message}` : result.status}};
      return;
    }
    // Nodes are named as the operator named the targets.
    const print = fingerprint(facts);
    read[i] = {node: {name: t.name, values: print.values, unread: print.unread, findings: result.results}};
  });
  const nodes = read.flatMap((r) => ('node' in r ? [r.node] : []));
  const unchecked = read.flatMap((r) => ('unchecked' in r ? [r.unchecked] : []));
  const baseline = typeof a.values['baseline'] === 'string' ? a.values['baseline'] : undefined;
  if (baseline !== undefined && !nodes.some((n) => n.name === baseline)) {
    const known = targets.some((t) => t.name === baseline);
    throw new UsageError(
      known ? `the baseline ${baseline} could not be read, so nothing can be compared with it` : `--baseline ${baseline} is not one of the targets`,
      `targets: ${targets.map((t) => t.name).join(', ')}`,
    );
  }
  const report: DriftReport = {nodes: nodes.map((n) => n.name), baseline: baseline ?? null, differences: compareNodes(nodes, baseline), unchecked};
  const text = format === 'json' ? renderDriftJson(report) : format === 'markdown' ? renderDriftMarkdown(report) : renderDriftText(report);
  await writeOut(text, a.values['out']);
  if (unchecked.length > 0) return 3;
  return report.differences.length > 0 ? 1 : 0;
}
