// `faasm-python build`: every layer in order, each taken from the cache when unchanged.
import { ActionsCacheStore } from '../layers/actions-store.js';
import { LocalStore } from '../layers/local-store.js';
import { consoleReporter, lastBuildTimes } from '../layers/reporter.js';
import { cachePaths } from '../paths.js';
import { runLayers, selectLayers } from '../layers/runner.js';
import { formatSeconds } from '../util/fs.js';
import { DEFAULT_TARGETS, pipeline } from '../pipeline.js';
import { pinnedSet } from '../deploy/deployment.js';
import { deploymentLayers, resolveDeployment } from '../deploy/resolve.js';
import { buildOptions, buildOptionSpec, printJson, stringOption } from './common.js';
import type { Command } from './types.js';

export const buildCommand: Command = {
  name: 'build',
  summary: 'Build the runtime: every layer in order, each taken from the cache when unchanged',
  usage: `Usage: faasm-python build [layer ...] [options]

Builds the named layers and what they need (default: ${DEFAULT_TARGETS.join(', ')}: the
runtime; 'bundle' adds the release bundle). Layers: ${pipeline.map((l) => l.name).join(', ')}.

A deployment's runtime: --requirements FILE (pip's format: name==1.2.3, name>=1.2, comments,
-r other.txt, --hash) selects the modules linked into its py_func.wasm and installed into its
root, instead of the default set (pyfaasm is always in, and what each module requires). A
package is built from its recipe in third-party/modules when the recipe's version satisfies the
line, else resolved on the package index as 'modules add' does. Its modules, func and root
layers are keyed by the resolved set, so deployments share the cache without overwriting each
other, and the default runtime stays as it is.

Options:
  --cache-dir DIR   layer cache (default $FAASM_PYTHON_CACHE or $XDG_CACHE_HOME/faasm-python)
  --no-cache        rebuild the selected layers even if cached
  -j, --jobs N      parallel make jobs (default: CPU count)
  --experimental    include the experimental module set
  --python LINE     the CPython line to build (third-party/cpython/lines.json; default its default)
  --requirements FILE
                    build the runtime of the deployment FILE selects (see above)
  -v, --verbose     echo tool output while building
  --json            print the result as JSON on stdout: per layer name, status (built, hit,
                    restored), key, dir (its output), seconds and bytes; progress still goes
                    to stderr

While a layer builds, stderr shows its elapsed time and, from its last build's time in the
cache, about how long is left; when stderr is not a terminal, a line every 30 s.`,
  options: { ...buildOptionSpec, requirements: { type: 'string' }, json: { type: 'boolean' } },
  positionals: true,
  async run(values, positionals) {
    const opts = buildOptions(values);
    const previous = await new LocalStore(cachePaths(opts.cacheDir).layers).list().catch(() => []);
    const reporter = consoleReporter(process.stderr, { lastBuildMs: lastBuildTimes(previous) });
    const started = Date.now();
    const remote = await ActionsCacheStore.create(reporter.warn);
    const run = { reporter, ...(remote ? { remote } : {}) };
    const file = stringOption(values, 'requirements');
    const deployment = file ? await resolveDeployment(file, opts, pipeline, run) : undefined;
    if (deployment) reporter.info(`deployment ${file}: ${pinnedSet(deployment).join(' ')}`);
    const all = deployment ? deploymentLayers(pipeline, deployment) : pipeline;
    const targets = positionals.length ? positionals : DEFAULT_TARGETS;
    const results = await runLayers(selectLayers(all, targets), opts, run);
    const built = [...results.values()].filter((r) => r.status === 'built').length;
    if (values.json === true) {
      const layers = [...results.values()].map((r) => ({
        name: r.name,
        status: r.status === 'cached' ? 'hit' : r.status,
        key: r.key,
        dir: r.dir,
        seconds: Math.round(r.ms) / 1000,
        bytes: r.size,
      }));
      const seconds = (Date.now() - started) / 1000;
      const modules = deployment ? { deployment: pinnedSet(deployment) } : {};
      printJson({ layers, built, seconds, cacheDir: opts.cacheDir, ...modules });
      return 0;
    }
    reporter.info(
      `${results.size} layers (${built} built, ${results.size - built} from cache) in ${formatSeconds(Date.now() - started)}; cache: ${opts.cacheDir}`,
    );
    return 0;
  },
};
