/**
 * `--inventory FILE`: a YAML list of nodes for fleet runs. Hosts carry optional
 * user/port/identity/jump/hostRoot/labels; groups share settings among their hosts; `defaults`
 * apply to all. Every mistake is reported at once, each as `file:line: what is wrong`, read from
 * the `yaml` package's positions, so the operator fixes the file in one pass. The format is
 * documented in docs/ssh.md.
 */
import {dirname} from 'node:path';
import {isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap} from 'yaml';
import {InputError, UsageError} from '../errors.js';
import {YamlReader} from '../runbook/reader.js';
import {MAX_INVENTORY_BYTES, readInputSync} from '../transport/limits.js';
import {expandPath} from '../transport/ssh-config.js';
import {parseHostSpec, parsePort, type HostLayer} from './ssh-target.js';

/** One host read from the inventory, before ssh_config and the command line are applied. */
export interface InventoryHost {
  /** The target name in reports (`name:`, else the host string as written). */
  name: string;
  /** The host to connect to (alias or address). */
  host: string;
  layer: HostLayer;
  hostRoot?: string;
  labels: Record<string, string>;
  /** Where it was written (`file:line`), for messages. */
  at: string;
}

/** Settings a host inherits: defaults, then its group, then its own. */
interface Settings {
  layer: HostLayer;
  hostRoot?: string;
  labels: Record<string, string>;
}

const SETTING_KEYS = ['user', 'port', 'identity', 'jump', 'hostRoot', 'labels'] as const;
const HOST_KEYS = ['name', 'host', ...SETTING_KEYS];
const GROUP_KEYS = ['hosts', ...SETTING_KEYS];
const TOP_KEYS = ['defaults', 'hosts', 'groups'];

/** Reads one inventory file, collecting mistakes instead of stopping at the first. */
class Reader extends YamlReader {
  readonly hosts: InventoryHost[] = [];
  private readonly names = new Map<string, string>();

  override str(node: unknown, what: string): string | undefined {
    if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number') && String(node.value).trim() !== '') {
      return String(node.value).trim();
    }
    this.wrong(node as Node, `${what} must be a non-empty string`);
    return undefined;
  }

  /** A string or a list of strings (identity, jump). */
  list(node: unknown, what: string): string[] | undefined {
    if (isSeq(node)) {
      const out = node.items.map((n) => this.str(n, `each ${what}`)).filter((s): s is string => s !== undefined);
      return out.length === node.items.length ? out : undefined;
    }
    const s = this.str(node, `${what} (a string or a list)`);
    return s === undefined
      ? undefined
      : s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
  }

  /** Read the settings keys of a map on top of inherited ones. */
  settings(map: YAMLMap, base: Settings, where: string): Settings {
    const out: Settings = {layer: {...base.layer}, labels: {...base.labels}, ...(base.hostRoot ? {hostRoot: base.hostRoot} : {})};
    const get = (k: string) => map.get(k, true) as Node | undefined;
    const user = get('user');
    if (user !== undefined) {
      const u = this.str(user, `${where}: user`);
      if (u !== undefined) out.layer.user = u;
    }
    const port = get('port');
    if (port !== undefined) {
      try {
        out.layer.port = parsePort(isScalar(port) ? String(port.value) : '?', `${where}`);
      } catch (e) {
        this.wrong(port, (e as Error).message);
      }
    }
    const id = get('identity');
    if (id !== undefined) {
      const ids = this.list(id, `${where}: identity`);
      if (ids) out.layer.identities = ids.map((f) => expandPath(f, dirname(this.file)));
    }
    const jump = get('jump');
    if (jump !== undefined) {
      const j = this.list(jump, `${where}: jump`);
      if (j) {
        for (const hop of j) this.spec(jump, hop, `${where}: jump`);
        out.layer.jump = j;
      }
    }
    const hr = get('hostRoot');
    if (hr !== undefined) {
      const r = this.str(hr, `${where}: hostRoot`);
      if (r !== undefined && !r.startsWith('/')) this.wrong(hr, `${where}: hostRoot ${JSON.stringify(r)} must be an absolute path on the node`);
      else if (r !== undefined) out.hostRoot = r;
    }
    const labels = get('labels');
    if (labels !== undefined) {
      if (!isMap(labels)) {
        this.wrong(labels, `${where}: labels must be a map of key: value`);
      } else {
        for (const p of labels.items) {
          const k = isScalar(p.key) ? String(p.key.value) : '';
          const v = p.value;
          if (k === '' || !isScalar(v) || v.value === null || typeof v.value === 'object') {
            this.wrong(p, `${where}: label ${JSON.stringify(k)} must have a plain value`);
          } else {
            out.labels[k] = String(v.value);
          }
        }
      }
    }
    return out;
  }

  /** Validate a `[user@]host[:port]` string, recording a mistake instead of throwing. */
  spec(node: unknown, s: string, where: string): ReturnType<typeof parseHostSpec> | undefined {
    try {
      return parseHostSpec(s, where);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      this.wrong(node as Node, e.message);
      return undefined;
    }
  }

  host(node: Node, inherited: Settings, where: string): void {
    let name: string | undefined;
    let hostStr: string | undefined;
    let s = inherited;
    if (isScalar(node)) {
      hostStr = this.str(node, `${where}: a host`);
      name = hostStr;
    } else if (isMap(node)) {
      this.keys(node, HOST_KEYS, where);
      const n = node.get('name', true) as Node | undefined;
      const h = node.get('host', true) as Node | undefined;
      if (n === undefined && h === undefined) this.wrong(node, `${where}: a host needs "host" (or "name")`);
      name = n !== undefined ? this.str(n, `${where}: name`) : undefined;
      hostStr = h !== undefined ? this.str(h, `${where}: host`) : name;
      name ??= hostStr;
      s = this.settings(node, inherited, where);
    } else {
      this.wrong(node, `${where}: each host is a "[user@]host[:port]" string or a map with host/name`);
      return;
    }
    if (name === undefined || hostStr === undefined) return;
    const spec = this.spec(node, hostStr, where);
    if (!spec) return;
    const layer: HostLayer = {...s.layer};
    if (spec.user !== undefined) layer.user = spec.user;
    if (spec.port !== undefined) layer.port = spec.port;
    const first = this.names.get(name);
    if (first) {
      this.wrong(node, `${where}: host name "${name}" is listed twice (first at ${first})`);
      return;
    }
    this.names.set(name, this.at(node));
    this.hosts.push({name, host: spec.host, layer, labels: s.labels, at: this.at(node), ...(s.hostRoot ? {hostRoot: s.hostRoot} : {})});
  }

  hostList(node: Node | undefined, s: Settings, where: string): void {
    if (node === undefined) return;
    if (!isSeq(node)) {
      this.wrong(node, `${where}: hosts must be a list`);
      return;
    }
    for (const item of node.items) this.host(item as Node, s, where);
  }
}

/** Read and validate an inventory file; all mistakes are reported in one InputError. */
export function readInventory(file: string): InventoryHost[] {
  let text: string;
  try {
    // Capped before parsing: YAML costs ~100x the file's size in memory.
    text = readInputSync(file, {
      label: '--inventory',
      noun: 'an inventory',
      cap: MAX_INVENTORY_BYTES,
      hint: 'split the fleet into several inventory files, or select nodes from the cluster (--kubeconfig --all-nodes or -l)',
    });
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`--inventory ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? 'error'})`, undefined, {cause: e});
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, {lineCounter: lc, uniqueKeys: true});
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0].line;
    throw new InputError(
      `${file}${line ? `:${line}` : ''}: not valid YAML (${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')})`,
      'see docs/ssh.md for the inventory format',
      {cause: e},
    );
  }
  const r = new Reader(file, lc);
  const top = doc.contents;
  if (!isMap(top)) throw new InputError(`${file}: an inventory is a map with "hosts", "groups" and "defaults"`, 'see docs/ssh.md for the inventory format');
  r.keys(top, TOP_KEYS, 'inventory');
  const base: Settings = {layer: {}, labels: {}};
  const defNode = top.get('defaults', true) as Node | undefined;
  let defaults = base;
  if (defNode !== undefined) {
    if (isMap(defNode)) {
      r.keys(defNode, SETTING_KEYS, 'defaults');
      defaults = r.settings(defNode, base, 'defaults');
    } else {
      r.wrong(defNode, 'defaults must be a map of settings');
    }
  }
  r.hostList(top.get('hosts', true) as Node | undefined, defaults, 'hosts');
  const groups = top.get('groups', true) as Node | undefined;
  if (groups !== undefined) {
    if (!isMap(groups)) {
      r.wrong(groups, 'groups must be a map of group name to settings and hosts');
    } else {
      for (const g of groups.items) {
        const gname = isScalar(g.key) ? String(g.key.value) : '?';
        const where = `group ${gname}`;
        if (!isMap(g.value)) {
          r.wrong(g, `${where}: a group is a map with "hosts" and shared settings`);
          continue;
        }
        r.keys(g.value, GROUP_KEYS, where);
        const gs = r.settings(g.value, defaults, where);
        const hosts = g.value.get('hosts', true) as Node | undefined;
        if (hosts === undefined) r.wrong(g, `${where}: no hosts`);
        r.hostList(hosts, gs, where);
      }
    }
  }
  if (r.mistakes.length > 0) {
    throw new InputError(r.mistakes.join('; '), 'see docs/ssh.md for the inventory format');
  }
  if (r.hosts.length === 0) throw new InputError(`${file}: no hosts in the inventory`, 'list them under "hosts:" or in a group; see docs/ssh.md');
  return r.hosts;
}
