/**
 * The kubelet's recent journal matched against the signature catalogue: every log line another
 * check declares it explains (`signatures`), so "unknown flag: --network-plugin" in the journal
 * points at kubelet-flags. A crash loop's fatal line (`"command failed"`, klog `F`) comes first;
 * a fatal line from before the kubelet's last start, while it now runs steadily, is history (warn).
 *
 * The catalogue imports this check, so it receives the signature list lazily:
 * `createKubeletLogs(() => allSignatures(catalogue))` in checks/index.ts.
 */
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {CheckDef, Evidence, Verdict} from '../src/catalogue/define.js';
import type {LogSignature} from '../src/catalogue/signatures.js';
import type {Facts} from '../src/facts/types.js';
import type {JournalLine} from '../src/facts/host/journal.js';

/**
 * Checks that declare log signatures: a matched line is explained by one of them. systemd-dropin
 * is reached through kubelet-flags (which it explains): listed here directly, this check would
 * become the cause the engine hangs systemd-dropin's restart-loop symptom under.
 */
export const EXPLAINING_CHECKS = [
  'kubelet-flags',
  'kubelet-config',
  'kubeconfig',
  'cert-expiry',
  'cgroup-driver-match',
  'cgroup-version',
  'container-runtime',
  'swap',
  'kernel-prereqs',
  'node-identity',
  'static-pods',
  'node-allocatable',
  'cni-config',
  'lock-file',
  'healthz',
  'ports',
  'apiserver-reachable',
  'eviction-pressure',
  'clock-skew',
  'version-skew',
  'node-status',
  'join-prereqs',
] as const;

// A line that ends the kubelet: klog Fatal, the "command failed" / "Failed to run kubelet" wrappers
// (kubelet.md §0), or systemd refusing to load the unit.
const FATAL = /^F\d{4} |"command failed"|[Ff]ailed to run [Kk]ubelet|\bRefusing\.$/;
// systemd's "Started kubelet.service - kubelet: The Kubernetes Node Agent." (older: "Started kubelet: …").
const STARTED = /^Started kubelet\b/;

/** klog's structured values escape quotes (`err="open \"/x\": …"`): match both forms. */
const unescapeQuotes = (s: string): string => s.replace(/\\(["\\])/g, '$1');

/** A signature's matches in the journal. */
interface Group {
  sig: LogSignature;
  lines: JournalLine[];
  fatal: boolean;
}

/** Match every line against every signature (a line may point at two checks). */
export function matchJournal(lines: readonly JournalLine[], signatures: readonly LogSignature[]): Group[] {
  const compiled = signatures.map((sig) => ({sig, re: new RegExp(sig.pattern.source, sig.pattern.flags.replace(/[gy]/g, ''))}));
  const groups = new Map<string, Group>();
  for (const line of lines) {
    const plain = unescapeQuotes(line.message);
    for (const {sig, re} of compiled) {
      if (!re.test(line.message) && !re.test(plain)) continue;
      const key = `${sig.check}/${sig.id}`;
      const g = groups.get(key) ?? {sig, lines: [], fatal: false};
      g.lines.push(line);
      g.fatal ||= FATAL.test(line.message);
      groups.set(key, g);
    }
  }
  return [...groups.values()];
}

/** The kubelet runs steadily now (systemd: active, running). */
function runningSteadily(facts: Facts): boolean {
  const s = facts.unitState.collected ? facts.unitState.value : null;
  return s?.activeState?.value === 'active' && s.subState?.value === 'running';
}

// klog's header: <level><mmdd> <time> <pid> <file:line>]
const KLOG = /^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [^\]\s]+\] /;

/** The message without klog's header; for `"command failed" err="…"`, the error itself. */
function excerpt(l: JournalLine): string {
  const msg = l.message.replace(KLOG, '');
  // <1:the err value of a structured fatal line>
  const err = /^"(?:command failed|Failed to run kubelet)" err="(.*)"$/.exec(msg);
  const text = err?.[1] !== undefined ? unescapeQuotes(err[1]) : msg;
  return text.length > 220 ? `${text.slice(0, 219)}…` : text;
}
const lineEv = (l: JournalLine, command: string): Evidence => ({source: {command}, text: l.text});

/** One verdict per matched signature, fatal ones of the latest run first. */
function verdicts(groups: Group[], lastStart: number, steady: boolean, command: string): Verdict[] {
  const inRun = (g: Group): JournalLine | undefined => g.lines.find((l) => l.index > lastStart);
  const rank = (g: Group): [number, number] => {
    const cur = inRun(g);
    const tier = g.fatal ? (cur ? 0 : 1) : cur ? 2 : 3;
    return [tier, cur ? cur.index : -(g.lines[g.lines.length - 1]?.index ?? 0)];
  };
  const sorted = [...groups].sort((a, b) => {
    const [ta, ia] = rank(a);
    const [tb, ib] = rank(b);
    return ta - tb || ia - ib;
  });
  return sorted.map((g) => {
    const first = g.lines[0]!;
    const last = g.lines[g.lines.length - 1]!;
    const times = g.lines.length > 1 ? `, ${g.lines.length} times${last.time ? `, last at ${last.time}` : ''}` : first.time ? `, at ${first.time}` : '';
    const history = steady && !inRun(g);
    const what = g.fatal ? (history ? 'the kubelet exited earlier with' : 'the kubelet exits with') : 'the journal shows';
    const tail = history ? ' (before its last start; it runs now)' : '';
    const summary = `${what} "${excerpt(first)}" (${g.sig.id}${times}): explained by ${g.sig.check}${tail}`;
    const evidence = [lineEv(first, command), ...(last !== first ? [lineEv(last, command)] : [])];
    return {...(g.fatal && !history ? fail : warn)(summary, evidence), pointsTo: g.sig.check};
  });
}

/** How the report words a journal read stopped at its time cap. */
function journalCut(c: {bytes: number; capS: number}, overByteCap: boolean): string {
  const bytes = overByteCap ? `more than ${c.bytes} bytes (the last ${c.bytes} kept)` : `${c.bytes} bytes`;
  return `journal read cut by the time cap (${c.capS} s) after ${bytes}`;
}

/** Build the check over a signature list read when it runs (the catalogue is not complete at import time). */
export function createKubeletLogs(signatures: () => readonly LogSignature[]): CheckDef {
  return defineCheck({
    id: 'kubelet-logs',
    title: 'recent kubelet journal lines match no known failure',
    category: 'kubelet',
    severity: 'high',
    description:
      "The last few hundred lines of `journalctl -u kubelet`, matched against every log line the catalogue knows (the kubelet's, kubeadm's and systemd's wording for the classic failures). Each match names the check that explains it; the line that made the kubelet exit comes first.",
    needs: ['journal', 'unitState'],
    explainedBy: EXPLAINING_CHECKS,
    symptom: true,
    live: true,
    remediation:
      'Open the check each matched line points to: its finding shows the file and line to change. For a line no check explains, read the context with `journalctl -u kubelet -n 100 --no-pager` and look for the first error after the last "Started kubelet".',
    references: [
      'https://kubernetes.io/docs/setup/production-environment/tools/kubeadm/troubleshooting-kubeadm/',
      'https://www.freedesktop.org/software/systemd/man/latest/journalctl.html',
    ],
    evaluate(facts) {
      const {journal} = facts;
      if (!journal.collected) return skip(journal.reason);
      const j = journal.value;
      const command = typeof j.source === 'object' && 'command' in j.source ? j.source.command : 'journalctl -u kubelet';
      // journalctl writes oldest first: stopped at its time cap, the newest lines were not read.
      const cut = j.cutByTime ? journalCut(j.cutByTime, j.truncated) : null;
      if (j.lines.length === 0) {
        return skip(
          cut
            ? `${cut}: no complete kubelet journal line was read`
            : 'the journal holds no kubelet.service lines (the kubelet may log elsewhere, or never ran)',
        );
      }
      let lastStart = 0;
      for (const l of j.lines) if (l.ident === 'systemd' && STARTED.test(l.message)) lastStart = l.index;
      const groups = matchJournal(j.lines, signatures());
      if (groups.length > 0) {
        const found = verdicts(groups, lastStart, runningSteadily(facts), command);
        // A line that matched is a real finding; what came after it is unknown.
        return cut ? found.map((v) => ({...v, summary: `${v.summary} (${cut}: the newest lines were not read)`})) : found;
      }
      const first = j.lines[0]!;
      const since = first.time ? ` (since ${first.time})` : '';
      if (cut) {
        // A pass needs the newest lines: the kubelet's latest run is what they would show.
        return skip(`${cut}: no known failure signature in the ${j.lines.length} kubelet journal lines read${since}, but the newest lines were not read`);
      }
      return pass(`no known failure signature in the last ${j.lines.length} kubelet journal lines${since}`, [lineEv(j.lines[j.lines.length - 1]!, command)]);
    },
  });
}
