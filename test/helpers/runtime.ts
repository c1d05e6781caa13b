// Builds (or restores) pipeline layers for integration tests, in the same cache the CLI uses,
// so a machine that ran `./run build` runs these tests warm.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { readCPythonConfig, shortVersion } from '../../src/cpython/config.js';
import { linkWithPython } from '../../src/cpython/link.js';
import { runLayers, selectLayers } from '../../src/layers/runner.js';
import type { BuildOptions, LayerContext, LayerResult } from '../../src/layers/types.js';
import { REPO_ROOT, defaultCacheDir } from '../../src/paths.js';
import { pipeline } from '../../src/pipeline.js';
import { wasmCompiler } from '../../src/toolchain/flags.js';
import { exec } from '../../src/util/exec.js';
import { silentReporter } from './fake-layers.js';

export function integrationOptions(overrides: Partial<BuildOptions> = {}): BuildOptions {
  return {
    repoRoot: REPO_ROOT,
    cacheDir: defaultCacheDir(),
    noCache: false,
    jobs: 2,
    experimental: false,
    verbose: false,
    ...overrides,
  };
}

/**
 * What a layer step (linkWithPython, unpackDebianRoot) needs of a LayerContext, for a test that
 * runs one outside a layer: `work` as its work directory, commands logged to `work`/build.log.
 */
export function testLayerContext(opts: BuildOptions, work: string): LayerContext {
  const log = join(work, 'build.log');
  const ctx: Pick<LayerContext, 'opts' | 'log' | 'exec' | 'work' | 'info'> = {
    opts,
    log,
    work,
    exec: (cmd, args, o) => exec(cmd, args, { log, ...o }),
    info: () => {},
  };
  return ctx as LayerContext;
}

export async function buildLayers(
  targets: string[],
  overrides: Partial<BuildOptions> = {},
): Promise<Map<string, LayerResult>> {
  return runLayers(selectLayers(pipeline, targets), integrationOptions(overrides), {
    reporter: silentReporter(),
  });
}

/**
 * CPython 3.13 with a fixture's C file linked in (its main() registers its module as a built-in),
 * built in a new temporary directory `work`: what the call-trampoline and ctypes tests run.
 */
export async function fixtureInterpreter(
  source: string,
  cflags: readonly string[] = [],
): Promise<{ work: string; wasmDir: string; interpreter: string }> {
  const opts = integrationOptions({ python: '3.13' });
  const layers = await buildLayers(['toolchain', 'wasm'], { python: '3.13' });
  const wasmDir = layers.get('wasm')!.dir;
  const name = basename(source, '.c');
  const work = await mkdtemp(join(tmpdir(), `${name}-`));
  const cc = await wasmCompiler(layers.get('toolchain')!.dir, [], opts);
  const obj = join(work, `${name}.o`);
  const include = `-I${join(wasmDir, 'include', 'python3.13')}`;
  await exec(cc.cc, [...cc.cflags, '-O2', ...cflags, include, '-c', source, '-o', obj]);
  const interpreter = join(work, `python-${name}.wasm`);
  await linkWithPython(testLayerContext(opts, work), cc, wasmDir, [obj], interpreter);
  return { work, wasmDir, interpreter };
}

/** The default module set (third-party/modules without the experimental ones), sorted. */
export const DEFAULT_MODULES = [
  'attrs',
  'genshi',
  'jinja2',
  'markupsafe',
  'msgpack',
  'numpy',
  'pyaes',
  'pyfaasm',
  'pyyaml',
  'six',
  'ujson',
];

/**
 * The CPython this test run builds: the default line, or $FAASM_PYTHON_LINE (the weekly
 * workflow of an older line sets it), with its version and stdlib directory (`python3.13`).
 */
export const PYTHON = await (async () => {
  const c = await readCPythonConfig(REPO_ROOT);
  return { line: c.line, version: c.version, libDir: `python${shortVersion(c.version)}` };
})();
