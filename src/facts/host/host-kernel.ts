/**
 * Kernel prerequisites kubeadm's preflight checks (knowledge/kubelet.md K4): the br_netfilter
 * module and the sysctls net.bridge.bridge-nf-call-iptables and net.ipv4.ip_forward. Live
 * values come from /proc; what the next boot applies comes from sysctl.d and modules-load.d.
 */
import {collected, notCollected} from '../core.js';
import type {Collected, RawSnapshot, Sourced} from '../core.js';
import type {KernelFacts} from './host.js';

/** The /proc/sys files the probe reads live, by sysctl name. */
export const LIVE_SYSCTLS: Readonly<Record<string, string>> = Object.freeze({
  'net.bridge.bridge-nf-call-iptables': '/proc/sys/net/bridge/bridge-nf-call-iptables',
  'net.bridge.bridge-nf-call-ip6tables': '/proc/sys/net/bridge/bridge-nf-call-ip6tables',
  'net.ipv4.ip_forward': '/proc/sys/net/ipv4/ip_forward',
});

// sysctl.d(5) / modules-load.d(5): same-named files in earlier directories mask later ones.
const SYSCTL_DIRS = ['/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d'];
const MODULES_DIRS = ['/etc/modules-load.d', '/run/modules-load.d', '/usr/local/lib/modules-load.d', '/usr/lib/modules-load.d', '/lib/modules-load.d'];

function content(raw: RawSnapshot, path: string): string | null {
  const f = raw.files[path];
  return f?.status === 'ok' && f.content !== undefined && !f.binary ? f.content : null;
}

/**
 * The `*.conf` files of the given directories in processing order: "sorted by their filename in
 * lexicographic order, regardless of which of the directories they reside in"; for a name found
 * in several directories only the first (/etc before /run before /usr/lib) is used.
 */
export function confFiles(raw: RawSnapshot, dirs: readonly string[]): string[] {
  const byName = new Map<string, string>();
  for (const dir of dirs) {
    for (const e of raw.dirs[dir]?.entries ?? []) {
      if (e.type === 'dir' || !e.name.endsWith('.conf') || byName.has(e.name)) continue;
      byName.set(e.name, `${dir}/${e.name}`);
    }
  }
  return [...byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((n) => byName.get(n) ?? n);
}

/** Apply one sysctl file's `key = value` lines onto `out` (later lines win). */
export function parseSysctl(path: string, text: string, out: Record<string, Sourced<string>>): void {
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) return;
    const eq = t.indexOf('=');
    if (eq < 0) return;
    // A leading "-" only silences errors; "/" separators are equivalent to "." (sysctl.d(5)).
    let key = t.slice(0, eq).trim().replace(/^-/, '');
    if (key.includes('/')) key = key.replace(/\//g, '.');
    out[key] = {value: t.slice(eq + 1).trim(), source: {file: path, line: i + 1}, text: t};
  });
}

/** Apply a modules-load.d file (or /etc/modules): one module per line, `#`/`;` comments. */
export function parseModules(path: string, text: string, out: Record<string, Sourced<string>>): void {
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) return;
    // modprobe treats "-" and "_" in module names alike; /proc/modules shows "_".
    const name = (t.split(/\s+/)[0] ?? t).replace(/-/g, '_');
    out[name] = {value: name, source: {file: path, line: i + 1}, text: t};
  });
}

function liveFacts(raw: RawSnapshot): Pick<KernelFacts, 'sysctl' | 'loadedModules'> {
  const sysctl: KernelFacts['sysctl'] = {};
  for (const [key, path] of Object.entries(LIVE_SYSCTLS)) {
    const rec = raw.files[path];
    if (!rec) continue;
    if (rec.status === 'missing') sysctl[key] = {value: null, source: {file: path}, text: `${path} does not exist`};
    else if (rec.status === 'ok' && rec.content !== undefined) {
      sysctl[key] = {value: rec.content.trim(), source: {file: path, line: 1}, text: rec.content.trim()};
    }
  }
  const mods = content(raw, '/proc/modules');
  let loadedModules: KernelFacts['loadedModules'] = null;
  if (mods !== null) {
    loadedModules = {};
    mods.split('\n').forEach((line, i) => {
      // <0:name> <1:size> <2:refcount> <3:deps> <4:state> <5:address>
      const name = line.trim().split(/\s+/)[0];
      if (name && loadedModules) loadedModules[name] = {value: name, source: {file: '/proc/modules', line: i + 1}, text: line.trim()};
    });
  }
  return {sysctl, loadedModules};
}

/**
 * Kernel facts. Persisted sysctls follow sysctl.d(5) (then /etc/sysctl.conf last, as
 * `sysctl --system` does), boot modules follow modules-load.d(5) plus Debian's /etc/modules.
 * Live nodes also get /proc/sys values and /proc/modules.
 */
export function buildKernel(raw: RawSnapshot): Collected<KernelFacts> {
  const seen = [...SYSCTL_DIRS, ...MODULES_DIRS].some((d) => raw.dirs[d]) || ['/etc/sysctl.conf', '/etc/modules'].some((f) => raw.files[f]);
  if (!raw.live && !seen) return notCollected('root transport: no sysctl.d, modules-load.d, /etc/sysctl.conf or /etc/modules was collected');
  const files: string[] = [];
  const persisted: Record<string, Sourced<string>> = {};
  for (const path of [...confFiles(raw, SYSCTL_DIRS), '/etc/sysctl.conf']) {
    const text = content(raw, path);
    if (text === null) continue;
    files.push(path);
    parseSysctl(path, text, persisted);
  }
  const bootModules: Record<string, Sourced<string>> = {};
  for (const path of [...confFiles(raw, MODULES_DIRS), '/etc/modules']) {
    const text = content(raw, path);
    if (text === null) continue;
    files.push(path);
    parseModules(path, text, bootModules);
  }
  const live = raw.live ? liveFacts(raw) : {sysctl: {}, loadedModules: null};
  return collected({live: raw.live, ...live, persisted, bootModules, files});
}
