import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {execFileSync} from 'node:child_process';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
  appendKnownHost,
  blobKeyType,
  checkHostKey,
  fingerprint,
  hostToken,
  knownKeyTypes,
  loadKnownHosts,
  parseKnownHosts,
} from '../../src/transport/known-hosts.js';
import {hashedHost, makeKey} from '../helpers/sshd.js';

let dir: string;
let keyA: string; // "ssh-ed25519 AAAA…"
let keyB: string;
let keyEc: string;
const blob = (line: string) => Buffer.from(line.split(' ')[1]!, 'base64');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-kh-'));
  const pub = async (name: string, type: 'ed25519' | 'ecdsa') =>
    (await readFile(`${await makeKey(join(dir, name), type)}.pub`, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
  [keyA, keyB, keyEc] = await Promise.all([pub('a', 'ed25519'), pub('b', 'ed25519'), pub('e', 'ecdsa')]);
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('known_hosts', () => {
  it('writes [host]:port for ports other than 22, and lower-cases the host', () => {
    expect(hostToken('Node-1.Example.com', 22)).toBe('node-1.example.com');
    expect(hostToken('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  it('accepts a key listed for the host, and names its line', () => {
    const kh = parseKnownHosts(`# fleet\n\nother ${keyB}\nnode-1,10.0.0.1 ${keyA}\n`, 'kh');
    expect(checkHostKey(kh, 'node-1', blob(keyA))).toEqual({status: 'known', line: 4});
    expect(checkHostKey(kh, '10.0.0.1', blob(keyA))).toEqual({status: 'known', line: 4});
  });

  it('matches hashed entries written by ssh-keygen -H', async () => {
    const f = join(dir, 'hashed');
    await writeFile(f, `[127.0.0.1]:2222 ${keyA}\nnode-7 ${keyB}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', f], {stdio: 'ignore'});
    const text = await readFile(f, 'utf8');
    expect(text).not.toContain('node-7');
    expect(text).toMatch(/^\|1\|/);
    const kh = parseKnownHosts(text, f);
    expect(checkHostKey(kh, '[127.0.0.1]:2222', blob(keyA)).status).toBe('known');
    expect(checkHostKey(kh, 'node-7', blob(keyB)).status).toBe('known');
    expect(checkHostKey(kh, 'node-8', blob(keyB)).status).toBe('unknown');
  });

  it('does not take a port-22 entry for the same host on another port', () => {
    const kh = parseKnownHosts(`127.0.0.1 ${keyA}\n`, 'kh');
    expect(checkHostKey(kh, '[127.0.0.1]:2222', blob(keyA)).status).toBe('unknown');
  });

  it('reports a changed key with the line and the old fingerprint', () => {
    const kh = parseKnownHosts(`${hashedHost('[127.0.0.1]:2222')} ${keyA}\n`, 'kh');
    const v = checkHostKey(kh, '[127.0.0.1]:2222', blob(keyB));
    expect(v).toEqual({status: 'changed', lines: [{line: 1, keyType: 'ssh-ed25519', fingerprint: fingerprint(blob(keyA))}]});
  });

  it('treats a host known only by another key type as unknown, saying which type it has', () => {
    const kh = parseKnownHosts(`node-1 ${keyEc}\n`, 'kh');
    expect(checkHostKey(kh, 'node-1', blob(keyA))).toEqual({status: 'unknown', otherTypes: [{line: 1, keyType: 'ecdsa-sha2-nistp256'}], caLines: []});
    expect(knownKeyTypes(kh, 'node-1')).toEqual(['ecdsa-sha2-nistp256']);
  });

  it('honours wildcards and negated patterns', () => {
    const kh = parseKnownHosts(`*.prod.example.com,!db.prod.example.com ${keyA}\n`, 'kh');
    expect(checkHostKey(kh, 'web-3.prod.example.com', blob(keyA)).status).toBe('known');
    expect(checkHostKey(kh, 'db.prod.example.com', blob(keyA)).status).toBe('unknown');
  });

  it('finds a host among thousands of lines the same as scanning them, in file order, whatever the case', () => {
    // Literal names are looked up by name; wildcard, negated and hashed lines are matched one
    // by one; the verdict must be what a line-by-line reading gives (first line wins for "known").
    const rows: string[] = [];
    for (let i = 0; i < 3000; i++) rows.push(`[127.0.0.1]:${20000 + i},Node-${i} ${i % 2 ? keyA : keyB}`);
    rows.push(`${hashedHost('[127.0.0.1]:20007')} ${keyEc}`);
    rows.push(`[127.0.0.1]:2000? ${keyA}`);
    rows.push(`*,![127.0.0.1]:20010 ${keyEc}`);
    const kh = parseKnownHosts(`${rows.join('\n')}\n`, 'kh');
    // Line 8 (node 7) holds keyA; the hashed line 3001 and the wildcard lines also name it.
    expect(checkHostKey(kh, '[127.0.0.1]:20007', blob(keyA))).toEqual({status: 'known', line: 8});
    expect(knownKeyTypes(kh, '[127.0.0.1]:20007')).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256']);
    expect(checkHostKey(kh, '[127.0.0.1]:20007', blob(keyEc))).toEqual({status: 'known', line: 3001});
    // A literal pattern written in capitals matches the lower-cased token, as OpenSSH does.
    expect(checkHostKey(kh, 'node-2', blob(keyB))).toEqual({status: 'known', line: 3});
    expect(checkHostKey(kh, 'node-2', blob(keyA))).toEqual({
      status: 'changed',
      lines: [{line: 3, keyType: 'ssh-ed25519', fingerprint: fingerprint(blob(keyB))}],
    });
    // The catch-all names every host but the one it negates.
    expect(checkHostKey(kh, '[127.0.0.1]:20010', blob(keyEc)).status).toBe('unknown');
    expect(checkHostKey(kh, '[127.0.0.1]:20011', blob(keyEc))).toEqual({status: 'known', line: 3003});
    expect(checkHostKey(kh, 'elsewhere', blob(keyEc))).toEqual({status: 'known', line: 3003});
  });

  it('refuses a @revoked key whatever host presents it', () => {
    const kh = parseKnownHosts(`node-1 ${keyA}\n@revoked * ${keyA}\n`, 'kh');
    expect(checkHostKey(kh, 'node-1', blob(keyA))).toEqual({status: 'revoked', line: 2});
  });

  it('does not take a @cert-authority key as the host key, but notes the CA line', () => {
    const kh = parseKnownHosts(`@cert-authority *.example.com ${keyA}\n`, 'kh');
    expect(checkHostKey(kh, 'n1.example.com', blob(keyA))).toEqual({status: 'unknown', otherTypes: [], caLines: [1]});
  });

  it('skips malformed lines and unknown markers without failing', () => {
    const kh = parseKnownHosts(`garbage\n@bogus node-1 ${keyA}\n|1|broken ${keyA}\nnode-1 ${keyB}\n`, 'kh');
    expect(kh.lines.map((l) => l.line)).toEqual([4]);
  });

  it('reads the key type out of the key blob', () => {
    expect(blobKeyType(blob(keyA))).toBe('ssh-ed25519');
    expect(blobKeyType(blob(keyEc))).toBe('ecdsa-sha2-nistp256');
    expect(fingerprint(blob(keyA))).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('prints the same fingerprint as ssh-keygen -l', async () => {
    const out = execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'a.pub')], {encoding: 'utf8'});
    expect(out).toContain(fingerprint(blob(keyA)));
  });

  it('appends a new host once, creating the file, and returns its line number', async () => {
    const f = join(dir, 'new', 'known_hosts');
    expect(appendKnownHost(f, '[127.0.0.1]:2222', blob(keyA))).toBe(1);
    expect(appendKnownHost(f, '[127.0.0.1]:2222', blob(keyA))).toBe(1);
    expect(appendKnownHost(f, 'node-2', blob(keyB))).toBe(2);
    expect(await readFile(f, 'utf8')).toBe(`[127.0.0.1]:2222 ${keyA}\nnode-2 ${keyB}\n`);
    expect(checkHostKey(loadKnownHosts(f), 'node-2', blob(keyB)).status).toBe('known');
    // OpenSSH reads what we wrote.
    expect(execFileSync('ssh-keygen', ['-F', '[127.0.0.1]:2222', '-f', f], {encoding: 'utf8'})).toContain(keyA);
  });

  it('appends on a new line when the file does not end with one', async () => {
    const f = join(dir, 'no-newline');
    await writeFile(f, `node-1 ${keyA}`);
    expect(appendKnownHost(f, 'node-2', blob(keyB))).toBe(2);
    expect(await readFile(f, 'utf8')).toBe(`node-1 ${keyA}\nnode-2 ${keyB}\n`);
  });
});
