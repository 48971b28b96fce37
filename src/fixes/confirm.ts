/**
 * The yes/no before a fix touches a node. Without a terminal (CI, cron, a pipe) and without
 * `--yes` it refuses at once with a UsageError, so an unattended run never hangs on a prompt.
 * The TUI wizard asks per step on its own screen and applies through the same session.apply.
 */
import {createInterface} from 'node:readline/promises';
import {UsageError} from '../errors.js';
import type {FixPlan} from './types.js';

/** Where to ask, and whether the operator already said yes. */
export interface ConfirmOptions {
  yes?: boolean;
  /** The node's name, for the question. */
  target?: string;
  input?: NodeJS.ReadableStream & {isTTY?: boolean};
  output?: NodeJS.WritableStream & {isTTY?: boolean};
}

/**
 * Ask before applying `plan`: true when the operator answers y/yes (or passed --yes). Throws a
 * UsageError when there is no terminal to ask on.
 */
export async function confirmFix(plan: FixPlan, o: ConfirmOptions = {}): Promise<boolean> {
  if (o.yes) return true;
  const input = o.input ?? process.stdin;
  const output = o.output ?? process.stderr;
  if (input.isTTY !== true || (o.output === undefined && process.stdout.isTTY !== true)) {
    throw new UsageError(
      'refusing to change the node without a confirmation: there is no terminal to ask on',
      'pass --yes to apply without asking (the change is still backed up, verified and rolled back on failure), or --dry-run to see the plan',
    );
  }
  const rl = createInterface({input, output, terminal: true});
  try {
    const n = plan.steps.filter((s) => s.kind !== 'manual').length;
    const answer = await rl.question(`Apply these ${n} step(s)${o.target ? ` to ${o.target}` : ''}? A backup is taken first. [y/N] `);
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}
