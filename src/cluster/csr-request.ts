/**
 * The subject commonName of a PKCS#10 certificate request (a CSR's `spec.request`), read with a
 * minimal DER walk: CertificationRequest → certificationRequestInfo → subject Name → the
 * AttributeTypeAndValue with OID 2.5.4.3. Nothing else of the request is read or trusted.
 */

interface Tlv {
  tag: number;
  /** First content byte. */
  start: number;
  /** One past the last content byte. */
  end: number;
}

/** Read one DER TLV at `pos` within `[pos, limit)`; null when it does not fit. */
function tlv(buf: Buffer, pos: number, limit: number): Tlv | null {
  if (pos + 2 > limit) return null;
  const tag = buf[pos]!;
  let len = buf[pos + 1]!;
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
  }
  return start + len > limit ? null : {tag, start, end: start + len};
}

/** The children of a constructed TLV; null when one does not parse. */
function children(buf: Buffer, parent: Tlv): Tlv[] | null {
  const out: Tlv[] = [];
  for (let pos = parent.start; pos < parent.end; ) {
    const t = tlv(buf, pos, parent.end);
    if (!t) return null;
    out.push(t);
    pos = t.end;
  }
  return out;
}

const SEQUENCE = 0x30;
const SET = 0x31;
const OID = 0x06;
const CN_OID = Buffer.from([0x55, 0x04, 0x03]);
const BMP_STRING = 0x1e;
/** UTF8String, PrintableString, T61String, IA5String, UniversalString-free string types Go accepts for a CN. */
const STRING_TAGS = new Set([0x0c, 0x13, 0x14, 0x16]);

/** The commonName in a DER Name (the last one, as Go's pkix.Name does), or null. */
function commonNameOf(buf: Buffer, name: Tlv): string | null {
  let cn: string | null = null;
  for (const rdn of children(buf, name) ?? []) {
    if (rdn.tag !== SET) continue;
    for (const atv of children(buf, rdn) ?? []) {
      const [type, value] = atv.tag === SEQUENCE ? (children(buf, atv) ?? []) : [];
      if (!type || !value || type.tag !== OID || !buf.subarray(type.start, type.end).equals(CN_OID)) continue;
      const bytes = buf.subarray(value.start, value.end);
      if (value.tag === BMP_STRING) cn = Buffer.from(bytes).swap16().toString('utf16le');
      else if (STRING_TAGS.has(value.tag)) cn = bytes.toString('utf8');
    }
  }
  return cn;
}

/** The DER of a request given as PEM text or as DER. */
function derOf(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  const m = /-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----([\s\S]*?)-----END (?:NEW )?CERTIFICATE REQUEST-----/.exec(text);
  return m ? Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64') : raw;
}

/**
 * The subject CN a CSR asks for (`system:node:node-1`). `request` is the CSR's `spec.request` as
 * the API sends it (base64 of the PEM), or its bytes. Null when it is not a readable request.
 */
export function requestedCommonName(request: string | Buffer | null | undefined): string | null {
  if (request === null || request === undefined || request.length === 0) return null;
  const der = derOf(typeof request === 'string' ? Buffer.from(request, 'base64') : request);
  const outer = tlv(der, 0, der.length);
  if (!outer || outer.tag !== SEQUENCE) return null;
  const info = children(der, outer)?.[0];
  if (!info || info.tag !== SEQUENCE) return null;
  const [version, subject] = children(der, info) ?? [];
  if (version?.tag !== 0x02 || !subject || subject.tag !== SEQUENCE) return null;
  return commonNameOf(der, subject);
}
