/**
 * `kubelet-doctor list-checks`: the catalogue, as a table or JSON.
 */
import {catalogue} from '../../../checks/index.js';
import {UsageError} from '../../errors.js';
import type {ParsedArgs} from '../args.js';
import {writeOut} from './common.js';

/** Print the catalogue; returns the exit code. */
export async function listChecksCommand(a: ParsedArgs): Promise<number> {
  const format = a.values['output'] ?? 'text';
  if (format === 'json') {
    const checks = catalogue.map((c) => ({
      id: c.id,
      title: c.title,
      category: c.category,
      severity: c.severity,
      live: c.live,
      needs: c.needs,
      explainedBy: c.explainedBy,
      fix: c.fix,
      remediation: c.remediation,
      references: c.references,
      signatures: c.signatures.map((s) => ({id: s.id, text: s.text, reference: s.reference})),
    }));
    await writeOut(`${JSON.stringify({checks}, null, 2)}\n`, a.values['out']);
    return 0;
  }
  if (format !== 'text') throw new UsageError(`list-checks --output ${String(format)}: use text or json`);
  const w = Math.max(...catalogue.map((c) => c.id.length));
  const lines = catalogue.map((c) => `${c.id.padEnd(w)}  ${c.severity.padEnd(8)}  ${c.category.padEnd(8)}  ${c.title}${c.live ? ' (live)' : ''}`);
  await writeOut(`${lines.join('\n')}\n`, a.values['out']);
  return 0;
}
