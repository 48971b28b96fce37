/**
 * kubelet.service as systemd merges it: a unit file exists and is not masked, exactly one
 * effective ExecStart (reset with an empty `ExecStart=` before redefining), required
 * EnvironmentFiles exist, `${VAR}` expansion gives sane arguments, no drop-in is silently hidden;
 * live: the unit is loaded, enabled, running (not in a restart loop) and needs no daemon-reload.
 */
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';
import type {DropInInfo, SilentOverride, UnitFacts, UnitProblem, UnitProblemKind, UnitState} from '../src/facts/systemd/systemd-unit.js';
import type {Collected, Source, Sourced} from '../src/facts/types.js';

const ev = (s: {source: Source; text: string}): Evidence => ({source: s.source, text: s.text});
const loc = (s: Source): string => ('command' in s ? s.command : s.line === undefined ? s.file : `${s.file}:${s.line}`);
const problemEvidence = (p: UnitProblem): Evidence[] => [ev(p), ...(p.related ?? []).map(ev)];

/** What the operator should do about each fatal merge problem. */
const FATAL_HINTS: Partial<Record<UnitProblemKind, string>> = {
  masked: 'run `systemctl unmask kubelet`',
  'invalid-section-header': 'systemd cannot parse the file, so kubelet.service does not load; fix the [Section] line',
  'multiple-exec-start': 'add an empty "ExecStart=" line before it, then `systemctl daemon-reload`',
  'no-exec-start': 'the last drop-in resets ExecStart= without giving a new command',
  'missing-env-file': 'create the file, or prefix the path with "-" to make it optional',
  'empty-braced-var': 'write $VAR (no braces) so an empty value adds no argument',
  'braced-multiword': 'write $VAR (no braces) as a word of its own',
};

/** Lines systemd ignores, grouped per file into one warning. */
function ignoredLines(problems: UnitProblem[]): Verdict[] {
  const byFile = new Map<string, UnitProblem[]>();
  for (const p of problems) {
    if (p.kind !== 'garbage-line' && p.kind !== 'unknown-section' && p.kind !== 'wrong-section') continue;
    const file = 'file' in p.source ? p.source.file : p.source.command;
    byFile.set(file, [...(byFile.get(file) ?? []), p]);
  }
  return [...byFile].map(([file, ps]) => {
    const [first] = ps;
    const more = ps.length > 1 ? ` (and ${ps.length - 1} more)` : '';
    return warn(
      `${file}: systemd ignores ${ps.length === 1 ? 'a line' : `${ps.length} lines`}: ${first ? `${loc(first.source)}: ${first.message}` : ''}${more}`,
      ps.map(ev),
    );
  });
}

/** A same-named drop-in hidden by one in a higher-priority directory, when their texts differ. */
function shadowed(dropIns: DropInInfo[]): Verdict[] {
  return dropIns
    .filter((d) => d.shadowedBy !== null && d.identical === false)
    .map((d) => {
      const winner = dropIns.find((w) => w.path === d.shadowedBy);
      const how = winner?.masked ? 'is empty (or /dev/null) and masks' : 'hides';
      return warn(
        `${d.shadowedBy} ${how} ${d.path} (same file name, so systemd reads only the higher-priority one): whatever the package ships in ${d.path} is ignored; compare the two and delete the stale copy`,
        [
          {source: {file: d.shadowedBy ?? ''}, text: `${d.name}: applied`},
          {source: {file: d.path}, text: `${d.name}: ignored (shadowed)`},
        ],
      );
    });
}

/** What to do about each silent override. */
function overrideVerdict(o: SilentOverride): Verdict {
  const evidence = [ev(o), ...o.related.map(ev)];
  const winner = o.related[0];
  if (o.kind === 'env-overridden' && winner !== undefined) {
    return warn(`${o.message}; move the value into ${loc(winner.source)} or give it its own variable name`, evidence);
  }
  const hint = o.kind === 'quote-in-braced-var' ? 'remove the quotes from the value' : 'quote the whole word ("--flag=a b") or drop the quotes';
  return warn(`${o.message}; ${hint}`, evidence);
}

/** Verdicts from merging the files (offline). */
function offline(u: UnitFacts): Verdict[] {
  const out: Verdict[] = [];
  for (const p of u.problems) {
    if (p.kind === 'no-unit') {
      const evidence = u.searchPath.map((d) => ({source: {file: d}, text: 'no kubelet.service here'}));
      out.push(fail('kubelet.service was found in no systemd unit directory: install the kubelet package', evidence));
    } else if (FATAL_HINTS[p.kind] !== undefined) {
      out.push(fail(`${loc(p.source)}: ${p.message}; ${FATAL_HINTS[p.kind]}`, problemEvidence(p)));
    } else if (p.kind === 'env-file-unknown' || p.kind === 'unreadable') {
      out.push(warn(`${loc(p.source)}: ${p.message}`, problemEvidence(p)));
    }
  }
  return [...out, ...shadowed(u.dropIns), ...(u.overrides ?? []).map(overrideVerdict), ...ignoredLines(u.problems)];
}

const OK_FILE_STATES = new Set(['enabled', 'enabled-runtime', 'linked', 'linked-runtime', 'alias', 'generated', 'transient']);

/** Verdicts from `systemctl show kubelet` (live). */
function live(s: UnitState): Verdict[] {
  const out: Verdict[] = [];
  const {loadState: load, activeState: active, subState: sub, nRestarts: restarts, execMainStatus: status} = s;
  const stateEv = [active, sub, restarts, status].filter((x): x is Sourced<string> | Sourced<number> => x !== null);
  if (load && load.value !== 'loaded') {
    const hint = load.value === 'bad-setting' ? ': systemd refused a setting; run `systemd-analyze verify kubelet.service`' : '';
    out.push(fail(`systemd reports LoadState=${load.value} for kubelet.service${hint}`, [load]));
  }
  if (s.unitFileState && !OK_FILE_STATES.has(s.unitFileState.value) && s.unitFileState.value !== 'masked') {
    out.push(
      warn(`kubelet.service is not enabled (UnitFileState=${s.unitFileState.value}): it will not start at boot; run \`systemctl enable kubelet\``, [
        s.unitFileState,
      ]),
    );
  }
  const exit = status ? `, last exit status ${status.value}` : '';
  if (sub?.value === 'auto-restart' || (active?.value === 'activating' && (restarts?.value ?? 0) > 0)) {
    const n = restarts ? `${restarts.value} restarts` : 'restarting';
    // A restart loop is a symptom: whatever makes the kubelet exit is the cause.
    out.push({
      ...fail(`kubelet is in a restart loop (${n}${exit}): it exits at start; read \`journalctl -u kubelet\` for the first error`, stateEv),
      symptom: true,
    });
  } else if (active?.value === 'failed' || active?.value === 'inactive') {
    out.push({
      ...fail(`kubelet is not running (ActiveState=${active.value}${exit}); run \`systemctl start kubelet\` and read \`journalctl -u kubelet\``, stateEv),
      symptom: true,
    });
  } else if (active && active.value !== 'active') {
    out.push(warn(`kubelet.service is ${active.value}${sub ? ` (${sub.value})` : ''}`, stateEv));
  }
  if (s.needDaemonReload?.value === true) {
    const text =
      'unit files changed on disk since systemd loaded them (NeedDaemonReload=yes): the running kubelet uses the old definition; run `systemctl daemon-reload` and restart kubelet';
    out.push(warn(text, [s.needDaemonReload]));
  }
  return out;
}

/** The pass summary: where ExecStart comes from, and the live state when known. */
function passVerdict(u: UnitFacts, state: Collected<UnitState>): Verdict {
  const exec = u.execStart.effective;
  const applied = u.dropIns.filter((d) => d.shadowedBy === null).length;
  const now = state.collected
    ? `; ${state.value.activeState?.value ?? '?'} (${state.value.subState?.value ?? '?'}), ${state.value.unitFileState?.value ?? '?'}`
    : `; live state not collected (${state.reason})`;
  const stateEv = state.collected ? [state.value.activeState, state.value.unitFileState].filter((x): x is Sourced<string> => x !== null) : [];
  const from = exec ? loc(exec.source) : 'nowhere';
  return pass(`kubelet.service loads with ${applied} drop-in(s); ExecStart from ${from}${now}`, [...(exec ? [ev(exec)] : []), ...stateEv]);
}

export default defineCheck({
  id: 'systemd-dropin',
  title: 'kubelet.service and its drop-ins merge into one runnable command',
  category: 'systemd',
  severity: 'critical',
  description:
    'systemd builds the kubelet command line from kubelet.service, every kubelet.service.d/*.conf drop-in and their environment files. A second ExecStart= without a reset, a missing EnvironmentFile= or a stale drop-in hiding the packaged one keeps the kubelet from starting, or starts it with the wrong flags. It also warns when a value ExecStart= uses is silently thrown away (EnvironmentFile= overrides Environment= whatever the order; a later or empty assignment replaces an earlier one) and when a flag word carries quotes that systemd versions pass differently.',
  needs: ['unit', 'unitState'],
  fix: 'systemd-dropin-fix',
  explainedBy: [],
  remediation:
    'Fix the drop-in the evidence points to: put an empty "ExecStart=" before a redefined ExecStart=, make optional environment files "-/path", use $VAR (not ${VAR}) for flag lists, remove stale same-named drop-ins under /etc/systemd/system/kubelet.service.d; then `systemctl daemon-reload && systemctl restart kubelet`.',
  references: [
    'https://www.freedesktop.org/software/systemd/man/latest/systemd.unit.html',
    'https://www.freedesktop.org/software/systemd/man/latest/systemd.service.html#ExecStart=',
    'https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#Environment',
    'https://kubernetes.io/docs/setup/production-environment/tools/kubeadm/kubelet-integration/',
  ],
  signatures: [
    {
      id: 'multiple-execstart',
      text: 'kubelet.service: Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.',
      pattern: /Service has more than one ExecStart= setting/,
      reference: 'kubelet.md §3.2; systemd.service(5)',
    },
    {
      id: 'no-execstart',
      text: 'kubelet.service: Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.',
      pattern: /Service has no ExecStart=/,
      reference: 'systemd src/core/service.c',
    },
    {
      id: 'environment-file-missing',
      text: 'kubelet.service: Failed to load environment files: No such file or directory',
      pattern: /kubelet\.service: Failed to load environment files/,
      reference: 'kubelet.md §3.3; systemd src/core/execute.c',
    },
    {
      id: 'daemon-reload-needed',
      text: "Warning: The unit file, source configuration file or drop-ins of kubelet.service changed on disk. Run 'systemctl daemon-reload' to reload units.",
      pattern: /changed on disk\. Run 'systemctl daemon-reload'/,
      reference: 'kubelet.md §3.1',
    },
    {
      id: 'unit-line-ignored',
      text: "/etc/systemd/system/kubelet.service.d/20-extra.conf:3: Missing '=', ignoring line.",
      // <1:file> <2:line>
      pattern:
        /(\/\S*kubelet\.service(?:\.d\/[^:\s]+)?):(\d+): (?:Missing '='|Assignment outside of section|Unknown section|Unknown key name|Invalid section header)/,
      reference: 'systemd src/shared/conf-parser.c',
    },
    {
      id: 'unit-masked',
      text: 'Failed to start kubelet.service: Unit kubelet.service is masked.',
      pattern: /Unit kubelet\.service is masked/,
      reference: 'systemctl(1)',
    },
    {
      id: 'restart-loop',
      text: 'kubelet.service: Scheduled restart job, restart counter is at 42.',
      pattern: /kubelet\.service: Scheduled restart job, restart counter is at (\d+)/,
      reference: 'kubelet.md §3.4 (Restart=always, RestartSec=10, StartLimitInterval=0)',
    },
  ],
  evaluate({unit, unitState}) {
    if (!unit.collected) return skip(unit.reason);
    const verdicts = [...offline(unit.value), ...(unitState.collected ? live(unitState.value) : [])];
    return verdicts.length > 0 ? verdicts : passVerdict(unit.value, unitState);
  },
});
