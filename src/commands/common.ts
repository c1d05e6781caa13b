import { availableParallelism } from 'node:os';
import type { BuildOptions } from '../layers/types.js';
import { REPO_ROOT, defaultCacheDir } from '../paths.js';
import { UserError } from '../util/errors.js';
import type { OptionSpec, Values } from './types.js';

/** Options every build-ish command takes. */
export const buildOptionSpec: OptionSpec = {
  'cache-dir': { type: 'string' },
  'no-cache': { type: 'boolean' },
  jobs: { type: 'string', short: 'j' },
  experimental: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
};

export function buildOptions(values: Values): BuildOptions {
  const jobs = values.jobs === undefined ? availableParallelism() : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new UserError(`--jobs must be a whole number of at least 1, not '${values.jobs}'.`);
  }
  return {
    repoRoot: REPO_ROOT,
    cacheDir: typeof values['cache-dir'] === 'string' ? values['cache-dir'] : defaultCacheDir(),
    noCache: values['no-cache'] === true,
    jobs,
    experimental: values.experimental === true,
    verbose: values.verbose === true,
  };
}

export function stringOption(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}
