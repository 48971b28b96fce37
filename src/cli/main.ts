/**
 * The only place that reads argv, picks the command and decides the exit code. Every error
 * ends here: operator-fixable ones print a message and hint (no stack); bugs print the stack.
 */
import {setMaxListeners} from 'node:events';
import {BugError, InputError, TargetError, UsageError} from '../errors.js';
import {TOOL_VERSION} from '../version.js';
import {OPTIONS, helpText, parseCommandLine, type ParsedArgs} from './args.js';
import {sanitizeLine} from '../text/sanitize.js';

/** Run the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  // Each node's early probe links its own abort to this run's signal: a fleet of any size.
  setMaxListeners(0, controller.signal);
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const a = parseCommandLine(argv);
    if (a.values['help']) {
      process.stdout.write(`${helpText()}\n`);
      return 0;
    }
    if (a.values['version']) {
      process.stdout.write(`kubelet-doctor ${TOOL_VERSION}\n`);
      return 0;
    }
    const noTarget = !a.values['local'] && !a.values['root'] && !a.values['snapshot'] && a.positional.length === 0;
    if (a.command === 'check' && wantsTui(a, argv)) return await tuiCommand(a, controller.signal);
    switch (a.command) {
      case 'check': {
        if (noTarget && argv.length === 0) {
          process.stderr.write(
            'No target given: running the demo lab (kubelet-doctor lab --run). Check a real node with: kubelet-doctor [user@]HOST, --inventory FILE, --local or --root DIR.\n',
          );
          const {labCommand} = await import('./commands/lab.js');
          // The demo shows findings; it is not a gate, so its failures do not fail `npm start`.
          await labCommand({...a, values: {...a.values, run: true}}, controller.signal);
          return 0;
        }
        // The first SSH connections open while the catalogue and reporters load (engine/warm.ts);
        // a bad --output is still exit 2 before anything is connected to.
        (await import('../report/formats.js')).formatOption(a.values['output']);
        const {listTargetsWarm} = await import('./commands/targets.js');
        try {
          const targets = await listTargetsWarm(a, controller.signal);
          const {checkCommand} = await import('./commands/check.js');
          return await checkCommand(a, controller.signal, targets);
        } finally {
          (await import('../engine/warm.js')).dropWarm();
          (await import('../engine/early-probe.js')).dropEarlyProbes();
        }
      }
      case 'collect': {
        const {collectCommand} = await import('./commands/collect.js');
        return await collectCommand(a, controller.signal);
      }
      case 'list-checks': {
        const {listChecksCommand} = await import('./commands/list-checks.js');
        return await listChecksCommand(a);
      }
      case 'explain': {
        const {explainCommand} = await import('./commands/explain.js');
        return await explainCommand(a);
      }
      case 'fix': {
        const {fixCommand} = await import('./commands/fix.js');
        return await fixCommand(a, controller.signal);
      }
      case 'runbook': {
        const {runbookCommand} = await import('./commands/runbook.js');
        return await runbookCommand(a, controller.signal);
      }
      case 'diff': {
        const {diffCommand} = await import('./commands/diff.js');
        return await diffCommand(a, controller.signal);
      }
      case 'merge': {
        const {mergeCommand} = await import('./commands/merge.js');
        return await mergeCommand(a);
      }
      case 'watch': {
        const {watchCommand} = await import('./commands/watch.js');
        return await watchCommand(a, controller.signal);
      }
      case 'join': {
        const {joinCommand} = await import('./commands/join.js');
        return await joinCommand(a, controller.signal);
      }
      case 'manifest': {
        const {manifestCommand} = await import('./commands/manifest.js');
        return await manifestCommand(a);
      }
      case 'lab': {
        const {labCommand} = await import('./commands/lab.js');
        return await labCommand(a, controller.signal);
      }
      default:
        throw new UsageError(`\`${a.command}\` is not available in this version yet`, 'see kubelet-doctor --help for the commands there are');
    }
  } catch (e) {
    return report(e);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * The first word that is not an option or an option's value: tells `kubelet-doctor check …`
 * (explicit: always the report) from `kubelet-doctor …` (the TUI on a terminal).
 */
function firstPositional(argv: readonly string[]): string | undefined {
  const takesValue = new Set(OPTIONS.filter((o) => o.type === 'string').flatMap((o) => [`--${o.name}`, ...(o.short ? [`-${o.short}`] : [])]));
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '--') return argv[i + 1];
    if (!w.startsWith('-') || w === '-') return w;
    if (takesValue.has(w)) i++;
  }
  return undefined;
}

/**
 * The TUI opens for `kubelet-doctor [TARGET...]` with no explicit command, a target, stdin and
 * stdout both terminals, and no `--output`/`-o`; everything else gets the plain report.
 */
function wantsTui(a: ParsedArgs, argv: readonly string[]): boolean {
  if (firstPositional(argv) === 'check') return false;
  if (a.values['output'] !== undefined || a.values['out'] !== undefined) return false;
  if (argv.length === 0) return false; // no target: the demo lab report (see the 'check' case)
  return process.stdout.isTTY === true && process.stdin.isTTY === true;
}

/**
 * Open the TUI on the targets. The UI never imports the engine: it gets a `probe` callback that
 * checks one target, so headless runs never load React/Ink and the UI never loads transports.
 * The opening screen is painted before React and Ink load (they take hundreds of ms).
 */
async function tuiCommand(a: ParsedArgs, signal: AbortSignal): Promise<number> {
  // React picks its production build at load time from NODE_ENV; the development build is slower to start.
  process.env['NODE_ENV'] ??= 'production';
  // Ink draws no live frames when CI is set (is-in-ci, read when Ink loads); we are on a terminal here.
  delete process.env['CI'];
  delete process.env['CONTINUOUS_INTEGRATION'];
  const common = await import('./commands/common.js');
  const targets = await common.targetsFrom(a);
  const opts = await (await import('./commands/cluster-view.js')).withCluster(a, common.runOptions(a, signal), targets, signal);
  const color = common.colorWanted(a, process.stdout);
  const infos = targets.map((t) => ({name: t.name, transport: t.kind}));
  const {paintFirstFrame} = await import('../ui/first-paint.js');
  const screen = paintFirstFrame(process.stdout, infos, {color, running: opts.concurrency, input: process.stdin});
  // The engine loads faster than Ink: the first probes start as soon as it is there, and the
  // TUI's run queue picks up their results (a re-run is a new probe).
  const engine = import('../engine/run.js');
  const early = new Map<number, {result: ReturnType<EngineRun['runTarget']>; abort: AbortController}>();
  void engine.then(({runTarget}) => {
    for (let i = 0; i < Math.min(targets.length, opts.concurrency); i++) {
      const abort = new AbortController();
      const result = runTarget(targets[i]!, {...opts, signal: AbortSignal.any([signal, abort.signal])});
      result.catch(() => {}); // handled where the run queue awaits it; never an unhandled rejection meanwhile
      early.set(i, {abort, result});
    }
  });
  // The fix wizard (`x` on a check): the session probes and plans; loaded only when asked for.
  const joinCommand = (await import('./commands/cluster-view.js')).joinCommandOf(a);
  const openFix = async (index: number, checkId: string, fixSignal: AbortSignal) => {
    const [{openFixSession}, {catalogue}] = await Promise.all([import('../fixes/session.js'), import('../../checks/index.js')]);
    const check = catalogue.find((c) => c.id === checkId);
    if (!check) throw new Error(`no check ${checkId}`);
    return openFixSession(targets[index]!, check, {
      ...opts,
      signal: AbortSignal.any([signal, fixSignal]),
      audit: true,
      ...(joinCommand ? {joinCommand} : {}),
    });
  };
  try {
    const [{startTui}, {runTarget}] = await Promise.all([import('../ui/start.js'), engine]);
    return await startTui({
      targets: infos,
      checks: opts.checks,
      concurrency: opts.concurrency,
      signal,
      color,
      screen,
      openFix,
      // Best-practice advice is hidden unless asked for, as in the text report.
      advice: a.values['advice'] === true,
      // The w key's interval: --interval, as `watch` takes it.
      ...(a.values['interval'] !== undefined
        ? {watchIntervalMs: (await import('./commands/watch.js')).durationOption(a.values['interval'], 'interval', 0.1) * 1000}
        : {}),
      probe: (index, probeSignal) => {
        const started = early.get(index);
        if (!started) return runTarget(targets[index]!, {...opts, signal: AbortSignal.any([signal, probeSignal])});
        early.delete(index);
        probeSignal.addEventListener('abort', () => started.abort.abort(), {once: true});
        return started.result;
      },
    });
  } finally {
    for (const e of early.values()) e.abort.abort();
    screen.leave();
  }
}

type EngineRun = typeof import('../engine/run.js');

/** File-system failures the operator can act on (a path, a permission, a full disk): exit 2, one line. */
const OPERATOR_FS_ERRORS: ReadonlySet<string> = new Set(['EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'EISDIR', 'ENOSPC', 'EROFS', 'EEXIST', 'ELOOP', 'EDQUOT']);

function report(e: unknown): number {
  const line = (s: string) => process.stderr.write(`${sanitizeLine(s)}\n`);
  if (e instanceof UsageError || e instanceof InputError) {
    line(`kubelet-doctor: ${e.message}`);
    if (e.hint) line(`hint: ${e.hint}`);
    return 2;
  }
  if (e instanceof TargetError) {
    line(`kubelet-doctor: ${e.message}`);
    if (e.hint) line(`hint: ${e.hint}`);
    return 3;
  }
  const err = e instanceof Error ? e : new BugError(String(e));
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined && OPERATOR_FS_ERRORS.has(code)) {
    line(`kubelet-doctor: ${err.message}`);
    return 2;
  }
  // Input files are validated (sizes capped, a snapshot's nesting bounded) before anything walks
  // them; should some input still nest too deeply for the stack, it is bad input, not a crash.
  if (err instanceof RangeError && /Maximum call stack size exceeded/.test(err.message)) {
    line('kubelet-doctor: an input file is nested too deeply to read (Maximum call stack size exceeded)');
    line('hint: check the --inventory, --snapshot, runbook or --waivers file given');
    return 2;
  }
  process.stderr.write(`kubelet-doctor: internal error (please report this at the project's issue tracker)\n${err.stack ?? err.message}\n`);
  return 70;
}
