/**
 * Property-based fuzzing of the probe's framing (fast-check). Hostile bytes go where a node puts
 * them: file contents, file names, link targets, directory entries. The properties:
 * - the parser decodes every record exactly as framed, whatever bytes its name, attributes and
 *   body hold, and a change inside one record's body changes no other record;
 * - output cut at any byte, or missing any section the probe always sends, is never whole, and no
 *   check passes on it (the node is `error`, its results partial);
 * - the real probe, under dash (and busybox sh when present), frames random names, contents and
 *   link targets of a real tree so that every record reads back exactly and nothing else moves.
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import fc from 'fast-check';
import {execFileSync} from 'node:child_process';
import {mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {catalogue} from '../../checks/index.js';
import {checkRaw} from '../../src/engine/run.js';
import {escapeName, parseFrames, unescapeName} from '../../src/probe/frame.js';
import {buildProbeScript, PROBE_VERSION} from '../../src/probe/script.js';
import {COMMANDS, DIRS, FILES} from '../../src/probe/sections.js';
import {collectRaw} from '../../src/probe/collect.js';
import {LocalTransport} from '../../src/transport/local.js';
import {writeNodeTree} from '../../src/lab/node-tree.js';
import {createClusterCa} from '../../src/lab/pki.js';
import type {Target} from '../../src/targets/types.js';

const NOW = new Date();
const runOpts = {checks: catalogue, kubeletVersion: null, timeoutMs: 60_000, concurrency: 1, now: () => NOW, expiryWarnDays: 30};
const rootTarget = (dir: string): Target => ({kind: 'root', name: dir, dir}) as Target;

/** Pieces a hostile name or body is made of: every control character, spaces, marks, escapes. */
const PIECES = [
  ...Array.from({length: 31}, (_, i) => String.fromCharCode(i + 1)),
  '\u007f',
  ' ',
  '\r\n',
  '@@KD2 ',
  '@@KD1 ',
  '\n@@KD2 F ok 3 - /etc/fstab\n',
  '%',
  '%41',
  '%zz',
  ';',
  '=',
  'real=',
  '#',
  '-',
  '/',
  'ü',
  '\u2028',
  'a',
  'conf',
  '.conf',
  'Z ok 3 - end',
];
const hostileText = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({maxLength: 6})), {minLength: 1, maxLength: 12}).map((a) => a.join(''));
const hostileBytes = fc
  .oneof(
    hostileText.map((s) => Buffer.from(s, 'utf8')),
    fc.uint8Array({minLength: 1, maxLength: 64}).map((a) => Buffer.from(a)),
  )
  .filter((b) => b.length > 0);

// --- a framer that mirrors the probe's, for the parser properties ---------------------------

const MARK = '\n@@KD2 ';
function frame(kind: string, status: string, name: string | Buffer, body: Buffer = Buffer.alloc(0), attrs = '-'): Buffer {
  return Buffer.concat([Buffer.from(`${MARK}${kind} ${status} ${body.length} ${attrs} ${escapeName(name)}\n`, 'latin1'), body]);
}
/** The records every whole output holds (V first, each fixed section, Z last), around `middle`. */
function whole(middle: Buffer[], live = false): Buffer {
  const fixed = [
    ...FILES.filter((f) => live || !f.live).map((f) => frame('F', 'missing', f.path)),
    frame('F', 'missing', '/var/lib/dpkg/status'),
    ...DIRS.filter((d) => live || !d.live).map((d) => frame('D', 'missing', d.path)),
    ...(live ? [...COMMANDS.map((c) => frame('C', 'notfound', c.id)), frame('C', '0', 'live')] : []),
  ];
  return Buffer.concat([frame('V', 'ok', 'probe', Buffer.from(String(PROBE_VERSION))), ...fixed, ...middle, frame('Z', 'ok', 'end', Buffer.from('end'))]);
}

/** One hostile record: a file with content and a link target, or a listing. */
const hostileRecord = fc.record({
  n: fc.nat({max: 1_000_000}),
  name: hostileBytes,
  real: fc.option(hostileBytes, {nil: undefined}),
  body: hostileBytes,
  entries: fc.array(fc.tuple(fc.constantFrom('f', 'd', 'l', 's', 'o'), hostileBytes), {maxLength: 5}),
  kind: fc.constantFrom('F', 'D'),
});
type HostileRecord = typeof hostileRecord extends fc.Arbitrary<infer T> ? T : never;

/** A record's path: unique per record, and never one of the fixed sections'. */
const pathOf = (r: HostileRecord, i: number) => Buffer.concat([Buffer.from(`/fuzz/${i}/`), r.name]);
function encode(r: HostileRecord, i: number): Buffer {
  if (r.kind === 'D') {
    const body = Buffer.from(r.entries.map(([t, n]) => `${t} ${escapeName(n)}\n`).join(''), 'latin1');
    return frame('D', 'ok', pathOf(r, i), body);
  }
  const attrs = r.real ? `real=${escapeName(r.real)};size=${r.body.length}` : `size=${r.body.length}`;
  return frame('F', 'ok', pathOf(r, i), r.body, attrs);
}
const utf8 = (b: Buffer) => b.toString('utf8');

describe('the parser, on framed hostile records', () => {
  it('escaping round-trips every byte string', () => {
    fc.assert(
      fc.property(hostileBytes, (b) => {
        const e = escapeName(b);
        expect(e).toMatch(/^[A-Za-z0-9._/+,:@~%-]*$/);
        expect(unescapeName(e)).toBe(utf8(b));
      }),
      {numRuns: 500},
    );
  });

  it('decodes every record exactly as framed, whatever its name, link target, body or entries hold', () => {
    fc.assert(
      fc.property(fc.array(hostileRecord, {maxLength: 8}), (recs) => {
        const raw = parseFrames(whole(recs.map(encode)), {hostRoot: '/', live: false});
        expect(raw.incomplete).toBeUndefined();
        recs.forEach((r, i) => {
          const path = utf8(pathOf(r, i));
          if (r.kind === 'D') {
            expect(raw.dirs[path]?.entries).toEqual(
              r.entries.map(([t, n]) => ({name: utf8(n), type: {f: 'file', d: 'dir', l: 'link', s: 'socket', o: 'other'}[t]})),
            );
          } else {
            expect(raw.files[path]?.content).toBe(utf8(r.body));
            expect(raw.files[path]?.realPath).toBe(r.real ? utf8(r.real) : undefined);
          }
        });
        // Nothing but the fixed sections and these records: no record was forged.
        const fixedFiles = FILES.filter((f) => !f.live).length + 1;
        expect(Object.keys(raw.files).length).toBe(fixedFiles + recs.filter((r) => r.kind === 'F').length);
      }),
      {numRuns: 300},
    );
  });

  it("a change inside one record's body changes no other record", () => {
    fc.assert(
      fc.property(fc.array(hostileRecord, {minLength: 2, maxLength: 6}), fc.nat(), fc.uint8Array({minLength: 1, maxLength: 16}), (recs, pick, bytes) => {
        const i = pick % recs.length;
        const r = recs[i]!;
        fc.pre(r.kind === 'F');
        const before = parseFrames(whole(recs.map(encode)), {hostRoot: '/', live: false});
        // Same length, other bytes (a file's content is whatever the node holds).
        const body = Buffer.from(r.body.map((b, k) => b ^ (bytes[k % bytes.length]! | 1)));
        const tampered = recs.map((x, k) => (k === i ? {...x, body} : x));
        const after = parseFrames(whole(tampered.map(encode)), {hostRoot: '/', live: false});
        expect(after.incomplete).toBeUndefined();
        const path = utf8(pathOf(r, i));
        expect(after.files[path]?.content).toBe(utf8(body));
        expect({...after.files, [path]: null}).toEqual({...before.files, [path]: null});
        expect(after.dirs).toEqual(before.dirs);
      }),
      {numRuns: 200},
    );
  });

  it('output cut at any byte is never whole', () => {
    fc.assert(
      fc.property(fc.array(hostileRecord, {maxLength: 6}), fc.nat(), (recs, at) => {
        const out = whole(recs.map(encode));
        const cut = out.subarray(0, at % out.length);
        let whole_ = false;
        try {
          whole_ = parseFrames(cut, {hostRoot: '/', live: false}).incomplete === undefined;
        } catch {
          whole_ = false;
        }
        expect(whole_).toBe(false);
      }),
      {numRuns: 300},
    );
  });
});

// --- real probe output, real trees ------------------------------------------------------------

let work: string;
let labRoot: string;
let full: Buffer;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kd-fuzz-'));
  labRoot = join(work, 'lab');
  await writeNodeTree(labRoot, {layout: 'deb', hostname: 'fuzz', kubeletVersion: 'v1.30.2', now: NOW, ca: await createClusterCa(NOW)});
  full = (await new LocalTransport('root', labRoot, false, ['dash']).run({script: buildProbeScript({hostRoot: labRoot, live: false}), timeoutMs: 60_000}))
    .stdout;
}, 120_000);

afterAll(() => rm(work, {recursive: true, force: true}));

/** Where each record of a probe's output starts (names are escaped and lab contents hold no mark). */
function recordStarts(out: Buffer): number[] {
  const starts: number[] = [];
  for (let i = out.indexOf('\n@@KD2 '); i >= 0; i = out.indexOf('\n@@KD2 ', i + 1)) starts.push(i);
  return starts;
}

describe("no verdict from output that never arrived (a real probe's output)", () => {
  it('the whole output is whole, and checks pass on it', () => {
    const raw = parseFrames(full, {hostRoot: labRoot, live: false});
    expect(raw.incomplete).toBeUndefined();
    const {result} = checkRaw(rootTarget(labRoot), {raw, transport: 'root', name: 'fuzz'}, runOpts, Date.now());
    expect(result.status).toBe('ok');
    expect(result.results.some((r) => r.status === 'pass')).toBe(true);
  });

  it('cut at any byte: the node is error, its results partial, and no check passes', () => {
    fc.assert(
      fc.property(fc.nat(), (at) => {
        let raw;
        try {
          raw = parseFrames(full.subarray(0, at % full.length), {hostRoot: labRoot, live: false});
        } catch {
          return; // not even the first record arrived: the node is an error with no results (collect.ts)
        }
        expect(raw.incomplete).toBeTruthy();
        const {result} = checkRaw(rootTarget(labRoot), {raw, transport: 'root', name: 'fuzz'}, runOpts, Date.now());
        expect(result.status).toBe('error');
        expect(result.partial).toBe(true);
        expect(result.results.filter((r) => r.status === 'pass')).toEqual([]);
      }),
      {numRuns: 60},
    );
  });

  it('without any one section the probe always sends (or its version or end record): error, and no pass', () => {
    const starts = recordStarts(full);
    const required = new Set([
      ...FILES.filter((f) => !f.live).map((f) => f.path),
      '/var/lib/dpkg/status',
      ...DIRS.filter((d) => !d.live).map((d) => d.path),
      'probe',
      'end',
    ]);
    const removable = starts
      .map((s, i) => ({s, e: starts[i + 1] ?? full.length}))
      .filter(({s, e}) => {
        const header = full
          .subarray(s + 1, full.indexOf(0x0a, s + 1))
          .toString('latin1')
          .split(' ');
        return e > s && required.has(unescapeName(header[5] ?? '') ?? '');
      });
    expect(removable.length).toBeGreaterThan(40);
    fc.assert(
      fc.property(fc.nat(), (k) => {
        const {s, e} = removable[k % removable.length]!;
        const out = Buffer.concat([full.subarray(0, s), full.subarray(e)]);
        let raw;
        try {
          raw = parseFrames(out, {hostRoot: labRoot, live: false});
        } catch {
          return; // not probe output at all: the node is an error with no results
        }
        expect(raw.incomplete).toBeTruthy();
        const {result} = checkRaw(rootTarget(labRoot), {raw, transport: 'root', name: 'fuzz'}, runOpts, Date.now());
        expect(result.status).toBe('error');
        expect(result.results.filter((r) => r.status === 'pass')).toEqual([]);
      }),
      {numRuns: 60},
    );
  });
});

const shells = ['dash', 'busybox'].filter((s) => {
  try {
    execFileSync('sh', ['-c', `command -v ${s}`]);
    return true;
  } catch {
    return false;
  }
});

/** A file or link name: hostile bytes, but a valid name (no "/" or NUL, not "." or ".."). */
const fileName = hostileBytes.map((b) => Buffer.concat([Buffer.from('fz'), Buffer.from(b.filter((c) => c !== 0x2f && c !== 0))]));
/** A link target: absolute, its components hostile but never "", "." or "..", so it resolves to itself. */
const linkTarget = fc.array(fileName, {minLength: 1, maxLength: 3}).map((parts) => Buffer.concat(parts.flatMap((p) => [Buffer.from('/'), p])));
const treeCase = fc.record({
  files: fc.uniqueArray(fc.tuple(fileName, hostileBytes), {maxLength: 6, selector: ([n]) => n.toString('hex')}),
  links: fc.array(linkTarget, {maxLength: 4}),
});

describe.each(shells)('the real probe under %s, on trees with hostile names, contents and link targets', (shell) => {
  let n = 0;
  it('frames every name, content and link target exactly, and moves no other record', async () => {
    const argv = shell === 'busybox' ? ['busybox', 'sh'] : [shell];
    const base = await collectRaw(new LocalTransport('root', labRoot, false, argv), {timeoutMs: 60_000});
    await fc.assert(
      fc.asyncProperty(treeCase, async ({files, links}) => {
        const root = join(work, `${shell}-${n++}`);
        execFileSync('cp', ['-a', labRoot, root]);
        const cni = join(root, 'etc/cni/net.d');
        await mkdir(cni, {recursive: true});
        for (const [name, body] of files) await writeFile(Buffer.concat([Buffer.from(`${cni}/`), name]), body);
        for (const [i, target] of links.entries()) await symlink(target, join(root, `etc/kubernetes/fz-link-${i}.conf`));
        try {
          const raw = await collectRaw(new LocalTransport('root', root, false, argv), {timeoutMs: 60_000});
          expect(raw.incomplete).toBeUndefined();
          // The listing is the directory, entry for entry.
          const onDisk = (await readdir(cni, {encoding: 'buffer'})).map(utf8).sort();
          expect(raw.dirs['/etc/cni/net.d']?.entries.map((e) => e.name).sort()).toEqual(onDisk);
          // Every link is recorded under its own name, with its own target.
          for (const [i, target] of links.entries()) {
            const rec = raw.files[`/etc/kubernetes/fz-link-${i}.conf`];
            expect(rec?.realPath).toBe(utf8(target));
            expect(['missing', 'unreadable']).toContain(rec?.status);
          }
          // A CNI file read is read exactly (the probe ends its last line with a newline).
          for (const [name, body] of files) {
            const rec = raw.files[`/etc/cni/net.d/${utf8(name)}`];
            if (rec?.content === undefined) continue;
            const text = utf8(body);
            expect(rec.content).toBe(text === '' || text.endsWith('\n') ? text : `${text}\n`);
          }
          // The kubelet's own files read exactly as without the hostile ones.
          for (const p of [
            '/var/lib/kubelet/config.yaml',
            '/etc/kubernetes/kubelet.conf',
            '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf',
            '/etc/containerd/config.toml',
          ]) {
            expect(raw.files[p]).toEqual(base.files[p]);
            expect(raw.files[p]?.content).toBe(await readFile(join(root, p), 'utf8'));
          }
        } finally {
          await rm(root, {recursive: true, force: true});
        }
      }),
      {numRuns: shell === 'dash' ? 25 : 10},
    );
  }, 600_000);
});
