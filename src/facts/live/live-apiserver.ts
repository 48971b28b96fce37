/**
 * The API server as the node sees it: the server URL and CA the probe read from kubelet.conf
 * (bootstrap-kubelet.conf while bootstrapping), the name lookup, the TLS-verified GET of /livez
 * (or /healthz), the node's clock right after it, and the proxy variables of the running kubelet.
 */
import {collected, notCollected, type Collected, type RawSnapshot, type Source, type Sourced} from '../core.js';
import {lastValue, liveValues, oneLine} from './live-records.js';
import {readHttp, type HttpResult} from './live-http.js';

/** How the probe verified the server's certificate. */
export type CaKind = 'data' | 'file' | 'missing' | 'bad-data' | 'insecure' | 'none';

/** The name lookup of the server's host. */
export interface DnsResult {
  /** `ip`: the server is an address, nothing to look up; `not-checked`: no getent on the node. */
  status: 'ip' | 'resolved' | 'failed' | 'not-checked';
  addresses: string[];
  source: Source;
  text: string;
}

/** What the probe found out about reaching the API server. */
export interface ApiserverFacts {
  /** The kubeconfig the probe read (the effective one is in facts.kubeconfig). */
  kubeconfig: string;
  server: string;
  host: string;
  port: number;
  ca: {kind: CaKind; path: string | null};
  dns: DnsResult;
  /** GET /livez. */
  livez: HttpResult | null;
  /** GET /healthz, asked only when /livez answered 404 (API servers before 1.16). */
  healthz: HttpResult | null;
  /** The node's clock (unix seconds) right after the request: pairs with the response's Date. */
  nodeEpoch: Sourced<number> | null;
  /**
   * `*_proxy` variables of the running kubelet (/proc/<pid>/environ), credentials redacted on the
   * node; null when no kubelet process runs (then only the unit's environment tells).
   */
  processProxy: Record<string, Sourced<string>> | null;
}

function caOf(text: string | undefined): ApiserverFacts['ca'] {
  if (text === undefined || text === 'none') return {kind: 'none', path: null};
  if (text === 'data' || text === 'insecure' || text === 'bad-data') return {kind: text, path: null};
  const i = text.indexOf(':');
  const kind = text.slice(0, i);
  return {kind: kind === 'file' ? 'file' : 'missing', path: text.slice(i + 1)};
}

function dnsOf(raw: RawSnapshot, host: string): DnsResult {
  const source: Source = {command: `getent hosts ${host}`};
  if (/^[\d.]+$/.test(host) || host.includes(':')) return {status: 'ip', addresses: [host], source, text: `${host} is an address`};
  const rec = raw.commands['api-dns'];
  if (!rec || rec.status === 'not-found') return {status: 'not-checked', addresses: [], source, text: 'getent is not installed on the node'};
  const addresses = [
    ...new Set(
      rec.stdout
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[0] ?? '')
        .filter(Boolean),
    ),
  ];
  if (rec.status === 'ok' && addresses.length > 0) return {status: 'resolved', addresses, source, text: oneLine(rec.stdout.split('\n')[0] ?? '')};
  // getent exits 2 when the name is not found.
  const why = rec.status === 'timeout' ? 'timed out' : rec.exitCode === 2 ? 'not found' : oneLine(rec.reason ?? `exit ${rec.exitCode ?? '?'}`);
  return {status: 'failed', addresses: [], source, text: `getent hosts ${host}: ${why}`};
}

function proxyOf(raw: RawSnapshot): Record<string, Sourced<string>> | null {
  const rec = raw.commands['kubelet-proxy-env'];
  if (!rec) return null;
  const out: Record<string, Sourced<string>> = {};
  for (const line of rec.stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    out[line.slice(0, i)] = {value: line.slice(i + 1), source: {command: 'running kubelet environment (/proc/<pid>/environ)'}, text: oneLine(line)};
  }
  return out;
}

/** Build the API server facts from the probe's `live` record and its `api-*` requests. */
export function buildApiserver(raw: RawSnapshot): Collected<ApiserverFacts> {
  const live = liveValues(raw);
  if (!live.ok) return notCollected(live.reason);
  const v = live.values;
  const kubeconfig = lastValue(v, 'api.kubeconfig');
  if (kubeconfig === undefined) return notCollected('not collected: the probe did not look for the API server');
  const error = lastValue(v, 'api.error');
  const server = lastValue(v, 'api.server') ?? '';
  if (error !== undefined) return notCollected(`not collected: ${error}`);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return notCollected(`not collected: ${kubeconfig} has no usable server URL ("${oneLine(server, 80)}")`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
  const nodeTime = raw.commands['api-node-time'];
  const epoch = nodeTime?.status === 'ok' ? Number(nodeTime.stdout.trim()) : NaN;
  return collected({
    kubeconfig,
    server,
    host,
    port,
    ca: caOf(lastValue(v, 'api.ca')),
    dns: dnsOf(raw, host),
    livez: readHttp(raw, 'api-livez', v),
    healthz: readHttp(raw, 'api-healthz', v),
    nodeEpoch: Number.isFinite(epoch) ? {value: epoch, source: {command: 'date -u +%s'}, text: nodeTime?.stdout.trim() ?? ''} : null,
    processProxy: proxyOf(raw),
  });
}
