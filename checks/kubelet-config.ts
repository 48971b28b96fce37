/**
 * The `--config` file and `--config-dir` drop-ins: they exist, parse, carry the right
 * apiVersion/kind and value types (else the kubelet exits at start, kubelet.md F3-F6), and every
 * field is one the kubelet knows (else its lenient decoder silently ignores it, R21).
 */
import {CONFIG_FIELDS} from './data/kubelet-config-fields.js';
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';
import type {ConfigFileInfo, Facts, KubeletConfigFacts, Source} from '../src/facts/types.js';

const ev = (source: Source, text: string): Evidence => ({source, text});
const at = (f: ConfigFileInfo): Source => (f.line === undefined ? {file: f.path} : {file: f.path, line: f.line});
const minorOf = (v: string | null): number | null => {
  // <1:minor>
  const m = /^v?1\.(\d+)/.exec(v ?? '');
  return m?.[1] === undefined ? null : Number(m[1]);
};

/** Where the kubelet gets its config path from: the `--config` flag, or its ExecStart line. */
function origin(cfg: KubeletConfigFacts, argv: Facts['argv']): Evidence[] {
  if (cfg.configPath) return [ev(cfg.configPath.source, cfg.configPath.text)];
  return argv.collected ? [ev(argv.value.executable.source, argv.value.executable.text)] : [];
}

function fileVerdict(f: ConfigFileInfo, cfg: KubeletConfigFacts, flag: Evidence[]): Verdict | null {
  const what = f.role === 'config' ? `the --config file ${f.path}` : `the --config-dir drop-in ${f.path}`;
  const evidence = [...flag, ev(at(f), f.error ?? f.status)];
  switch (f.status) {
    case 'ok':
      return null;
    case 'missing':
      if (f.error?.endsWith('was not collected by the probe')) return warn(`${what} was not collected by the probe, so it could not be checked`, evidence);
      if (f.role === 'dropin' && f.path === cfg.configDir?.value) {
        return fail(`the --config-dir ${f.path} does not exist: the kubelet exits ("failed to walk through kubelet dropin directory")`, evidence);
      }
      return fail(
        `${what} does not exist: the kubelet exits at start ("failed to load Kubelet config file"); on a fresh node this means kubeadm init/join has not run yet`,
        evidence,
      );
    case 'unreadable':
      return fail(`${what} cannot be read: ${f.error ?? 'permission denied'}`, evidence);
    case 'binary':
      return fail(`${what} is binary, not YAML: the kubelet cannot decode it`, evidence);
    case 'too-large':
      return warn(`${what} is larger than the probe reads, so it was not checked`, evidence);
    case 'parse-error':
      return fail(`${what} is not valid YAML at line ${f.line ?? '?'} (${f.error ?? 'parse error'}): the kubelet exits ("failed to decode")`, evidence);
    case 'not-a-mapping':
      return fail(`${what} is not a mapping of field: value (line ${f.line ?? 1}): the kubelet cannot decode it`, evidence);
    case 'wrong-kind':
      if (f.kind === 'Config') {
        return fail(
          `${what} is a kubeconfig (kind: Config), not a KubeletConfiguration: --config must point at /var/lib/kubelet/config.yaml (kubernetes#121467)`,
          evidence,
        );
      }
      return fail(`${what}: ${f.error ?? 'wrong apiVersion/kind'}; the kubelet refuses it`, evidence);
  }
}

function unknownVerdicts(cfg: KubeletConfigFacts): Verdict[] {
  const minor = minorOf(cfg.defaultsFor);
  return cfg.unknownFields.map((u) => {
    const name = u.field;
    const since = u.nearest === null ? CONFIG_FIELDS[name]?.since : undefined;
    if (since !== undefined && minor !== null) {
      return warn(`${name} is not known to kubelet ${cfg.defaultsFor ?? ''} (added in 1.${since}); the kubelet ignores it (lenient decoding)`, [
        ev(u.source, u.text),
      ]);
    }
    const hint = u.nearest ? ` Did you mean ${u.nearest}?` : '';
    return warn(`${name} is not a KubeletConfiguration field; the kubelet ignores it (lenient decoding).${hint}`, [ev(u.source, u.text)]);
  });
}

function versionVerdicts(cfg: KubeletConfigFacts): Verdict[] {
  const dir = cfg.configDir;
  const minor = minorOf(cfg.defaultsFor);
  if (!dir || dir.value === '' || minor === null) return [];
  if (minor < 28)
    return [fail(`--config-dir needs kubelet 1.28 or later; ${cfg.defaultsFor ?? ''} exits with "unknown flag: --config-dir"`, [ev(dir.source, dir.text)])];
  if (minor < 30) {
    // KEP-3983: alpha in 1.28-1.29, the kubelet errors unless KUBELET_CONFIG_DROPIN_DIR_ALPHA is set.
    return [
      warn(`--config-dir is alpha in ${cfg.defaultsFor ?? ''}: the kubelet refuses to start unless KUBELET_CONFIG_DROPIN_DIR_ALPHA is set in its environment`, [
        ev(dir.source, dir.text),
      ]),
    ];
  }
  return [];
}

function valueVerdicts(cfg: KubeletConfigFacts, hasConfig: boolean): Verdict[] {
  const out: Verdict[] = [];
  const healthz = cfg.effective['healthzPort'];
  if (healthz?.value === 0) {
    out.push(
      warn("healthzPort is 0, which disables the healthz endpoint: kubeadm's kubelet-check (curl http://127.0.0.1:10248/healthz) will time out", [
        ev(healthz.source, healthz.text),
      ]),
    );
  }
  const ro = cfg.effective['readOnlyPort'];
  if (hasConfig && typeof ro?.value === 'number' && ro.value > 0) {
    out.push(warn(`readOnlyPort is ${ro.value}: the kubelet serves pod and node data on it without authentication`, [ev(ro.source, ro.text)]));
  }
  return out;
}

export default defineCheck({
  id: 'kubelet-config',
  title: 'The kubelet configuration file is valid',
  category: 'config',
  severity: 'critical',
  description:
    'The kubelet exits at start when its --config file is missing, is not valid YAML, is not a KubeletConfiguration or holds a value of the wrong type. A misspelled or mis-indented field is worse: the kubelet starts and silently ignores it.',
  needs: ['argv', 'kubeletConfig'],
  explainedBy: ['systemd-dropin'],
  fix: 'kubelet-config-fix',
  remediation:
    'Open the file and line shown. A missing /var/lib/kubelet/config.yaml is written by `kubeadm join` (or `kubeadm init phase kubelet-start`). The file must start with `apiVersion: kubelet.config.k8s.io/v1beta1` and `kind: KubeletConfiguration`, and so must every *.conf drop-in. Rename unknown fields to the suggested name, fix their indentation, unquote numbers and booleans (`maxPods: 110`, `failSwapOn: false`), quote map values (`cpu: "1"`), then `systemctl restart kubelet`.',
  references: [
    'https://kubernetes.io/docs/tasks/administer-cluster/kubelet-config-file/',
    'https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/',
  ],
  signatures: [
    {
      id: 'kubelet-config-file-missing',
      text: 'failed to load Kubelet config file /var/lib/kubelet/config.yaml, error failed to read kubelet config file "/var/lib/kubelet/config.yaml", error: open /var/lib/kubelet/config.yaml: no such file or directory',
      pattern: /failed to load Kubelet config file \S+, error failed to read kubelet config file .*no such file or directory/,
      reference: 'kubelet.md F3; puppetlabs-kubernetes#490',
    },
    {
      id: 'kubelet-config-is-kubeconfig',
      text: 'failed to load Kubelet config file /etc/kubernetes/kubelet.conf, error failed to decode: no kind "Config" is registered for version "v1" in scheme "k8s.io/kubernetes/pkg/kubelet/apis/config/scheme/scheme.go:32"',
      pattern: /failed to load Kubelet config file .*failed to decode: no kind \\?"Config\\?" is registered/,
      reference: 'kubelet.md F4; kubernetes#121467',
    },
    {
      id: 'kubelet-config-decode-failed',
      text: 'failed to load Kubelet config file /var/lib/kubelet/config.yaml, error failed to decode, error: v1beta1.KubeletConfiguration.EvictionSoft: ReadMapCB: expect { or n, but found "',
      pattern: /failed to load Kubelet config file .*failed to decode/,
      reference: 'kubelet.md F5; opsnull/follow-me-install-kubernetes-cluster#458',
    },
    {
      id: 'kubelet-config-dropin-invalid',
      text: 'failed to merge kubelet configs: failed to load kubelet dropin file, path: /etc/kubernetes/kubelet.conf.d/10-pods.conf, no apiVersion/kind',
      pattern: /failed to load kubelet dropin file|failed to merge kubelet configs|failed to walk through kubelet dropin directory/,
      reference: 'kubelet.md F6; cmd/kubelet/app/server.go',
    },
    {
      id: 'kubelet-config-lenient-decoding',
      text: 'Using lenient decoding as strict decoding failed" err="strict decoding error: unknown field \\"maxPod\\""',
      pattern: /[Uu]sing lenient decoding as strict decoding failed/,
      reference: 'kubelet.md R21; pkg/kubelet/kubeletconfig/util/codec/codec.go',
    },
    {
      id: 'kubelet-config-validation-failed',
      text: "failed to validate kubelet configuration, error: invalid configuration: enforceNodeAllocatable (--enforce-node-allocatable) contains 'kube-reserved' but kubeReservedCgroup (--kube-reserved-cgroup) is not specified, path: &TypeMeta{...}",
      pattern: /failed to validate kubelet configuration, error:(?!.*cgroup v1)/,
      reference: 'kubelet.md F7; cmd/kubelet/app/server.go',
    },
  ],
  evaluate({argv, kubeletConfig}) {
    if (!kubeletConfig.collected) return skip(kubeletConfig.reason);
    const cfg = kubeletConfig.value;
    const flag = origin(cfg, argv);
    const hasConfig = cfg.configPath !== null && cfg.configPath.value.trim() !== '';
    const out: Verdict[] = [];
    if (!hasConfig) {
      const ro = cfg.effective['readOnlyPort'];
      const anon = cfg.effective['authentication.anonymous.enabled'];
      out.push(
        warn(
          `the kubelet has no --config file and runs on flag-only legacy defaults: anonymous authentication ${anon?.value === true ? 'on' : 'off'}, authorization ${String(cfg.effective['authorization.mode']?.value ?? 'AlwaysAllow')}, read-only port ${String(ro?.value ?? 10255)} without authentication, and none of kubeadm's settings (staticPodPath, cgroupDriver, clusterDNS)`,
          [...flag, ...(ro ? [ev(ro.source, ro.text)] : []), ...(anon ? [ev(anon.source, anon.text)] : [])],
        ),
      );
    }
    for (const f of cfg.files) {
      const v = fileVerdict(f, cfg, f.role === 'config' ? flag : cfg.configDir ? [ev(cfg.configDir.source, cfg.configDir.text)] : []);
      if (v) out.push(v);
    }
    for (const t of cfg.typeErrors) {
      const isFlag = t.field.startsWith('--');
      out.push(
        fail(
          isFlag
            ? `${t.field} must be ${t.expected}: the kubelet exits ("failed to parse kubelet flag")`
            : `${t.field} must be ${t.expected}: the kubelet cannot decode the file and exits ("failed to decode")`,
          [ev(t.source, t.text)],
        ),
      );
    }
    out.push(...unknownVerdicts(cfg), ...versionVerdicts(cfg), ...valueVerdicts(cfg, hasConfig));
    if (out.length > 0) return out;
    const main = cfg.files.find((f) => f.role === 'config');
    const dropins = cfg.files.filter((f) => f.role === 'dropin').length;
    const fromFiles = Object.values(cfg.effective).filter((v) => v.origin === 'config-file' || v.origin === 'config-dir').length;
    const fromFlags = Object.values(cfg.effective).filter((v) => v.origin === 'flag').length;
    return pass(
      `${main?.path ?? 'the config file'} is a valid KubeletConfiguration${dropins > 0 ? ` with ${dropins} drop-in(s)` : ''}: ${fromFiles} field(s) set in files, ${fromFlags} by flags, no unknown fields`,
      [...flag, ...(main ? [ev({file: main.path}, `apiVersion: ${main.apiVersion ?? ''}, kind: ${main.kind ?? ''}`)] : [])],
    );
  },
});
