/**
 * The CRI answers the probe brings back from the runtime's socket: the bounded protobuf reader on
 * hostile bodies, the Status and RuntimeConfig decoders, and how readCri weighs the socket's answer
 * against `crictl info`.
 */
import {describe, it, expect} from 'vitest';
import {bodyBytes, decodeRuntimeConfig, decodeStatus, grpcMessage, protoFields, protoStrings} from '../../src/facts/live/live-cri.js';
import {readCri, systemdCgroupKey} from '../../src/facts/runtime/runtime-live.js';
import type {CommandRecord} from '../../src/facts/types.js';
import {rawFrom} from '../helpers/facts.js';

// A tiny protobuf writer for the tests (wire format: protobuf.dev/programming-guides/encoding).
const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
};
const lenField = (field: number, body: Buffer | string): Buffer => {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from([...varint(field * 8 + 2), ...varint(b.length)]), b]);
};
const intField = (field: number, v: number): Buffer => Buffer.from([...varint(field * 8), ...varint(v)]);
const grpc = (msg: Buffer): Buffer => {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
};
/** od -An -v -tx1, as the probe sends a body. */
const od = (b: Buffer): string => (b.toString('hex').match(/.{1,32}/g) ?? []).map((line) => ` ${line.match(/../g)!.join(' ')}\n`).join('');

const condition = (type: string, status: boolean, reason = '', message = ''): Buffer =>
  Buffer.concat([lenField(1, type), intField(2, status ? 1 : 0), ...(reason ? [lenField(3, reason)] : []), ...(message ? [lenField(4, message)] : [])]);
/** StatusResponse{status: RuntimeStatus{conditions}} as containerd 1.6 answers with CNI not set up. */
const statusMsg = (): Buffer =>
  lenField(
    1,
    Buffer.concat([
      lenField(1, condition('RuntimeReady', true)),
      lenField(1, condition('NetworkReady', false, 'NetworkPluginNotReady', 'Network plugin returns error: cni plugin not initialized')),
    ]),
  );

describe('the bounded protobuf reader', () => {
  it('reads varint and length-delimited fields and skips fixed-width ones', () => {
    const msg = Buffer.concat([intField(2, 300), lenField(3, 'abc'), Buffer.from([0x09, 1, 2, 3, 4, 5, 6, 7, 8]), Buffer.from([0x15, 1, 2, 3, 4])]);
    expect(protoFields(msg)).toEqual([
      {field: 2, varint: 300},
      {field: 3, bytes: Buffer.from('abc')},
    ]);
  });

  it('refuses truncated bodies, overlong varints, lengths past the end, groups and field 0', () => {
    expect(protoFields(Buffer.from([0x12]))).toBeNull(); // a key, no length
    expect(protoFields(Buffer.from([0x12, 0x05, 0x61]))).toBeNull(); // 5 bytes announced, 1 there
    expect(protoFields(Buffer.from([0x08, ...Array<number>(11).fill(0x80), 0x01]))).toBeNull(); // an 12-byte varint
    expect(protoFields(Buffer.from([0x08, 0x80]))).toBeNull(); // a varint cut short
    // A length of 2^63: no allocation, no overflow into a small number.
    expect(protoFields(Buffer.from([0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x61]))).toBeNull();
    expect(protoFields(Buffer.from([0x0b, 0x0c]))).toBeNull(); // start/end group
    expect(protoFields(Buffer.from([0x02, 0x00]))).toBeNull(); // field number 0
    expect(protoFields(Buffer.from([0x09, 1, 2]))).toBeNull(); // fixed64 cut short
  });

  it('refuses a message of more fields than the limit (10k map entries)', () => {
    const entry = lenField(2, Buffer.concat([lenField(1, 'k'), lenField(2, 'v')]));
    const huge = Buffer.concat([statusMsg(), ...Array.from({length: 10_000}, () => entry)]);
    expect(protoFields(huge)).toBeNull();
    expect(decodeStatus(huge)).toBeNull();
    expect(protoFields(huge, 20_000)).toHaveLength(10_001);
  });

  it('reads deep nesting only as deep as the schema, without recursion', () => {
    let nested = lenField(1, 'x');
    for (let i = 0; i < 5000; i++) nested = lenField(1, nested);
    // StatusResponse.status.conditions[0] is itself a message of one field 1: its type is bytes, not descended.
    expect(decodeStatus(nested)).toEqual([{type: expect.any(String) as string, status: false, reason: '', message: ''}]);
    expect(decodeRuntimeConfig(nested)).toBeNull();
  });

  it('keeps the VersionResponse strings and refuses a message with a non-string field', () => {
    expect(protoStrings(Buffer.concat([lenField(2, 'containerd'), lenField(3, '1.6.20')]))).toEqual(
      new Map([
        [2, 'containerd'],
        [3, '1.6.20'],
      ]),
    );
    expect(protoStrings(intField(1, 1))).toBeNull();
  });
});

describe('gRPC frames and bodies', () => {
  it('takes the message out of one uncompressed frame, and nothing out of a short or compressed one', () => {
    const msg = Buffer.from('hello');
    expect(grpcMessage(grpc(msg))).toEqual(msg);
    expect(grpcMessage(grpc(msg).subarray(0, 7))).toBeNull();
    expect(grpcMessage(Buffer.concat([Buffer.from([1]), grpc(msg).subarray(1)]))).toBeNull();
    expect(grpcMessage(grpc(Buffer.alloc(0)))).toEqual(Buffer.alloc(0));
  });

  it('reads the od hex the probe sends, with every byte value intact', () => {
    const all = Buffer.from(Array.from({length: 256}, (_, i) => i));
    expect(bodyBytes(od(all))).toEqual(all);
    // An older probe sent the bytes themselves.
    expect(bodyBytes('\u0000\u0000\u0000\u0000\u0002\n\u0000')).toEqual(Buffer.from([0, 0, 0, 0, 2, 10, 0]));
  });
});

describe('Status and RuntimeConfig', () => {
  it('decodes the conditions of a Status answer, messages over 127 bytes included', () => {
    expect(decodeStatus(statusMsg())).toEqual([
      {type: 'RuntimeReady', status: true, reason: '', message: ''},
      {type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'Network plugin returns error: cni plugin not initialized'},
    ]);
    const long = 'é'.repeat(200);
    expect(decodeStatus(lenField(1, lenField(1, condition('NetworkReady', false, 'X', long))))?.[0]?.message).toBe(long);
  });

  it('reads the cgroup driver of RuntimeConfig: SYSTEMD is the omitted default', () => {
    expect(decodeRuntimeConfig(Buffer.from([0x0a, 0x00]))).toBe('systemd');
    expect(decodeRuntimeConfig(Buffer.from([0x0a, 0x02, 0x08, 0x01]))).toBe('cgroupfs');
    expect(decodeRuntimeConfig(Buffer.from([0x0a, 0x02, 0x08, 0x07]))).toBeNull();
    expect(decodeRuntimeConfig(Buffer.alloc(0))).toBeNull();
  });
});

type Cmd = Partial<CommandRecord> & {stdout: string};
const OK = 'HTTP/2 200 \r\ncontent-type: application/grpc\r\n\r\ngrpc-status: 0\r\ngrpc-message: \r\n';
const UNIMPLEMENTED =
  'HTTP/2 200 \r\ncontent-type: application/grpc\r\ngrpc-status: 12\r\ngrpc-message: unknown method RuntimeConfig for service runtime.v1.RuntimeService\r\n';
const versionBody = od(grpc(Buffer.concat([lenField(1, '0.1.0'), lenField(2, 'containerd'), lenField(3, '1.6.20~ds1'), lenField(4, 'v1')])));
const config = (options: Record<string, unknown>) =>
  JSON.stringify({defaultRuntimeName: 'runc', sandboxImage: 'registry.k8s.io/pause:3.6', runtimes: {runc: {runtimeType: 'io.containerd.runc.v2', options}}});

/** What the probe brings back from a containerd at the default socket; `over` replaces records. */
function node(options: Record<string, unknown>, over: Record<string, Cmd> = {}, liveValues = 'cri.endpoint=unix:///run/containerd/containerd.sock\n') {
  const commands: Record<string, Cmd> = {
    live: {stdout: liveValues},
    'cri-version': {stdout: OK},
    'cri-version-body': {stdout: versionBody},
    'cri-status': {stdout: OK},
    'cri-status-body': {stdout: od(grpc(statusMsg()))},
    'cri-config': {stdout: `${config(options)}\n`},
    'cri-runtime-config': {stdout: UNIMPLEMENTED},
    'cri-runtime-config-body': {stdout: ''},
    'crictl-info': {status: 'not-found', exitCode: null, stdout: ''},
    ...over,
  };
  return rawFrom({}, {live: true, commands});
}

describe('readCri: the runtime asked on the kubelet socket', () => {
  it('fills readiness, name, version, sandbox image and the driver from the default runtime options', () => {
    const c = readCri(node({SystemdCgroup: true}), 'containerd');
    if (!c.collected) throw new Error(c.reason);
    expect(c.value).toMatchObject({
      answered: {value: true, text: 'containerd 1.6.20~ds1 answers CRI v1'},
      runtimeName: 'containerd',
      runtimeVersion: '1.6.20~ds1',
      runtimeReady: {value: true, source: {command: 'CRI Status'}, text: 'RuntimeReady=true'},
      networkReady: {value: false, text: 'NetworkReady=false NetworkPluginNotReady: Network plugin returns error: cni plugin not initialized'},
      cgroupDriver: {value: 'systemd', source: {command: 'CRI Status (verbose)'}, text: 'config.containerd.runtimes.runc.options.SystemdCgroup: true'},
      sandboxImage: {value: 'registry.k8s.io/pause:3.6', source: {command: 'CRI Status (verbose)'}},
    });
  });

  it('reads the options keys the way containerd 1.x does (go-toml: exact name, then any case)', () => {
    const driver = (o: Record<string, unknown>) => {
      const c = readCri(node(o), 'containerd');
      return c.collected ? [c.value.cgroupDriver?.value, c.value.cgroupDriver?.text] : null;
    };
    expect(driver({systemdCgroup: true})).toEqual(['systemd', 'config.containerd.runtimes.runc.options.systemdCgroup: true']);
    expect(driver({SYSTEMDCGROUP: true})).toEqual(['systemd', 'config.containerd.runtimes.runc.options.SYSTEMDCGROUP: true']);
    expect(driver({systemd_cgroup: true})).toEqual(['cgroupfs', 'config.containerd.runtimes.runc.options has no SystemdCgroup (default false)']);
    expect(driver({SystemdCgroup: false, systemdCgroup: true})).toEqual(['cgroupfs', 'config.containerd.runtimes.runc.options.SystemdCgroup: false']);
    expect(systemdCgroupKey({systemdcgroup: 1, SystemDCgroup: 1})).toBe('systemdcgroup');
  });

  it('takes RuntimeConfig over the options where the runtime implements it', () => {
    const c = readCri(
      node({SystemdCgroup: true}, {'cri-runtime-config': {stdout: OK}, 'cri-runtime-config-body': {stdout: od(grpc(Buffer.from([0x0a, 0x02, 0x08, 0x01])))}}),
      'containerd',
    );
    expect(c.collected && c.value.cgroupDriver).toEqual({value: 'cgroupfs', source: {command: 'CRI RuntimeConfig'}, text: 'linux.cgroup_driver: CGROUPFS'});
  });

  it('keeps the socket failure when crictl talks to another socket, and crictl when it answers at the same one', () => {
    const dead: Record<string, Cmd> = {'cri-version': {status: 'failed', exitCode: 7, stdout: '', reason: "curl: (7) Couldn't connect to server"}};
    const crictl: Record<string, Cmd> = {'crictl-info': {stdout: JSON.stringify({status: {conditions: [{type: 'RuntimeReady', status: true}]}})}};
    const other = rawFrom(
      {'/etc/crictl.yaml': 'runtime-endpoint: unix:///var/run/crio/crio.sock\n'},
      {live: true, commands: {live: {stdout: 'cri.endpoint=unix:///run/containerd/containerd.sock\n'}, ...dead, ...crictl}},
    );
    const o = readCri(other, 'containerd');
    expect(o.collected && o.value.answered).toMatchObject({value: false, text: expect.stringMatching(/nothing listens/) as string});
    const same = readCri(node({}, {...dead, ...crictl}), 'containerd');
    expect(same.collected && same.value.answered).toEqual({value: true, source: {command: 'crictl info'}, text: 'crictl info answered'});
  });

  it('falls back to crictl info when the probe could not ask the socket', () => {
    const c = readCri(
      node(
        {},
        {'crictl-info': {stdout: JSON.stringify({config: {containerd: {defaultRuntimeName: 'runc', runtimes: {runc: {options: {systemdCgroup: true}}}}}})}},
        'cri.endpoint=unix:///run/containerd/containerd.sock\ncri.error=no curl on the node to ask the CRI socket\n',
      ),
      'containerd',
    );
    expect(c.collected && c.value.cgroupDriver).toEqual({
      value: 'systemd',
      source: {command: 'crictl info'},
      text: 'config.containerd.runtimes.runc.options.systemdCgroup: true',
    });
  });
});
