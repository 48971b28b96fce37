/**
 * OpenSSH host certificates (`@cert-authority` lines in known_hosts) without ssh2's help.
 *
 * ssh2 1.17 cannot negotiate a `*-cert-v01@openssh.com` host key: its client refuses any host key
 * algorithm outside SUPPORTED_SERVER_HOST_KEY (lib/protocol/constants.js:64-76, enforced by
 * generateAlgorithmList, lib/utils.js:214), and its key exchange requires the signature's type to
 * equal the negotiated algorithm (lib/protocol/kex.js:638) and parses the host key as a plain key
 * (kex.js:677), while a certificate's signature is of the plain type. So the session always
 * proves a PLAIN host key, and hostVerifier sees that key's blob.
 *
 * A certificate is a statement signed by the CA ("key K is host H, valid from/to, a host key");
 * it does not need to come over the session it vouches for. So when known_hosts has no key for a
 * host but trusts a CA for it, a second, short connection asks the same sshd (same route: TCP,
 * the same jump tunnel, or the same ProxyCommand) for its certificate of that key type: the
 * version exchange, KEXINIT offering only the certificate algorithm, and one curve25519 key
 * exchange message, whose reply carries the host key, here the certificate (RFC 4253 7,
 * RFC 5656 4, OpenSSH PROTOCOL.certkeys). Nothing else is done on it; the signature of that
 * exchange is not needed (the certificate carries its own). The certificate is then checked as
 * ssh(1) does (sshconnect.c check_host_cert, sshkey.c sshkey_cert_check_authority): signed by a
 * CA key that a `@cert-authority` line names for this host (and not `@revoked`), a host
 * certificate, within its validity window, the host name among its principals (an empty list
 * names any host, as OpenSSH accepts), no critical options; and it must certify exactly the key
 * the session proved.
 */
import {createPublicKey, generateKeyPairSync, randomBytes, verify as cryptoVerify, type KeyObject} from 'node:crypto';
import type {Duplex} from 'node:stream';
import {TargetError} from '../errors.js';
import type {HostKeyPolicy, SshHop} from '../targets/types.js';
import {blobKeyType, checkHostKey, fingerprint, hostToken, loadKnownHosts, type KnownHostLine} from './known-hosts.js';
import {tildePath} from './ssh-config.js';

/** What the certificate exchange may read before giving up (a real reply is a few KiB). */
const MAX_READ = 256 * 1024;

/** A parsed OpenSSH certificate (PROTOCOL.certkeys). */
export interface OpenSshCert {
  /** `ssh-ed25519-cert-v01@openssh.com` … */
  certType: string;
  /** The certified key as a plain public key blob. */
  key: Buffer;
  serial: bigint;
  /** 1 user, 2 host. */
  type: number;
  keyId: string;
  principals: string[];
  validAfter: bigint;
  validBefore: bigint;
  critical: Buffer;
  /** The CA's public key blob. */
  signatureKey: Buffer;
  /** The signed part (everything before the signature) and the signature blob. */
  signed: Buffer;
  signature: Buffer;
}

/** What a certificate or server says, as a message may show it: printable, bounded. */
const shown = (t: string, max: number) => t.replace(/[^\x20-\x7e]+/g, ' ').slice(0, max);

class Reader {
  pos = 0;
  constructor(private readonly b: Buffer) {}
  u32(): number {
    if (this.pos + 4 > this.b.length) throw new Error('truncated');
    const v = this.b.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    if (this.pos + 8 > this.b.length) throw new Error('truncated');
    const v = this.b.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(): Buffer {
    const n = this.u32();
    if (this.pos + n > this.b.length) throw new Error('truncated');
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  str(): string {
    return this.bytes().toString('latin1');
  }
  done(): boolean {
    return this.pos === this.b.length;
  }
}

function sshString(b: Buffer | string): Buffer {
  const v = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  const n = Buffer.alloc(4);
  n.writeUInt32BE(v.length);
  return Buffer.concat([n, v]);
}

function nameList(b: Buffer): string[] {
  const r = new Reader(b);
  const out: string[] = [];
  while (!r.done()) out.push(r.str());
  return out;
}

const CERT_TYPES = /^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa)-cert-v01@openssh\.com$/;

/** Parse an OpenSSH certificate blob; throws on anything else. */
export function parseCertificate(blob: Buffer): OpenSshCert {
  const r = new Reader(blob);
  const certType = r.str();
  if (!CERT_TYPES.test(certType)) throw new Error(`not an OpenSSH certificate type this client reads (${shown(certType, 60)})`);
  r.bytes(); // nonce
  let key: Buffer;
  if (certType === 'ssh-ed25519-cert-v01@openssh.com') {
    key = Buffer.concat([sshString('ssh-ed25519'), sshString(r.bytes())]);
  } else if (/^ecdsa-sha2-nistp(256|384|521)-cert-v01@openssh\.com$/.test(certType)) {
    const plain = certType.replace('-cert-v01@openssh.com', '');
    key = Buffer.concat([sshString(plain), sshString(r.bytes()), sshString(r.bytes())]);
  } else if (certType === 'ssh-rsa-cert-v01@openssh.com') {
    key = Buffer.concat([sshString('ssh-rsa'), sshString(r.bytes()), sshString(r.bytes())]);
  } else {
    throw new Error(`not an OpenSSH certificate type this client reads (${shown(certType, 60)})`);
  }
  const serial = r.u64();
  const type = r.u32();
  const keyId = r.str();
  const principals = nameList(r.bytes());
  const validAfter = r.u64();
  const validBefore = r.u64();
  const critical = r.bytes();
  r.bytes(); // extensions
  r.bytes(); // reserved
  const signatureKey = r.bytes();
  const signedEnd = r.pos;
  const signature = r.bytes();
  if (!r.done()) throw new Error('trailing data after the signature');
  return {certType, key, serial, type, keyId, principals, validAfter, validBefore, critical, signatureKey, signed: blob.subarray(0, signedEnd), signature};
}

const b64u = (b: Buffer) => b.toString('base64url');
const unsigned = (b: Buffer) => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
};
const CURVES: Record<string, {crv: string; size: number; hash: string}> = {
  nistp256: {crv: 'P-256', size: 32, hash: 'sha256'},
  nistp384: {crv: 'P-384', size: 48, hash: 'sha384'},
  nistp521: {crv: 'P-521', size: 66, hash: 'sha512'},
};

/** A plain SSH public key blob as a Node KeyObject (ed25519, ecdsa, rsa). */
function publicKeyObject(blob: Buffer): {type: string; key: KeyObject; curve?: string} {
  const r = new Reader(blob);
  const type = r.str();
  if (type === 'ssh-ed25519') return {type, key: createPublicKey({key: {kty: 'OKP', crv: 'Ed25519', x: b64u(r.bytes())}, format: 'jwk'})};
  if (type.startsWith('ecdsa-sha2-')) {
    const curve = r.str();
    const c = CURVES[curve];
    const q = r.bytes();
    if (!c || q[0] !== 4 || q.length !== 1 + 2 * c.size) throw new Error(`unsupported ECDSA key (${curve})`);
    const x = q.subarray(1, 1 + c.size);
    const y = q.subarray(1 + c.size);
    return {type, curve, key: createPublicKey({key: {kty: 'EC', crv: c.crv, x: b64u(x), y: b64u(y)}, format: 'jwk'})};
  }
  if (type === 'ssh-rsa') {
    const e = r.bytes();
    const n = r.bytes();
    return {type, key: createPublicKey({key: {kty: 'RSA', n: b64u(unsigned(n)), e: b64u(unsigned(e))}, format: 'jwk'})};
  }
  throw new Error(`unsupported CA key type ${shown(type, 60)}`);
}

/** Whether `sig` (an SSH signature blob) is `caBlob`'s signature over `data`; a reason when not. */
export function verifySshSignature(caBlob: Buffer, data: Buffer, sig: Buffer): string | null {
  const k = publicKeyObject(caBlob);
  const r = new Reader(sig);
  const alg = r.str();
  const raw = r.bytes();
  if (k.type === 'ssh-ed25519') {
    if (alg !== 'ssh-ed25519') return `signature type ${shown(alg, 60)} does not match the CA key (${k.type})`;
    return cryptoVerify(null, data, k.key, raw) ? null : 'the CA signature does not verify';
  }
  if (k.curve) {
    if (alg !== k.type) return `signature type ${shown(alg, 60)} does not match the CA key (${k.type})`;
    const c = CURVES[k.curve]!;
    const rs = new Reader(raw);
    const part = (b: Buffer) => {
      const u = unsigned(b);
      if (u.length > c.size) throw new Error('bad ECDSA signature');
      return Buffer.concat([Buffer.alloc(c.size - u.length), u]);
    };
    const p1363 = Buffer.concat([part(rs.bytes()), part(rs.bytes())]);
    return cryptoVerify(c.hash, data, {key: k.key, dsaEncoding: 'ieee-p1363'}, p1363) ? null : 'the CA signature does not verify';
  }
  // RSA: SHA-2 only; OpenSSH's default CASignatureAlgorithms refuses ssh-rsa (SHA-1) since 8.2.
  const hash = alg === 'rsa-sha2-512' ? 'sha512' : alg === 'rsa-sha2-256' ? 'sha256' : null;
  if (!hash) return `the CA signed with ${shown(alg, 60)}, which is refused (SHA-1; OpenSSH's CASignatureAlgorithms refuses it too)`;
  return cryptoVerify(hash, data, k.key, raw) ? null : 'the CA signature does not verify';
}

/** Why `cert` does not vouch for `sessionKey` as host `host` at `now` (seconds), or null when it does. */
export function certificateProblem(cert: OpenSshCert, o: {host: string; sessionKey: Buffer; now: bigint}): string | null {
  if (cert.type !== 2) return `it is a ${cert.type === 1 ? 'user' : `type ${cert.type}`} certificate, not a host certificate`;
  if (!cert.key.equals(o.sessionKey)) return `it certifies ${fingerprint(cert.key)}, not the key the connection proved (${fingerprint(o.sessionKey)})`;
  if (o.now < cert.validAfter) return `it is not valid yet (valid from ${stamp(cert.validAfter)})`;
  if (o.now >= cert.validBefore) return `it expired (valid until ${stamp(cert.validBefore)})`;
  if (cert.principals.length > 0 && !cert.principals.includes(o.host.toLowerCase())) {
    return `${o.host} is not among its principals (${shown(cert.principals.slice(0, 5).join(', '), 200)})`;
  }
  if (cert.critical.length > 0) return 'it has critical options, which host certificates may not have';
  return null;
}

function stamp(t: bigint): string {
  if (t >= 0xffffffffffffffffn) return 'forever';
  const ms = Number(t) * 1000;
  return Number.isFinite(ms) && ms < 8.64e15 ? new Date(ms).toISOString().replace('.000Z', 'Z') : String(t);
}

/** The certificate algorithms that certify a plain key type. */
function certAlgorithms(keyType: string): string[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512-cert-v01@openssh.com', 'rsa-sha2-256-cert-v01@openssh.com'];
  return [`${keyType}-cert-v01@openssh.com`];
}

function packet(payload: Buffer): Buffer {
  // RFC 4253 6: length, padding length, payload, >= 4 bytes of padding to a multiple of 8.
  let pad = 8 - ((5 + payload.length) % 8);
  if (pad < 4) pad += 8;
  const head = Buffer.alloc(5);
  head.writeUInt32BE(1 + payload.length + pad);
  head[4] = pad;
  return Buffer.concat([head, payload, randomBytes(pad)]);
}

/**
 * Ask the sshd at the other end of `stream` for its certificate of `keyType` (see the file
 * comment); the stream is closed after. Rejects with a readable reason.
 */
export function fetchHostCertificate(stream: Duplex, keyType: string, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let read = 0;
    let bannerSeen = false;
    let sentInit = false;
    let settled = false;
    const finish = (e: Error | null, v?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.destroy();
      e ? reject(e) : resolve(v!);
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    const {publicKey} = generateKeyPairSync('x25519');
    const qc = publicKey.export({format: 'der', type: 'spki'}).subarray(-32);
    const list = (xs: string[]) => sshString(xs.join(','));
    const kexinit = Buffer.concat([
      Buffer.from([20]),
      randomBytes(16),
      list(['curve25519-sha256', 'curve25519-sha256@libssh.org']),
      list(certAlgorithms(keyType)),
      list(['aes128-ctr', 'aes256-ctr', 'aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com']),
      list(['aes128-ctr', 'aes256-ctr', 'aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com']),
      list(['hmac-sha2-256', 'hmac-sha2-512', 'hmac-sha2-256-etm@openssh.com']),
      list(['hmac-sha2-256', 'hmac-sha2-512', 'hmac-sha2-256-etm@openssh.com']),
      list(['none']),
      list(['none']),
      list([]),
      list([]),
      Buffer.from([0, 0, 0, 0, 0]),
    ]);
    stream.on('error', (e: Error) => finish(e));
    stream.on('close', () => finish(new Error('the server closed the connection')));
    stream.write('SSH-2.0-kubelet-doctor_certcheck\r\n');
    stream.on('data', (d: Buffer) => {
      read += d.length;
      if (read > MAX_READ) return finish(new Error('the server sent too much'));
      buf = Buffer.concat([buf, d]);
      try {
        while (!settled) {
          if (!bannerSeen) {
            const nl = buf.indexOf(10);
            if (nl < 0) return;
            const line = buf.subarray(0, nl).toString('latin1');
            buf = buf.subarray(nl + 1);
            if (line.startsWith('SSH-')) {
              bannerSeen = true;
              stream.write(packet(kexinit));
            }
            continue;
          }
          if (buf.length < 5) return;
          const len = buf.readUInt32BE(0);
          if (len > 35000 || len < 5) return finish(new Error('malformed packet'));
          if (buf.length < 4 + len) return;
          const pad = buf[4]!;
          const payload = buf.subarray(5, 4 + len - pad);
          buf = buf.subarray(4 + len);
          const type = payload[0];
          if (type === 20 && !sentInit) {
            // Its host key algorithms (the second name-list after the 16-byte cookie): one of ours, or no certificate.
            const r = new Reader(payload.subarray(17));
            r.bytes();
            const offered = r.str().split(',');
            if (!certAlgorithms(keyType).some((a) => offered.includes(a))) {
              return finish(new Error(`it has no certificate for its ${keyType} key (it offers ${shown(offered.join(', '), 160)})`));
            }
            sentInit = true;
            stream.write(packet(Buffer.concat([Buffer.from([30]), sshString(qc)])));
          } else if (type === 31) {
            const r = new Reader(payload.subarray(1));
            return finish(null, Buffer.from(r.bytes()));
          } else if (type === 1) {
            const r = new Reader(payload.subarray(1));
            r.u32();
            const why = shown(r.str(), 120);
            return finish(new Error(why.includes('host key') ? `it has no certificate for its ${keyType} key (${why})` : `it refused: ${why}`));
          }
        }
      } catch (e) {
        finish(e as Error);
      }
    });
  });
}

/**
 * Whether a host's key is to be judged by certificate: known_hosts has no plain key for it of
 * this type (nor a revoked one) and at least one `@cert-authority` line names it. The lines, or
 * null (the plain check decides).
 */
export function hostCaLines(hop: SshHop, policy: HostKeyPolicy, blob: Buffer): KnownHostLine[] | null {
  const kh = loadKnownHosts(policy.knownHostsFile);
  const v = checkHostKey(kh, hostToken(hop.host, hop.port), blob);
  if (v.status !== 'unknown' || v.caLines.length === 0) return null;
  return kh.lines.filter((l) => l.marker === 'cert-authority' && v.caLines.includes(l.line));
}

/**
 * Judge the session's plain host key `blob` by the host's certificate (fetched over `open()`),
 * against the `@cert-authority` lines `ca`. Null when trusted, else the refusal.
 */
export async function checkHostCertificate(
  hop: SshHop,
  policy: HostKeyPolicy,
  blob: Buffer,
  ca: KnownHostLine[],
  open: () => Promise<Duplex>,
  timeoutMs: number,
): Promise<TargetError | null> {
  const file = tildePath(policy.knownHostsFile);
  const where = ca.map((l) => `${file}:${l.line}`).join(', ');
  const fp = `${blobKeyType(blob)} ${fingerprint(blob)}`;
  const refuse = (why: string) =>
    new TargetError(
      'host-key',
      `${hostToken(hop.host, hop.port)} is not a known host: ${where} trusts a host CA for it, but ${why} (its key: ${fp})`,
      'check the host certificate on the node (ssh-keygen -L -f its HostCertificate) and the @cert-authority line; or record the key itself with --accept-new-host-keys',
    );
  let certBlob: Buffer;
  try {
    certBlob = await fetchHostCertificate(await open(), blobKeyType(blob), timeoutMs);
  } catch (e) {
    return refuse(`no certificate could be had: ${e instanceof TargetError ? e.message : (e as Error).message}`);
  }
  let cert: OpenSshCert;
  try {
    cert = parseCertificate(certBlob);
  } catch (e) {
    return refuse(`its certificate cannot be read (${(e as Error).message})`);
  }
  const kh = loadKnownHosts(policy.knownHostsFile);
  const caB64 = cert.signatureKey.toString('base64');
  if (kh.lines.some((l) => l.marker === 'revoked' && l.key === caB64))
    return refuse(`its certificate is signed by a @revoked key (${fingerprint(cert.signatureKey)})`);
  if (kh.lines.some((l) => l.marker === 'revoked' && l.key === certBlob.toString('base64'))) return refuse('its certificate is @revoked');
  const line = ca.find((l) => l.key === caB64);
  if (!line) return refuse(`its certificate is signed by ${fingerprint(cert.signatureKey)}, which is not that CA`);
  let bad: string | null;
  try {
    bad = verifySshSignature(cert.signatureKey, cert.signed, cert.signature);
  } catch (e) {
    bad = `the CA signature cannot be checked (${(e as Error).message})`;
  }
  if (bad) return refuse(`its certificate is not valid: ${bad}`);
  const problem = certificateProblem(cert, {host: hop.host, sessionKey: blob, now: BigInt(Math.floor(Date.now() / 1000))});
  if (problem) return refuse(`its certificate (id "${shown(cert.keyId, 80)}") does not vouch for it: ${problem}`);
  return null;
}
