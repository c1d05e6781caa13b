// The build actions (build-native, build-wasm, build-modules): run one layer and what it needs, set
// its outputs.
import * as core from '@actions/core';
import { ActionsCacheStore } from '../layers/actions-store.js';
import { runLayers, selectLayers } from '../layers/runner.js';
import type { BuildOptions, Layer, LayerResult } from '../layers/types.js';
import { pipeline } from '../pipeline.js';
import { ExecError } from '../util/errors.js';
import { buildOptionsFromInputs, cacheScopeFromInputs } from './context.js';
import { ActionReporter } from './reporter.js';
import { layerSection, writeSummary } from './summary.js';

export interface LayerRun {
  results: Map<string, LayerResult>;
  /** Layers actually compiled in this run (not restored from either cache). */
  built: string[];
  ms: number;
}

/**
 * Runs `targets` and the layers they need (of `layers`: a deployment's pipeline), each restored from the local store or the Actions
 * cache when its key is there. Writes the per-layer table to the job summary, also when a layer
 * fails (its row says so) and rethrows that failure naming the layer.
 */
export async function runLayersForAction(
  title: string,
  targets: readonly string[],
  opts: BuildOptions,
  layers: readonly Layer[] = pipeline,
): Promise<LayerRun> {
  const reporter = new ActionReporter();
  const remote = await ActionsCacheStore.create((m) => core.warning(m), cacheScopeFromInputs());
  const scope = remote
    ? ` + the Actions cache (restore ${remote.scope.restore.join(', ')}; ${remote.scope.save ? `save ${remote.scope.save}` : 'restore-only'})`
    : ' (the Actions cache is not available here)';
  core.info(`cache: ${opts.cacheDir}${scope}`);
  const started = Date.now();
  const summarize = () =>
    writeSummary(layerSection(title, reporter.rows(), Date.now() - started, opts.cacheDir));
  let results: Map<string, LayerResult>;
  try {
    results = await runLayers(selectLayers(layers, targets), opts, {
      reporter,
      ...(remote ? { remote } : {}),
    });
  } catch (err) {
    const failed = reporter.rows().find((r) => r.status === 'failed');
    reporter.close();
    await summarize();
    if (failed && err instanceof ExecError) {
      throw new ExecError(
        `Layer '${failed.name}' failed: ${err.message}`,
        err.exitCode,
        err.tail,
        err.logPath,
      );
    }
    if (failed && err instanceof Error)
      err.message = `Layer '${failed.name}' failed: ${err.message}`;
    throw err;
  }
  reporter.close();
  await summarize();
  const built = [...results.values()].filter((r) => r.status === 'built').map((r) => r.name);
  return { results, built, ms: Date.now() - started };
}

/** The outputs every build action sets, for the target layer and everything it consumed. */
export function setLayerOutputs(target: string, run: LayerRun, cacheDirPath: string): void {
  const result = run.results.get(target);
  if (!result) throw new Error(`The build finished without the layer '${target}'.`);
  core.setOutput('key', result.key);
  core.setOutput('path', result.dir);
  core.setOutput(
    'keys',
    JSON.stringify(Object.fromEntries([...run.results].map(([n, r]) => [n, r.key]))),
  );
  core.setOutput('cache-hit', String(run.built.length === 0));
  core.setOutput('built', run.built.join(','));
  core.setOutput('cache-dir', cacheDirPath);
}

/** build-native, build-wasm, build-modules: build one layer (and what it needs) from the inputs. */
export async function buildLayerAction(target: string): Promise<void> {
  const opts = buildOptionsFromInputs();
  const run = await runLayersForAction(`build-${target}`, [target], opts);
  setLayerOutputs(target, run, opts.cacheDir);
}
