// Every pinned source a build of the runtime fetches, read from the recipes (data), so that
// one place answers "what does a build download": a test fetches them all into an empty cache
// at once, as a first build does.
import { C_LIBRARIES } from '../cpython/wasm-layer.js';
import { readCPythonConfig } from '../cpython/config.js';
import { readModulesConfig } from '../modules/config.js';
import { readAllRecipes, selectRecipes } from '../modules/recipe.js';
import { readCLibraryRecipe } from '../toolchain/c-library.js';
import { routesForPython } from '../modules/wheel-tags.js';
import type { SourceRoute } from './types.js';

export interface PinnedSource {
  /** What it is, for messages: `CPython 3.11.2`, `zlib 1.2.13`, `numpy 2.3.5`. */
  name: string;
  routes: SourceRoute[];
}

/** The sources of the runtime's default build (with the experimental set when asked). */
export async function runtimeSources(
  repoRoot: string,
  experimental = false,
): Promise<PinnedSource[]> {
  const cpython = await readCPythonConfig(repoRoot);
  const list: PinnedSource[] = [{ name: `CPython ${cpython.version}`, routes: cpython.sources }];
  for (const lib of C_LIBRARIES) {
    const r = await readCLibraryRecipe(repoRoot, lib);
    list.push({ name: `${r.name} ${r.version}`, routes: r.sources });
  }
  for (const req of (await readModulesConfig(repoRoot)).buildRequires) {
    list.push({ name: `${req.name} ${req.version}`, routes: req.sources });
  }
  const recipes = selectRecipes(await readAllRecipes(repoRoot), { experimental });
  for (const r of recipes) {
    const routes = r.sources.filter((s): s is SourceRoute => s.kind !== 'repo');
    if (routes.length > 0) list.push({ name: `${r.name} ${r.version}`, routes });
    for (const req of r.buildRequires) {
      const name = `${req.name} ${req.version} (for ${r.name})`;
      list.push({ name, routes: routesForPython(name, req.sources, cpython.version) });
    }
  }
  return list;
}
