/**
 * CNI facts: the network configs in the runtime's conf dir, which one is in use, and whether the
 * plugin binaries they name exist in the runtime's bin dirs. Until a usable config exists the
 * runtime reports NetworkReady=false ("cni plugin not initialized") and the node stays NotReady.
 *
 * Which file is used (libcni ConfFiles: extensions .conf, .conflist, .json, lexical order):
 * containerd (go-cni) loads the first file and fails on it if it is invalid; CRI-O (ocicni) and
 * cri-dockerd skip invalid files and use the first valid one.
 */
import {collected, notCollected} from '../core.js';
import type {Collected, RawSnapshot, Sourced} from '../core.js';
import {fileText, type ConfigFileStatus} from './runtime-parse.js';
import {parseJsonText} from './runtime-json.js';
import type {RuntimeFacts, RuntimeName} from './runtime.js';

/** One file in the CNI conf dir with a CNI extension. */
export interface CniConfigFile {
  path: string;
  /** `invalid`: valid JSON that is not a usable CNI config (no name, no plugins, no type). */
  status: ConfigFileStatus | 'invalid';
  error?: string;
  line?: number;
  kind: 'conflist' | 'conf';
  name: string | null;
  /** Plugin binaries the config needs, each with the line of its `"type"` (ipam and delegates too). */
  plugins: Sourced<string>[];
}

/** A CNI bin dir and what the probe saw in it. */
export interface CniBinDir {
  path: string;
  status: 'ok' | 'missing' | 'not-collected' | 'unreadable';
  entries: string[];
}

/** CNI configuration and plugin binaries as the runtime will see them. */
export interface CniFacts {
  runtime: RuntimeName;
  /** The conf dir and where the runtime's config sets it. */
  confDir: Sourced<string>;
  confDirStatus: 'ok' | 'missing' | 'not-collected' | 'unreadable';
  /** Files with a CNI extension, lexical order. */
  configs: CniConfigFile[];
  /** Other files in the dir, which the runtime ignores (`calico.conf.bak`, `README`). */
  ignored: string[];
  /** The config the runtime loads (see the file comment), or null when none is usable. */
  inUse: CniConfigFile | null;
  binDirs: Sourced<string[]>;
  binListings: CniBinDir[];
  /** Plugin binaries of the config in use found in no bin dir (only when every dir was listed). */
  missing: Sourced<string>[];
  /** Live: the runtime's NetworkReady condition from `crictl info`. */
  networkReady: Sourced<boolean> | null;
}

const EXTENSIONS = ['.conf', '.conflist', '.json'];
const trimSlash = (p: string): string => (p.length > 1 ? p.replace(/\/+$/, '') : p);

/** Build CNI facts from the runtime's conf and bin dirs. */
export function buildCni(raw: RawSnapshot, runtime: Collected<RuntimeFacts>): Collected<CniFacts> {
  if (!runtime.collected) return notCollected(runtime.reason);
  const rt = runtime.value;
  const dir = trimSlash(rt.cni.confDir.value);
  const listing = raw.dirs[dir];
  const confDirStatus = !listing ? 'not-collected' : listing.status === 'ok' ? 'ok' : listing.status === 'missing' ? 'missing' : 'unreadable';
  const names = (listing?.status === 'ok' ? listing.entries.filter((e) => e.type !== 'dir').map((e) => e.name) : []).sort();
  const configs = names.filter((n) => EXTENSIONS.some((x) => n.endsWith(x))).map((n) => readConfig(raw, `${dir}/${n}`));
  const ignored = names.filter((n) => !EXTENSIONS.some((x) => n.endsWith(x)));
  const inUse = rt.name === 'containerd' ? (configs[0] ?? null) : (configs.find((c) => c.status === 'ok') ?? null);
  const binListings = rt.cni.binDirs.value.map((p): CniBinDir => {
    const path = trimSlash(p);
    const l = raw.dirs[path];
    if (!l) return {path, status: 'not-collected', entries: []};
    if (l.status === 'missing') return {path, status: 'missing', entries: []};
    if (l.status !== 'ok') return {path, status: 'unreadable', entries: []};
    return {path, status: 'ok', entries: l.entries.filter((e) => e.type !== 'dir').map((e) => e.name)};
  });
  const judged = binListings.every((b) => b.status === 'ok' || b.status === 'missing');
  const missing = inUse?.status === 'ok' && judged ? inUse.plugins.filter((p) => !binListings.some((b) => b.entries.includes(p.value))) : [];
  return collected({
    runtime: rt.name,
    confDir: rt.cni.confDir,
    confDirStatus,
    configs,
    ignored,
    inUse,
    binDirs: rt.cni.binDirs,
    binListings,
    missing: dedupe(missing),
    networkReady: rt.cri.collected ? rt.cri.value.networkReady : null,
  });
}

function dedupe(list: Sourced<string>[]): Sourced<string>[] {
  const seen = new Set<string>();
  return list.filter((p) => {
    if (seen.has(p.value)) return false;
    seen.add(p.value);
    return true;
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Read one CNI config: parse, validate the way libcni does, list the plugin binaries it needs. */
function readConfig(raw: RawSnapshot, path: string): CniConfigFile {
  const kind = path.endsWith('.conflist') ? 'conflist' : 'conf';
  const base = {path, kind, name: null, plugins: []} as const;
  const ft = fileText(raw, path);
  if (!ft.ok) return {...base, plugins: [], status: ft.status, error: ft.error};
  const parsed = parseJsonText(ft.text);
  if (!parsed.ok) {
    return {...base, plugins: [], status: 'parse-error', error: parsed.error, ...(parsed.line === undefined ? {} : {line: parsed.line})};
  }
  const data = parsed.data;
  const invalid = (error: string): CniConfigFile => ({...base, plugins: [], status: 'invalid', error, line: 1});
  if (!isObject(data)) return invalid('not a JSON object');
  const name = typeof data['name'] === 'string' ? data['name'] : null;
  const types = typeLines(ft.text, path);
  const needs = (obj: Record<string, unknown>, out: Sourced<string>[]): void => {
    const t = obj['type'];
    if (typeof t !== 'string' || t === '') return;
    const at = types.take(t);
    out.push(at);
    const ipam = obj['ipam'];
    if (isObject(ipam) && typeof ipam['type'] === 'string' && ipam['type'] !== '') out.push(types.take(ipam['type']));
    if (t === 'flannel') {
      // flannel delegates to the bridge plugin (with host-local IPAM) unless delegate.type says otherwise.
      const d = obj['delegate'];
      const dt = isObject(d) && typeof d['type'] === 'string' ? d['type'] : 'bridge';
      out.push({value: dt, source: at.source, text: `${at.text} (delegates to ${dt})`});
      out.push({value: 'host-local', source: at.source, text: `${at.text} (delegate IPAM host-local)`});
    }
  };
  const plugins: Sourced<string>[] = [];
  if (kind === 'conflist' || Array.isArray(data['plugins'])) {
    // libcni ConfListFromBytes: a list needs a name and at least one plugin, each with a type.
    if (name === null) return invalid('no "name" in the network config list');
    const list = data['plugins'];
    if (!Array.isArray(list) || list.length === 0) return invalid('no plugins in the network config list');
    for (const [i, p] of list.entries()) {
      if (!isObject(p) || typeof p['type'] !== 'string' || p['type'] === '') return invalid(`plugin ${i} has no "type"`);
      needs(p, plugins);
    }
  } else {
    // go-cni: "network type not found" catches a conflist saved as .conf too.
    if (typeof data['type'] !== 'string' || data['type'] === '') return invalid('no "type" in the network config');
    needs(data, plugins);
  }
  return {path, kind, name, plugins, status: 'ok'};
}

/** Every `"type": "x"` in the text with its line, handed out in document order per value. */
function typeLines(text: string, file: string): {take(value: string): Sourced<string>} {
  const lines = text.split(/\r?\n/);
  const found: {value: string; line: number}[] = [];
  for (const [i, l] of lines.entries()) {
    // <1:type value>
    for (const m of l.matchAll(/"type"\s*:\s*"([^"]*)"/g)) found.push({value: m[1] ?? '', line: i + 1});
  }
  return {
    take(value: string): Sourced<string> {
      const k = found.findIndex((f) => f.value === value);
      const hit = k >= 0 ? found.splice(k, 1)[0] : undefined;
      const line = hit?.line ?? 1;
      return {value, source: {file, line}, text: (lines[line - 1] ?? '').trim().replace(/,$/, '')};
    },
  };
}
