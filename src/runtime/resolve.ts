// Finding a built runtime (py_func.wasm and the runtime root), built from the layer graph it is
// given when missing.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ActionsCacheStore } from '../layers/actions-store.js';
import { consoleReporter } from '../layers/reporter.js';
import { runLayers, selectLayers } from '../layers/runner.js';
import type { BuildOptions, Layer, LayerResult, Reporter } from '../layers/types.js';
import { UserError } from '../util/errors.js';

export interface Runtime {
  /** The linked entrypoint. */
  wasm: string;
  /** The runtime root the guest sees as `/`. */
  root: string;
  layers: Map<string, LayerResult>;
}

/** Where the entrypoint and the runtime root are, in a finished func + root build. */
export async function locateRuntime(layers: Map<string, LayerResult>) {
  const func = layers.get('func');
  const root = layers.get('root');
  if (!func || !root) throw new UserError("The 'func' and 'root' layers did not both run.");
  const wasm = join(func.dir, 'py_func.wasm');
  if (!(await stat(wasm).catch(() => undefined))?.isFile()) {
    throw new UserError(
      `The func layer ${func.dir} holds no py_func.wasm; rebuild it with --no-cache.`,
    );
  }
  return { wasm, runtimeRoot: root.dir };
}

/**
 * The built runtime (py_func.wasm and the runtime root), taken from the cache or built when
 * missing: what `run`, `upload` and the tests use when no paths are given. `pipeline` is the
 * whole layer graph (src/pipeline.ts), passed in because this room sits below it.
 */
export async function resolveRuntime(
  pipeline: readonly Layer[],
  opts: BuildOptions,
  reporter: Reporter = consoleReporter(),
): Promise<Runtime> {
  const remote = await ActionsCacheStore.create(reporter.warn);
  const layers = await runLayers(selectLayers(pipeline, ['func', 'root']), opts, {
    reporter,
    remote,
  });
  const { wasm, runtimeRoot } = await locateRuntime(layers);
  return { wasm, root: runtimeRoot, layers };
}
