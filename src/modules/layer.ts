// The modules layer: one layer per recipe, then every module linked into a test interpreter and
// tested.
import { copyFile, cp, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCPythonConfig, shortVersion } from '../cpython/config.js';
import type { Json, Layer, LayerContext } from '../layers/types.js';
import { wasmCompiler } from '../toolchain/flags.js';
import { ExecError, UserError, errorMessage } from '../util/errors.js';
import { exists } from '../util/fs.js';
import { readModulesConfig } from './config.js';
import type { ExtensionEntry } from './extensions.js';
import { checkSymbolClashes } from './symbol-clashes.js';
import { TEST_EXTENSIONS_FILE, linkFailure, linkTestInterpreter } from './link.js';
import {
  MODULE_LAYER_DATA,
  moduleLayer,
  moduleLayerName,
  note,
  readBuiltModule,
  scrub,
} from './module-layer.js';
import { privatiseSharedHelpers } from './shared-symbols.js';
import { listFiles, removeEmptyDirs, removeMatching } from './python-parts.js';
import { type ModuleRecipe, type Selection, readAllRecipes, selectRecipes } from './recipe.js';
import { runModulesPython } from './runtime.js';

const PY_DIR = fileURLToPath(new URL('./python/', import.meta.url));
/** Laid into site-packages with the .pth that imports them: the dotted built-ins finder, and
 * what WASI lacks that the runtime can honestly offer. */
export const SUPPORT_FILES = [
  '_faasm_builtins.py',
  '_faasm_builtins.pth',
  '_faasm_wasi.py',
  '_multiprocessing.py',
];

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
  /** A kind 'c-extension' recipe that built pure (its compiled code optional): why. */
  builtPure?: string;
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

/**
 * The modules layer: third-party Python modules for the wasm runtime. Each module is built in a
 * layer of its own (module-layer.ts); this one lays their pure Python files out in
 * `site-packages/`, their C extensions (wasm32-wasi archives) in `ext/<name>.a`, listed in
 * `extensions.json` for the func layer to link in as built-ins. Before anything is committed a
 * test interpreter with every extension built in runs each recipe's test inside the runtime.
 */
export function createModulesLayer(lo: ModulesLayerOptions = {}): Layer {
  return {
    name: 'modules',
    description:
      'third-party Python modules: pure ones into site-packages, C extensions as static archives',
    // native: what the module layers are built with, so it is planned wherever this layer is.
    deps: ['toolchain', 'native', 'wasm'],
    source: 'src/modules/layer.ts',
    // The finder laid into site-packages, the linker's C shim, the runner of the recipe tests
    // (and the module layers' helpers: this module defines those layers too).
    data: [
      ...MODULE_LAYER_DATA,
      ...SUPPORT_FILES.map((f) => `src/modules/python/${f}`),
      'src/cpython/cxa_throw.c',
      'src/cpython/wasi-python.ts',
    ],
    // Each module is a layer of its own, built before this one links and tests them all.
    async expand({ opts }) {
      const recipes = await selectedRecipes(opts.repoRoot, opts.experimental, lo);
      return recipes.map((r) => moduleLayer(r, tolerant(r, lo)));
    },
    async inputs({ opts }) {
      // Each module's build is in the key of its layer; what this one adds is each recipe's
      // test (and how the modules go together), run here.
      const recipes = await selectedRecipes(opts.repoRoot, opts.experimental, lo);
      const modules: Record<string, Json> = {};
      for (const r of recipes) {
        const recipe: Partial<ModuleRecipe> = { ...r };
        delete recipe.file;
        modules[r.name] = { recipe: recipe as unknown as Json, tolerant: tolerant(r, lo) };
      }
      return { config: (await readModulesConfig(opts.repoRoot)) as unknown as Json, modules };
    },
    build: (ctx) => buildModules(ctx, lo),
  };
}

/** A module that may fail without failing the layer: experimental, and not asked for by name. */
function tolerant(r: ModuleRecipe, lo: ModulesLayerOptions): boolean {
  return r.set === 'experimental' && !(lo.names ?? []).includes(r.name) && !lo.adhoc;
}

/** The default set (and the experimental one with --experimental). */
export const modulesLayer: Layer = createModulesLayer();

async function buildModules(ctx: LayerContext, lo: ModulesLayerOptions): Promise<void> {
  const { repoRoot } = ctx.opts;
  const recipes = await selectedRecipes(repoRoot, ctx.opts.experimental, lo);
  const cpython = await readCPythonConfig(repoRoot, ctx.opts.python);
  const pyDir = `python${shortVersion(cpython.version)}`;
  const wasmDir = ctx.dep('wasm');
  const pythonInclude = join(wasmDir, 'include', pyDir);
  const cc = await wasmCompiler(ctx.dep('toolchain'), [], ctx.opts);
  const site = join(ctx.out, 'site-packages');
  await mkdir(site, { recursive: true });

  const reports: ModuleReport[] = [];
  const owners = new Map<string, string>();
  const extensions = new Map<string, ExtensionEntry[]>();
  const testExtensions = new Map<string, ExtensionEntry[]>();
  const moduleFiles = new Map<string, string[]>();

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
    // The module's own layer: built (or failed, when it may) before this one.
    const dir = ctx.dep(moduleLayerName(r.name));
    const built = await readBuiltModule(dir);
    if (built.source) report.source = built.source;
    if (built.builtPure) Object.assign(report, { kind: 'pure', builtPure: built.builtPure });
    if (built.status !== 'ok') {
      Object.assign(report, { status: built.status, error: built.error ?? '' });
      await note(ctx, `${r.name} (experimental) left out: ${built.error ?? ''}`);
      continue;
    }
    try {
      const shipped: ExtensionEntry[] = [];
      const testOnly: ExtensionEntry[] = [];
      await mkdir(join(ctx.out, 'ext'), { recursive: true });
      for (const e of built.extensions) {
        await copyFile(join(dir, e.archive), join(ctx.out, e.archive));
        const entry = { name: e.name, init: e.init, archive: e.archive };
        if (r.testExtensions.includes(e.name)) {
          testOnly.push(entry);
        } else {
          shipped.push(entry);
          report.archiveBytes += e.bytes;
        }
      }
      report.extensions = shipped.map((e) => e.name);
      if (testOnly.length) report.testExtensions = testOnly.map((e) => e.name);
      const staged = join(dir, 'site');
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
      extensions.set(r.name, shipped);
      testExtensions.set(r.name, testOnly);
      moduleFiles.set(r.name, files);
    } catch (err) {
      if (!tolerant(r, lo)) throw err;
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
      if (!tolerant(r, lo)) throw new UserError(why);
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
