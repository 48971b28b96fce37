/**
 * The CRI answers straight from the runtime's socket (the kubelet's endpoint): the probe calls
 * `runtime.v1.RuntimeService` Version, Status and RuntimeConfig as gRPC over HTTP/2 with curl and
 * records each call's gRPC status and response (as od hex). Status 12 (Unimplemented) on Version
 * is the kubelet's "CRI v1 runtime API is not implemented" (kubelet.md F16); a refused connection
 * is a socket file left by a dead runtime. Messages are read by field number per cri-api's
 * api.proto (github.com/kubernetes/cri-api, pkg/apis/runtime/v1/api.proto).
 */
import {collected, notCollected, type Collected, type RawSnapshot, type Sourced} from '../core.js';
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

/** One field of a protobuf message: a varint's value, or a length-delimited field's bytes. */
export type ProtoField = {field: number; varint: number} | {field: number; bytes: Buffer};

/** The most fields one message may hold before it is taken as hostile (a CRI answer has a handful). */
export const PROTO_MAX_FIELDS = 4096;

/**
 * The fields of one protobuf message (wire format: protobuf.dev/programming-guides/encoding),
 * without descending into any. Null when the bytes are not a well-formed message: a varint over
 * 10 bytes or cut short, a length past the end, a group (wire types 3/4, never used by the CRI),
 * a field number 0, or more than `maxFields` fields. Fixed-width fields are skipped. Linear in
 * the input, no recursion: a nested message is read by calling this again on its bytes, by a
 * caller that knows the schema (so nesting is only as deep as the schema).
 */
export function protoFields(bytes: Buffer, maxFields = PROTO_MAX_FIELDS): ProtoField[] | null {
  const out: ProtoField[] = [];
  let i = 0;
  const varint = (): number | null => {
    let v = 0;
    for (let n = 0; n < 10; n++) {
      const b = bytes[i++];
      if (b === undefined) return null;
      v += (b & 0x7f) * 2 ** (7 * n);
      if ((b & 0x80) === 0) return v;
    }
    return null;
  };
  while (i < bytes.length) {
    if (out.length >= maxFields) return null;
    const key = varint();
    if (key === null) return null;
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) return null;
    if (wire === 0) {
      const v = varint();
      if (v === null) return null;
      out.push({field, varint: v});
    } else if (wire === 2) {
      const len = varint();
      if (len === null || len > bytes.length - i) return null;
      out.push({field, bytes: bytes.subarray(i, i + len)});
      i += len;
    } else if (wire === 1 || wire === 5) {
      const w = wire === 1 ? 8 : 4;
      if (w > bytes.length - i) return null;
      i += w;
    } else return null;
  }
  return out;
}

/** The string fields of a protobuf message (wire type 2), by field number; null when it is not one. */
export function protoStrings(bytes: Buffer): Map<number, string> | null {
  const fields = protoFields(bytes);
  if (fields === null) return null;
  const out = new Map<number, string>();
  for (const f of fields) {
    if (!('bytes' in f)) return null;
    out.set(f.field, f.bytes.toString('utf8'));
  }
  return out;
}

/**
 * A response body as the probe sent it: hex text from od (current probes), or the raw bytes
 * (older probes; the client read them as text, so only ASCII bytes survive).
 */
export function bodyBytes(stdout: string): Buffer {
  if (/^[\s0-9a-f]+$/.test(stdout) && /[0-9a-f]/.test(stdout)) {
    const hex = stdout.replace(/\s+/g, '');
    if (hex.length % 2 === 0) return Buffer.from(hex, 'hex');
  }
  return Buffer.from(stdout, 'latin1');
}

/**
 * The message inside one gRPC frame (1 byte compressed flag, 4 bytes big-endian length, message:
 * gRPC over HTTP/2, "Length-Prefixed-Message"); null when the frame is short, compressed (the
 * probe asks for no compression), or not one frame.
 */
export function grpcMessage(body: Buffer): Buffer | null {
  if (body.length < 5 || body[0] !== 0) return null;
  const len = body.readUInt32BE(1);
  return body.length >= 5 + len ? body.subarray(5, 5 + len) : null;
}

/** The VersionResponse inside a gRPC frame. */
function versionResponse(body: string): Map<number, string> | null {
  const msg = grpcMessage(bodyBytes(body));
  return msg === null ? null : protoStrings(msg);
}

/** One RuntimeCondition of a StatusResponse (cri-api api.proto: type 1, status 2, reason 3, message 4). */
export interface CriCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

/** The most conditions kept from one answer (the CRI defines two). */
const MAX_CONDITIONS = 32;

/**
 * The conditions of a StatusResponse (cri-api api.proto: StatusResponse.status = 1, a RuntimeStatus
 * whose conditions = 1); null when the message is malformed. `info` (field 2) is never read: the
 * probe asks its verbose form separately and sends only a whitelist of it.
 */
export function decodeStatus(msg: Buffer): CriCondition[] | null {
  const top = protoFields(msg);
  if (top === null) return null;
  const status = top.find((f): f is {field: number; bytes: Buffer} => f.field === 1 && 'bytes' in f);
  if (!status) return [];
  const fields = protoFields(status.bytes);
  if (fields === null) return null;
  const out: CriCondition[] = [];
  for (const f of fields) {
    if (f.field !== 1 || !('bytes' in f)) continue;
    const c = protoFields(f.bytes, 64);
    if (c === null) return null;
    const str = (n: number): string => {
      const x = c.find((y) => y.field === n);
      return x && 'bytes' in x ? x.bytes.toString('utf8') : '';
    };
    const st = c.find((y) => y.field === 2);
    out.push({type: str(1), status: st !== undefined && 'varint' in st && st.varint !== 0, reason: str(3), message: str(4)});
    if (out.length >= MAX_CONDITIONS) break;
  }
  return out;
}

/**
 * The cgroup driver of a RuntimeConfigResponse (cri-api api.proto, KEP-4033: linux = 1, a
 * LinuxRuntimeConfiguration whose cgroup_driver = 1, enum SYSTEMD = 0, CGROUPFS = 1). proto3 omits
 * a field at its default, so `linux` present without cgroup_driver is SYSTEMD. Null when there is
 * no linux part or the value is not one of the two.
 */
export function decodeRuntimeConfig(msg: Buffer): 'systemd' | 'cgroupfs' | null {
  const top = protoFields(msg);
  const linux = top?.find((f): f is {field: number; bytes: Buffer} => f.field === 1 && 'bytes' in f);
  if (!linux) return null;
  const fields = protoFields(linux.bytes);
  if (fields === null) return null;
  const d = fields.find((f) => f.field === 1);
  const v = d === undefined ? 0 : 'varint' in d ? d.varint : -1;
  return v === 0 ? 'systemd' : v === 1 ? 'cgroupfs' : null;
}

/** How one CRI call went, from curl's record: answered (grpc-status 0) with its message, or why not. */
export type CriCallResult = {ok: true; message: Buffer} | {ok: false; grpcStatus: number | null; why: string};

/**
 * The result of the probe's call `id` (`cri-version`, `cri-status`, `cri-runtime-config`): the
 * headers and trailers in `id`, the body in `id-body`. Null when the probe did not make the call.
 */
export function criCall(raw: RawSnapshot, id: string): CriCallResult | null {
  const rec = raw.commands[id];
  if (!rec) return null;
  if (rec.status !== 'ok') {
    const why = rec.status === 'timeout' ? 'no answer in time: the runtime is hung' : oneLine(rec.reason ?? `curl exited ${rec.exitCode ?? '?'}`);
    return {ok: false, grpcStatus: null, why};
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
    return {ok: false, grpcStatus, why};
  }
  const msg = grpcMessage(bodyBytes(raw.commands[`${id}-body`]?.stdout ?? ''));
  return msg === null ? {ok: false, grpcStatus, why: 'the answer is not one gRPC message (cut at the cap, or compressed)'} : {ok: true, message: msg};
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
