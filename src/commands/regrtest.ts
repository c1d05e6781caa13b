import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ActionsCacheStore } from '../layers/actions-store.js';
import { quietReporter } from '../layers/reporter.js';
import { runLayers, selectLayers } from '../layers/runner.js';
import { cachePaths } from '../paths.js';
import { pipeline } from '../pipeline.js';
import { type Platform, readRegrtestData } from '../regrtest/data.js';
import { runRegrtest } from '../regrtest/session.js';
import { UsageError } from '../util/errors.js';
import { buildOptions, numberOption, stringOption } from './common.js';
import type { Command } from './types.js';

export const regrtestCommand: Command = {
  name: 'regrtest',
  summary: "Run CPython's regression tests on the wasm build (or, with --native, natively)",
  usage: `Usage: faasm-python regrtest [TEST ...] [options]

Runs CPython's own test modules from the pinned source, one process per module, on the wasm
test build under the WASI host functions run on (layer 'wasm-tests'), or on native CPython of
the same version (--native, layer 'native-tests'). Expected failures, each with its reason,
are in third-party/cpython/<line>/regrtest.json (the default line, or $FAASM_PYTHON_LINE). Prints a table and exits 1 on any unexpected failure
or hang.

Options:
  --selection NAME  ci (default) or full (every test module of the pinned Lib/test)
  --native          run on native CPython instead of wasm
  --jobs N          modules at a time (default 2)
  --timeout S       seconds before a module counts as hung (default 900)
  --json FILE       also write the results as JSON
  --cache-dir DIR   layer cache (default $FAASM_PYTHON_CACHE or $XDG_CACHE_HOME/faasm-python)`,
  options: {
    selection: { type: 'string' },
    native: { type: 'boolean' },
    jobs: { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'string' },
    'cache-dir': { type: 'string' },
  },
  positionals: true,
  async run(values, positionals) {
    const platform: Platform = values.native === true ? 'native' : 'wasm';
    const jobs = numberOption(values, 'jobs', { min: 1, max: 64, integer: true }) ?? 2;
    const timeout = numberOption(values, 'timeout', { min: 1, max: 86_400, unit: 'seconds' });
    const timeoutMs = (timeout ?? 900) * 1000;
    const selection = stringOption(values, 'selection');
    if (selection !== undefined && positionals.length > 0) {
      throw new UsageError('Give test modules or --selection, not both.');
    }
    const opts = {
      ...buildOptions({ 'cache-dir': values['cache-dir'] }),
      jobs: availableParallelism(),
    };
    const data = await readRegrtestData(opts.repoRoot);
    // What can be checked before building: names and the selection (Lib/test is in the layer).
    const bad = positionals.find((m) => !/^test_\w+$/.test(m));
    if (bad) throw new UsageError(`'${bad}' is not a test module name (test_*, as in Lib/test).`);
    const named = selection ?? 'ci';
    if (named !== 'full' && !data.selections[named]) {
      const known = ['full', ...Object.keys(data.selections)].join(', ');
      throw new UsageError(`There is no regrtest selection '${named}'; use one of ${known}.`);
    }
    const reporter = quietReporter();
    const remote = await ActionsCacheStore.create(reporter.warn);
    const layerName = platform === 'wasm' ? 'wasm-tests' : 'native-tests';
    const layers = await runLayers(selectLayers(pipeline, [layerName]), opts, { reporter, remote });
    const summary = await runRegrtest({
      data,
      platform,
      layerDir: layers.get(layerName)!.dir,
      modules: positionals,
      selection: selection ?? 'ci',
      jobs,
      timeoutMs,
      logDir: join(cachePaths(opts.cacheDir).logs, 'regrtest', platform),
      jsonFile: stringOption(values, 'json'),
    });
    return summary.unexpected > 0 ? 1 : 0;
  },
};
