// C extensions compiled to static archives, their init symbols, and extensions.json for the
// inittab.
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerContext } from '../layers/types.js';
import type { WasmCompiler } from '../toolchain/flags.js';
import { UserError } from '../util/errors.js';
import { exists } from '../util/fs.js';
import type { ExtensionSpec, ModuleRecipe } from './recipe.js';

/** One entry of `extensions.json`, from which the func layer generates the inittab. */
export interface ExtensionEntry {
  /** Full dotted module name, registered as a built-in under exactly this name. */
  name: string;
  /** The init function the archive defines. */
  init: string;
  /** Static archive, relative to the modules layer's directory. */
  archive: string;
}

/**
 * The init symbol an extension is linked under. Every `_speedups` module defines
 * `PyInit__speedups`: linked statically side by side they would clash, so a submodule's init
 * is renamed after its full name at compile time (`-DPyInit__speedups=PyInit_genshi__speedups`).
 */
export function initSymbol(dotted: string): string {
  return `PyInit_${dotted.replace(/\./g, '_')}`;
}

/** The nm beside the toolchain's ar (llvm-ar-16 -> llvm-nm-16). */
export function nmFor(cc: WasmCompiler): string {
  return cc.ar.replace(/llvm-ar(-\d+)?$/, (_m, v: string | undefined) => `llvm-nm${v ?? ''}`);
}

/**
 * Compiles one C extension for wasm32-wasi against the wasm CPython headers into a static
 * archive `ext/<dotted.name>.a` under `outDir`. A compile error is the compiler's ExecError,
 * carrying its error lines and the log's path.
 */
export async function compileExtension(
  ctx: LayerContext,
  cc: WasmCompiler,
  recipe: ModuleRecipe,
  ext: ExtensionSpec,
  srcDir: string,
  pythonInclude: string,
  cflags: readonly string[],
  outDir: string,
): Promise<ExtensionEntry & { bytes: number }> {
  const index = recipe.extensions.indexOf(ext);
  const base = ext.name.split('.').pop()!;
  const init = initSymbol(ext.name);
  const rename = init === `PyInit_${base}` ? [] : [`-DPyInit_${base}=${init}`];
  const objDir = join(ctx.work, 'obj', ext.name);
  await mkdir(objDir, { recursive: true });
  const objects: string[] = [];
  for (const [i, file] of ext.sources.entries()) {
    if (!(await exists(join(srcDir, file)))) {
      throw new UserError(
        `${recipe.file}: field 'extensions[${index}].sources[${i}]' names ${file}, which the source of ${recipe.name} ${recipe.version} does not have.`,
      );
    }
    const obj = join(objDir, `${i}-${file.replace(/[/\\]/g, '_').replace(/\.c$/, '.o')}`);
    const args = [
      ...cc.cflags,
      `-I${pythonInclude}`,
      ...cflags,
      ...ext.cflags,
      ...rename,
      '-c',
      file,
      '-o',
      obj,
    ];
    await ctx.exec(cc.cc, args, { cwd: srcDir });
    objects.push(obj);
  }
  const archive = `ext/${ext.name}.a`;
  await mkdir(join(outDir, 'ext'), { recursive: true });
  await ctx.exec(cc.ar, ['rcs', join(outDir, archive), ...objects]);
  const defined = await definedSymbols(ctx, cc, join(outDir, archive));
  if (!defined.includes(init)) {
    throw new UserError(
      `${recipe.file}: extension '${ext.name}' compiled, but defines no PyInit_${base}; check its 'sources' (the module's init function must be among them).`,
    );
  }
  return { name: ext.name, init, archive, bytes: (await stat(join(outDir, archive))).size };
}

/** External symbols an archive defines. */
export async function definedSymbols(
  ctx: LayerContext,
  cc: WasmCompiler,
  archive: string,
): Promise<string[]> {
  const { stdout } = await ctx.exec(nmFor(cc), [
    '--defined-only',
    '--extern-only',
    '--format=just-symbols',
    archive,
  ]);
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.endsWith(':'));
}
