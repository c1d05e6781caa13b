// `faasm-python reproduce`: rebuilds a cached layer in a scratch cache and names the files that
// differ.
import { consoleReporter } from '../layers/reporter.js';
import { describeDifference, reproduceLayer } from '../layers/reproduce.js';
import { pipeline } from '../pipeline.js';
import { UsageError } from '../util/errors.js';
import { buildOptions, buildOptionSpec, printJson } from './common.js';
import type { Command } from './types.js';

export const reproduceCommand: Command = {
  name: 'reproduce',
  summary: 'Rebuild a cached layer in a scratch cache and name the files that differ',
  usage: `Usage: faasm-python reproduce LAYER [options]

Rebuilds LAYER (which must be built: faasm-python build LAYER) in a scratch cache with another
path, process and working directory, its dependencies copied in as they are, and compares the
two outputs file by file (type, size, sha256, link target; not times). Exits 0 when every file
is the same, 1 when any differs, naming the first and counting the rest.

Options:
  --cache-dir DIR   the cache the layer is in (default $FAASM_PYTHON_CACHE or $XDG_CACHE_HOME/faasm-python)
  -j, --jobs N      parallel make jobs (default: CPU count)
  --experimental    the experimental module set (as the layer was built)
  --keep            keep the scratch cache (its path is printed) to compare the files by hand
  --json            print the result as JSON on stdout`,
  options: { ...buildOptionSpec, keep: { type: 'boolean' }, json: { type: 'boolean' } },
  positionals: true,
  async run(values, positionals) {
    if (positionals.length !== 1) {
      const names = pipeline.map((l) => l.name).join(', ');
      throw new UsageError(`reproduce takes one layer name (one of: ${names}).`);
    }
    const opts = buildOptions(values);
    const reporter = consoleReporter(process.stderr, {});
    const r = await reproduceLayer(pipeline, positionals[0]!, opts, reporter, values.keep === true);
    if (values.json === true) {
      const { differences, ...rest } = r;
      printJson({ ...rest, same: differences.length === 0, differences });
    } else if (r.differences.length === 0) {
      console.log(`${r.layer}: all ${r.files} entries are the same in both builds.`);
    } else {
      const [first, ...rest] = r.differences;
      console.log(
        `${r.layer}: ${r.differences.length} of ${r.files} entries differ; the first: ${describeDifference(first!)}`,
      );
      for (const d of rest) console.log(`  ${describeDifference(d)}`);
    }
    if (r.scratch) reporter.info(`the rebuilt layer is in ${r.scratch}`);
    return r.differences.length === 0 ? 0 : 1;
  },
};
