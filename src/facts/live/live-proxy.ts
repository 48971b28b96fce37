/**
 * Would the kubelet send a request through a proxy? The kubelet's client (client-go) uses Go's
 * http.ProxyFromEnvironment: HTTPS_PROXY (then https_proxy) for https URLs, HTTP_PROXY for http,
 * NO_PROXY (then no_proxy) exempting hosts, and never a proxy for localhost or loopback addresses
 * (golang.org/x/net/http/httpproxy). A proxy the node's admin set for image pulls often catches
 * the API server too when NO_PROXY forgets its address.
 */
import {isIP} from 'node:net';
import type {Source} from '../core.js';

/** A proxy variable with where it was set. */
export interface ProxyVar {
  name: string;
  value: string;
  source: Source;
  text: string;
}

/** The proxy a request to host:port would use, with the variables that decide it. */
export interface ProxyDecision {
  proxy: ProxyVar;
  /** The NO_PROXY in force (which does not cover the host), if any. */
  noProxy: ProxyVar | null;
}

/** The first non-empty of the names, as Go's getEnvAny does (upper case first). */
function firstOf(env: ReadonlyMap<string, ProxyVar>, names: string[]): ProxyVar | null {
  for (const n of names) {
    const v = env.get(n);
    if (v && v.value !== '') return v;
  }
  return null;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** `host` inside `cidr` (IPv4 only; an IPv6 CIDR matches only the exact network address). */
function inCidr(host: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (!net || !Number.isInteger(bits)) return false;
  if (isIP(host) === 4 && isIP(net) === 4 && bits >= 0 && bits <= 32) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return (ipv4ToInt(host) & mask) >>> 0 === (ipv4ToInt(net) & mask) >>> 0;
  }
  return host.toLowerCase() === net.toLowerCase();
}

/** One NO_PROXY entry against host:port (httpproxy.useProxy). */
function exempts(entry: string, host: string, port: number): boolean {
  let e = entry.trim().toLowerCase();
  if (e === '') return false;
  if (e === '*') return true;
  if (e.includes('/')) return inCidr(host, e);
  // An entry may carry a port: 1.2.3.4:80, [::1]:443, example.com:6443.
  // <1:name> <2:port>
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(e);
  if (m?.[2] && Number(m[2]) !== port) return false;
  e = m?.[1] ?? e;
  if (isIP(e)) return isIP(host) > 0 && e === host.toLowerCase();
  const h = host.toLowerCase();
  if (e.startsWith('*.')) e = e.slice(1);
  // ".y.com" matches x.y.com only; "y.com" matches y.com and every subdomain.
  if (e.startsWith('.')) return h.endsWith(e);
  return h === e || h.endsWith(`.${e}`);
}

const isLoopback = (host: string): boolean => host.toLowerCase() === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';

/**
 * The proxy Go would use for `scheme://host:port` with this environment, or null when the
 * request goes direct.
 */
export function proxyFor(env: ReadonlyMap<string, ProxyVar>, scheme: 'http' | 'https', host: string, port: number): ProxyDecision | null {
  if (isLoopback(host)) return null;
  const proxy = scheme === 'https' ? firstOf(env, ['HTTPS_PROXY', 'https_proxy']) : firstOf(env, ['HTTP_PROXY', 'http_proxy']);
  if (!proxy) return null;
  const noProxy = firstOf(env, ['NO_PROXY', 'no_proxy']);
  if (noProxy?.value.split(',').some((e) => exempts(e, host, port))) return null;
  return {proxy, noProxy};
}
