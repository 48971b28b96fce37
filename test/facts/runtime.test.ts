import {describe, expect, it} from 'vitest';
import {rawFrom} from '../helpers/facts.js';
import {buildRuntime} from '../../src/facts/runtime/runtime.js';
import {indexToml, lineOf as tomlLine} from '../../src/facts/runtime/runtime-parse.js';
import {parseJsonText} from '../../src/facts/runtime/runtime-json.js';
import {CTD, V2_DEFAULT, V2_SYSTEMD, V3_DEFAULT, V3_SYSTEMD, fx, lineOf, nc, runtime} from './runtime-fixtures.js';

describe('buildRuntime: containerd 1.x (config version 2)', () => {
  it('reads SystemdCgroup = false from the runc options of the default config', () => {
    const rt = runtime(rawFrom({[CTD]: V2_DEFAULT}));
    expect(rt.name).toBe('containerd');
    expect(rt.detectedBy).toBe('endpoint');
    expect(rt.endpoint.source).toEqual({command: 'kubelet default'});
    expect(rt.configVersion).toBe(2);
    expect(rt.cgroupDriver).toEqual({value: 'cgroupfs', source: {file: CTD, line: 125}, text: 'SystemdCgroup = false'});
    expect(rt.criDisabled).toEqual({value: false, source: {file: CTD, line: 1}, text: 'disabled_plugins = []'});
    expect(rt.cni.confDir).toEqual({value: '/etc/cni/net.d', source: {file: CTD, line: 73}, text: 'conf_dir = "/etc/cni/net.d"'});
    expect(rt.cni.binDirs.value).toEqual(['/opt/cni/bin']);
    expect(rt.cni.binDirs.source).toEqual({file: CTD, line: 72});
    expect(rt.listen?.source).toEqual({file: CTD, line: 22});
    expect(rt.problems).toEqual([]);
  });

  it('reads SystemdCgroup = true after the sed the Kubernetes docs give', () => {
    const rt = runtime(rawFrom({[CTD]: V2_SYSTEMD}));
    expect(rt.cgroupDriver).toEqual({value: 'systemd', source: {file: CTD, line: 125}, text: 'SystemdCgroup = true'});
  });

  it('uses the default runtime named by default_runtime_name', () => {
    const text = V2_SYSTEMD.replace('default_runtime_name = "runc"', 'default_runtime_name = "crun"').concat(
      '\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun]\n  runtime_type = "io.containerd.runc.v2"\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun.options]\n  BinaryName = "/usr/bin/crun"\n',
    );
    const rt = runtime(rawFrom({[CTD]: text}));
    expect(rt.cgroupDriver?.value).toBe('cgroupfs');
    expect(rt.cgroupDriver?.text).toBe('SystemdCgroup not set (default false)');
    expect(rt.cgroupDriver?.source).toEqual({file: CTD, line: lineOf(text, 'runtimes.crun.options]')});
  });

  it('reports a default runtime with no runtimes table as a CRI load failure', () => {
    const text = V2_DEFAULT.replace('default_runtime_name = "runc"', 'default_runtime_name = "kata"');
    const rt = runtime(rawFrom({[CTD]: text}));
    expect(rt.problems).toHaveLength(1);
    expect(rt.problems[0]).toMatchObject({severity: 'fail', source: {file: CTD, line: 79}, text: 'default_runtime_name = "kata"'});
  });

  it('flags the deprecated systemd_cgroup = true, which makes containerd 1.x drop the CRI plugin', () => {
    const rt = runtime(rawFrom({[CTD]: V2_DEFAULT.replace('systemd_cgroup = false', 'systemd_cgroup = true')}));
    expect(rt.problems[0]?.severity).toBe('fail');
    expect(rt.problems[0]?.message).toMatch(/only works for runtime io\.containerd\.runtime\.v1\.linux/);
    expect(rt.problems[0]?.source).toEqual({file: CTD, line: 67});
    expect(rt.cgroupDriver?.value).toBe('cgroupfs');
  });

  it('flags a version 3 table in a version 2 file as ignored', () => {
    const text = `version = 2\n\n[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]\n  SystemdCgroup = true\n`;
    const rt = runtime(rawFrom({[CTD]: text}));
    expect(rt.cgroupDriver?.value).toBe('cgroupfs');
    expect(rt.problems[0]).toMatchObject({severity: 'warn', source: {file: CTD, line: 4}, text: 'SystemdCgroup = true'});
  });
});

describe('buildRuntime: containerd 1.x reads the file as containerd 1.6 does', () => {
  const opts = '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]';

  it('ignores full-id CRI tables in a file without version = 2, and says so at the SystemdCgroup line', () => {
    const text = `${opts}\n  SystemdCgroup = true\n`;
    const rt = runtime(rawFrom({[CTD]: text}));
    expect(rt.configVersion).toBe(1);
    expect(rt.cgroupDriver?.value).toBe('cgroupfs');
    expect(rt.problems).toEqual([
      expect.objectContaining({
        severity: 'warn',
        source: {file: CTD, line: 2},
        text: 'SystemdCgroup = true',
        message: expect.stringMatching(/add version = 2/),
      }),
    ]);
  });

  it('reads the spellings go-toml v1 accepts, with the line as written', () => {
    for (const key of ['systemdCgroup', 'systemdcgroup', 'SYSTEMDCGROUP']) {
      const rt = runtime(rawFrom({[CTD]: `version = 2\n${opts}\n  ${key} = true\n`}));
      expect(rt.cgroupDriver).toEqual({value: 'systemd', source: {file: CTD, line: 3}, text: `${key} = true`});
    }
    const snake = runtime(rawFrom({[CTD]: `version = 2\n${opts}\n  systemd_cgroup = true\n`}));
    expect(snake.cgroupDriver?.value).toBe('cgroupfs');
  });

  it('gives the sandbox image with its line, or containerd 1.6 default pause:3.6', () => {
    const set = runtime(rawFrom({[CTD]: 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  SANDBOX_IMAGE = "reg.example/pause:9"\n'}));
    expect(set.sandboxImage).toEqual({value: 'reg.example/pause:9', source: {file: CTD, line: 3}, text: 'SANDBOX_IMAGE = "reg.example/pause:9"'});
    expect(runtime(rawFrom({[CTD]: V2_DEFAULT})).sandboxImage?.value).toBe('registry.k8s.io/pause:3.6');
    expect(runtime(rawFrom({[CTD]: ''})).sandboxImage?.value).toBe('registry.k8s.io/pause:3.6');
  });

  it('fails [plugins.cri] in a version 2 config: containerd refuses to load it', () => {
    const rt = runtime(rawFrom({[CTD]: 'version = 2\n[plugins.cri]\n  sandbox_image = "x"\n'}));
    expect(rt.problems).toEqual([
      expect.objectContaining({severity: 'fail', source: {file: CTD, line: 2}, message: expect.stringMatching(/invalid plugin key URI "cri"/)}),
    ]);
  });
});

describe('buildRuntime: containerd 2.x (config version 3)', () => {
  it('falls back to cgroupfs when the default config omits SystemdCgroup (containerd#12101)', () => {
    const rt = runtime(rawFrom({[CTD]: V3_DEFAULT}));
    expect(rt.configVersion).toBe(3);
    expect(rt.cgroupDriver).toEqual({value: 'cgroupfs', source: {file: CTD, line: 97}, text: 'SystemdCgroup not set (default false)'});
    expect(rt.cni.binDirs).toEqual({value: ['/opt/cni/bin'], source: {file: CTD, line: 109}, text: "bin_dirs = ['/opt/cni/bin']"});
    expect(rt.cni.confDir.source).toEqual({file: CTD, line: 110});
  });

  it("reads SystemdCgroup from [plugins.'io.containerd.cri.v1.runtime'...runc.options]", () => {
    const rt = runtime(rawFrom({[CTD]: V3_SYSTEMD}));
    expect(rt.cgroupDriver).toEqual({value: 'systemd', source: {file: CTD, line: 106}, text: 'SystemdCgroup = true'});
  });

  it('warns that a version 2 table in a version 3 file is ignored, and keeps the default', () => {
    const text = `${V3_DEFAULT}\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n`;
    const rt = runtime(rawFrom({[CTD]: text}));
    expect(rt.cgroupDriver?.value).toBe('cgroupfs');
    const note = rt.problems.find((p) => /SystemdCgroup/.test(p.message));
    expect(note?.severity).toBe('warn');
    expect(note?.source).toEqual({file: CTD, line: lineOf(text, 'SystemdCgroup = true')});
    expect(note?.message).toMatch(/version 3 config \(containerd 2\.x\) ignores it/);
  });

  it('accepts an inline options table', () => {
    const text = `version = 3\n[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]\n  runtime_type = 'io.containerd.runc.v2'\n  options = { SystemdCgroup = true }\n`;
    const rt = runtime(rawFrom({[CTD]: text}));
    expect(rt.cgroupDriver).toEqual({value: 'systemd', source: {file: CTD, line: 4}, text: 'options = { SystemdCgroup = true }'});
  });
});

describe('buildRuntime: containerd imports', () => {
  const DROPIN = '/etc/containerd/conf.d/10-systemd.toml';
  const dropin = `[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n`;
  const withImports = (text: string): string => text.replace('imports = []', 'imports = ["/etc/containerd/conf.d/*.toml"]');

  it('takes SystemdCgroup from a drop-in matched by the imports glob', () => {
    const rt = runtime(rawFrom({[CTD]: withImports(V2_DEFAULT), [DROPIN]: dropin}));
    expect(rt.configFiles.map((f) => [f.path, f.role, f.status])).toEqual([
      [CTD, 'main', 'ok'],
      [DROPIN, 'import', 'ok'],
    ]);
    expect(rt.cgroupDriver).toEqual({value: 'systemd', source: {file: DROPIN, line: 2}, text: 'SystemdCgroup = true'});
  });

  it('under containerd 1.x a drop-in defining the CRI table replaces it whole (containerd#5837)', () => {
    const cniOnly = `[plugins."io.containerd.grpc.v1.cri".cni]\n  conf_dir = "/etc/cni/custom"\n`;
    const rt = runtime(rawFrom({[CTD]: withImports(V2_SYSTEMD), '/etc/containerd/conf.d/20-cni.toml': cniOnly}));
    expect(rt.cni.confDir.value).toBe('/etc/cni/custom');
    expect(rt.cgroupDriver?.value).toBe('cgroupfs');
    expect(rt.cgroupDriver?.source).toEqual({file: '/etc/containerd/conf.d/20-cni.toml'});
    expect(rt.cgroupDriver?.text).toBe('SystemdCgroup not set (default false)');
  });

  it('under containerd 2.x drop-ins merge key by key', () => {
    const main = V3_SYSTEMD.replace('imports = []', "imports = ['conf.d/*.toml']");
    const cniOnly = `version = 3\n[plugins.'io.containerd.cri.v1.runtime'.cni]\n  conf_dir = '/etc/cni/custom'\n`;
    const rt = runtime(rawFrom({[CTD]: main, '/etc/containerd/conf.d/20-cni.toml': cniOnly}));
    expect(rt.cni.confDir).toEqual({
      value: '/etc/cni/custom',
      source: {file: '/etc/containerd/conf.d/20-cni.toml', line: 3},
      text: "conf_dir = '/etc/cni/custom'",
    });
    expect(rt.cgroupDriver?.source).toEqual({file: CTD, line: 106});
  });

  it('reports a missing explicitly named import as fatal to containerd', () => {
    const main = V2_DEFAULT.replace('imports = []', 'imports = ["/etc/containerd/extra.toml"]');
    const raw = rawFrom({[CTD]: main}, {records: {'/etc/containerd/extra.toml': {status: 'missing', content: undefined}}});
    const rt = runtime(raw);
    expect(rt.configFiles[1]).toMatchObject({path: '/etc/containerd/extra.toml', role: 'import', status: 'missing'});
    expect(rt.problems[0]).toMatchObject({severity: 'fail', source: {file: CTD, line: 2}});
  });
});

describe('buildRuntime: containerd CRI plugin and broken files', () => {
  it("sees Docker's containerd.io config disable the CRI plugin", () => {
    const rt = runtime(rawFrom({[CTD]: fx('containerd-docker-io.toml')}));
    expect(rt.configVersion).toBe(1);
    expect(rt.criDisabled).toEqual({value: true, source: {file: CTD, line: 15}, text: 'disabled_plugins = ["cri"]'});
    expect(rt.cgroupDriver?.value).toBe('cgroupfs');
  });

  it('sees the full plugin id disable CRI in a version 2 config', () => {
    const rt = runtime(rawFrom({[CTD]: V2_DEFAULT.replace('disabled_plugins = []', 'disabled_plugins = ["io.containerd.grpc.v1.cri"]')}));
    expect(rt.criDisabled?.value).toBe(true);
  });

  it('fails a short "cri" in a version 2 config: containerd refuses to load it', () => {
    // containerd 1.6.20: failed to load TOML: invalid disabled plugin URI "cri" expect io.containerd.x.vx
    const rt = runtime(rawFrom({[CTD]: V2_DEFAULT.replace('disabled_plugins = []', 'disabled_plugins = ["cri"]')}));
    expect(rt.criDisabled?.value).toBe(false);
    expect(rt.problems[0]).toMatchObject({severity: 'fail', source: {file: CTD, line: 1}});
    expect(rt.problems[0]?.message).toMatch(/invalid disabled plugin URI "cri"/);
  });

  it('records malformed TOML with its line and leaves the driver unknown', () => {
    const text = V2_DEFAULT.replace('SystemdCgroup = false', 'SystemdCgroup = = true');
    const rt = runtime(rawFrom({[CTD]: text}));
    expect(rt.configFiles[0]).toMatchObject({path: CTD, status: 'parse-error', line: 125});
    expect(rt.configFiles[0]?.error).toMatch(/invalid/);
    expect(rt.cgroupDriver).toBeNull();
    expect(rt.criDisabled).toBeNull();
  });

  it('treats a binary or truncated file as unreadable, never throwing', () => {
    const binary = runtime(rawFrom({}, {records: {[CTD]: {status: 'ok', binary: true}}}));
    expect(binary.configFiles[0]?.status).toBe('binary');
    expect(binary.cgroupDriver).toBeNull();
    const cut = runtime(rawFrom({[CTD]: V2_DEFAULT.slice(0, 2000)}, {records: {[CTD]: {truncated: true}}}));
    expect(cut.configFiles[0]?.status).toBe('truncated');
  });

  it("uses containerd's built-in defaults when config.toml does not exist", () => {
    const rt = runtime(rawFrom({}, {records: {[CTD]: {status: 'missing', content: undefined}}}));
    expect(rt.cgroupDriver).toEqual({
      value: 'cgroupfs',
      source: {file: CTD},
      text: "no /etc/containerd/config.toml: SystemdCgroup takes containerd's default false",
    });
    expect(rt.criDisabled?.value).toBe(false);
  });

  it('is not collected when the probe read no runtime config at all', () => {
    expect(buildRuntime(rawFrom({}), nc, nc)).toEqual({collected: false, reason: 'runtime config files were not collected by the probe'});
  });
});

describe('runtime-parse: line positions', () => {
  it('indexes quoted, dotted and inline keys without being fooled by strings and comments', () => {
    const text = [
      '# [not.a.header]',
      'a = "x # [y]"',
      'b = [',
      '  "[z]",  # ]',
      ']',
      'c = """',
      '[fake]',
      '"""',
      '[t."x.y".\'z w\']',
      '  e.f = 1',
      '  g = { h = { i = true } }',
    ].join('\n');
    const index = indexToml(text);
    expect(tomlLine(index, ['fake'])).toBeUndefined();
    expect(tomlLine(index, ['not', 'a', 'header'])).toBeUndefined();
    expect(tomlLine(index, ['t', 'x.y', 'z w'])).toBe(9);
    expect(tomlLine(index, ['t', 'x.y', 'z w', 'e', 'f'])).toBe(10);
    expect(tomlLine(index, ['t', 'x.y', 'z w', 'g', 'h', 'i'])).toBe(11);
  });

  it('locates JSON syntax errors V8 reports without a position', () => {
    expect(parseJsonText('{\n  "a": 1,\n  "b": }\n')).toMatchObject({ok: false, line: 3});
    expect(parseJsonText('{\n  "a": [1, 2,\n')).toMatchObject({ok: false, line: 3});
    expect(parseJsonText('{"a": 1}')).toEqual({ok: true, data: {a: 1}});
  });
});
