/**
 * The report gate's base64 detector walks the text instead of building a copy without its
 * wrapping (that copy was most of the gate's time on a fleet). It must answer exactly as the
 * copy did: property-tested against it here, on text made of marker pieces, wrapping, escapes
 * and the characters around them, and on real keys wrapped the ways YAML and JSON wrap them.
 */
import {generateKeyPairSync} from 'node:crypto';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {findSecret, splitB64Marker} from '../../src/facts/secrets/redact.js';
import {B64_MARKER_ERE, B64_MARKER_STRINGS} from '../../src/facts/secrets/secret-keys.js';

const MARK = new RegExp(B64_MARKER_ERE);
/** What the detector did before: strip the wrapping, then look for a marker. */
const byCopy = (t: string): boolean => MARK.test(t.replace(/\\[nrt]|[\s"'\\|>-]/g, ''));

const pieces = fc.oneof(
  // Pieces of markers, so that split and near-miss markers are common.
  fc.constantFrom(...B64_MARKER_STRINGS).chain((m) => fc.tuple(fc.nat(m.length), fc.nat(m.length)).map(([a, b]) => m.slice(Math.min(a, b), Math.max(a, b)))),
  fc.constantFrom('\\n', '\\r', '\\t', '\\', '\n', '\r\n', ' ', '\t', '"', "'", '|', '>', '-', '\u00a0', '\u2028', '\ufeff', ':', ',', '.', 'n', 'A', '='),
  fc.string({maxLength: 4}),
);
const texts = fc.array(pieces, {maxLength: 40}).map((p) => p.join(''));

describe('splitB64Marker', () => {
  it('answers as stripping the wrapping and testing the markers did, on any text', () => {
    fc.assert(
      fc.property(texts, (t) => {
        expect(splitB64Marker(t)).toBe(byCopy(t));
      }),
      {numRuns: 20_000},
    );
  });

  it('finds every marker split anywhere by any wrapping, and a key wrapped as YAML and JSON wrap base64', () => {
    const wraps = ['\\n', '\n  ', '"\n  "', '\r\n', '|\n  ', '-'];
    for (const m of B64_MARKER_STRINGS) {
      for (let at = 1; at < m.length; at++) {
        for (const w of wraps) {
          const t = `data: ${m.slice(0, at)}${w}${m.slice(at)}`;
          expect(splitB64Marker(t), JSON.stringify(t)).toBe(true);
        }
      }
    }
    const pem = generateKeyPairSync('ed25519').privateKey.export({type: 'pkcs8', format: 'pem'}).toString();
    const b64 = Buffer.from(pem).toString('base64');
    const yamlWrapped = `client-key: |\n${b64
      .match(/.{1,20}/g)!
      .map((l) => `  ${l}`)
      .join('\n')}\n`;
    expect(findSecret(yamlWrapped)).toBe('a base64-encoded private key or registry credential');
    expect(findSecret(JSON.stringify({k: yamlWrapped}))).toBe('a base64-encoded private key or registry credential');
  });

  it('finds nothing in text that only looks like base64', () => {
    expect(splitB64Marker('the kubelet config file sets cgroupDriver: systemd\\n at /var/lib/kubelet/config.yaml:13')).toBe(false);
    expect(splitB64Marker('')).toBe(false);
  });
});
