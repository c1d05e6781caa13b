import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Layer, LayerContext } from '../layers/types.js';
import { prepareSource, sourceInputs } from '../sources/prepare.js';
import { probe } from '../util/exec.js';
import { ensureSystemPackages } from '../toolchain/layer.js';
import { readCPythonConfig, shortVersion } from './config.js';

/** Installed under a fixed fake prefix and moved: the layer's bytes never name a cache path. */
const PREFIX = '/opt/faasm-python/native';

export const nativeLayer: Layer = {
  name: 'native',
  description: 'the build Python: CPython of exactly the pinned version, for this machine',
  // Not on the wasm toolchain: a new clang must not rebuild the build Python.
  deps: [],
  implementation: ['src/cpython/native-layer.ts', 'src/sources/prepare.ts'],
  async inputs({ opts }) {
    const cfg = await readCPythonConfig(opts.repoRoot);
    await ensureSystemPackages(opts);
    return {
      version: cfg.version,
      ...(await sourceInputs(opts.repoRoot, cfg.sources, cfg.native.patches)),
      configure: cfg.native.configure,
      hostCompiler: (await probe('gcc', ['--version']))?.split('\n')[0] ?? 'unknown',
    };
  },
  async build(ctx) {
    const cfg = await readCPythonConfig(ctx.opts.repoRoot);
    const src = join(ctx.work, 'src');
    const build = join(ctx.work, 'build');
    const dest = join(ctx.work, 'dest');
    await prepareSource(ctx, `CPython ${cfg.version}`, cfg.sources, cfg.native.patches, src);
    await ctx.exec('mkdir', ['-p', build]);
    await ctx.exec(join(src, 'configure'), [`--prefix=${PREFIX}`, ...cfg.native.configure], {
      cwd: build,
    });
    await ctx.exec('make', [`-j${ctx.opts.jobs}`], { cwd: build });
    await ctx.exec('make', ['install', `DESTDIR=${dest}`], { cwd: build });
    for (const entry of await readdir(join(dest, PREFIX))) {
      await rename(join(dest, PREFIX, entry), join(ctx.out, entry));
    }
    const v = shortVersion(cfg.version);
    // The static libpython for embedding (46 MB) is never used from the build Python.
    await rm(
      join(ctx.out, 'lib', `python${v}`, `config-${v}-${await multiarch(ctx)}`, `libpython${v}.a`),
      {
        force: true,
      },
    );
    const python = join(ctx.out, 'bin', `python${v}`);
    await ctx.exec(python, [
      '-c',
      'import sys, zlib, json; assert sys.version.split()[0] == sys.argv[1]',
      cfg.version,
    ]);
  },
};

async function multiarch(ctx: LayerContext): Promise<string> {
  return (await ctx.exec('gcc', ['-print-multiarch'])).stdout.trim() || 'x86_64-linux-gnu';
}

export function nativePython(nativeDir: string, version: string): string {
  return join(nativeDir, 'bin', `python${shortVersion(version)}`);
}
