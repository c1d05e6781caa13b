// The modules-suite layer: the interpreter the modules' own test suites run on, test-only
// extensions in.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readCPythonConfig, shortVersion } from '../cpython/config.js';
import type { Layer, LayerContext } from '../layers/types.js';
import { wasmCompiler } from '../toolchain/flags.js';
import { exists } from '../util/fs.js';
import type { ExtensionEntry } from './extensions.js';
import { TEST_EXTENSIONS_FILE, linkTestInterpreter } from './link.js';

/** The interpreter `modules test-suite` runs, relative to the layer's directory. */
export const SUITE_INTERPRETER = 'bin/python-suite.wasm';

async function readEntries(modulesDir: string, file: string): Promise<ExtensionEntry[]> {
  const path = join(modulesDir, file);
  return (await exists(path)) ? (JSON.parse(await readFile(path, 'utf8')) as ExtensionEntry[]) : [];
}

async function build(ctx: LayerContext): Promise<void> {
  const wasmDir = ctx.dep('wasm');
  const modulesDir = ctx.dep('modules');
  const cpython = await readCPythonConfig(ctx.opts.repoRoot, ctx.opts.python);
  const include = join(wasmDir, 'include', `python${shortVersion(cpython.version)}`);
  // The shipped extensions first, as py_func.wasm has them; the test-only ones after.
  const entries = [
    ...(await readEntries(modulesDir, 'extensions.json')),
    ...(await readEntries(modulesDir, TEST_EXTENSIONS_FILE)),
  ];
  const output = join(ctx.out, SUITE_INTERPRETER);
  await mkdir(join(ctx.out, 'bin'), { recursive: true });
  const cc = await wasmCompiler(ctx.dep('toolchain'), [], ctx.opts);
  await linkTestInterpreter(ctx, cc, wasmDir, include, modulesDir, entries, output);
  ctx.info(`${SUITE_INTERPRETER}: ${entries.length} built-in extensions`);
}

/**
 * The test-suite interpreter: a python.wasm with every extension of the modules layer built
 * in, its test-only ones (recipe `testExtensions`: numpy's `_multiarray_tests` ...) included.
 * A layer of its own, built only when a module's own test suite runs: the modules layer and
 * py_func.wasm stay as they are without it.
 */
export const suiteLayer: Layer = {
  name: 'modules-suite',
  description: "python-suite.wasm: the modules' extensions and their test-only ones, built in",
  deps: ['toolchain', 'wasm', 'modules'],
  source: 'src/modules/suite-layer.ts',
  data: ['src/cpython/cxa_throw.c'],
  inputs: () => Promise.resolve({}),
  build,
};
