/**
 * esbuild plugins that make the compiled CLI (dist/src) fit in ONE CommonJS file, which is what a
 * Node 20 single executable must run (its main script is CommonJS and can `require` only built-ins).
 * Each plugin rewrites one file the bundler cannot take as it is, and fails the build when the text
 * it expects has moved (a dependency upgrade), so a drift is a build error, never a broken binary.
 */
import {readFile, readdir} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {isBuiltin} from 'node:module';
import {build, type BuildOptions, type OnLoadArgs, type OnLoadResult, type Plugin} from 'esbuild';

/** Replace `from` with `to` in `text`, or fail the build naming the file. */
function swap(text: string, from: string, to: string, file: string): string {
  if (!text.includes(from)) throw new Error(`bundle: ${file} no longer contains ${JSON.stringify(from.slice(0, 60))}; update src/build/bundle-plugins.ts`);
  return text.replace(from, () => to);
}

async function rewrite(args: OnLoadArgs, edit: (text: string) => string): Promise<OnLoadResult> {
  return {contents: edit(await readFile(args.path, 'utf8')), loader: 'js', resolveDir: dirname(args.path)};
}

/**
 * yoga-layout (Ink's layout engine) starts with `wrapAssembly(await loadYoga())`: a top-level await,
 * which CommonJS cannot express. Its Emscripten loader takes an `instantiateWasm(imports, done)` hook
 * (a documented Emscripten Module option): compiling the embedded wasm synchronously there lets the
 * runtime finish initialising before `loadYoga()` returns, so the module needs no await.
 */
const yogaSync: Plugin = {
  name: 'yoga-sync',
  setup(b) {
    b.onLoad({filter: /[\\/]yoga-layout[\\/]dist[\\/]src[\\/]index\.js$/}, (args) =>
      rewrite(args, (text) => {
        swap(text, 'const Yoga = wrapAssembly(await loadYoga());', '', args.path);
        return `import loadYoga from '../binaries/yoga-wasm-base64-esm.js';
import wrapAssembly from './wrapAssembly.js';
import {readWasm} from './wasm-bytes.kd.js';
const mod = {
  instantiateWasm(imports, done) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(readWasm()), imports);
    done(instance);
    return instance.exports;
  },
};
loadYoga(mod);
if (!mod.calledRun) throw new Error('yoga-layout did not initialise synchronously');
const Yoga = wrapAssembly(mod);
export default Yoga;
export * from './generated/YGEnums.js';
`;
      }),
    );
    // The wasm bytes: the data: URL the Emscripten loader itself embeds, read at build time.
    b.onResolve({filter: /^\.\/wasm-bytes\.kd\.js$/}, (args) => ({path: `${args.resolveDir}/../binaries/yoga-wasm-base64-esm.js`, namespace: 'yoga-wasm'}));
    b.onLoad({filter: /.*/, namespace: 'yoga-wasm'}, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const m = /data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)/.exec(text);
      if (!m) throw new Error(`bundle: no embedded wasm in ${args.path}; update src/build/bundle-plugins.ts`);
      return {contents: `export function readWasm() { return Buffer.from(${JSON.stringify(m[1])}, 'base64'); }`, loader: 'js'};
    });
  },
};

/**
 * Ink's reconciler awaits two imports at top level, both only when `DEV=true` (React devtools and
 * Ink's own package.json). The bundle has no devtools: the first becomes the "not installed" error
 * Ink already handles (it prints its hint), the second a constant.
 */
const inkNoTopLevelAwait: Plugin = {
  name: 'ink-no-top-level-await',
  setup(b) {
    b.onLoad({filter: /[\\/]ink[\\/]build[\\/]reconciler\.js$/}, (args) =>
      rewrite(args, (text) => {
        const noDevtools = "(() => { throw Object.assign(new Error('react-devtools-core is not in the bundle'), {code: 'ERR_MODULE_NOT_FOUND'}); })()";
        const t = swap(text, "await import('./devtools.js');", `${noDevtools};`, args.path);
        return swap(t, 'await loadPackageJson()', "{name: 'ink', version: undefined}", args.path);
      }),
    );
  },
};

/**
 * Two modules load packages through `createRequire(import.meta.url)`, which resolves from the file's
 * own folder at run time: a single executable has no node_modules beside it. Here they become
 * static requires, which the bundler follows.
 */
const staticRequires: Plugin = {
  name: 'static-requires',
  setup(b) {
    b.onLoad({filter: /[\\/]src[\\/]transport[\\/]ssh2-lib\.js$/}, (args) =>
      rewrite(args, (text) => {
        swap(text, "require('ssh2/lib/client.js')", '', args.path);
        return `export const Client = require('ssh2/lib/client.js');
export const parseKey = require('ssh2/lib/protocol/keyParser.js').parseKey;
`;
      }),
    );
    b.onLoad({filter: /[\\/]src[\\/]transport[\\/]pod\.js$/}, (args) =>
      rewrite(args, (text) => {
        const t = swap(text, 'const req = createRequire(import.meta.url);\n', '', args.path);
        return swap(t, "req(req.resolve('ws', { paths: [dirname(req.resolve('@kubernetes/client-node'))] }))", "require('ws')", args.path);
      }),
    );
  },
};

/**
 * Optional packages that libraries load inside try/catch and do without: ssh2's native helpers
 * (cpu-features, sshcrypto.node: it falls back to Node's own crypto), ws's bufferutil and
 * utf-8-validate, debug's supports-color. Here they are modules that throw, as when they are not
 * installed: a single executable's `require` loads built-ins only, and warns on stderr otherwise.
 */
export const OPTIONAL_ABSENT = /^(cpu-features|bufferutil|utf-8-validate|supports-color)$|\.node$/;

const optionalAbsent: Plugin = {
  name: 'optional-absent',
  setup(b) {
    b.onResolve({filter: OPTIONAL_ABSENT}, (args) => ({path: args.path, namespace: 'optional-absent'}));
    b.onLoad({filter: /.*/, namespace: 'optional-absent'}, (args) => ({
      contents: `throw Object.assign(new Error(${JSON.stringify(`${args.path} is not in the single-file bundle`)}), {code: 'MODULE_NOT_FOUND'});`,
      loader: 'js',
    }));
  },
};

/**
 * React, its reconciler and scheduler pick their development or production build from NODE_ENV when
 * they load; the CLI sets `production` before it loads the TUI (src/cli/main.ts), so the bundle
 * carries the production build only (the development ones are 1 MB more to read at every start).
 */
const reactProduction: Plugin = {
  name: 'react-production',
  setup(b) {
    b.onLoad({filter: /[\\/]node_modules[\\/](react|react-reconciler|scheduler)[\\/][\w-]+\.js$/}, (args) =>
      rewrite(args, (text) => text.replaceAll('process.env.NODE_ENV', "'production'")),
    );
  },
};

/**
 * What the tool takes from @kubernetes/client-node (always through the namespace `k8s`, see
 * src/cluster/kubeconfig.ts). Its index re-exports every generated API group (16 MB of the 22 MB a
 * whole bundle weighs, and most of its start-up); naming these lets esbuild drop the rest.
 */
export const K8S_NAMES = ['ApiException', 'CertificatesV1Api', 'CoordinationV1Api', 'CoreV1Api', 'KubeConfig', 'Observable', 'PatchStrategy', 'VersionApi'];

/** Every `k8s.Name` the compiled sources use, so a new one cannot be missing from the bundle. */
async function k8sNamesUsed(srcDir: string): Promise<Set<string>> {
  const used = new Set<string>();
  for (const f of await readdir(srcDir, {recursive: true})) {
    if (!f.endsWith('.js') || f.startsWith('build')) continue;
    for (const m of (await readFile(join(srcDir, f), 'utf8')).matchAll(/\bk8s\.([A-Z]\w*)/g)) used.add(m[1]!);
  }
  return used;
}

/** Names of the non-built-in modules a CommonJS text still `require`s (a single executable cannot load them). */
export function nonBuiltinRequires(text: string): string[] {
  const names = new Set([...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!));
  // `node:sqlite` and the like: built-ins of later Nodes, loaded only on use.
  return [...names].filter((n) => !n.startsWith('node:') && !isBuiltin(n));
}

/**
 * `import('@kubernetes/client-node')` (and its web-socket-handler) from the tool's own files → one
 * module holding the names in K8S_NAMES, built apart and kept in the bundle as a string that is
 * compiled on first use. It and undici are four fifths of the bundle, needed only for --kubeconfig
 * and --via pod; as a string, the other runs read past them instead of parsing them at every start.
 */
function k8sLazy(srcDir: string): Plugin {
  return {
    name: 'k8s-lazy',
    setup(b) {
      b.onResolve({filter: /^@kubernetes\/client-node(\/dist\/web-socket-handler\.js)?$/}, (args) =>
        args.importer.startsWith(srcDir) ? {path: 'client-node', namespace: 'k8s-lazy'} : undefined,
      );
      b.onLoad({filter: /.*/, namespace: 'k8s-lazy'}, async () => {
        const missing = [...(await k8sNamesUsed(srcDir))].filter((n) => !K8S_NAMES.includes(n));
        if (missing.length) throw new Error(`bundle: the sources use k8s.${missing.join(', k8s.')}; add to K8S_NAMES in src/build/bundle-plugins.ts`);
        const r = await build({
          stdin: {
            contents: `export {${K8S_NAMES.join(', ')}} from '@kubernetes/client-node';\nexport {WebSocketHandler} from '@kubernetes/client-node/dist/web-socket-handler.js';\n`,
            resolveDir: srcDir,
            sourcefile: 'client-node-subset.js',
          },
          ...LAYOUT,
          write: false,
          plugins: [optionalAbsent],
        });
        const text = r.outputFiles[0]!.text;
        const left = nonBuiltinRequires(text);
        if (left.length) throw new Error(`bundle: the client-node part still requires ${left.join(', ')}; list them in OPTIONAL_ABSENT`);
        return {
          contents: `const m = {exports: {}};
require('node:vm').compileFunction(${JSON.stringify(text)}, ['module', 'exports', 'require'], {filename: 'kubelet-doctor/@kubernetes/client-node.cjs'})(m, m.exports, require);
module.exports = m.exports;
`,
          loader: 'js',
        };
      });
    },
  };
}

/** How both the bundle and its lazily compiled part are laid out (Node 20, CommonJS, lean). */
export const LAYOUT: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Licence comments (/*! … */, @license) travel with the code, at the end of the file.
  legalComments: 'eof',
  // Whitespace and comments are a third of the code, which every start reads and parses; names
  // stay, so a bug's stack trace still names its functions.
  minifyWhitespace: true,
  minifySyntax: true,
  charset: 'ascii',
};

/** Every rewrite the single-file bundle needs, in one list; `srcDir` is the compiled dist/src. */
export function bundlePlugins(srcDir: string): Plugin[] {
  return [yogaSync, inkNoTopLevelAwait, staticRequires, optionalAbsent, reactProduction, k8sLazy(srcDir)];
}

/**
 * The split ES-module bundle's plugins: ES modules may await at top level and load the Kubernetes
 * client as a chunk of its own, so only the static requires, the absent optional helpers and React's
 * production build apply.
 */
export function esmBundlePlugins(): Plugin[] {
  return [staticRequires, optionalAbsent, reactProduction];
}
