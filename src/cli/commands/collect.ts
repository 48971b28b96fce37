/**
 * `kubelet-doctor collect TARGET -o FILE`: save the node's redacted facts to check offline.
 */
import {acquire} from '../../engine/run.js';
import {UsageError} from '../../errors.js';
import {writeSnapshot} from '../../transport/snapshot.js';
import {sanitizeLine} from '../../text/sanitize.js';
import {TOOL_VERSION} from '../../version.js';
import {intOption, type ParsedArgs} from '../args.js';
import {targetsFrom} from './common.js';

/** Write a snapshot; returns the exit code. */
export async function collectCommand(a: ParsedArgs, signal: AbortSignal): Promise<number> {
  const out = a.values['out'];
  if (typeof out !== 'string') throw new UsageError('collect needs -o FILE', 'e.g. kubelet-doctor collect --local -o node.json');
  const targets = await targetsFrom(a);
  if (targets.length !== 1) throw new UsageError(`collect takes exactly one target (got ${targets.length})`);
  const t = targets[0]!;
  const {raw, transport, name} = await acquire(t, {timeoutMs: intOption(a.values['timeout'], 'timeout', 60) * 1000, signal});
  await writeSnapshot(out, {
    kind: 'kubelet-doctor-snapshot',
    schema: 1,
    toolVersion: TOOL_VERSION,
    createdAt: new Date().toISOString(),
    target: {name, transport},
    raw,
  });
  const n = Object.values(raw.files).filter((f) => f.status === 'ok').length;
  process.stderr.write(`wrote ${out}: ${n} files, ${Object.keys(raw.commands).length} commands from ${name} (secrets redacted)\n`);
  if (!raw.incomplete) return 0;
  // Kept: what arrived is evidence. But a partial snapshot is not a collected node (exit 3), and
  // `check --snapshot` reports it as error with its results marked partial.
  process.stderr.write(`${sanitizeLine(`the node's output was incomplete (${String(raw.incomplete)}): the snapshot holds only what arrived`)}\n`);
  return 3;
}
