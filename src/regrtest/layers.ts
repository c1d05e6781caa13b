import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { cpythonSourceInputs, prepareCPythonSource } from '../cpython/source.js';
import { dirname, join } from 'node:path';
import { type CPythonConfig, readCPythonConfig, shortVersion } from '../cpython/config.js';
import type { Layer, LayerContext } from '../layers/types.js';
import type { ExtensionEntry } from '../modules/extensions.js';
import { linkTestInterpreter } from '../modules/link.js';
import { type WasmCompiler, wasmCompiler } from '../toolchain/flags.js';
import { copyTree, exists } from '../util/fs.js';

/**
 * Test-only layers: CPython with its test modules (_testcapi, ...), plus Lib/test from the
 * pinned tarball. Nothing downstream of the runtime (func, root, bundle, image) depends on them,
 * so neither the test modules nor the test suite is ever shipped.
 */

/**
 * Test packages copied from the source tree beside the shipped stdlib, those a line has: 3.12
 * moved unittest's tests into Lib/test/test_unittest and removed distutils.
 */
export const TEST_PACKAGES = ['test', 'unittest/test', 'distutils/tests'] as const;

/** The TEST_PACKAGES under `lib` (a source tree's Lib/) that this line has. */
export async function testPackagesIn(lib: string): Promise<string[]> {
  const found: string[] = [];
  for (const p of TEST_PACKAGES) if (await exists(join(lib, p))) found.push(p);
  return found;
}

/** CPython's own WASI notes (Tools/wasm/README.md), kept so expected failures can cite them. */
export const WASM_NOTES = 'wasm-README.md';

interface TestModule {
  name: string;
  /** Under Modules/ of the CPython source, as its Modules/Setup.stdlib.in lists them. */
  sources: string[];
}

/**
 * CPython's test modules that a static build can have, by name; their sources come from the
 * pinned source's own Modules/Setup.stdlib.in (3.13 splits _testcapi into 33 files and adds
 * _testlimitedcapi), and a name a line's Setup does not list is not built for it.
 * _testimportmultiple, _testmultiphase and _testsinglephase must be shared libraries, which WASI
 * cannot load.
 */
export const TEST_MODULES: readonly string[] = [
  '_testcapi',
  '_testinternalcapi',
  '_testlimitedcapi',
  '_testbuffer',
  '_testclinic',
  '_testclinic_limited',
];

/** The test modules of TEST_MODULES that `setupStdlib` (Modules/Setup.stdlib.in) lists. */
export function testModulesOf(setupStdlib: string): TestModule[] {
  const listed = new Map<string, string[]>();
  for (const line of setupStdlib.split('\n')) {
    const m = /^@MODULE_\w+_TRUE@(\w+)\s+(.+)$/.exec(line.trim());
    if (m) listed.set(m[1]!, m[2]!.split(/\s+/));
  }
  return TEST_MODULES.filter((n) => listed.has(n)).map((n) => ({
    name: n,
    sources: listed.get(n)!,
  }));
}

/** Compiles one test module like CPython's Setup.stdlib does for a static build, into ext/<name>.a. */
async function compileTestModule(
  ctx: LayerContext,
  cc: WasmCompiler,
  cfg: CPythonConfig,
  include: string,
  src: string,
  m: TestModule,
): Promise<ExtensionEntry> {
  const objects: string[] = [];
  for (const source of m.sources) {
    const obj = join(ctx.work, 'test-objs', m.name, source.replace(/\.c$/, '.o'));
    await mkdir(dirname(obj), { recursive: true });
    await ctx.exec(cc.cc, [
      ...cc.cflags,
      ...cfg.wasm.opt.split(' '),
      ...cfg.wasm.cflags,
      '-DPy_BUILD_CORE_BUILTIN',
      `-I${include}`,
      `-I${join(include, 'internal')}`,
      `-I${join(src, 'Modules')}`,
      '-c',
      join(src, 'Modules', source),
      '-o',
      obj,
    ]);
    objects.push(obj);
  }
  const archive = join('ext', `${m.name}.a`);
  await mkdir(join(ctx.work, 'ext'), { recursive: true });
  await ctx.exec(cc.ar, ['rcs', join(ctx.work, archive), ...objects]);
  return { name: m.name, init: `PyInit_${m.name}`, archive };
}

export const wasmTestsLayer: Layer = {
  name: 'wasm-tests',
  description:
    "test-only: the runtime's libpython and stdlib with CPython's test modules and Lib/test",
  deps: ['toolchain', 'wasm'],
  source: 'src/regrtest/layers.ts',
  data: ['src/cpython/cxa_throw.c'],
  async inputs({ opts }) {
    const cfg = await readCPythonConfig(opts.repoRoot, opts.python);
    return {
      version: cfg.version,
      ...(await cpythonSourceInputs(opts.repoRoot, cfg, cfg.wasm.patches)),
      opt: cfg.wasm.opt,
      cflags: cfg.wasm.cflags,
      testModules: TEST_MODULES as never,
      testPackages: [...TEST_PACKAGES],
    };
  },
  async build(ctx) {
    const cfg = await readCPythonConfig(ctx.opts.repoRoot, ctx.opts.python);
    const v = shortVersion(cfg.version);
    const src = join(ctx.work, 'src');
    await prepareCPythonSource(ctx, cfg, cfg.wasm.patches, src);
    const wasmDir = ctx.dep('wasm');
    const include = join(wasmDir, 'include', `python${v}`);
    const cc = await wasmCompiler(ctx.dep('toolchain'), [], ctx.opts);
    const entries: ExtensionEntry[] = [];
    const setup = await readFile(join(src, 'Modules', 'Setup.stdlib.in'), 'utf8');
    for (const m of testModulesOf(setup))
      entries.push(await compileTestModule(ctx, cc, cfg, include, src, m));
    // The shipped libpython, linked with the test modules as built-ins: python.wasm plus them.
    await mkdir(join(ctx.out, 'bin'), { recursive: true });
    const wasm = join(ctx.out, 'bin', 'python.wasm');
    await linkTestInterpreter(ctx, cc, wasmDir, include, ctx.work, entries, wasm);
    // The stdlib exactly as the runtime ships it, so over-pruning shows up as failing tests.
    const stdlib = join(ctx.out, 'lib', `python${v}`);
    await copyTree(join(wasmDir, 'lib', `python${v}`), stdlib);
    for (const p of await testPackagesIn(join(src, 'Lib'))) {
      await copyTree(join(src, 'Lib', p), join(stdlib, p));
    }
    await copyFile(join(src, 'Tools', 'wasm', 'README.md'), join(ctx.out, WASM_NOTES));
  },
};
