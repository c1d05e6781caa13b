import { ActionsCacheStore } from '../layers/actions-store.js';
import { consoleReporter } from '../layers/reporter.js';
import { runLayers, selectLayers } from '../layers/runner.js';
import { formatSeconds } from '../util/fs.js';
import { DEFAULT_TARGETS, pipeline } from '../pipeline.js';
import { buildOptionSpec, buildOptions } from './common.js';
import type { Command } from './types.js';

export const buildCommand: Command = {
  name: 'build',
  summary: 'Build the runtime: every layer in order, each taken from the cache when unchanged',
  usage: `Usage: faasm-python build [layer ...] [options]

Builds the named layers and what they need (default: ${DEFAULT_TARGETS.join(', ')}: the
runtime; 'bundle' adds the release bundle). Layers: ${pipeline.map((l) => l.name).join(', ')}.

Options:
  --cache-dir DIR   layer cache (default $FAASM_PYTHON_CACHE or $XDG_CACHE_HOME/faasm-python)
  --no-cache        rebuild the selected layers even if cached
  -j, --jobs N      parallel make jobs (default: CPU count)
  --experimental    include the experimental module set
  -v, --verbose     echo tool output while building`,
  options: buildOptionSpec,
  positionals: true,
  async run(values, positionals) {
    const opts = buildOptions(values);
    const reporter = consoleReporter();
    const started = Date.now();
    const remote = await ActionsCacheStore.create(reporter.warn);
    const results = await runLayers(
      selectLayers(pipeline, positionals.length ? positionals : DEFAULT_TARGETS),
      opts,
      {
        reporter,
        remote,
      },
    );
    const built = [...results.values()].filter((r) => r.status === 'built').length;
    reporter.info(
      `${results.size} layers (${built} built, ${results.size - built} from cache) in ${formatSeconds(Date.now() - started)}; cache: ${opts.cacheDir}`,
    );
    return 0;
  },
};
