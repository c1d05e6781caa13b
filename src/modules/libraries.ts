// The C libraries a module's recipe lists, built for wasm where its build finds them.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerContext } from '../layers/types.js';
import { fetchSource } from '../sources/fetch.js';
import { applyPatches } from '../sources/prepare.js';
import type { SourceRoute } from '../sources/types.js';
import { unpack } from '../sources/unpack.js';
import type { WasmCompiler } from '../toolchain/flags.js';
import { UserError } from '../util/errors.js';
import { exists } from '../util/fs.js';
import type { ModuleRecipe } from './recipe.js';

/** Where a package's build finds the libraries its recipe lists. */
export interface BuiltLibraries {
  includes: string[];
  libdirs: string[];
}

/**
 * Builds each C library of a recipe for wasm32-wasi: its pinned source fetched and verified
 * (a sha256 mismatch is refused before unpacking) and patched, the listed C files compiled with
 * the modules' flags and archived as `lib<name>.a`. The package's own build then compiles against the
 * include directories, and the wrapper takes the archive's objects into the extension that
 * names `-l<name>` (a static library, linked into py_func.wasm with it).
 */
export async function buildLibraries(
  ctx: LayerContext,
  cc: WasmCompiler,
  recipe: ModuleRecipe,
  cflags: readonly string[],
  work: string,
): Promise<BuiltLibraries> {
  const built: BuiltLibraries = { includes: [], libdirs: [] };
  for (const [index, lib] of recipe.libraries.entries()) {
    const what = `${lib.name} ${lib.version} (a library of ${recipe.name})`;
    const fetched = await fetchSource(what, lib.sources as SourceRoute[], {
      cacheDir: ctx.opts.cacheDir,
      repoRoot: ctx.opts.repoRoot,
      log: ctx.log,
    });
    const src = join(work, lib.name, 'src');
    const libdir = join(work, lib.name, 'lib');
    await unpack(fetched.path, src, ctx.log);
    await applyPatches(ctx, src, lib.patches);
    await mkdir(libdir, { recursive: true });
    const includes = lib.include.map((d) => join(src, d));
    const objects: string[] = [];
    for (const [i, file] of lib.compile.entries()) {
      if (!(await exists(join(src, file)))) {
        throw new UserError(
          `${recipe.file}: field 'libraries[${index}].compile[${i}]' names ${file}, which ${fetched.route.file} does not have.`,
        );
      }
      const obj = join(libdir, `${i}-${file.replace(/[/\\]/g, '_').replace(/\.c$/, '.o')}`);
      await ctx.exec(
        cc.cc,
        [
          ...cc.cflags,
          ...includes.map((d) => `-I${d}`),
          ...cflags,
          ...lib.cflags,
          '-c',
          file,
          '-o',
          obj,
        ],
        { cwd: src },
      );
      objects.push(obj);
    }
    await ctx.exec(cc.ar, ['rcs', join(libdir, `lib${lib.name}.a`), ...objects]);
    built.includes.push(...includes);
    built.libdirs.push(libdir);
  }
  return built;
}
