import { join } from 'node:path';
import { ActionsCacheStore } from '../layers/actions-store.js';
import { consoleReporter } from '../layers/reporter.js';
import { runLayers, selectLayers } from '../layers/runner.js';
import type { BuildOptions, LayerResult, Reporter } from '../layers/types.js';
import { pipeline } from '../pipeline.js';

export interface Runtime {
  /** The linked entrypoint. */
  wasm: string;
  /** The runtime root the guest sees as `/`. */
  root: string;
  layers: Map<string, LayerResult>;
}

/**
 * The built runtime (py_func.wasm and the runtime root), taken from the cache or built when
 * missing: what `run`, `upload` and the tests use when no paths are given.
 */
export async function resolveRuntime(
  opts: BuildOptions,
  reporter: Reporter = consoleReporter(),
): Promise<Runtime> {
  const remote = await ActionsCacheStore.create(reporter.warn);
  const layers = await runLayers(selectLayers(pipeline, ['func', 'root']), opts, {
    reporter,
    remote,
  });
  return {
    wasm: join(layers.get('func')!.dir, 'py_func.wasm'),
    root: layers.get('root')!.dir,
    layers,
  };
}
