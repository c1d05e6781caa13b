import { readdir, rename } from 'node:fs/promises';
import { cpythonSourceInputs, prepareCPythonSource } from '../cpython/source.js';
import { join } from 'node:path';
import { readCPythonConfig, shortVersion } from '../cpython/config.js';
import type { Layer } from '../layers/types.js';
import { copyTree, removeTree } from '../util/fs.js';
import { testPackagesIn } from './layers.js';

/**
 * Test-only: native CPython of the pinned version with its test modules and Lib/test, for
 * `faasm-python regrtest --native`. Built from the same tarball, never shipped.
 */
/** Installed under a fixed fake prefix and moved, like the native layer. */
const PREFIX = '/opt/faasm-python/native-tests';

export const nativeTestsLayer: Layer = {
  name: 'native-tests',
  description: 'test-only: native CPython of the pinned version with its test modules and Lib/test',
  deps: [],
  source: 'src/regrtest/native-tests-layer.ts',
  data: ['src/cpython/cxa_throw.c'],
  async inputs({ opts }) {
    const cfg = await readCPythonConfig(opts.repoRoot, opts.python);
    return {
      version: cfg.version,
      ...(await cpythonSourceInputs(opts.repoRoot, cfg, cfg.native.patches)),
      configure: ['--enable-test-modules', '--without-ensurepip'],
    };
  },
  async build(ctx) {
    const cfg = await readCPythonConfig(ctx.opts.repoRoot, ctx.opts.python);
    const src = join(ctx.work, 'src');
    const build = join(ctx.work, 'build');
    await prepareCPythonSource(ctx, cfg, cfg.native.patches, src);
    await ctx.exec('mkdir', ['-p', build]);
    const configure = [`--prefix=${PREFIX}`, '--enable-test-modules', '--without-ensurepip'];
    await ctx.exec(join(src, 'configure'), configure, { cwd: build });
    await ctx.exec('make', [`-j${ctx.opts.jobs}`], { cwd: build });
    await ctx.exec('make', ['install', `DESTDIR=${join(ctx.work, 'dest')}`], { cwd: build });
    for (const entry of await readdir(join(ctx.work, 'dest', PREFIX))) {
      await rename(join(ctx.work, 'dest', PREFIX, entry), join(ctx.out, entry));
    }
    // `make install` of 3.11.2 leaves out test_capi, test_sqlite3 and test_tomllib (packages
    // missing from its TESTSUBDIRS): the tests come from the source tree, as for wasm.
    const stdlib = join(ctx.out, 'lib', `python${shortVersion(cfg.version)}`);
    for (const p of await testPackagesIn(join(src, 'Lib'))) {
      await removeTree(join(stdlib, p));
      await copyTree(join(src, 'Lib', p), join(stdlib, p));
    }
  },
};
