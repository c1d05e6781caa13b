// Builds (or restores) pipeline layers for integration tests, in the same cache the CLI uses,
// so a machine that ran `./run build` runs these tests warm.
import { runLayers, selectLayers } from '../../src/layers/runner.js';
import type { BuildOptions, LayerResult } from '../../src/layers/types.js';
import { REPO_ROOT, defaultCacheDir } from '../../src/paths.js';
import { pipeline } from '../../src/pipeline.js';
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

export async function buildLayers(
  targets: string[],
  overrides: Partial<BuildOptions> = {},
): Promise<Map<string, LayerResult>> {
  return runLayers(selectLayers(pipeline, targets), integrationOptions(overrides), {
    reporter: silentReporter(),
  });
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
