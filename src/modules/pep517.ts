import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LayerContext } from '../layers/types.js';
import { fetchSource } from '../sources/fetch.js';
import { unpack } from '../sources/unpack.js';
import type { WasmCompiler } from '../toolchain/flags.js';
import { ExecError, UserError } from '../util/errors.js';
import { exists } from '../util/fs.js';
import type { CrossEnv } from './cross-env.js';
import { type ExtensionEntry, initSymbol, nmFor } from './extensions.js';
import { listFiles } from './python-parts.js';
import type { ModuleRecipe } from './recipe.js';
import { wasiLack } from './wasi-lacks.js';
import { renameWasmSymbols } from './wasm-symbols.js';
import { routesForPython } from './wheel-tags.js';

const BUILD_WHEEL = fileURLToPath(new URL('./python/build_wheel.py', import.meta.url));

/** An extension module in a wheel built by wasm_cc.py: really a static archive. */
const EXTENSION = /^(.+?)(\.cpython-[^/]*|\.abi3)?\.so$/;

/**
 * Installs a recipe's pinned build requirements (wheels) for the build Python into `dest`,
 * offline: the backend then runs with exactly these, never with whatever pip would pick.
 */
export async function installBuildRequirements(
  ctx: LayerContext,
  recipe: ModuleRecipe,
  python: { path: string; version: string },
  dest: string,
): Promise<string | undefined> {
  if (!recipe.buildRequires.length) return undefined;
  const wheels: string[] = [];
  for (const req of recipe.buildRequires) {
    const what = `${req.name} ${req.version} (build requirement of ${recipe.name})`;
    const fetched = await fetchSource(
      what,
      routesForPython(what, req.sources, python.version),
      {
        cacheDir: ctx.opts.cacheDir,
        repoRoot: ctx.opts.repoRoot,
        log: ctx.log,
      },
    );
    // pip tells a wheel by its file name; the cache keeps files by hash.
    const named = join(ctx.work, 'wheels', fetched.route.file);
    await mkdir(dirname(named), { recursive: true });
    await writeFile(named, await readFile(fetched.path));
    wheels.push(named);
  }
  const args = [
    '-m', 'pip', 'install', '--no-index', '--no-deps', '--no-compile', '--no-cache-dir',
    '--disable-pip-version-check', '--no-warn-script-location', '--target', dest, ...wheels,
  ]; // prettier-ignore
  await ctx.exec(python.path, args, {
    env: { PIP_CONFIG_FILE: '/dev/null', PIP_ROOT_USER_ACTION: 'ignore', PYTHONNOUSERSITE: '1' },
  });
  return dest;
}

/** The backend's config settings, with the cross file for meson-python projects. */
function configSettings(recipe: ModuleRecipe, cross: CrossEnv, buildDir: string) {
  const settings: Record<string, string | string[]> = { ...recipe.configSettings };
  if (recipe.buildRequires.some((r) => r.name === 'meson-python')) {
    const setup = [settings['setup-args'] ?? []].flat();
    settings['setup-args'] = [`--cross-file=${cross.mesonCrossFile}`, ...setup];
    settings['build-dir'] = buildDir;
  }
  return settings;
}

/**
 * Builds a wheel for wasm32-wasi with the project's own PEP 517 backend in the cross
 * environment; returns its path. A failure names the package and the likely reason.
 */
export async function buildWheel(
  ctx: LayerContext,
  recipe: ModuleRecipe,
  cross: CrossEnv,
  srcDir: string,
  outDir: string,
): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const settings = configSettings(recipe, cross, join(ctx.work, 'meson', recipe.name));
  try {
    const { stdout } = await ctx.exec(
      cross.python,
      [BUILD_WHEEL, srcDir, outDir, JSON.stringify(settings)],
      { cwd: srcDir, env: { ...cross.env, ...recipe.pipEnv }, tailLines: 60 },
    );
    const name = /built-wheel:(.+)/.exec(stdout)?.[1]?.trim();
    if (!name) throw new Error(`the backend of ${recipe.name} reported no wheel`);
    return join(outDir, name);
  } catch (err) {
    if (err instanceof ExecError) throw new UserError(buildFailure(recipe, err));
    throw err;
  }
}

/** One sentence for a failed build: what WASI lacks when that is the cause, else the error. */
export function buildFailure(recipe: ModuleRecipe, err: ExecError): string {
  const tail = err.tail.join('\n');
  const asked = /faasm-missing-requires: (.+)/.exec(tail)?.[1];
  if (asked) {
    return `${recipe.name} ${recipe.version} cannot be built: its backend also asks for ${asked} (get_requires_for_build_wheel), which ${recipe.file} does not pin; add it to the recipe's buildRequires.`;
  }
  const lack = wasiLack(tail);
  const error =
    tail
      .split('\n')
      .find((l) => /error[:!]/i.test(l))
      ?.trim()
      .slice(0, 200) ?? `exit ${err.exitCode}`;
  const why = lack
    ? `it needs ${lack}, which WASI does not provide (${error})`
    : `its build failed: ${error}`;
  return `${recipe.name} ${recipe.version} cannot be built for wasm32-wasi: ${why}; see ${err.logPath ?? 'the build log'}.`;
}

/**
 * Installs a wheel's files into `site` (`*.data/purelib|platlib` merged in, scripts, headers and
 * data dropped: nothing runs them under Faasm) and takes out its extension modules: each becomes
 * `ext/<dotted.name>.a` under `outDir` with its init function renamed after its full name.
 */
export async function installWheel(
  ctx: LayerContext,
  cc: WasmCompiler,
  wheel: string,
  site: string,
  outDir: string,
): Promise<(ExtensionEntry & { bytes: number })[]> {
  const tmp = join(ctx.work, 'wheel', basename(wheel));
  await rm(tmp, { recursive: true, force: true });
  await unpack(wheel, tmp, ctx.log);
  return installWheelTree(ctx, cc, tmp, site, outDir);
}

/** installWheel for a wheel already unpacked into `tmp` (which it empties). */
export async function installWheelTree(
  ctx: LayerContext,
  cc: WasmCompiler,
  tmp: string,
  site: string,
  outDir: string,
): Promise<(ExtensionEntry & { bytes: number })[]> {
  for (const entry of await readdir(tmp)) {
    if (!entry.endsWith('.data')) continue;
    for (const scheme of ['purelib', 'platlib']) {
      const from = join(tmp, entry, scheme);
      if (await exists(from)) await moveInto(from, tmp);
    }
    await rm(join(tmp, entry), { recursive: true, force: true });
  }
  const built: (ExtensionEntry & { bytes: number })[] = [];
  for (const rel of await listFiles(tmp)) {
    const m = EXTENSION.exec(rel);
    if (!m) continue;
    const name = m[1]!.replace(/\//g, '.');
    const archive = `ext/${name}.a`;
    await mkdir(join(outDir, 'ext'), { recursive: true });
    const dest = join(outDir, archive);
    await rename(join(tmp, rel), dest);
    const init = await renameInit(ctx, cc, dest, name);
    built.push({ name, init, archive, bytes: (await stat(dest)).size });
  }
  await moveInto(tmp, site);
  return built;
}

/** Moves every entry of `from` into `to`, merging directories. */
async function moveInto(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const e of await readdir(from, { withFileTypes: true })) {
    const src = join(from, e.name);
    const dest = join(to, e.name);
    if (e.isDirectory() && (await exists(dest))) {
      await moveInto(src, dest);
      await rm(src, { recursive: true });
    } else await rename(src, dest);
  }
}

/**
 * Renames `PyInit_<base>` to the init symbol of the full dotted name in the one archive member
 * that defines it; returns that symbol.
 */
async function renameInit(
  ctx: LayerContext,
  cc: WasmCompiler,
  archive: string,
  dotted: string,
): Promise<string> {
  const base = `PyInit_${dotted.split('.').pop()!}`;
  const init = initSymbol(dotted);
  const { stdout } = await ctx.exec(nmFor(cc), ['-A', '--defined-only', '--extern-only', archive]);
  const member = stdout
    .split('\n')
    .map((l) => /^[^:]+:([^:]+):\s.*\s(\S+)$/.exec(l.trim()))
    .find((m) => m?.[2] === base)?.[1];
  if (!member) {
    const has = stdout.includes(` ${init}\n`) || stdout.trimEnd().endsWith(` ${init}`);
    if (has) return init;
    throw new UserError(
      `The extension ${dotted} was built but defines no ${base}; it is not a Python extension module, or its name in the wheel is not its import name.`,
    );
  }
  if (init === base) return init;
  const dir = join(ctx.work, 'rename', dotted);
  await mkdir(dir, { recursive: true });
  await ctx.exec(cc.ar, ['x', archive, member], { cwd: dir });
  const obj = join(dir, member);
  const { bytes, renamed } = renameWasmSymbols(await readFile(obj), new Map([[base, init]]));
  if (!renamed.length)
    throw new Error(`${member} in ${archive} lists ${base} but could not be renamed`);
  await writeFile(obj, bytes);
  await ctx.exec(cc.ar, ['r', archive, member], { cwd: dir });
  return init;
}
