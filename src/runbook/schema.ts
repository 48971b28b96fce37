/**
 * The runbook file (docs/runbooks.md): which nodes, which checks, which fixes under which policy,
 * how many nodes at once, where the report goes, and which findings are waived. Every mistake is
 * reported at once as `file:line: …`, with the nearest known name for a typo.
 */
import {dirname, resolve} from 'node:path';
import {isMap, isScalar, isSeq, type Node, type YAMLMap} from 'yaml';
import {catalogue} from '../../checks/index.js';
import {UsageError} from '../errors.js';
import {IMPLEMENTED_FIXES} from '../fixes/index.js';
import {FORMATS, type Format} from '../report/index.js';
import {parseSelector} from '../targets/selector.js';
import {parseHostSpec} from '../targets/ssh-target.js';
import {nearest, readYaml, type YamlReader} from './reader.js';
import {readWaiverList, type Waiver} from './waivers.js';

/** What a runbook does with a fix: ask the operator, apply it, or only report. */
export type FixPolicy = 'ask' | 'auto' | 'never';

/** A target named in the runbook. */
export type RunbookTarget = {kind: 'ssh'; spec: string} | {kind: 'root'; dir: string} | {kind: 'local'};

/** One fix rule. */
export interface FixRule {
  check: string;
  policy: FixPolicy;
  choice: string | null;
  at: string;
}

/** A validated runbook. */
export interface Runbook {
  file: string;
  name: string | null;
  description: string | null;
  targets: RunbookTarget[];
  inventory: string | null;
  selector: string | null;
  /** The checks to run (fix rules' checks included); null: the whole catalogue. */
  checks: string[] | null;
  fixes: FixRule[];
  stopOnFailure: boolean;
  concurrency: number | null;
  /** Per-node time limit in seconds. */
  timeout: number | null;
  output: {format: Format; file: string | null};
  waivers: Waiver[];
}

const TOP = [
  'name',
  'description',
  'targets',
  'inventory',
  'selector',
  'checks',
  'fixes',
  'stopOnFailure',
  'concurrency',
  'timeout',
  'output',
  'waivers',
] as const;
const POLICIES = ['ask', 'auto', 'never'] as const;
const HINT = 'see docs/runbooks.md for the runbook format';
const CHECK_IDS = catalogue.map((c) => c.id);

/** A check id, or a mistake naming the nearest one. */
function checkId(r: YamlReader, node: Node | undefined, what: string): string | undefined {
  const id = r.str(node, what);
  if (id === undefined || CHECK_IDS.includes(id)) return id;
  const near = nearest(id, CHECK_IDS);
  r.wrong(node, `${what} "${id}" is not a check id${near ? ` (did you mean "${near}"?)` : ' (kubelet-doctor list-checks lists them)'}`);
  return undefined;
}

function readTargets(r: YamlReader, node: Node | undefined, base: string): RunbookTarget[] {
  if (node === undefined) return [];
  if (!isSeq(node)) {
    r.wrong(node, 'targets must be a list');
    return [];
  }
  const out: RunbookTarget[] = [];
  for (const item of node.items as Node[]) {
    if (isScalar(item)) {
      const spec = r.str(item, 'a target');
      if (spec === undefined) continue;
      try {
        parseHostSpec(spec, 'target');
        out.push({kind: 'ssh', spec});
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        r.wrong(item, e.message);
      }
    } else if (isMap(item)) {
      r.keys(item, ['root', 'local'], 'targets[]');
      const dir = r.str(r.get(item, 'root'), 'target root');
      if (dir !== undefined) out.push({kind: 'root', dir: resolve(base, dir)});
      else if (r.bool(r.get(item, 'local'), 'target local') === true) out.push({kind: 'local'});
      else if (r.get(item, 'root') === undefined && r.get(item, 'local') === undefined) r.wrong(item, 'a target map needs "root: DIR" or "local: true"');
    } else {
      r.wrong(item, 'each target is "[user@]host[:port]", {root: DIR} or {local: true}');
    }
  }
  return out;
}

function readFixes(r: YamlReader, node: Node | undefined): FixRule[] {
  if (node === undefined) return [];
  if (!isSeq(node)) {
    r.wrong(node, 'fixes must be a list of {check, policy, choice}');
    return [];
  }
  const out: FixRule[] = [];
  for (const item of node.items as Node[]) {
    if (!isMap(item)) {
      r.wrong(item, 'each fix is a map with check and policy');
      continue;
    }
    r.keys(item, ['check', 'policy', 'choice'], 'fixes[]');
    const cnode = r.get(item, 'check');
    if (cnode === undefined) r.wrong(item, 'a fix needs "check"');
    const check = checkId(r, cnode, 'fix check');
    const def = catalogue.find((c) => c.id === check);
    if (def && (def.fix === null || !IMPLEMENTED_FIXES.includes(def.fix))) r.wrong(cnode, `check "${check ?? ''}" offers no automatic fix`);
    const pnode = r.get(item, 'policy');
    const policy = pnode === undefined ? 'ask' : r.oneOf(pnode, POLICIES, 'fix policy');
    const choice = r.str(r.get(item, 'choice'), 'fix choice') ?? null;
    if (check && policy) {
      if (out.some((f) => f.check === check)) r.wrong(item, `the fix for "${check}" is listed twice`);
      else out.push({check, policy, choice, at: r.at(item)});
    }
  }
  return out;
}

function readOutput(r: YamlReader, node: Node | undefined): Runbook['output'] {
  if (node === undefined) return {format: 'text', file: null};
  if (!isMap(node)) {
    r.wrong(node, 'output must be a map with format and file');
    return {format: 'text', file: null};
  }
  r.keys(node as YAMLMap, ['format', 'file'], 'output');
  const fnode = r.get(node, 'format');
  const format = fnode === undefined ? 'text' : (r.oneOf(fnode, FORMATS, 'output format') ?? 'text');
  return {format, file: r.str(r.get(node, 'file'), 'output file') ?? null};
}

/** Read and validate a runbook file; one InputError lists every mistake. */
export function loadRunbook(file: string): Runbook {
  const {doc, r} = readYaml(file, 'runbook', HINT);
  const top = doc.contents as Node | null;
  if (!top || !isMap(top)) {
    r.wrong(top, 'a runbook is a map with targets, checks and fixes');
    r.done(HINT);
  }
  const m = top as YAMLMap;
  const base = dirname(resolve(file));
  r.keys(m, TOP, 'runbook');
  const get = (k: (typeof TOP)[number]) => r.get(m, k);
  const selector = r.str(get('selector'), 'selector') ?? null;
  if (selector !== null) {
    try {
      parseSelector(selector);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      r.wrong(get('selector'), e.message);
    }
  }
  const checksNode = get('checks');
  let checks: string[] | null = null;
  if (checksNode !== undefined) {
    if (!isSeq(checksNode)) r.wrong(checksNode, 'checks must be a list of check ids');
    else checks = (checksNode.items as Node[]).map((n) => checkId(r, n, 'check')).filter((c): c is string => c !== undefined);
  }
  const fixes = readFixes(r, get('fixes'));
  const inventory = r.str(get('inventory'), 'inventory');
  const timeoutNode = get('timeout');
  const rb: Runbook = {
    file,
    name: r.str(get('name'), 'name') ?? null,
    description: r.str(get('description'), 'description') ?? null,
    targets: readTargets(r, get('targets'), base),
    inventory: inventory === undefined ? null : resolve(base, inventory),
    selector,
    // A fix needs its check's finding: fix rules add their checks.
    checks: checks === null ? null : [...new Set([...checks, ...fixes.map((f) => f.check)])],
    fixes,
    stopOnFailure: r.bool(get('stopOnFailure'), 'stopOnFailure') ?? false,
    concurrency: r.int(get('concurrency'), 'concurrency') ?? null,
    timeout: r.int(timeoutNode, 'timeout (seconds)') ?? null,
    output: readOutput(r, get('output')),
    waivers: readWaiverList(r, get('waivers'), 'waivers'),
  };
  r.done(HINT);
  return rb;
}
