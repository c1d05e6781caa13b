// What every build action reads from its inputs and environment: workspace, cache dir, build
// options, cache scope.
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { type CacheScope, cacheScopeFromEnv, parseCacheScope } from '../layers/actions-store.js';
import type { BuildOptions } from '../layers/types.js';
import { defaultCacheDir } from '../paths.js';
import { getBoolean, getInt, getString } from './inputs.js';

/**
 * The checkout the action works on: `working-directory` under $GITHUB_WORKSPACE (else the current
 * directory). Never the bundle's own location: dist/<name>/ is not where the recipes are.
 */
export function workspaceRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.GITHUB_WORKSPACE || process.cwd();
  return resolve(base, getString('working-directory', { default: '.' }));
}

/**
 * The layer cache: the `cache-dir` input, else $FAASM_PYTHON_CACHE, else one under $RUNNER_TEMP
 * (a runner starts empty; the Actions cache is what persists), else the CLI's default.
 */
export function cacheDir(base: string, env: NodeJS.ProcessEnv = process.env): string {
  const input = getString('cache-dir');
  if (input) return resolve(base, input);
  if (env.FAASM_PYTHON_CACHE) return resolve(env.FAASM_PYTHON_CACHE);
  if (env.RUNNER_TEMP) return join(env.RUNNER_TEMP, 'faasm-python-cache');
  return defaultCacheDir(env);
}

/** BuildOptions from the inputs every build action shares. */
export function buildOptionsFromInputs(): BuildOptions {
  const repoRoot = workspaceRoot();
  return {
    repoRoot,
    cacheDir: cacheDir(repoRoot),
    noCache: getBoolean('no-cache'),
    jobs: getInt('jobs', { min: 1, default: availableParallelism() }),
    experimental: getBoolean('experimental'),
    verbose: getBoolean('verbose'),
  };
}

/**
 * The Actions cache scope of this step: the `cache-restore` and `cache-save` inputs, else the
 * environment's (FAASM_PYTHON_CACHE_RESTORE / _SAVE), else restore-only from `main`.
 */
export function cacheScopeFromInputs(env: NodeJS.ProcessEnv = process.env): CacheScope {
  const fromEnv = cacheScopeFromEnv(env);
  return parseCacheScope(
    getString('cache-restore') || fromEnv.restore.join(','),
    getString('cache-save') || (fromEnv.save ?? ''),
    { restore: "Input 'cache-restore'", save: "Input 'cache-save'" },
  );
}
