// The C library layers (zlib, bzip2, xz, sqlite3, openssl), each built from its recipe in
// third-party/libs/.
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Step, type Vars, expandArg, runSteps } from '../build/steps.js';
import type { Layer } from '../layers/types.js';
import { prepareSource, sourceInputs, sourcePatchInputs } from '../sources/prepare.js';
import type { SourcePatches, SourceRoute } from '../sources/types.js';
import { UserError } from '../util/errors.js';
import { exists } from '../util/fs.js';
import { hashTree } from '../util/hash.js';
import { wasmCompiler } from './flags.js';

/** `third-party/libs/<name>/recipe.json`: a C library the standard library links against. */
export interface CLibraryRecipe {
  name: string;
  version: string;
  sources: SourceRoute[];
  /** Patches from the source's distribution (Debian's security fixes), before `patches`. */
  sourcePatches?: SourcePatches;
  patches: string[];
  cflags: string[];
  steps: Step[];
  /** Files the install prefix must hold afterwards. */
  provides: string[];
}

export async function readCLibraryRecipe(repoRoot: string, name: string): Promise<CLibraryRecipe> {
  const file = join(repoRoot, 'third-party', 'libs', name, 'recipe.json');
  return JSON.parse(await readFile(file, 'utf8')) as CLibraryRecipe;
}

/**
 * A C library cross-compiled for wasm32-wasi into its own prefix (include/, lib/), which the
 * wasm CPython build adds to its include and library paths.
 */
export function cLibraryLayer(name: string, description: string): Layer {
  return {
    name,
    description,
    deps: ['toolchain'],
    source: 'src/toolchain/c-library.ts',
    async inputs({ opts }) {
      const r = await readCLibraryRecipe(opts.repoRoot, name);
      const src = await sourceInputs(opts.repoRoot, r.sources, r.patches);
      const recipeFiles = await hashTree(join(opts.repoRoot, 'third-party', 'libs', name));
      return {
        recipeFiles,
        version: r.version,
        ...src,
        ...(r.sourcePatches ? { sourcePatches: sourcePatchInputs(r.sourcePatches) } : {}),
        cflags: r.cflags,
        steps: r.steps,
        provides: r.provides,
      };
    },
    async build(ctx) {
      const r = await readCLibraryRecipe(ctx.opts.repoRoot, name);
      const srcDir = join(ctx.work, 'src');
      await prepareSource(
        ctx,
        `${r.name} ${r.version}`,
        r.sources,
        r.patches,
        srcDir,
        r.sourcePatches,
      );
      const cc = await wasmCompiler(ctx.dep('toolchain'), [], ctx.opts);
      const where = `third-party/libs/${name}/recipe.json`;
      const base: Vars = {
        prefix: ctx.out,
        jobs: String(ctx.opts.jobs),
        host: 'wasm32-unknown-wasi',
        recipe: join(ctx.opts.repoRoot, 'third-party', 'libs', name),
      };
      const cflags = [...cc.cflags, ...r.cflags.flatMap((f) => expandArg(f, base, where))];
      // {cc} is the compiler alone: the target and sysroot travel in {cflags}.
      const vars: Vars = { ...base, cc: cc.cc, ar: cc.ar, ranlib: cc.ranlib, cflags };
      const env = { ...cc.env, CFLAGS: cflags.join(' ') };
      await runSteps(ctx, r.steps, srcDir, vars, env, where);
      for (const f of r.provides) {
        if (!(await exists(join(ctx.out, f)))) {
          throw new UserError(`${name} built but ${f} is missing; check the steps in ${where}.`);
        }
      }
      // Libtool archives and .pc files name the staging path: keep the layer path-free.
      await rm(join(ctx.out, 'lib', 'pkgconfig'), { recursive: true, force: true });
      await rm(join(ctx.out, 'share'), { recursive: true, force: true });
      for (const f of await readdir(join(ctx.out, 'lib'))) {
        if (f.endsWith('.la')) await rm(join(ctx.out, 'lib', f));
      }
    },
  };
}
