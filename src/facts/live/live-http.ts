/**
 * One HTTP(S) request the probe made with the node's own client (curl, wget, or openssl
 * s_client), decoded into what happened: an answer with its status, or which step failed (DNS,
 * connect, TLS verification, timeout). The wording of each client is matched so the checks can
 * tell "connection refused" from "signed by unknown authority" whatever the node had installed.
 */
import type {RawSnapshot, Source} from '../core.js';
import {lastValue, oneLine, type LiveValues} from './live-records.js';

/** What a request came to. */
export type HttpOutcome =
  | 'ok' // HTTP 200
  | 'http-error' // an HTTP answer other than 200
  | 'dns' // the name did not resolve
  | 'refused' // nothing listens (TCP RST)
  | 'unreachable' // no route to the host
  | 'timeout' // no answer in time (dropped packets, hung server)
  | 'tls-unknown-ca' // the server's certificate does not chain to the CA given
  | 'tls-hostname' // the certificate is not valid for the host name or address
  | 'tls-expired' // the server's certificate has expired (or the node clock is ahead)
  | 'tls-not-yet-valid' // the certificate is not valid yet (or the node clock is behind)
  | 'tls' // another TLS failure (handshake, protocol)
  | 'error'; // anything else (bad CA file, empty reply, reset)

/** The HTTP client the probe found on the node. */
export type HttpTool = 'curl' | 'wget' | 'openssl' | 'none';

/** One request and its outcome. */
export interface HttpResult {
  tool: HttpTool;
  url: string;
  outcome: HttpOutcome;
  /** The HTTP status, when an answer came. */
  status: number | null;
  /** The start of the response body (one line, capped). */
  body: string;
  /** The response's `Date` header, when it came. */
  date: string | null;
  /** The client's error line, or the status line. */
  detail: string;
  /** True when TLS was verified against a CA; false when it was not (insecure, busybox wget); null for http. */
  tlsVerified: boolean | null;
  /** The client cannot verify certificates (busybox wget): its TLS failures may be its own limits. */
  unverifiedClient: boolean;
  source: Source;
  /** The one-line evidence text. */
  text: string;
}

// Unknown CA first: with an untrusted chain the other complaints are moot. Wording of curl
// (OpenSSL), GNU wget (GnuTLS and OpenSSL builds), busybox wget and openssl s_client.
const TLS_CLASSES: [RegExp, HttpOutcome][] = [
  [
    /unable to get local issuer certificate|self[- ]signed certificate|unknown authority|unable to locally verify|is not trusted|doesn't have a known issuer|certificate signature failure|verify error:num=(?:2|7|18|19|20|21)\b|certificate verify failed/i,
    'tls-unknown-ca',
  ],
  [/certificate has expired|has expired|verify error:num=10\b/i, 'tls-expired'],
  [/certificate is not yet valid|not yet activated|not yet valid|verify error:num=9\b/i, 'tls-not-yet-valid'],
  [
    /no alternative certificate subject name|does not match (?:target )?host|owner does not match hostname|doesn't match|hostname mismatch|IP address mismatch|verify error:num=6[24]\b/i,
    'tls-hostname',
  ],
];

const NETWORK_CLASSES: [RegExp, HttpOutcome][] = [
  [/could not resolve host|unable to resolve host|bad address|name or service not known|temporary failure in name resolution|no address associated/i, 'dns'],
  [/no route to host|network is unreachable|host is unreachable|errno=11[03]\b|errno=101\b/i, 'unreachable'],
  [/connection refused|couldn't connect to server|errno=111\b/i, 'refused'],
  [/timed out|timeout was reached/i, 'timeout'],
];

// curl exit codes (curl(1) EXIT CODES) that name the failed step by themselves.
const CURL_EXIT: Record<number, HttpOutcome> = {
  6: 'dns',
  7: 'refused',
  28: 'timeout',
  35: 'tls',
  51: 'tls-hostname',
  60: 'tls-unknown-ca',
  77: 'error',
  52: 'error',
  56: 'error',
};

/** The error line of a client's stderr: the one that says what failed. */
function errorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const hit = lines.find((l) => /^curl: \(|error|failed|refused|unable|timed out|can't|cannot|bad address|unreachable/i.test(l) && !/^Loaded CA/.test(l));
  return oneLine(hit ?? lines[lines.length - 1] ?? '');
}

/** Split `HTTP/1.1 200 OK\r\nDate: …\r\n\r\nbody`: the last header block (after any 100/CONNECT) and the body. */
function splitResponse(text: string): {statusLine: string | null; headers: string; body: string} {
  let rest = text;
  let statusLine: string | null = null;
  let headers = '';
  while (/^HTTP\/[\d.]+ \d{3}/.test(rest)) {
    const end = rest.search(/\r?\n\r?\n/);
    const block = end < 0 ? rest : rest.slice(0, end);
    statusLine = block.split(/\r?\n/)[0] ?? null;
    headers = block;
    rest = end < 0 ? '' : rest.slice(end).replace(/^\r?\n\r?\n/, '');
  }
  return {statusLine, headers, body: rest};
}

const headerValue = (headers: string, name: string): string | null => {
  // <1:value>
  const m = new RegExp(`^\\s*${name}:\\s*(.+?)\\s*$`, 'im').exec(headers);
  return m?.[1] ?? null;
};
const statusOf = (line: string | null): number | null => {
  const m = line ? /HTTP\/[\d.]+ (\d{3})/.exec(line) : null;
  return m?.[1] ? Number(m[1]) : null;
};

/**
 * Decode the request the probe recorded under `id` (`healthz`, `api-livez`, `api-healthz`), or
 * null when the probe did not make it. `values` is the `live` record (tool, url, tls notes).
 */
export function readHttp(raw: RawSnapshot, id: string, values: LiveValues): HttpResult | null {
  const url = lastValue(values, `${id}.url`);
  const rec = raw.commands[id];
  if (url === undefined || rec === undefined) return null;
  const toolName = lastValue(values, `${id}.tool`) ?? 'none';
  const tool: HttpTool = toolName === 'curl' || toolName === 'wget' || toolName === 'openssl' ? toolName : 'none';
  const stderr = rec.reason ?? '';
  let stdout = rec.stdout;
  let curlCode: number | null = null;
  if (tool === 'curl') {
    // <1:status written by -w>
    const m = /\n?@@http_code=(\d{3})\s*$/.exec(stdout);
    if (m?.[1]) {
      curlCode = Number(m[1]) || null;
      stdout = stdout.slice(0, m.index);
    }
  }
  const fromStdout = tool === 'curl' || tool === 'openssl';
  const resp = fromStdout ? splitResponse(stdout) : {statusLine: null, headers: stderr, body: stdout};
  const wgetStatus = tool === 'wget' ? [...stderr.matchAll(/HTTP\/[\d.]+ (\d{3})[^\n]*/g)].pop() : undefined;
  const statusLine = resp.statusLine ?? (wgetStatus ? wgetStatus[0].trim() : null);
  const status = curlCode ?? statusOf(statusLine);
  const body = oneLine(resp.body, 200);
  const https = url.startsWith('https:');
  let outcome: HttpOutcome;
  let detail: string;
  if (rec.status === 'timeout') {
    outcome = 'timeout';
    detail = `no answer within the probe's time limit (${tool})`;
  } else if (status !== null) {
    outcome = status === 200 ? 'ok' : 'http-error';
    detail = oneLine(statusLine ?? `HTTP ${status}`);
  } else {
    detail = errorLine(stderr) || (rec.status === 'not-found' ? `${tool} not found` : `${tool} exited ${rec.exitCode ?? rec.status}`);
    const tls = https ? TLS_CLASSES.find(([re]) => re.test(stderr)) : undefined;
    const net = NETWORK_CLASSES.find(([re]) => re.test(stderr));
    const byCode = tool === 'curl' && rec.exitCode !== null ? CURL_EXIT[rec.exitCode] : undefined;
    outcome = tls?.[1] ?? net?.[1] ?? byCode ?? (https && /ssl|tls|handshake/i.test(stderr) ? 'tls' : 'error');
  }
  const insecure = lastValue(values, 'api.ca') === 'insecure' && id.startsWith('api-');
  const unverified = lastValue(values, `${id}.tls`) === 'unverified';
  const answered = outcome === 'ok' || outcome === 'http-error';
  const tlsVerified = !https ? null : answered ? !(insecure || unverified) : null;
  const text = answered ? `${detail}${body ? `: ${body}` : ''}` : detail;
  return {
    tool,
    url,
    outcome,
    status,
    body,
    date: headerValue(resp.headers, 'Date'),
    detail,
    tlsVerified,
    unverifiedClient: unverified,
    source: {command: `${tool} ${url}`},
    text: oneLine(text),
  };
}
