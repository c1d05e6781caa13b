/**
 * From a requirements file to the layers of its deployment: reads the file, meets what it can
 * with the repository's recipes (offline), resolves the rest on the package index with the
 * build Python (the native layer, built or taken from the cache), and returns the pipeline
 * whose modules layer builds exactly that set.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpythonLines, readCPythonConfig } from '../cpython/config.js';
import { nativePython } from '../cpython/native-layer.js';
import { type RunOptions, runLayers, selectLayers } from '../layers/runner.js';
import type { BuildOptions, Layer } from '../layers/types.js';
import { readAllRecipes } from '../modules/recipe.js';
import { cachePaths } from '../paths.js';
import {
  type Deployment,
  chooseRecipes,
  closeDeployment,
  deploymentModulesLayer,
  recipesFromIndex,
  withModulesLayer,
} from './deployment.js';
import { readRequirements, requirementText } from './requirements.js';

export async function resolveDeployment(
  file: string,
  opts: BuildOptions,
  layers: readonly Layer[],
  run: RunOptions,
): Promise<Deployment> {
  const reqs = await readRequirements(file);
  const repo = await readAllRecipes(opts.repoRoot);
  const { chosen, missing } = chooseRecipes(reqs, repo);
  if (!missing.length) return closeDeployment(file, [...chosen.values()], repo);

  // Loaded on use: a file the recipes meet needs none of it.
  const { resolveRequirements } = await import('../modules/pypi.js');
  const natives = await runLayers(selectLayers(layers, ['native']), opts, run);
  const cpython = await readCPythonConfig(opts.repoRoot, opts.python);
  const { lines } = await cpythonLines(opts.repoRoot);
  const python = nativePython(natives.get('native')!.dir, cpython.version);
  const work = await mkdtemp(join(tmpdir(), 'faasm-deploy-'));
  try {
    // The recipes' pins go along, so the index resolves the rest around them.
    const pins = [...chosen.values()].map((r) => `${r.name}==${r.version}`);
    const asked = [...missing.map(requirementText), ...pins];
    const log = join(cachePaths(opts.cacheDir).logs, 'deploy-resolve.log');
    const packages = (await resolveRequirements(python, asked, work, lines, log)).filter(
      (p) => !chosen.has(p.name),
    );
    const fromIndex = recipesFromIndex(file, missing, packages, repo, chosen);
    return closeDeployment(file, [...chosen.values(), ...fromIndex], repo);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The layers that build `deployment`'s runtime: `layers` with its modules layer swapped in. */
export function deploymentLayers(layers: readonly Layer[], deployment: Deployment): Layer[] {
  return withModulesLayer(layers, deploymentModulesLayer(deployment));
}
