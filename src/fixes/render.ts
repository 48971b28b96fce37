/**
 * A plan as the operator reads it before saying yes: the choices, every step in order, each
 * file edit as a unified diff, and every command verbatim. Secrets in a step marked sensitive
 * are redacted; node text is sanitised. The same lines feed the CLI and the runbook log.
 */
import {redactText} from '../facts/secrets/redact.js';
import {sanitizeLine} from '../text/sanitize.js';
import {unifiedDiff} from './diff.js';
import type {Target} from '../targets/types.js';
import type {FixPlan, Step} from './types.js';

/**
 * How to name a target on a command line when the caller did not say (the TUI): the target and
 * its host root, shell-quoted. The `fix` command passes the operator's own words instead.
 */
export function targetWords(t: Target): string {
  const w = shellWord;
  if (t.kind === 'root') return `--root ${w(t.dir)}`;
  const root = 'hostRoot' in t && t.hostRoot !== '/' ? ` --host-root ${w(t.hostRoot)}` : '';
  return t.kind === 'local' ? `--local${root}` : `${w(t.name)}${root}`;
}

/** Quote a word for display the way a POSIX shell would need it. */
export function shellWord(w: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** A command line as the operator would type it. */
export const commandLine = (argv: readonly string[]): string => argv.map(shellWord).join(' ');

/**
 * The one-line description of a step; `offline` marks the steps that wait for the node's next
 * boot (runs, reloads, restarts, healthz waits) with `marker`.
 */
export function stepLine(s: Step, offline: boolean, marker = ' (not run offline)'): string {
  const pending = offline ? marker : '';
  switch (s.kind) {
    case 'write-file':
      return `${s.before === null ? 'create' : 'edit'} ${s.path}: ${s.why}`;
    case 'remove-file':
      return `move ${s.path} into the backup: ${s.why}`;
    case 'run':
      return `run \`${commandLine(s.argv)}\`: ${s.why}${pending}`;
    case 'daemon-reload':
      return `run \`systemctl daemon-reload\`${pending}`;
    case 'restart-unit':
      return `run \`systemctl restart ${s.unit}\`${pending}`;
    case 'wait-healthz':
      return `wait up to ${Math.round(s.timeoutMs / 1000)} s for ${s.url} to answer ok${pending}`;
    case 'manual':
      return `by hand: ${s.text}`;
  }
}

/** The diff of a write step, redacted when it carries a secret. */
export function stepDiff(s: Step): string {
  if (s.kind !== 'write-file') return '';
  const d = unifiedDiff(s.path, s.before, s.after);
  return s.sensitive ? redactText(d) : d;
}

/** Render a plan: title, choices, numbered steps with diffs, notes. */
export function renderPlan(plan: FixPlan, opts: {offline: boolean; target: string}): string {
  const out: string[] = [`Fix ${plan.fixId} for ${plan.checkId} on ${sanitizeLine(opts.target)}: ${plan.title}`];
  if (plan.choices && plan.choices.length > 1) {
    out.push('', 'Choices (--choice NAME):');
    for (const c of plan.choices) out.push(`  ${c.name === plan.choice ? '*' : ' '} ${c.name.padEnd(12)} ${c.description}`);
  }
  out.push('', 'Steps:');
  plan.steps.forEach((s, i) => {
    out.push(`  ${i + 1}. ${sanitizeLine(stepLine(s, opts.offline))}`);
    const diff = stepDiff(s);
    if (diff)
      out.push(
        ...diff
          .trimEnd()
          .split('\n')
          .map((l) => `     ${sanitizeLine(l)}`),
      );
  });
  if (plan.notes && plan.notes.length > 0) {
    out.push('', 'Notes:');
    for (const n of plan.notes) out.push(`  - ${sanitizeLine(n)}`);
  }
  return `${out.join('\n')}\n`;
}
