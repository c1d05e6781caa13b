// Resolving requirements on PyPI and writing a recipe per package (`modules add`).
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceRoute } from '../sources/types.js';
import { ExecError, UserError } from '../util/errors.js';
import { exec } from '../util/exec.js';
import { exists } from '../util/fs.js';
import {
  type BuildRequirement,
  type ModuleRecipe,
  parseRecipe,
  recipeFile,
  recipesDir,
} from './recipe.js';
import { RECIPE_SCHEMA_FILE, recipeSchemaErrors } from './recipe-schema.js';
import { asRepoFormats } from '../util/format.js';

const RESOLVE = fileURLToPath(new URL('./python/pypi_resolve.py', import.meta.url));

/** One package as pypi_resolve.py reports it. */
export interface ResolvedPackage {
  name: string;
  version: string;
  summary: string;
  kind: ModuleRecipe['kind'];
  source: SourceRoute;
  backend?: string;
  buildRequires: BuildRequirement[];
  requires: string[];
  imports: string[];
  /** Named on the command line (rather than pulled in as a dependency). */
  requested: boolean;
  /** A compiled package's own py3-none-any wheel of the same version, when it publishes one. */
  pureWheel?: SourceRoute;
}

/**
 * Resolves requirements on the index pip is configured with, with the build Python; compiled
 * build requirements are pinned for each of `lines` (the repository's CPython lines).
 */
export async function resolveRequirements(
  python: string,
  requirements: readonly string[],
  work: string,
  lines: readonly string[],
  log?: string,
): Promise<ResolvedPackage[]> {
  try {
    const { stdout } = await exec(python, [RESOLVE, work, ...requirements], {
      log,
      env: { PYTHONNOUSERSITE: '1', FAASM_PYTHON_LINES: lines.join(' ') },
    });
    return JSON.parse(stdout) as ResolvedPackage[];
  } catch (err) {
    if (err instanceof ExecError) {
      const said = err.tail.find((l) => l.startsWith('faasm-error: '));
      if (said) throw new UserError(said.slice('faasm-error: '.length));
    }
    throw err;
  }
}

/** The recipe `modules add` writes for a resolved package (JSON, ready to edit). */
export function recipeFor(p: ResolvedPackage, requirementText: string): Record<string, unknown> {
  const how =
    p.kind === 'pure' && p.source.file.endsWith('.whl')
      ? 'its pure wheel, installed as is'
      : p.kind === 'rust-extension'
        ? 'its sdist, a PyO3 crate built by cargo for wasm32-wasip1 as a static archive (crates pinned by its Cargo.lock), linked into py_func.wasm as a built-in; the rest of its wheel laid out as maturin would'
        : `its sdist, built by its own backend (${p.backend ?? 'setuptools'}) for wasm32-wasi${p.kind === 'c-extension' ? '; every extension module it builds is linked into py_func.wasm as a built-in' : ''}`;
  const test = p.imports.map((m) => `import ${m}`);
  return {
    $schema: '../recipe.schema.json',
    name: p.name,
    version: p.version,
    ...(p.summary ? { summary: p.summary.replace(/\s+/g, ' ').trim() } : {}),
    kind: p.kind,
    // In no runtime but the deployments whose requirements file names it (or what requires it).
    set: 'optional',
    $comment: `Written by 'faasm-python modules add ${requirementText}': ${how}. Edit freely: patches, pipEnv, configSettings, prune, extensions (names the build must produce), test.`,
    ...(p.requires.length ? { requires: p.requires } : {}),
    sources: [p.source],
    ...(p.buildRequires.length ? { buildRequires: p.buildRequires } : {}),
    test,
  };
}

/** JSON as the repository's prettier writes it. */
function formatJson(file: string, json: unknown): Promise<string> {
  return asRepoFormats(file, `${JSON.stringify(json, null, 2)}\n`, 'json');
}

export interface AddResult {
  written: string[];
  kept: string[];
}

/**
 * Writes one recipe per resolved package into third-party/modules. A package that already has
 * a recipe keeps it (the recipe may carry patches and fixes) unless it was named and `force`
 * is set. Every recipe is validated before any is written; they land together.
 */
export async function writeRecipes(
  repoRoot: string,
  packages: readonly ResolvedPackage[],
  requirementText: string,
  force: boolean,
): Promise<AddResult> {
  const result: AddResult = { written: [], kept: [] };
  const staged: [string, string][] = [];
  for (const p of packages) {
    const dir = join(recipesDir(repoRoot), p.name);
    if ((await exists(join(dir, 'recipe.json'))) && !(force && p.requested)) {
      result.kept.push(p.name);
      continue;
    }
    const json = recipeFor(p, requirementText);
    parseRecipe(json, recipeFile(p.name), p.name);
    const schemaErrors = recipeSchemaErrors(json);
    if (schemaErrors[0]) {
      throw new Error(
        `the recipe written for ${p.name} breaks ${RECIPE_SCHEMA_FILE} at '${schemaErrors[0].field}': ${schemaErrors[0].message}`,
      );
    }
    staged.push([dir, await formatJson(join(dir, 'recipe.json'), json)]);
  }
  for (const [dir, text] of staged) {
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `recipe.json.tmp-${process.pid}`);
    await writeFile(tmp, text);
    try {
      await rename(tmp, join(dir, 'recipe.json'));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    result.written.push(recipeFile(dir.split('/').pop()!));
  }
  return result;
}
