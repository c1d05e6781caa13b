import { appendFile, copyFile, cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCPythonConfig, shortVersion } from '../cpython/config.js';
import { nativePython } from '../cpython/native-layer.js';
import type { Json, Layer, LayerContext } from '../layers/types.js';
import { wasmCompiler } from '../toolchain/flags.js';
import { ExecError, UserError, errorMessage } from '../util/errors.js';
import { exists } from '../util/fs.js';
import { hashTree, sha256 } from '../util/hash.js';
import { CONFIG_FILE, readModulesConfig } from './config.js';
import { type ExtensionEntry, compileExtension } from './extensions.js';
import { checkSymbolClashes } from './symbol-clashes.js';
import { linkFailure, linkTestInterpreter } from './link.js';
import { createCrossEnv } from './cross-env.js';
import { buildLibraries } from './libraries.js';
import { privatiseSharedHelpers } from './shared-symbols.js';
import { buildWheel, installBuildRequirements, installWheel, installWheelTree } from './pep517.js';
import {
  installPythonParts,
  listFiles,
  removeEmptyDirs,
  removeMatching,
  tidyInstall,
} from './python-parts.js';
import {
  type ModuleRecipe,
  type Selection,
  TEST_SUITE_FILE,
  isHandCompiled,
  readAllRecipes,
  selectRecipes,
} from './recipe.js';
import { runModulesPython } from './runtime.js';
import { moduleBuildKey, restoreModule, saveModule } from './build-cache.js';
import {
  type PreparedSource,
  moduleSourceInputs,
  prepareBuildRequirement,
  prepareModuleSource,
} from './source.js';

const PY_DIR = fileURLToPath(new URL('./python/', import.meta.url));
/** The finder for dotted built-ins, laid into site-packages with the .pth that installs it. */
const SUPPORT_FILES = ['_faasm_builtins.py', '_faasm_builtins.pth'];

/** One entry of `modules.json`: what each module adds to the runtime, for benchmarks. */
export interface ModuleReport {
  name: string;
  version: string;
  kind: ModuleRecipe['kind'];
  set: ModuleRecipe['set'];
  unsupported?: boolean;
  /** The source file it was built from. */
  source?: string;
  status: 'ok' | 'failed' | 'skipped';
  /** Why it failed (experimental modules only: any other failure fails the layer). */
  error?: string;
  files: number;
  bytes: number;
  archiveBytes: number;
  extensions: string[];
  /** Extensions built only for the module's own test suite (never linked into py_func). */
  testExtensions?: string[];
}

export interface ModulesManifest {
  /** `python3.11`: the stdlib directory the site-packages belong in. */
  python: string;
  modules: ModuleReport[];
}

export interface ModulesLayerOptions {
  /** Only these modules (and what they require), rather than the default set. */
  names?: readonly string[];
  /** A module with no recipe, tried from a source given on the command line. */
  adhoc?: ModuleRecipe;
  /** Recipes held in memory (the compatibility run's), in build order, instead of the repo's. */
  recipes?: readonly ModuleRecipe[];
}

/** The recipes a build selects, from the options of the layer and of the build. */
export async function selectedRecipes(
  repoRoot: string,
  experimental: boolean,
  lo: ModulesLayerOptions = {},
) {
  if (lo.adhoc) return [lo.adhoc];
  if (lo.recipes) return [...lo.recipes];
  const sel: Selection = { experimental, ...(lo.names ? { names: lo.names } : {}) };
  return selectRecipes(await readAllRecipes(repoRoot), sel);
}

async function supportFilesHash(): Promise<string> {
  const parts = await Promise.all(
    SUPPORT_FILES.map(async (f) => `${f}:${sha256(await readFile(join(PY_DIR, f)))}`),
  );
  return sha256(parts.join('\n'));
}

/**
 * The modules layer: third-party Python modules for the wasm runtime. Pure Python files go to
 * `site-packages/`; C extensions are compiled for wasm32-wasi into `ext/<name>.a` and listed in
 * `extensions.json` for the func layer to link in as built-ins. Before anything is committed a
 * test interpreter with every extension built in runs each recipe's test inside the runtime.
 */
export function createModulesLayer(lo: ModulesLayerOptions = {}): Layer {
  return {
    name: 'modules',
    description:
      'third-party Python modules: pure ones into site-packages, C extensions as static archives',
    deps: ['toolchain', 'native', 'wasm'],
    implementation: [
      ...MODULE_IMPLEMENTATION, 'src/modules/layer.ts', 'src/modules/link.ts',
      'src/modules/runtime.ts', 'src/modules/build-cache.ts', 'src/modules/shared-symbols.ts',
      'src/modules/symbol-clashes.ts', 'src/cpython/python-wasm.ts', 'src/cpython/wasi-python.ts',
      'src/cpython/link.ts', 'src/cpython/cxa_throw.c', 'src/runner/wasi/abi.ts',
      'src/runner/wasi/clocks.ts', 'src/runner/wasi/fds.ts', 'src/runner/wasi/mounts.ts',
      'src/runner/wasi/wasi.ts',
    ], // prettier-ignore
    async inputs({ opts }) {
      const recipes = await selectedRecipes(opts.repoRoot, opts.experimental, lo);
      const modules: Record<string, Json> = {};
      for (const r of recipes) modules[r.name] = await moduleInputs(opts.repoRoot, r);
      return {
        config: (await readModulesConfig(opts.repoRoot)) as unknown as Json,
        modules,
        support: await supportFilesHash(),
      };
    },
    build: (ctx) => buildModules(ctx, lo),
  };
}

/** The code that builds one module: part of each module's own build key. */
const MODULE_IMPLEMENTATION = [
  'src/modules/source.ts', 'src/modules/python-parts.ts', 'src/modules/extensions.ts',
  'src/toolchain/flags.ts', 'src/modules/cross-env.ts', 'src/modules/pep517.ts',
  'src/modules/wasm-symbols.ts', 'src/modules/libraries.ts', 'src/modules/python/wasm_cc.py',
  'src/modules/python/build_wheel.py', 'src/modules/python/make_sysconfigdata.py',
]; // prettier-ignore

async function hashFiles(repoRoot: string, files: readonly string[]): Promise<Json> {
  const out: Record<string, string> = {};
  for (const f of files) out[f] = sha256(await readFile(join(repoRoot, f)));
  return out;
}

/** What one module's build depends on: its recipe, the files beside it, its sources. */
async function moduleInputs(repoRoot: string, r: ModuleRecipe, forBuild = false): Promise<Json> {
  // Where the recipe was read from is not an input: the same recipe anywhere, the same key.
  const recipe: Partial<ModuleRecipe> = { ...r };
  delete recipe.file;
  // The test runs after the build (in the layer, whose key has it): a new test, the same build.
  if (forBuild) delete recipe.test;
  const dir = join(repoRoot, 'third-party', 'modules', r.name);
  return {
    recipe: recipe as unknown as Json,
    // Patches and anything else beside the recipe.
    // test-suite.json says how the module's own tests run after the build: not an input.
    files:
      r.unsupported || !(await exists(dir))
        ? null
        : await hashTree(dir, (rel) => rel === TEST_SUITE_FILE),
    source: await moduleSourceInputs(repoRoot, r),
  };
}

/** The default set (and the experimental one with --experimental). */
export const modulesLayer: Layer = createModulesLayer();

async function note(ctx: LayerContext, message: string) {
  ctx.info(message);
  await appendFile(ctx.log, `\n# modules: ${message}\n`);
}

/** A failure message without this build's directories, so modules.json stays path-free. */
function scrub(ctx: LayerContext, message: string): string {
  return message
    .split(ctx.work)
    .join('<work>')
    .split(ctx.out)
    .join('<out>')
    .split('\n')[0]!
    .slice(0, 300);
}

async function buildModules(ctx: LayerContext, lo: ModulesLayerOptions): Promise<void> {
  const { repoRoot } = ctx.opts;
  const recipes = await selectedRecipes(repoRoot, ctx.opts.experimental, lo);
  const explicit = new Set(lo.names ?? []);
  const config = await readModulesConfig(repoRoot);
  const cpython = await readCPythonConfig(repoRoot);
  const pyDir = `python${shortVersion(cpython.version)}`;
  const python = nativePython(ctx.dep('native'), cpython.version);
  const wasmDir = ctx.dep('wasm');
  const pythonInclude = join(wasmDir, 'include', pyDir);
  const cc = await wasmCompiler(ctx.dep('toolchain'), [], ctx.opts);
  const site = join(ctx.out, 'site-packages');
  await mkdir(site, { recursive: true });

  const buildPath: string[] = [];
  for (const req of config.buildRequires) {
    const dest = join(ctx.work, 'build-requires', req.name);
    await mkdir(dirname(dest), { recursive: true });
    buildPath.push(
      await prepareBuildRequirement(
        ctx,
        `${req.name} ${req.version} (${CONFIG_FILE})`,
        req.sources,
        dest,
      ),
    );
  }

  const reports: ModuleReport[] = [];
  const owners = new Map<string, string>();
  const extensions = new Map<string, ExtensionEntry[]>();
  const testExtensions = new Map<string, ExtensionEntry[]>();
  const moduleFiles = new Map<string, string[]>();
  /** A module that may fail without failing the layer: experimental, and not asked for by name. */
  const tolerant = (r: ModuleRecipe) =>
    r.set === 'experimental' && !explicit.has(r.name) && !lo.adhoc;

  const implementationHash = await hashFiles(repoRoot, MODULE_IMPLEMENTATION);
  /** Builds one module from its prepared source into `staged` and the layer's ext/. */
  const buildOne = async (
    r: ModuleRecipe,
    src: PreparedSource,
    staged: string,
    add: (e: ExtensionEntry & { bytes: number }) => void,
  ) => {
    if (isHandCompiled(r) || src.kind === 'debian-binary') {
      await installPythonParts(ctx, r, src, staged, python, buildPath);
      for (const ext of r.extensions) {
        add(
          await compileExtension(ctx, cc, r, ext, src.dir, pythonInclude, config.cflags, ctx.out),
        );
      }
      return;
    }
    const requires = await installBuildRequirements(
      ctx,
      r,
      python,
      join(ctx.work, 'requires', r.name),
    );
    const libraries = await buildLibraries(
      ctx,
      cc,
      r,
      config.cflags,
      join(ctx.work, 'libs', r.name),
    );
    const cross = await createCrossEnv(ctx, join(ctx.work, 'cross', r.name), {
      python, nativeDir: ctx.dep('native'), wasmDir, pythonDir: pyDir, cc, cflags: config.cflags,
      buildPath: requires ? [requires, ...buildPath] : buildPath, libraries,
    }); // prettier-ignore
    const exts = src.file.endsWith('.whl')
      ? await installWheelTree(ctx, cc, src.dir, staged, ctx.out)
      : await installWheel(
          ctx,
          cc,
          await buildWheel(ctx, r, cross, src.dir, join(ctx.work, 'dist', r.name)),
          staged,
          ctx.out,
        );
    exts.forEach(add);
    checkBuiltExtensions(r, exts);
    await tidyInstall(r, staged, ctx.opts);
  };

  for (const r of recipes) {
    const report: ModuleReport = {
      name: r.name, version: r.version, kind: r.kind, set: r.set,
      ...(r.unsupported ? { unsupported: true } : {}),
      status: 'ok', files: 0, bytes: 0, archiveBytes: 0, extensions: r.extensions.map((e) => e.name),
    }; // prettier-ignore
    reports.push(report);
    const failedDep = r.requires.find((d) => reports.find((x) => x.name === d)?.status !== 'ok');
    if (failedDep) {
      report.status = 'skipped';
      report.error = `requires ${failedDep}, which did not build`;
      continue;
    }
    try {
      const staged = join(ctx.work, 'site', r.name);
      const built: ExtensionEntry[] = [];
      const testOnly: ExtensionEntry[] = [];
      const withBytes: (ExtensionEntry & { bytes: number })[] = [];
      // The build cache keeps every extension built; the recipe says which are test-only.
      const add = (e: ExtensionEntry & { bytes: number }) => {
        withBytes.push(e);
        const entry = { name: e.name, init: e.init, archive: e.archive };
        if (r.testExtensions.includes(e.name)) {
          testOnly.push(entry);
          return;
        }
        built.push(entry);
        report.archiveBytes += e.bytes;
      };
      const key = moduleBuildKey(
        ctx,
        { module: await moduleInputs(repoRoot, r, true), config: config as unknown as Json },
        implementationHash,
      );
      const cached = await restoreModule(ctx, r.name, key, staged);
      if (cached) {
        cached.extensions.forEach(add);
        report.source = cached.source;
        await note(ctx, `${r.name} ${r.version}: restored its unchanged build`);
      } else {
        const src = await prepareModuleSource(ctx, r, join(ctx.work, 'src', r.name));
        report.source = src.file;
        await buildOne(r, src, staged, add);
        await saveModule(ctx, r.name, key, staged, { extensions: withBytes, source: src.file });
      }
      checkTestExtensions(r, testOnly);
      report.extensions = built.map((e) => e.name);
      if (testOnly.length) report.testExtensions = testOnly.map((e) => e.name);
      const files = await listFiles(staged).catch(() => [] as string[]);
      for (const f of files) {
        const other = owners.get(f);
        if (other)
          throw new UserError(
            `${r.file}: ${r.name} installs ${f}, which ${other} already installed; two modules cannot share a file.`,
          );
      }
      for (const f of files) {
        owners.set(f, r.name);
        report.bytes += (await stat(join(staged, f))).size;
      }
      report.files = files.length;
      if (files.length) await cp(staged, site, { recursive: true });
      extensions.set(r.name, built);
      testExtensions.set(r.name, testOnly);
      moduleFiles.set(r.name, files);
    } catch (err) {
      if (!tolerant(r)) throw err;
      const exts = [extensions, testExtensions];
      await dropModule(ctx, r, report, exts, moduleFiles, `build: ${errorMessage(err)}`);
    }
  }

  for (const f of SUPPORT_FILES) await copyFile(join(PY_DIR, f), join(site, f));
  const okReports = () => reports.filter((m) => m.status === 'ok');
  const entries = () => okReports().flatMap((m) => extensions.get(m.name) ?? []);
  const testEntries = () => okReports().flatMap((m) => testExtensions.get(m.name) ?? []);
  for (const m of okReports()) {
    // Test-only extensions after the shipped ones: those keep their names, as without them.
    const own = [...(extensions.get(m.name) ?? []), ...(testExtensions.get(m.name) ?? [])];
    const shared = await privatiseSharedHelpers(ctx, cc, ctx.out, own);
    if (shared.length)
      await note(ctx, `${m.name}: each extension keeps its own ${shared.join(', ')}`);
  }
  await checkSymbolClashes(ctx, cc, ctx.out, [...entries(), ...testEntries()]);

  // The test interpreter, relinked if an experimental module has to be dropped.
  const testWasm = join(ctx.out, 'bin', 'python-modules.wasm');
  await mkdir(dirname(testWasm), { recursive: true });
  let linked = '';
  const ensureLinked = async () => {
    const sig = entries()
      .map((e) => e.name)
      .join(',');
    if (linked === sig && (await exists(testWasm))) return;
    try {
      await linkTestInterpreter(ctx, cc, wasmDir, pythonInclude, ctx.out, entries(), testWasm);
    } catch (err) {
      const owners = okReports().flatMap((m) =>
        (extensions.get(m.name) ?? []).map((e) => ({
          archive: e.archive,
          extension: e.name,
          module: `${m.name} ${m.version}`,
        })),
      );
      const why = err instanceof ExecError ? linkFailure(err, owners) : undefined;
      throw why ? new UserError(why) : err;
    }
    linked = sig;
  };
  for (const r of recipes) {
    const report = reports.find((m) => m.name === r.name)!;
    if (report.status !== 'ok') continue;
    const failedDep = r.requires.find((d) => reports.find((x) => x.name === d)?.status !== 'ok');
    if (failedDep) {
      await dropModule(
        ctx,
        r,
        report,
        [extensions, testExtensions],
        moduleFiles,
        `requires ${failedDep}, which did not build`,
        'skipped',
      );
      continue;
    }
    await ensureLinked();
    const code = testProgram(r, report.extensions);
    const run = await runModulesPython(testWasm, wasmDir, site, pyDir, ['-c', code], ctx.log);
    // A test must never leave bytecode behind in the layer.
    await removeMatching(site, '', (rel, isDir) =>
      isDir ? rel.endsWith('__pycache__') : rel.endsWith('.pyc'),
    );
    if (run.code !== 0) {
      const why = `The test of ${r.name} (${r.file}) failed inside the wasm runtime (exit ${run.code}):\n${run.stderr.trim() || run.stdout.trim()}`;
      if (!tolerant(r)) throw new UserError(why);
      await dropModule(ctx, r, report, [extensions, testExtensions], moduleFiles, `test: ${why}`);
      continue;
    }
    await note(ctx, `${r.name} ${r.version}: test passed inside the runtime`);
  }
  await ensureLinked();

  const manifest: ModulesManifest = { python: pyDir, modules: reports };
  await writeFile(join(ctx.out, 'extensions.json'), `${JSON.stringify(entries(), null, 2)}\n`);
  const tests = JSON.stringify(testEntries(), null, 2);
  await writeFile(join(ctx.out, TEST_EXTENSIONS_FILE), `${tests}\n`);
  await writeFile(join(ctx.out, 'modules.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** `test-extensions.json`: the test-only extensions, for the test-suite interpreter. */
export const TEST_EXTENSIONS_FILE = 'test-extensions.json';

/** Every test-only extension a recipe names must have been built. */
export function checkTestExtensions(r: ModuleRecipe, built: readonly ExtensionEntry[]): void {
  const missing = r.testExtensions.filter((n) => !built.some((e) => e.name === n));
  if (missing.length)
    throw new UserError(
      `${r.file}: the build of ${r.name} produced no ${missing.join(', ')}, named in 'testExtensions'; make its build install them (numpy: the 'tests' install tag in configSettings' install-args), or drop them from the list.`,
    );
}

/**
 * What a backend built must match the recipe: every extension it names, and at least one for
 * kind 'c-extension'; a 'pure' module that built compiled code says so.
 */
export function checkBuiltExtensions(r: ModuleRecipe, built: readonly ExtensionEntry[]): void {
  const names = built.map((e) => e.name);
  const missing = r.extensions.filter((e) => !names.includes(e.name)).map((e) => e.name);
  const got = names.join(', ') || 'none';
  if (missing.length) {
    throw new UserError(
      `${r.file}: the build of ${r.name} produced no ${missing.join(', ')} (it built: ${got}); fix the recipe's 'extensions'.`,
    );
  }
  if (r.kind === 'c-extension' && !built.length) {
    throw new UserError(
      `${r.file}: ${r.name} is kind 'c-extension' but its build produced no extension module; make it kind 'pure', or check its build settings.`,
    );
  }
  if (r.kind === 'pure' && built.length) {
    throw new UserError(
      `${r.file}: ${r.name} is kind 'pure' but its build produced the extensions ${got}; make it kind 'c-extension'.`,
    );
  }
}

/** Takes a failed experimental module back out: its files, its archives; records why. */
async function dropModule(
  ctx: LayerContext,
  r: ModuleRecipe,
  report: ModuleReport,
  extensionMaps: readonly Map<string, ExtensionEntry[]>[],
  moduleFiles: Map<string, string[]>,
  why: string,
  status: ModuleReport['status'] = 'failed',
) {
  for (const f of moduleFiles.get(r.name) ?? [])
    await rm(join(ctx.out, 'site-packages', f), { force: true });
  for (const extensions of extensionMaps) {
    for (const ext of extensions.get(r.name) ?? [])
      await rm(join(ctx.out, ext.archive), { force: true });
    extensions.delete(r.name);
  }
  // An empty package directory left behind would still import, as a namespace package.
  await removeEmptyDirs(join(ctx.out, 'site-packages'));
  moduleFiles.delete(r.name);
  Object.assign(report, { status, error: scrub(ctx, why), files: 0, bytes: 0, archiveBytes: 0 });
  await note(ctx, `${r.name} (experimental) left out: ${why}`);
}

/**
 * The recipe's test, after a check that every extension of the module is a real built-in:
 * a package that quietly fell back to its pure-Python code must not pass.
 */
export function testProgram(
  r: ModuleRecipe,
  builtins: readonly string[] = r.extensions.map((e) => e.name),
): string {
  const names = JSON.stringify(builtins);
  const prelude = [
    'import importlib, sys',
    `for _name in ${names}:`,
    '    _mod = importlib.import_module(_name)',
    '    assert _name in sys.builtin_module_names, _name + " is not linked in as a built-in"',
    '    assert _mod.__spec__.origin == "built-in", _name + " was loaded from " + str(_mod.__spec__.origin)',
  ];
  return `${prelude.join('\n')}\n${r.test}\n`;
}
