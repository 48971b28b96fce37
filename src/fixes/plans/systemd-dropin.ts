/**
 * systemd-dropin-fix: make kubelet.service load and run. Offline problems are fixed in the unit
 * file or drop-in that causes them: an empty `ExecStart=` goes right before a redefinition that
 * lacks it, a required EnvironmentFile= becomes optional (`-`, choice `optional`) or is created
 * (choice `create`), a mask symlink is removed, `${VAR}` words become `$VAR`. Then
 * `systemctl daemon-reload`, restart the kubelet and wait for healthz. On a live node whose unit is
 * fine but stale (NeedDaemonReload) or not running, the fix is the reload and restart alone.
 */
import type {UnitFacts, UnitProblem} from '../../facts/systemd/systemd-unit.js';
import type {RawSnapshot} from '../../facts/types.js';
import {insertLines} from '../node-text.js';
import {notApplicable, type FixChoice, type FixPlan, type NotApplicable, type PlanInput, type Step} from '../types.js';
import {FileEdits, restartKubelet, where} from './common.js';

const CHOICES: FixChoice[] = [
  {name: 'optional', description: 'make a missing EnvironmentFile= optional with the "-" prefix (systemd then skips it)'},
  {name: 'create', description: 'create a missing EnvironmentFile= as an empty file (a place for KUBELET_EXTRA_ARGS)'},
];

/** Fix one problem; returns a manual instruction when it cannot be automated, or null. */
function fixProblem(p: UnitProblem, u: UnitFacts, raw: RawSnapshot, edits: FileEdits, choice: string, removes: Step[]): string | null {
  const at = where(p.source);
  switch (p.kind) {
    case 'multiple-exec-start': {
      if (!('file' in p.source) || p.source.line === undefined) return `${at}: add an empty "ExecStart=" line before the redefinition`;
      const line = p.source.line;
      edits.edit(
        p.source.file,
        `reset the ExecStart= list before the redefinition at ${at} (systemd.service(5): an empty ExecStart= clears the list)`,
        (text) => insertLines(text, line, ['ExecStart=']) ?? {reason: `no line ${line}`},
      );
      return null;
    }
    case 'missing-env-file': {
      const f = u.environmentFiles.find((e) => where(e.source) === at && !e.optional);
      if (!f) return `${at}: ${p.message}`;
      if (choice === 'create') {
        edits.create(f.path, `create the EnvironmentFile ${f.path} named at ${at}`, f.path.endsWith('/kubelet') ? 'KUBELET_EXTRA_ARGS=\n' : '');
        return null;
      }
      edits.line(p.source, `make EnvironmentFile=${f.path} optional ("-" prefix) at ${at}`, (line) => {
        // <1:key and spacing> <2:path>
        const m = /^(\s*EnvironmentFile\s*=\s*)(\S.*)$/.exec(line);
        return m?.[2]?.startsWith('/') ? `${m[1]}-${m[2]}` : null;
      });
      return null;
    }
    case 'masked': {
      const file = u.unitFile;
      const rec = file ? raw.files[file.path] : undefined;
      if (file && rec?.realPath === '/dev/null' && /^\/(etc|run)\/systemd\/system\//.test(file.path)) {
        removes.push({
          kind: 'remove-file',
          path: file.path,
          why: `unmask kubelet.service: ${file.path} links to /dev/null (what \`systemctl unmask kubelet\` removes)`,
        });
        return null;
      }
      return `kubelet.service is masked (${at}): run \`systemctl unmask kubelet\``;
    }
    case 'empty-braced-var':
    case 'braced-multiword': {
      if (!('file' in p.source)) return `${at}: ${p.message}`;
      edits.line(p.source, `write \${VAR} as $VAR at ${at}, so an empty value vanishes and a list splits into arguments`, (line) => {
        const next = line.replace(/(^|\s)\$\{([A-Za-z_][A-Za-z0-9_]*)\}(?=\s|$)/g, '$1$$$2');
        return next === line ? null : next;
      });
      return null;
    }
    case 'no-exec-start':
      return `${at}: the last ExecStart= resets the command without giving a new one; add the kubelet command line after it`;
    case 'invalid-section-header':
      return `${at}: fix the [Section] line (${p.message})`;
    default:
      return null;
  }
}

/** Plan the fix for a systemd-dropin finding. */
export function planSystemdDropin(input: PlanInput): FixPlan | NotApplicable {
  const {facts, raw, finding} = input;
  if (!facts.unit.collected) return notApplicable(`kubelet.service was not collected: ${facts.unit.reason}`);
  const u = facts.unit.value;
  if (u.problems.some((p) => p.kind === 'no-unit')) return notApplicable('kubelet.service is not installed', 'install the kubelet package');
  const needsChoice = u.problems.some((p) => p.kind === 'missing-env-file');
  const choice = input.choice ?? 'optional';
  if (!CHOICES.some((c) => c.name === choice))
    return notApplicable(`--choice ${choice} is not offered here`, `choose one of: ${CHOICES.map((c) => c.name).join(', ')}`);
  const edits = new FileEdits(raw);
  const removes: Step[] = [];
  const manual = u.problems.map((p) => fixProblem(p, u, raw, edits, choice, removes)).filter((m): m is string => m !== null);
  if (edits.problem) return notApplicable(`cannot edit safely: ${edits.problem}`, 'edit the drop-in the finding names by hand');
  const writes = [...edits.steps(), ...removes];
  const state = facts.unitState.collected ? facts.unitState.value : null;
  const stale = state?.needDaemonReload?.value === true;
  const down = state !== null && (state.subState?.value === 'auto-restart' || state.activeState?.value === 'failed' || state.activeState?.value === 'inactive');
  if (writes.length === 0 && !stale && !down) {
    return notApplicable(
      manual.length > 0 ? `nothing this fix can change automatically: ${manual.join('; ')}` : 'kubelet.service has nothing this fix changes',
    );
  }
  if (writes.length === 0 && finding.causedBy) {
    return notApplicable(
      `the kubelet is down because of ${finding.causedBy}: a restart alone will not help`,
      `fix that first: kubelet-doctor fix … --check ${finding.causedBy}`,
    );
  }
  const title =
    writes.length > 0
      ? 'Repair kubelet.service and its drop-ins, reload systemd and restart the kubelet'
      : stale
        ? 'Reload systemd and restart the kubelet on the current unit files'
        : 'Restart the kubelet';
  return {
    fixId: 'systemd-dropin-fix',
    checkId: 'systemd-dropin',
    title,
    ...(needsChoice ? {choice, choices: CHOICES} : {}),
    steps: [...writes, ...manual.map((text) => ({kind: 'manual' as const, text})), ...restartKubelet(facts, writes.length > 0 || stale)],
  };
}
