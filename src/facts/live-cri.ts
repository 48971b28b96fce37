/**
 * The CRI answer straight from the runtime's socket, for nodes without crictl: the probe sends
 * `runtime.v1.RuntimeService/Version` as gRPC over HTTP/2 with curl and records the gRPC status
 * and the VersionResponse. Status 12 (Unimplemented) is the kubelet's "CRI v1 runtime API is not
 * implemented" (kubelet.md F16); a refused connection is a socket file left by a dead runtime.
 */
import {collected, notCollected, type Collected, type RawSnapshot, type Sourced} from './types.js';
import {lastValue, liveValues, oneLine} from './live-records.js';

/** What the runtime's socket answered. */
export interface CriSocketFacts {
  /** The endpoint the probe asked (the kubelet's, as the probe found it). */
  endpoint: string;
  /** True when the CRI v1 Version call succeeded. */
  answered: Sourced<boolean>;
  /** The gRPC status (0 OK, 12 Unimplemented, 14 Unavailable), null without an HTTP/2 answer. */
  grpcStatus: number | null;
  /** From the VersionResponse: `containerd`, `1.7.13`, `v1`. */
  runtimeName: string | null;
  runtimeVersion: string | null;
  apiVersion: string | null;
}

/** grpc-message is percent-encoded (gRPC over HTTP/2 spec); keep the raw text if it is malformed. */
function percentDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The string fields of a protobuf message (wire type 2), by field number; null when it is not one. */
export function protoStrings(bytes: Buffer): Map<number, string> | null {
  const out = new Map<number, string>();
  let i = 0;
  const varint = (): number | null => {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = bytes[i++];
      if (b === undefined) return null;
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return v;
    }
    return null;
  };
  while (i < bytes.length) {
    const key = varint();
    if (key === null || (key & 7) !== 2) return null;
    const len = varint();
    if (len === null || i + len > bytes.length) return null;
    out.set(Math.floor(key / 8), bytes.subarray(i, i + len).toString('utf8'));
    i += len;
  }
  return out;
}

/** The VersionResponse inside a gRPC frame (1 byte compressed flag, 4 bytes length, message). */
function versionResponse(body: string): Map<number, string> | null {
  const bytes = Buffer.from(body, 'latin1');
  if (bytes.length < 5 || bytes[0] !== 0) return null;
  const len = bytes.readUInt32BE(1);
  return bytes.length >= 5 + len ? protoStrings(bytes.subarray(5, 5 + len)) : null;
}

/** Build the socket answer; not collected when crictl is installed (then `crictl info` answers). */
export function buildCriSocket(raw: RawSnapshot): Collected<CriSocketFacts> {
  const live = liveValues(raw);
  if (!live.ok) return notCollected(live.reason);
  const endpoint = lastValue(live.values, 'cri.endpoint');
  if (endpoint === undefined) return notCollected('not collected: crictl is installed, so `crictl info` asked the runtime');
  const error = lastValue(live.values, 'cri.error');
  if (error !== undefined) return notCollected(`not collected: ${error}`);
  const rec = raw.commands['cri-version'];
  if (!rec) return notCollected('not collected: the probe did not call the CRI socket');
  const source = {command: `curl --unix-socket ${endpoint.replace(/^unix:\/\//, '')} runtime.v1.RuntimeService/Version`};
  const base = {endpoint, grpcStatus: null, runtimeName: null, runtimeVersion: null, apiVersion: null};
  if (rec.status !== 'ok') {
    const detail = rec.status === 'timeout' ? 'no answer in time: the runtime is hung' : oneLine(rec.reason ?? `curl exited ${rec.exitCode ?? '?'}`);
    const refused =
      rec.exitCode === 7
        ? `${detail} (a socket file is left but nothing listens: the runtime is not running)`
        : rec.exitCode === 92
          ? `${detail} (the runtime reset the CRI v1 call: runtime.v1.RuntimeService is most likely not served)`
          : detail;
    return collected({...base, answered: {value: false, source, text: refused}});
  }
  // <1:gRPC status> and <1:message> from the headers/trailers curl dumped.
  const status = /^grpc-status:\s*(\d+)/im.exec(rec.stdout);
  const message = /^grpc-message:\s*(.*?)\s*$/im.exec(rec.stdout)?.[1] ?? '';
  const grpcStatus = status?.[1] ? Number(status[1]) : null;
  if (grpcStatus !== 0) {
    const why =
      grpcStatus === null
        ? `no gRPC answer (${oneLine(rec.stdout.split('\n')[0] ?? '')})`
        : `grpc-status ${grpcStatus}${message ? `: ${oneLine(percentDecode(message))}` : ''}`;
    return collected({...base, grpcStatus, answered: {value: false, source, text: why}});
  }
  const v = versionResponse(raw.commands['cri-version-body']?.stdout ?? '');
  const name = v?.get(2) ?? null;
  const version = v?.get(3) ?? null;
  const api = v?.get(4) ?? null;
  const text = name ? `${name} ${version ?? ''} answers CRI ${api ?? 'v1'}`.replace(/\s+/g, ' ') : 'the runtime answers CRI v1';
  return collected({endpoint, grpcStatus, runtimeName: name, runtimeVersion: version, apiVersion: api, answered: {value: true, source, text}});
}
