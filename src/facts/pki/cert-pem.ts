/**
 * PEM text → certificate facts, with node:crypto's X509Certificate. A file may hold several
 * certificates (a CA bundle, or kubelet-client-current.pem's cert followed by its redacted key);
 * anything that is not a parsable certificate becomes an error at its line, never an exception.
 */
import {X509Certificate, createHash} from 'node:crypto';
import type {Source} from '../core.js';

/** One certificate, reduced to serialisable facts. */
export interface CertInfo {
  /** `O=system:nodes, CN=system:node:node-1`. */
  subject: string;
  issuer: string;
  commonName: string | null;
  organizations: string[];
  /** ISO 8601. */
  notBefore: string;
  notAfter: string;
  /** Upper-case hex, as openssl prints it. */
  serial: string;
  /** Lower-case hex SHA-256 of the DER certificate. */
  sha256: string;
  /** Lower-case hex SHA-256 of the public key's SPKI DER: compared with the probe's KeyRecord. */
  spkiSha256: string;
  isCA: boolean;
  /** Subject equals issuer and the certificate verifies with its own key. */
  selfSigned: boolean;
  /** Where it is: the file and the line of its BEGIN marker, or the kubeconfig line holding the data. */
  source: Source;
  text: string;
}

/** A problem with one block or with the whole text. */
export interface PemError {
  message: string;
  source: Source;
  text: string;
}

/** Result of parsing one PEM text: the certificates (with live objects for chain checks) and errors. */
export interface PemParse {
  certs: {info: CertInfo; x509: X509Certificate}[];
  errors: PemError[];
}

/** Where the PEM text sits: a file (lines count from 1), or one kubeconfig line (embedded data). */
export type PemPlace = {kind: 'file'; path: string} | {kind: 'embedded'; source: Source; text: string};

// <1:label>: the word(s) after BEGIN, e.g. CERTIFICATE, RSA PRIVATE KEY.
const BEGIN = /^-----BEGIN ([A-Z0-9 ]+)-----\s*$/;

/** `CN=a\nO=b` (node's one-attribute-per-line form) → `CN=a, O=b`. */
const oneLine = (dn: string): string => dn.split('\n').join(', ');

/** The values of one attribute from node's legacy subject object (a string, or an array when repeated). */
function attr(obj: NodeJS.Dict<string | string[]>, key: string): string[] {
  const v = obj[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Facts of one parsed certificate. */
export function certInfo(x: X509Certificate, source: Source, text: string): CertInfo {
  const subject = x.toLegacyObject().subject as unknown as NodeJS.Dict<string | string[]>;
  let selfSigned = false;
  try {
    selfSigned = x.subject === x.issuer && x.verify(x.publicKey);
  } catch {
    selfSigned = false;
  }
  return {
    subject: oneLine(x.subject),
    issuer: oneLine(x.issuer),
    commonName: attr(subject, 'CN')[0] ?? null,
    organizations: attr(subject, 'O'),
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
    serial: x.serialNumber.toUpperCase(),
    sha256: x.fingerprint256.replace(/:/g, '').toLowerCase(),
    spkiSha256: createHash('sha256')
      .update(x.publicKey.export({type: 'spki', format: 'der'}))
      .digest('hex'),
    isCA: x.ca,
    selfSigned,
    source,
    text,
  };
}

/**
 * Parsed certificates by their PEM block. Across a fleet the same certificates come back from
 * every node (the cluster CA in each kubeconfig and clientCAFile): parsing each once halves the
 * client's CPU per node. An X509Certificate is immutable, so sharing it changes no result.
 */
const PARSED = new Map<string, {x: X509Certificate; info: CertInfo}>();
const PARSED_MAX = 2048;

function parseBlock(block: string): {x: X509Certificate; info: CertInfo} {
  let hit = PARSED.get(block);
  if (!hit) {
    const x = new X509Certificate(block);
    hit = {x, info: certInfo(x, {file: ''}, '')};
    if (PARSED.size >= PARSED_MAX) PARSED.delete(PARSED.keys().next().value!);
    PARSED.set(block, hit);
  }
  return hit;
}

/**
 * Parse every CERTIFICATE block in `text`. Other blocks (keys, redaction markers) are skipped:
 * a kubelet-client-*.pem holds its key next to the certificate, and that is normal.
 */
export function parsePem(text: string, place: PemPlace): PemParse {
  const out: PemParse = {certs: [], errors: []};
  const where = (line: number, lineText: string): {source: Source; text: string} =>
    place.kind === 'file' ? {source: {file: place.path, line}, text: lineText} : {source: place.source, text: place.text};
  // A bundle made with `cat` from files without a final newline glues END and BEGIN on one line:
  // split those apart but keep the file's line number for each piece.
  const lines = text.split(/\r?\n/).flatMap((t, i) =>
    t
      .replace(/-----(?=-----BEGIN )/g, '-----\n')
      .split('\n')
      .map((s) => ({s: s.trim(), n: i + 1})),
  );
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i];
    const m = first && BEGIN.exec(first.s);
    if (!first || !m || m[1] !== 'CERTIFICATE') continue;
    const end = lines.findIndex((l, j) => j > i && l.s === '-----END CERTIFICATE-----');
    const at = where(first.n, first.s);
    const loc = place.kind === 'file' ? `at line ${first.n}` : `at line ${first.n} of the decoded data`;
    if (end < 0) {
      out.errors.push({message: `the certificate ${loc} has no END line (truncated?)`, ...at});
      break;
    }
    const block = lines
      .slice(i, end + 1)
      .map((l) => l.s)
      .join('\n');
    try {
      const {x, info} = parseBlock(block);
      out.certs.push({info: {...info, source: at.source, text: at.text}, x509: x});
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      out.errors.push({message: `the certificate ${loc} does not parse: ${why}`, ...at});
    }
    i = end;
  }
  if (out.certs.length === 0 && out.errors.length === 0) {
    out.errors.push({message: 'no PEM certificate found', ...where(1, clipLine(lines[0]?.s ?? ''))});
  }
  return out;
}

const clipLine = (s: string): string => (s.length > 72 ? `${s.slice(0, 60)}…` : s.trim());

/** The leaf of a chain file: the first certificate that is not a CA, else the first. */
export function leafOf<T extends {info: CertInfo}>(certs: readonly T[]): T | undefined {
  return certs.find((c) => !c.info.isCA) ?? certs[0];
}
