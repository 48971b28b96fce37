/**
 * Journal lines differ from the catalogued wording in everything but the message: timestamps,
 * klog headers, pids, node names, IP addresses, paths and versions. `normalizeLogLine` strips or
 * folds those parts, and it is applied to both the query and the catalogued text, so a pasted
 * line and the signature it matches meet on the words that carry meaning.
 */
import {sanitizeLine} from '../text/sanitize.js';

/** Rewrites applied in order; each removes one kind of variable part. */
const RULES: readonly (readonly [RegExp, string])[] = [
  // Structured logging escapes quotes inside err="…": `\"node-2\"` → `"node-2"`.
  [/\\+"/g, '"'],
  // syslog / journalctl short: `Apr 16 12:04:10 node-1 kubelet[7769]: ` (<1:host> <2:ident>)
  [/^[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \S+ [\w.@/-]+(?:\[\d+\])?: /, ''],
  // journalctl -o short-iso / short-precise: `2024-04-16T12:04:10+0000 node-1 kubelet[7769]: `
  [/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})? \S+ [\w.@/-]+(?:\[\d+\])?: /, ''],
  // klog header: `E0416 12:04:10.794442    7769 run.go:74] ` (<severity><mmdd> <time> <pid> <file:line>])
  [/\b[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+\s+[\w.-]+:\d+\]\s*/g, ''],
  // The kubelet's generic wrappers around every fatal error (kubelet.md §0): they say nothing about the cause.
  [/"(?:command failed|Failed to run kubelet)"\s+err=/gi, ''],
  [/\bfailed to run Kubelet:\s*/gi, ''],
  // Any remaining timestamp: ISO dates with times, Go's `2026-05-20 00:00:00 +0000 UTC`, clock times.
  [/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|\s?[+-]\d{2}:?\d{2})?(?: UTC)?)?/g, ''],
  [/\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b/g, ''],
  // Process ids in brackets: `kubelet[7769]`.
  [/\[\d+\]/g, ''],
  // IPv6 (bracketed or bare, at least three groups) and IPv4 addresses, with an optional port.
  [/\[[0-9a-fA-F:.]+\](?::\d+)?/g, ''],
  [/\b(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{0,4}\b/g, ''],
  [/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, ''],
  // UUIDs and long hex ids (container ids, hashes).
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, ''],
  [/\b[0-9a-f]{12,}\b/gi, ''],
  // Paths fold to their last component: `/etc/kubernetes/bootstrap-kubelet.conf` → `bootstrap-kubelet.conf`.
  [/(?:\/+[\w.@%+-]+)*\/+([\w.@%+-]+)/g, ' $1'],
  // Versions: v1.30.2, 1.27.16-1.1, go1.22.
  [/\b(?:v|go)?\d+\.\d+(?:\.\d+)?(?:[-+][\w.]+)?\b/g, ''],
  // A quoted single word is a name (node, plugin, resource): `"node-2"` → `""`.
  [/"[^"\s]{1,64}"/g, '""'],
  // Remaining numbers (counters, sizes, line numbers).
  [/\b\d+(?:\.\d+)?\b/g, ''],
];

/**
 * Reduce a log line (or any query) to the words that identify the message: control characters and
 * escapes removed, then timestamps, klog headers, pids, IPs, hex ids, versions, numbers and quoted
 * names dropped, paths folded to their file name, case and spacing folded.
 */
export function normalizeLogLine(line: string): string {
  let s = sanitizeLine(line).trim();
  for (const [pattern, replacement] of RULES) s = s.replace(pattern, replacement);
  return s.replace(/\s+/g, ' ').trim().toLowerCase();
}

/**
 * The forms of a query that signature patterns are tried on: as typed (sanitised), and with the
 * structured-logging quote escapes removed, since catalogued patterns are written for either.
 */
export function patternForms(query: string): string[] {
  const raw = sanitizeLine(query).trim();
  const unescaped = raw.replace(/\\+"/g, '"');
  return unescaped === raw ? [raw] : [raw, unescaped];
}
