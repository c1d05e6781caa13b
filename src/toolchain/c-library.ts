import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Step, runSteps } from '../build/steps.js';
import type { Layer } from '../layers/types.js';
import { prepareSource, sourceInputs } from '../sources/prepare.js';
import type { SourceRoute } from '../sources/types.js';
import { UserError } from '../util/errors.js';
import { exists } from '../util/fs.js';
import { wasmCompiler } from './flags.js';

/** `third-party/libs/<name>/recipe.json`: a C library the standard library links against. */
export interface CLibraryRecipe {
  name: string;
  version: string;
  sources: SourceRoute[];
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
    async inputs({ opts }) {
      const r = await readCLibraryRecipe(opts.repoRoot, name);
      const src = await sourceInputs(opts.repoRoot, r.sources, r.patches);
      return { version: r.version, ...src, cflags: r.cflags, steps: r.steps, provides: r.provides };
    },
    async build(ctx) {
      const r = await readCLibraryRecipe(ctx.opts.repoRoot, name);
      const srcDir = join(ctx.work, 'src');
      await prepareSource(ctx, `${r.name} ${r.version}`, r.sources, r.patches, srcDir);
      const cc = await wasmCompiler(ctx.dep('toolchain'));
      const cflags = [...cc.cflags, ...r.cflags].join(' ');
      const vars = {
        prefix: ctx.out,
        jobs: String(ctx.opts.jobs),
        cc: cc.env.CC ?? cc.cc,
        ar: cc.ar,
        ranlib: cc.ranlib,
        cflags,
        host: 'wasm32-unknown-wasi',
      };
      const where = `third-party/libs/${name}/recipe.json`;
      await runSteps(ctx, r.steps, srcDir, vars, { ...cc.env, CFLAGS: cflags }, where);
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
