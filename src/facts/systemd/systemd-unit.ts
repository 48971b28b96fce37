/**
 * kubelet.service as systemd sees it: the unit file and its drop-ins from every search
 * directory, merged in systemd's order, with the effective ExecStart, environment and the
 * expanded command line. Every value keeps the file:line that set it.
 */
import type {Collected, FileRecord, RawSnapshot, Source, Sourced} from '../core.js';
import {collected, notCollected} from '../core.js';
import {parseExecLine, parseUnitFile, parseUnitState, resolveSpecifiers} from './systemd-parse.js';
import type {UnitAssignment, UnitState} from './systemd-parse.js';
import {applyEnvironment, expandCommand} from './env-file.js';
import type {EnvFileInfo, EnvVar, ServiceAssignment} from './env-file.js';
import {findOverrides} from './systemd-overrides.js';
import type {SilentOverride} from './systemd-overrides.js';

export type {EnvFileInfo, EnvOrigin, EnvVar} from './env-file.js';
export type {UnitState} from './systemd-parse.js';
export type {SilentOverride, SilentOverrideKind} from './systemd-overrides.js';

/** systemd.unit(5) system search path, highest priority first (the directories the probe reads). */
export const UNIT_SEARCH_PATH = [
  '/etc/systemd/system',
  '/run/systemd/system',
  '/usr/local/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/lib/systemd/system',
] as const;

/** What is wrong with the unit, as systemd would react to it. */
export type UnitProblemKind =
  | 'no-unit' // kubelet.service is in no search directory
  | 'masked' // the winning unit file is empty or a symlink to /dev/null
  | 'invalid-section-header' // a file fails to parse: the unit does not load
  | 'multiple-exec-start' // a second ExecStart= without a reset: the unit does not load
  | 'no-exec-start' // no ExecStart= left after resets: the unit does not load
  | 'missing-env-file' // a required EnvironmentFile= is missing: the unit fails to start
  | 'env-file-unknown' // a required EnvironmentFile= was not collected or not readable by the probe
  | 'empty-braced-var' // `${VAR}` empty or unset: one empty argument, the kubelet says "unknown command"
  | 'braced-multiword' // `${VAR}` holding several words: passed as ONE argument
  | 'garbage-line' // a line systemd ignores with a warning
  | 'unknown-section'
  | 'wrong-section' // ExecStart=/Environment= outside [Service]: ignored
  | 'unreadable'; // a unit file or drop-in the probe could not read (binary, permission, truncated)

/** One problem found while merging, with the line it rests on. */
export interface UnitProblem {
  kind: UnitProblemKind;
  message: string;
  source: Source;
  text: string;
  /** Other lines the problem involves (the variable's definition, the first ExecStart). */
  related?: {source: Source; text: string}[];
}

/** The kubelet.service unit file in effect. */
export interface UnitFileInfo {
  path: string;
  /** Lower-priority kubelet.service files this one masks. */
  shadowed: string[];
  /** Empty or a symlink to /dev/null: `systemctl start` refuses a masked unit. */
  masked: boolean;
}

/** A kubelet.service.d/*.conf drop-in, applied or shadowed. */
export interface DropInInfo {
  path: string;
  name: string;
  /** The same-named drop-in in a higher-priority directory that hides this one, or null when applied. */
  shadowedBy: string | null;
  /** For a shadowed drop-in: its text equals the one hiding it (a merged-/usr alias, harmless). */
  identical: boolean | null;
  /** Empty or /dev/null: contributes nothing, but still hides lower same-named drop-ins. */
  masked: boolean;
}

/** One `ExecStart=` line seen during the merge. */
export interface ExecStartAssignment {
  value: string;
  /** `ExecStart=` with an empty value resets the list (systemd.service(5)). */
  reset: boolean;
  source: Source;
  text: string;
}

/** One command in the ExecStart list, split into words (before variable expansion). */
export interface ExecCommand {
  /** Prefix characters: `-` ignore failure, `@` argv0, `+`/`!`/`!!` privileges, `:` no expansion. */
  prefixes: string;
  words: string[];
  source: Source;
  text: string;
}

/** The ExecStart= history and its outcome. */
export interface ExecStartFacts {
  assignments: ExecStartAssignment[];
  /** Commands left after resets; more than one refuses to load unless Type=oneshot. */
  commands: ExecCommand[];
  /** The single command systemd runs, or null (none, or a load error). */
  effective: ExecCommand | null;
}

/** The effective command line after `$VAR` / `${VAR}` expansion. */
export interface ExpandedCommand {
  executable: Sourced<string>;
  /** Each argument with the line its text came from (env-file line, Environment= line or ExecStart line). */
  args: Sourced<string>[];
  /** Variables referenced but not set: `$VAR` vanishes, `${VAR}` becomes an empty argument. */
  unset: string[];
}

/** kubelet.service merged the way systemd merges it. */
export interface UnitFacts {
  searchPath: readonly string[];
  unitFile: UnitFileInfo | null;
  /** Drop-ins sorted by file name (systemd's order); shadowed ones follow the one that hides them. */
  dropIns: DropInInfo[];
  serviceType: Sourced<string> | null;
  execStart: ExecStartFacts;
  environment: Record<string, EnvVar>;
  environmentFiles: EnvFileInfo[];
  /** The expanded command line, or null when systemd would not run one (load error, no ExecStart). */
  command: ExpandedCommand | null;
  problems: UnitProblem[];
  /** Values ExecStart= uses that are replaced before the kubelet starts, and quotes systemd versions treat differently. */
  overrides: SilentOverride[];
}

// systemd.unit(5): a unit file that is empty or a symlink to /dev/null is masked.
const isMasked = (rec: FileRecord): boolean => rec.realPath === '/dev/null' || (rec.status === 'ok' && rec.content === '' && !rec.truncated);
const present = (rec: FileRecord | undefined): rec is FileRecord => rec !== undefined && rec.status !== 'missing';

/** The drop-in file names found in one `<dir>/kubelet.service.d`, from the listing and the files read. */
function dropInNames(raw: RawSnapshot, dir: string): string[] {
  const d = `${dir}/kubelet.service.d`;
  const listed = (raw.dirs[d]?.entries ?? []).filter((e) => e.type !== 'dir').map((e) => e.name);
  const read = Object.keys(raw.files)
    .filter((p) => p.startsWith(`${d}/`) && present(raw.files[p]))
    .map((p) => p.slice(d.length + 1));
  return [...new Set([...listed, ...read])].filter((n) => n.endsWith('.conf') && !n.includes('/'));
}

/** Same-named drop-ins: the earliest directory wins; then apply by file name across directories (systemd.unit(5)). */
function locateDropIns(raw: RawSnapshot): DropInInfo[] {
  const byName = new Map<string, string[]>();
  for (const dir of UNIT_SEARCH_PATH) for (const n of dropInNames(raw, dir)) byName.set(n, [...(byName.get(n) ?? []), `${dir}/kubelet.service.d/${n}`]);
  const out: DropInInfo[] = [];
  for (const name of [...byName.keys()].sort()) {
    const [winner, ...rest] = byName.get(name) ?? [];
    if (winner === undefined) continue;
    const w = raw.files[winner];
    out.push({path: winner, name, shadowedBy: null, identical: null, masked: w !== undefined && isMasked(w)});
    for (const p of rest) {
      const r = raw.files[p];
      const same = w !== undefined && r !== undefined && ((w.realPath ?? winner) === (r.realPath ?? p) || (w.content !== undefined && w.content === r.content));
      out.push({path: p, name, shadowedBy: winner, identical: same, masked: r !== undefined && isMasked(r)});
    }
  }
  return out;
}

/** Read one unit file or drop-in; an unreadable one becomes a problem and contributes nothing. */
function readUnitText(raw: RawSnapshot, path: string, problems: UnitProblem[]): string | null {
  const rec = raw.files[path];
  const bad = (why: string): null => {
    problems.push({kind: 'unreadable', message: `${path}: ${why}; the merge may be incomplete`, source: {file: path}, text: why});
    return null;
  };
  if (rec === undefined) return bad('not collected by the probe');
  if (rec.status !== 'ok') return bad(`not readable (${rec.status})`);
  if (rec.binary) return bad('binary content (NUL bytes), not a unit file');
  if (rec.truncated) bad('truncated at the probe size cap');
  return rec.content ?? '';
}

/** The state carried through the merge of the unit file and its drop-ins. */
interface MergeState {
  problems: UnitProblem[];
  exec: ExecStartAssignment[];
  commands: ExecCommand[];
  type: Sourced<string> | null;
  assignments: ServiceAssignment[];
}

/** Problems that make systemd refuse to load (or start) the unit at all: no command runs. */
export const LOAD_ERRORS: ReadonlySet<UnitProblemKind> = new Set(['no-unit', 'masked', 'invalid-section-header', 'multiple-exec-start', 'no-exec-start']);
const SERVICE_KEYS = new Set(['ExecStart', 'Environment', 'EnvironmentFile', 'UnsetEnvironment', 'Type']);

/** Apply one ExecStart= assignment: empty resets the list, otherwise adds command(s). */
function applyExecStart(st: MergeState, a: UnitAssignment, source: Source, hostname: string | null): void {
  if (a.value === '') {
    st.exec.push({value: '', reset: true, source, text: a.text});
    st.commands = [];
    return;
  }
  const spec = resolveSpecifiers(a.value, hostname);
  if (spec.unknown !== null) {
    const message = `Failed to resolve unit specifiers in "${a.value}" (${spec.unknown}), ignoring.`;
    st.problems.push({kind: 'garbage-line', message, source, text: a.text});
    return;
  }
  st.exec.push({value: a.value, reset: false, source, text: a.text});
  const line = parseExecLine(spec.value);
  for (const words of line.commands) st.commands.push({prefixes: line.prefixes, words, source, text: a.text});
}

/** Walk one parsed file's assignments into the merge state. */
function applyFile(st: MergeState, file: string, content: string, hostname: string | null): void {
  const parsed = parseUnitFile(content);
  const from = st.problems.length;
  for (const p of parsed.problems) st.problems.push({kind: p.kind, message: p.message, source: {file, line: p.line}, text: p.text});
  for (const a of parsed.assignments) {
    const source: Source = {file, line: a.line};
    if (a.section !== 'Service') {
      const message = `Unknown key name '${a.key}' in section '${a.section}', ignoring. (it belongs in [Service])`;
      if (SERVICE_KEYS.has(a.key)) st.problems.push({kind: 'wrong-section', message, source, text: a.text});
      continue;
    }
    // systemd keys are CamelCase; `KUBELET_EXTRA_ARGS=` or `--flag=x` in a drop-in is ignored with a warning.
    if (!/^[A-Z][A-Za-z0-9]*$/.test(a.key) && !a.key.startsWith('X-')) {
      st.problems.push({kind: 'garbage-line', message: `Unknown key name '${a.key}' in section 'Service', ignoring.`, source, text: a.text});
    } else if (a.key === 'ExecStart') applyExecStart(st, a, source, hostname);
    else if (a.key === 'Type') st.type = a.value === '' ? null : {value: a.value, source, text: a.text};
    else st.assignments.push({...a, file});
  }
  const lineOf = (p: UnitProblem): number => ('line' in p.source ? (p.source.line ?? 0) : 0);
  st.problems.splice(from, Infinity, ...st.problems.slice(from).sort((x, y) => lineOf(x) - lineOf(y)));
}

/** Locate the unit file: the first search directory holding kubelet.service wins. */
function locateUnit(raw: RawSnapshot): UnitFileInfo | null {
  const found = UNIT_SEARCH_PATH.map((d) => `${d}/kubelet.service`).filter((p) => present(raw.files[p]));
  const [path, ...shadowed] = found;
  if (path === undefined) return null;
  const rec = raw.files[path];
  return {path, shadowed, masked: rec !== undefined && isMasked(rec)};
}

/** Merge the load-time part: unit file, drop-ins, ExecStart list and load errors. */
function mergeUnit(raw: RawSnapshot, unitFile: UnitFileInfo, dropIns: DropInInfo[], st: MergeState, hostname: string | null): void {
  if (unitFile.masked) {
    const message = `${unitFile.path} is masked (empty or a symlink to /dev/null): systemd refuses to start kubelet.service`;
    st.problems.push({kind: 'masked', message, source: {file: unitFile.path}, text: raw.files[unitFile.path]?.realPath ?? '(empty file)'});
    return;
  }
  for (const path of [unitFile.path, ...dropIns.filter((d) => d.shadowedBy === null && !d.masked).map((d) => d.path)]) {
    const content = readUnitText(raw, path, st.problems);
    if (content !== null) applyFile(st, path, content, hostname);
  }
  const [first, second] = st.commands;
  if (first === undefined) {
    const lastReset = [...st.exec].reverse().find((e) => e.reset);
    const source = lastReset?.source ?? {file: unitFile.path};
    const message = 'Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.';
    st.problems.push({kind: 'no-exec-start', message, source, text: lastReset?.text ?? '(no ExecStart= line)'});
  } else if (second !== undefined && st.type?.value !== 'oneshot') {
    const message =
      `Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing. ` +
      `(${'file' in second.source ? `${second.source.file}:${second.source.line ?? ''}` : ''} adds a command without first resetting the list with an empty "ExecStart=")`;
    st.problems.push({kind: 'multiple-exec-start', message, source: second.source, text: second.text, related: [{source: first.source, text: first.text}]});
  }
}

function build(raw: RawSnapshot): Collected<UnitFacts> {
  const listed = UNIT_SEARCH_PATH.some((d) => raw.dirs[d] !== undefined || raw.dirs[`${d}/kubelet.service.d`] !== undefined);
  const unitFile = locateUnit(raw);
  if (!listed && unitFile === null) return notCollected('the probe did not list the systemd unit directories');
  const hostname = raw.files['/etc/hostname']?.content?.trim() || null;
  const dropIns = locateDropIns(raw);
  const st: MergeState = {problems: [], exec: [], commands: [], type: null, assignments: []};
  if (unitFile === null) {
    const message = `kubelet.service was found in none of ${UNIT_SEARCH_PATH.join(', ')}`;
    st.problems.push({kind: 'no-unit', message, source: {file: `${UNIT_SEARCH_PATH[0]}/kubelet.service`}, text: 'not found'});
  } else mergeUnit(raw, unitFile, dropIns, st, hostname);
  const env = applyEnvironment(raw, st.assignments, st.problems, hostname);
  const loadError = st.problems.some((p) => LOAD_ERRORS.has(p.kind));
  const effective = loadError ? null : (st.commands[st.commands.length - 1] ?? null);
  return collected({
    searchPath: UNIT_SEARCH_PATH,
    unitFile,
    dropIns,
    serviceType: st.type,
    execStart: {assignments: st.exec, commands: st.commands, effective},
    environment: env.environment,
    environmentFiles: env.files,
    command: effective === null ? null : expandCommand(effective, env.environment, st.problems),
    problems: st.problems,
    overrides: findOverrides(effective, env.environment, env.cleared),
  });
}

/**
 * Merge kubelet.service and its drop-ins from the probe's files, as systemd would.
 * Checks read the effective ExecStart, environment and argv from here, never from raw files.
 */
export function buildUnit(raw: RawSnapshot): Collected<UnitFacts> {
  try {
    return build(raw);
  } catch (err) {
    return notCollected(`could not merge kubelet.service: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Live kubelet.service state from the probe's `systemctl-show` command.
 * Not collected under the root transport, where no command runs on the node.
 */
export function buildUnitState(raw: RawSnapshot): Collected<UnitState> {
  if (!raw.live) return notCollected('root transport: commands and /proc are not collected');
  const rec = raw.commands['systemctl-show'];
  if (rec === undefined) return notCollected('`systemctl show kubelet` was not run by the probe');
  if (rec.status !== 'ok') return notCollected(`\`systemctl show kubelet\` ${rec.status}${rec.reason ? `: ${rec.reason}` : ''}`);
  const state = parseUnitState(rec.stdout, rec.command || 'systemctl show kubelet');
  return state === null ? notCollected('`systemctl show kubelet` printed no properties') : collected(state);
}
