/**
 * One layer per module: what one recipe's build produces, cached like every other layer (its
 * key checked against meta.json, built under a lock, committed atomically, pruned, verified).
 * Its key is the recipe (less its test, which the modules layer runs), the files beside it, its
 * sources, the shared module settings and the keys of the toolchain, native and wasm layers it
 * is compiled against: editing one recipe rebuilds that module alone, never numpy.
 *
 * Output: `site/` (what goes into site-packages), `ext/<name>.a` (its extensions, test-only ones
 * too) and `module.json` (what was built, from which source file).
 */
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readCPythonConfig, shortVersion } from '../cpython/config.js';
import { nativePython } from '../cpython/native-layer.js';
import type { Json, Layer, LayerContext } from '../layers/types.js';
import { wasmCompiler } from '../toolchain/flags.js';
import { UserError, errorMessage } from '../util/errors.js';
import { exists } from '../util/fs.js';
import { hashTree } from '../util/hash.js';
import { CONFIG_FILE, readModulesConfig } from './config.js';
import { createCrossEnv } from './cross-env.js';
import { type ExtensionEntry, compileExtension } from './extensions.js';
import { buildLibraries } from './libraries.js';
import { useTargetNumpyConfig } from './numpy-config.js';
import { buildWheel, installBuildRequirements, installWheel, installWheelTree } from './pep517.js';
import { installPythonParts, tidyInstall } from './python-parts.js';
import { type ModuleRecipe, RECIPE_FILE, TEST_SUITE_FILE, isHandCompiled } from './recipe.js';
import { buildRustModule, rustInputs } from './rust.js';
import {
  type PreparedSource,
  moduleSourceInputs,
  prepareBuildRequirement,
  prepareModuleSource,
} from './source.js';

/** The layer of module `name`. */
export const moduleLayerName = (name: string) => `module-${name}`;

export const MODULE_FILE = 'module.json';

/** `module.json`: what one module's build produced. */
export interface BuiltModule {
  name: string;
  version: string;
  /** The source file it was built from (absent when its source could not be had). */
  source?: string;
  /** 'failed' only for a module that may fail (experimental, not asked for by name). */
  status: 'ok' | 'failed';
  error?: string;
  /** Every extension built, test-only ones included, with its archive's size. */
  extensions: (ExtensionEntry & { bytes: number })[];
  /** Set when a kind 'c-extension' module built pure: why that was accepted. */
  builtPure?: string;
}

export async function readBuiltModule(dir: string): Promise<BuiltModule> {
  return JSON.parse(await readFile(join(dir, MODULE_FILE), 'utf8')) as BuiltModule;
}

export async function note(ctx: LayerContext, message: string) {
  ctx.info(message);
  await appendFile(ctx.log, `\n# modules: ${message}\n`);
}

/** A failure message without this build's directories, so what is recorded is path-free. */
export function scrub(ctx: LayerContext, message: string): string {
  return message
    .split(ctx.work)
    .join('<work>')
    .split(ctx.out)
    .join('<out>')
    .split('\n')[0]!
    .slice(0, 300);
}

/** What one module's build depends on: its recipe less its test, the files beside it, its sources. */
export async function moduleInputs(repoRoot: string, r: ModuleRecipe): Promise<Json> {
  // Where the recipe was read from is not an input: the same recipe anywhere, the same key.
  // The test runs after the build (in the modules layer, whose key has it): a new test, the same build.
  const recipe: Partial<ModuleRecipe> = { ...r };
  delete recipe.file;
  delete recipe.test;
  const dir = join(repoRoot, 'third-party', 'modules', r.name);
  return {
    recipe: recipe as unknown as Json,
    // Patches and anything else beside the recipe; the recipe itself is parsed above (its test
    // left out), and test-suite.json says how the module's own tests run after the build.
    files:
      r.unsupported || !(await exists(dir))
        ? null
        : await hashTree(dir, (rel) => rel === TEST_SUITE_FILE || rel === RECIPE_FILE),
    source: await moduleSourceInputs(repoRoot, r),
  };
}

/** The helpers a module's build runs: the compiler wrapper (and the header it force-includes), sysconfigdata, the PEP 517 driver. */
export const MODULE_LAYER_DATA = [
  'src/modules/python/wasm_cc.py',
  'src/modules/python/wasi_compat.h',
  'src/modules/python/make_sysconfigdata.py',
  'src/modules/python/build_wheel.py',
  'src/modules/python/rust_project.py',
];

/**
 * The layer building module `r`. `tolerant`: a failure is recorded in module.json (and the
 * modules layer leaves the module out) instead of failing the build.
 */
export function moduleLayer(r: ModuleRecipe, tolerant: boolean): Layer {
  return {
    name: moduleLayerName(r.name),
    description: `${r.name} ${r.version}: its site-packages files and extension archives`,
    deps: ['toolchain', 'native', 'wasm'],
    source: 'src/modules/module-layer.ts',
    data: MODULE_LAYER_DATA,
    async inputs({ opts }) {
      return {
        module: await moduleInputs(opts.repoRoot, r),
        config: (await readModulesConfig(opts.repoRoot)) as unknown as Json,
        ...(tolerant ? { tolerant } : {}),
        ...(r.kind === 'rust-extension'
          ? { rust: await rustInputs(opts.repoRoot, opts.python) }
          : {}),
      };
    },
    build: (ctx) => buildModuleLayer(ctx, r, tolerant),
  };
}

async function buildModuleLayer(ctx: LayerContext, r: ModuleRecipe, tolerant: boolean) {
  const built: BuiltModule = { name: r.name, version: r.version, status: 'ok', extensions: [] };
  try {
    const src = await prepareModuleSource(ctx, r, join(ctx.work, 'src', r.name));
    built.source = src.file;
    const pure = await buildModule(ctx, r, src, (e) => built.extensions.push(e));
    if (pure) {
      built.builtPure = pure;
      await note(ctx, `${r.name} ${r.version}: ${pure}`);
    }
    checkTestExtensions(r, built.extensions);
    await note(ctx, `${r.name} ${r.version}: built`);
  } catch (err) {
    if (!tolerant) throw err;
    // Nothing of a failed build is kept: only why it failed.
    const why = scrub(ctx, `build: ${errorMessage(err)}`);
    await rm(ctx.out, { recursive: true, force: true });
    await mkdir(ctx.out, { recursive: true });
    Object.assign(built, { status: 'failed', error: why, extensions: [] });
    await note(ctx, `${r.name} (experimental) failed to build: ${why}`);
  }
  await writeFile(join(ctx.out, MODULE_FILE), `${JSON.stringify(built, null, 2)}\n`);
}

/**
 * Builds one module from its prepared source into `site/` and `ext/` of the layer; returns why a
 * kind 'c-extension' module was accepted though it built pure (see checkBuiltExtensions).
 */
async function buildModule(
  ctx: LayerContext,
  r: ModuleRecipe,
  src: PreparedSource,
  add: (e: ExtensionEntry & { bytes: number }) => void,
): Promise<string | undefined> {
  const { repoRoot } = ctx.opts;
  const config = await readModulesConfig(repoRoot);
  const cpython = await readCPythonConfig(repoRoot, ctx.opts.python);
  const pyDir = `python${shortVersion(cpython.version)}`;
  const python = nativePython(ctx.dep('native'), cpython.version);
  const wasmDir = ctx.dep('wasm');
  const pythonInclude = join(wasmDir, 'include', pyDir);
  const cc = await wasmCompiler(ctx.dep('toolchain'), [], ctx.opts);
  const staged = join(ctx.out, 'site');
  await mkdir(staged, { recursive: true });

  const buildPath: string[] = [];
  for (const req of config.buildRequires) {
    const dest = join(ctx.work, 'build-requires', req.name);
    await mkdir(dirname(dest), { recursive: true });
    const what = `${req.name} ${req.version} (${CONFIG_FILE})`;
    buildPath.push(await prepareBuildRequirement(ctx, what, req.sources, dest));
  }

  if (r.kind === 'rust-extension') {
    const pythonLib = join(wasmDir, 'lib', pyDir);
    const exts = await buildRustModule(ctx, r, cc, python, src.dir, pythonLib, staged, ctx.out);
    exts.forEach(add);
    checkBuiltExtensions(r, exts);
    await tidyInstall(r, staged, ctx.opts);
    return;
  }
  if (isHandCompiled(r) || src.kind === 'debian-binary') {
    await installPythonParts(ctx, r, src, staged, python, buildPath);
    for (const ext of r.extensions) {
      add(await compileExtension(ctx, cc, r, ext, src.dir, pythonInclude, config.cflags, ctx.out));
    }
    return undefined;
  }
  const requires = await installBuildRequirements(
    ctx,
    r,
    { path: python, version: cpython.version },
    join(ctx.work, 'requires', r.name),
  );
  // A package built against numpy takes the build requirement's headers: made the target's.
  if (requires && (await useTargetNumpyConfig(ctx, cc, requires)))
    await note(
      ctx,
      `${r.name}: numpy's _numpyconfig.h of its build requirement set to wasm32's sizes`,
    );
  const libraries = await buildLibraries(ctx, cc, r, config.cflags, join(ctx.work, 'libs', r.name));
  const cross = await createCrossEnv(ctx, join(ctx.work, 'cross', r.name), {
    python, nativeDir: ctx.dep('native'), wasmDir, pythonDir: pyDir, cc, cflags: config.cflags,
    buildPath: requires ? [requires, ...buildPath] : buildPath, libraries,
  }); // prettier-ignore
  const wheel = src.file.endsWith('.whl')
    ? src.file
    : await buildWheel(ctx, r, cross, src.dir, join(ctx.work, 'dist', r.name));
  const exts = src.file.endsWith('.whl')
    ? await installWheelTree(ctx, cc, src.dir, staged, ctx.out)
    : await installWheel(ctx, cc, wheel, staged, ctx.out);
  exts.forEach(add);
  const pure = checkBuiltExtensions(r, exts, basename(wheel));
  await tidyInstall(r, staged, ctx.opts);
  return pure;
}

/** A wheel its backend tagged for any platform: `*-none-any.whl` (PEP 427's abi and platform). */
export const isPureWheelName = (file: string) => /-none-any\.whl$/.test(file);

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
 * kind 'c-extension'; a 'pure' module that built compiled code says so. One exception, told by
 * the build itself: a 'c-extension' module whose recipe names no extension and whose backend
 * built no extension and tagged its wheel pure (`none-any`) has only optional compiled code
 * (charset-normalizer's Cython, behind an environment variable; a speed-up that falls back to
 * pure when it cannot build): it is accepted as it built, and the reason is returned. A
 * platform-tagged wheel without extensions still fails: its backend meant to compile something.
 */
export function checkBuiltExtensions(
  r: ModuleRecipe,
  built: readonly ExtensionEntry[],
  wheel?: string,
): string | undefined {
  const names = built.map((e) => e.name);
  const missing = r.extensions.filter((e) => !names.includes(e.name)).map((e) => e.name);
  const got = names.join(', ') || 'none';
  if (missing.length) {
    throw new UserError(
      `${r.file}: the build of ${r.name} produced no ${missing.join(', ')} (it built: ${got}); fix the recipe's 'extensions'.`,
    );
  }
  if (
    r.kind === 'c-extension' &&
    !built.length &&
    !r.extensions.length &&
    wheel &&
    isPureWheelName(wheel)
  ) {
    return `built pure: its compiled code is optional and its backend built none (${wheel})`;
  }
  if (r.kind !== 'pure' && !built.length) {
    throw new UserError(
      `${r.file}: ${r.name} is kind '${r.kind}' but its build produced no extension module; make it kind 'pure', or check its build settings.`,
    );
  }
  if (r.kind === 'pure' && built.length) {
    throw new UserError(
      `${r.file}: ${r.name} is kind 'pure' but its build produced the extensions ${got}; make it kind 'c-extension'.`,
    );
  }
  return undefined;
}
