import { copyFile, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readCPythonConfig, shortVersion } from '../cpython/config.js';
import { C_LIBRARIES, crossBuildCPython, wasmLayer } from '../cpython/wasm-layer.js';
import type { Json, Layer } from '../layers/types.js';
import { prepareSource, sourceInputs } from '../sources/prepare.js';
import { copyTree, exists } from '../util/fs.js';

/**
 * Test-only layers: CPython built with its test modules, plus Lib/test from the pinned tarball.
 * Nothing downstream of the runtime (func, root, bundle, image) depends on them, so neither the
 * test modules nor the test suite is ever shipped.
 */

/** Test packages copied from the source tree beside the shipped stdlib. */
export const TEST_PACKAGES = ['test', 'unittest/test', 'distutils/tests'] as const;

/** CPython's own WASI notes (Tools/wasm/README.md), kept so expected failures can cite them. */
export const WASM_NOTES = 'wasm-README.md';

/** C modules the test variants must have built in: the suites that need them cannot run else. */
export const TEST_MODULES = ['_testcapi', '_testinternalcapi', '_testbuffer', '_testclinic'];

/** The modules a wasm build linked in, from its generated Modules/config.c. */
async function builtinModules(build: string): Promise<string[]> {
  const text = await readFile(join(build, 'Modules', 'config.c'), 'utf8');
  return [...text.matchAll(/^extern PyObject\* PyInit_(\w+)\(void\);/gm)].map((m) => m[1]!);
}

export const wasmTestsLayer: Layer = {
  name: 'wasm-tests',
  description: "test-only: python.wasm with CPython's test modules, the shipped stdlib, Lib/test",
  deps: ['toolchain', 'native', ...C_LIBRARIES, 'wasm'],
  implementation: ['src/regrtest/layers.ts', 'src/cpython/wasm-layer.ts', 'src/toolchain/flags.ts'],
  async inputs(ictx) {
    // The runtime build's inputs (same source, same flags), plus what the tests add.
    const wasm = (await wasmLayer.inputs(ictx)) as Record<string, Json>;
    return { ...wasm, testPackages: [...TEST_PACKAGES] };
  },
  async build(ctx) {
    const cfg = await readCPythonConfig(ctx.opts.repoRoot);
    const v = shortVersion(cfg.version);
    const { src, build, cc } = await crossBuildCPython(ctx, cfg, 'test');
    const builtins = await builtinModules(build);
    const missing = TEST_MODULES.filter((m) => !builtins.includes(m));
    if (missing.length > 0) throw new Error(`the test build lacks ${missing.join(', ')}`);
    await ctx.exec('mkdir', ['-p', join(ctx.out, 'bin')]);
    await ctx.exec(cc.strip, [
      '-o',
      join(ctx.out, 'bin', 'python.wasm'),
      join(build, 'python.wasm'),
    ]);
    // The stdlib exactly as the runtime ships it, so over-pruning shows up as failing tests.
    const stdlib = join(ctx.out, 'lib', `python${v}`);
    await copyTree(join(ctx.dep('wasm'), 'lib', `python${v}`), stdlib);
    for (const p of TEST_PACKAGES) await copyTree(join(src, 'Lib', p), join(stdlib, p));
    await writeFile(join(ctx.out, 'builtins.json'), JSON.stringify(builtins, null, 2));
    await copyFile(join(src, 'Tools', 'wasm', 'README.md'), join(ctx.out, WASM_NOTES));
  },
};

/** Installed under a fixed fake prefix and moved, like the native layer. */
const PREFIX = '/opt/faasm-python/native-tests';

export const nativeTestsLayer: Layer = {
  name: 'native-tests',
  description: 'test-only: native CPython of the pinned version with its test modules and Lib/test',
  deps: [],
  implementation: ['src/regrtest/layers.ts'],
  async inputs({ opts }) {
    const cfg = await readCPythonConfig(opts.repoRoot);
    return {
      version: cfg.version,
      ...(await sourceInputs(opts.repoRoot, cfg.sources, cfg.native.patches)),
      configure: ['--enable-test-modules', '--without-ensurepip'],
    };
  },
  async build(ctx) {
    const cfg = await readCPythonConfig(ctx.opts.repoRoot);
    const src = join(ctx.work, 'src');
    const build = join(ctx.work, 'build');
    await prepareSource(ctx, `CPython ${cfg.version}`, cfg.sources, cfg.native.patches, src);
    await ctx.exec('mkdir', ['-p', build]);
    const configure = [`--prefix=${PREFIX}`, '--enable-test-modules', '--without-ensurepip'];
    await ctx.exec(join(src, 'configure'), configure, { cwd: build });
    await ctx.exec('make', [`-j${ctx.opts.jobs}`], { cwd: build });
    await ctx.exec('make', ['install', `DESTDIR=${join(ctx.work, 'dest')}`], { cwd: build });
    for (const entry of await readdir(join(ctx.work, 'dest', PREFIX))) {
      await rename(join(ctx.work, 'dest', PREFIX, entry), join(ctx.out, entry));
    }
    const v = shortVersion(cfg.version);
    if (!(await exists(join(ctx.out, 'lib', `python${v}`, 'test', 'libregrtest')))) {
      throw new Error(`the native test install has no lib/python${v}/test`);
    }
  },
};
