/**
 * Key ↔ certificate matching from the probe's key fingerprints. Private keys never leave the
 * node: the probe sends the SHA-256 of each key's public SPKI DER, and we compare it with the
 * certificate's own public key.
 */
import type {KeyRecord, RawSnapshot, Source} from '../core.js';
import {readRecord} from '../kubeconfig/kubeconfig-parse.js';

/** Whether a certificate's private key is the one configured next to it. */
export interface KeyMatch {
  /** `no-key`: the key file or data holds no private key, so the kubelet cannot use the pair. */
  status: 'match' | 'mismatch' | 'unknown' | 'no-key';
  /** Where the key is: a file, or `<kubeconfig>#client-key-data`. */
  keyOrigin: string | null;
  keySpkiSha256: string | null;
  /** One sentence: why the status is what it is. */
  reason: string;
  /** What names the key (kubeconfig `client-key` line, `tlsPrivateKeyFile`, or the certificate file itself). */
  source: Source;
  text: string;
}

/** A key candidate found by the probe, or why none could be found. */
export type KeyLookup = {origin: string; records: KeyRecord[]} | {origin: string; none: 'unknown' | 'no-key'; reason: string};

/**
 * The probe's key records for a key file. A file whose key block was redacted but has no
 * fingerprint is "unknown"; a readable file with no key at all is "no-key".
 */
export function keysInFile(raw: RawSnapshot, path: string): KeyLookup {
  const read = readRecord(raw, path);
  if (read.status === 'not-collected') return {origin: path, none: 'unknown', reason: read.error};
  if (read.status !== 'ok') return {origin: path, none: 'no-key', reason: read.error};
  const real = read.record.realPath ? raw.files[read.record.realPath] : undefined;
  // A kubeconfig's embedded key is not a key *file*: only records for the file itself count.
  const records = (read.record.keys?.length ? read.record.keys : (real?.keys ?? [])).filter((k) => !k.origin.includes('#'));
  if (records.length > 0) return {origin: path, records};
  // The probe replaces key blocks with a marker line, so a marker without a record means "no fingerprint".
  if (/private key redacted|PRIVATE KEY/.test(read.content)) {
    return {origin: path, none: 'unknown', reason: `the probe found a private key in ${path} but sent no fingerprint`};
  }
  return {origin: path, none: 'no-key', reason: `${path} holds no private key`};
}

/** Compare a certificate's SPKI fingerprint with the key found for it. */
export function matchKey(certSpki: string, found: KeyLookup, ref: {source: Source; text: string}): KeyMatch {
  const base = {keyOrigin: found.origin, source: ref.source, text: ref.text};
  if ('none' in found) return {...base, status: found.none, keySpkiSha256: null, reason: found.reason};
  const hit = found.records.find((k) => k.spkiSha256 === certSpki);
  if (hit) return {...base, status: 'match', keySpkiSha256: certSpki, reason: `the key in ${found.origin} matches the certificate`};
  const known = found.records.find((k) => k.spkiSha256 !== null);
  if (known) {
    return {
      ...base,
      status: 'mismatch',
      keySpkiSha256: known.spkiSha256,
      reason: `the key in ${found.origin} (public key sha256 ${short(known.spkiSha256)}) is not the certificate's key (${short(certSpki)})`,
    };
  }
  const why = found.records[0]?.reason ?? 'no fingerprint was computed';
  return {...base, status: 'unknown', keySpkiSha256: null, reason: `cannot compare the key in ${found.origin}: ${why}`};
}

const short = (hex: string | null): string => (hex ?? '').slice(0, 16);
