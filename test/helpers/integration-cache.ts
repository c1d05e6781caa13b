import { defaultCacheDir } from '../../src/paths.js';

/**
 * The layer cache the integration tests share: $FAASM_PYTHON_CACHE, else the CLI's default. The
 * action tests point their `cache-dir` here too, so they restore what the build tests built.
 */
export function integrationCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return defaultCacheDir(env);
}
