/**
 * A deployment: the resolved, pinned module set one requirements file selects. Each
 * requirement is met by the repository's recipe of that package when its version satisfies
 * the specifiers (and its source the hashes); the others are resolved on the package index
 * as `modules add` does and built from the recipes it would write, held in memory. The set
 * is closed over what each module requires, with pyfaasm always in (the entrypoint's
 * `_faasm`). Its modules layer, and so its func and root layers, are keyed by exactly this
 * set: two deployments share one cache and never overwrite each other.
 */
import type { Layer } from '../layers/types.js';
import { createModulesLayer } from '../modules/layer.js';
import type { ResolvedPackage } from '../modules/pypi.js';
import { recipeFor } from '../modules/pypi.js';
import { type ModuleRecipe, parseRecipe } from '../modules/recipe.js';
import { UserError } from '../util/errors.js';
import { satisfies } from './pep440.js';
import { type Requirement, normaliseName, requirementText } from './requirements.js';

/** Always deployed: py_func.c calls into the `_faasm` module it builds. */
export const ALWAYS = ['pyfaasm'];

export interface Deployment {
  /** The file it came from (for messages). */
  file: string;
  /** Build order: each module after the ones it requires. */
  recipes: ModuleRecipe[];
}

/** The sha256 of every file a recipe can be built from. */
function sourceHashes(r: ModuleRecipe): string[] {
  return r.sources.flatMap((s) => ('sha256' in s ? [s.sha256] : []));
}

function hashProblem(req: Requirement, r: ModuleRecipe): string | undefined {
  if (!req.hashes.length) return undefined;
  const have = sourceHashes(r);
  if (req.hashes.some((h) => have.includes(h))) return undefined;
  return `${req.where[0]}: no --hash given for ${req.name} matches the sha256 of its source ${r.sources[0] && 'file' in r.sources[0] ? r.sources[0].file : ''} (${have[0] ?? 'none'}); fix the hash or the pin.`;
}

export interface Choice {
  /** Requirements a repository recipe meets, with that recipe. */
  chosen: Map<string, ModuleRecipe>;
  /** Requirements no recipe meets: for the package index. */
  missing: Requirement[];
}

/** The repository recipes that meet the requirements, and the requirements none meets. */
export function chooseRecipes(reqs: readonly Requirement[], repo: readonly ModuleRecipe[]): Choice {
  const chosen = new Map<string, ModuleRecipe>();
  const missing: Requirement[] = [];
  for (const req of reqs) {
    const own = repo.find((r) => normaliseName(r.name) === req.name);
    if (own && satisfies(own.version, req.specifiers)) {
      const problem = hashProblem(req, own);
      if (problem) throw new UserError(problem);
      chosen.set(own.name, own);
    } else {
      missing.push(req);
    }
  }
  return { chosen, missing };
}

/**
 * The recipes of what the index resolved the missing requirements to: the repository's own
 * recipe at the same version (it may carry fixes), else the one `modules add` would write.
 */
export function recipesFromIndex(
  file: string,
  missing: readonly Requirement[],
  packages: readonly ResolvedPackage[],
  repo: readonly ModuleRecipe[],
  chosen: ReadonlyMap<string, ModuleRecipe>,
): ModuleRecipe[] {
  const text = missing.map(requirementText).join(' ');
  return packages.map((p) => {
    const picked = chosen.get(p.name);
    if (picked && picked.version !== p.version)
      throw new UserError(
        `${file}: ${picked.name} ${picked.version} (its recipe) meets the file, but ${text} needs ${p.name} ${p.version}; pin ${p.name}==${p.version} to build that instead.`,
      );
    const own = repo.find((r) => r.name === p.name && r.version === p.version);
    if (own) return own;
    const req = missing.find((m) => m.name === normaliseName(p.name));
    const recipe = parseRecipe(
      recipeFor(p, text),
      `${file} (${p.name} ${p.version} from the package index)`,
    );
    const problem = req && hashProblem(req, recipe);
    if (problem) throw new UserError(problem);
    return recipe;
  });
}

/**
 * The deployment's recipes, closed over `requires` (looked up among the chosen ones, then the
 * repository's), in build order, pyfaasm first; each in the deployment's set.
 */
export function closeDeployment(
  file: string,
  picked: readonly ModuleRecipe[],
  repo: readonly ModuleRecipe[],
): Deployment {
  const byName = new Map<string, ModuleRecipe>();
  for (const r of picked) byName.set(r.name, r);
  const find = (name: string, from?: ModuleRecipe): ModuleRecipe => {
    const r = byName.get(name) ?? repo.find((x) => x.name === name);
    if (!r)
      throw new UserError(
        `${from?.file ?? file}: ${from ? `${from.name} requires ` : ''}'${name}', which has no recipe; add it with 'faasm-python modules add ${name}'.`,
      );
    return r;
  };
  const ordered: ModuleRecipe[] = [];
  const visiting = new Set<string>();
  const visit = (name: string, from?: ModuleRecipe) => {
    const r = find(name, from);
    if (ordered.some((o) => o.name === r.name)) return;
    if (visiting.has(r.name))
      throw new UserError(`${r.file}: 'requires' forms a cycle through '${r.name}'.`);
    visiting.add(r.name);
    r.requires.forEach((d) => visit(d, r));
    visiting.delete(r.name);
    // A deployment builds what it names: no module of it may fail quietly (as an experimental
    // one may). Other recipes stay as they are, so their module layers are the same ones.
    ordered.push(r.set === 'experimental' ? { ...r, set: 'optional' } : r);
  };
  [...ALWAYS, ...picked.map((r) => r.name)].forEach((n) => visit(n));
  return { file, recipes: ordered };
}

/** `name==version`, one per module, sorted: the pinned set a deployment is. */
export function pinnedSet(d: Deployment): string[] {
  return d.recipes.map((r) => `${r.name}==${r.version}`).sort();
}

/** The modules layer of the deployment: its recipes, instead of the default set. */
export function deploymentModulesLayer(d: Deployment): Layer {
  return createModulesLayer({ recipes: d.recipes });
}

/** The pipeline with the deployment's modules layer in place of the default one. */
export function withModulesLayer(layers: readonly Layer[], modules: Layer): Layer[] {
  return layers.map((l) => (l.name === modules.name ? modules : l));
}
