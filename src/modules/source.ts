// A module's pinned source (sdist, wheel or Debian package) fetched and prepared for its build.
import { cp, readdir, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Json, LayerContext } from '../layers/types.js';
import { fetchSource } from '../sources/fetch.js';
import { sourceInputs } from '../sources/prepare.js';
import type { SourceRoute } from '../sources/types.js';
import { unpack } from '../sources/unpack.js';
import { UserError } from '../util/errors.js';
import { exists } from '../util/fs.js';
import { hashTree } from '../util/hash.js';
import type { ModuleRecipe, ModuleSource, RepoSource } from './recipe.js';

/** Where a Debian binary package keeps the files of a pure Python module. */
export const DEB_PYTHON_DIR = 'usr/lib/python3/dist-packages';

/** Build leftovers a repo source may carry from a developer's own pip runs: never inputs. */
const REPO_IGNORE = /(^|\/)(__pycache__|build|dist|[^/]+\.egg-info)(\/|$)|\.pyc$/;

const isRepo = (s: ModuleSource): s is RepoSource => s.kind === 'repo';

/** What a recipe's sources and patches contribute to the layer key. */
export async function moduleSourceInputs(repoRoot: string, recipe: ModuleRecipe): Promise<Json> {
  const repo = recipe.sources.filter(isRepo);
  const routes = recipe.sources.filter((s): s is SourceRoute => !isRepo(s));
  const inputs: Record<string, Json> = await sourceInputs(repoRoot, routes, recipe.patches);
  for (const s of repo) {
    const dir = resolve(repoRoot, s.path);
    if (!(await exists(dir))) {
      throw new UserError(
        `${recipe.file}: its source directory ${s.path} does not exist in the repository.`,
      );
    }
    inputs[`repo:${s.path}`] = await hashTree(dir, (rel) => REPO_IGNORE.test(rel));
  }
  return inputs;
}

export interface PreparedSource {
  dir: string;
  /** How it arrived: a Debian binary package is installed by copying, everything else by pip. */
  kind: ModuleSource['kind'];
  file: string;
}

/**
 * Gets a module's source into `dest`: a repo directory is copied (pip must never write into the
 * checkout), a pinned file is fetched, verified and unpacked. Then the patches, in order.
 */
export async function prepareModuleSource(
  ctx: LayerContext,
  recipe: ModuleRecipe,
  dest: string,
): Promise<PreparedSource> {
  const repo = recipe.sources.find(isRepo);
  let prepared: PreparedSource;
  if (repo) {
    await cp(resolve(ctx.opts.repoRoot, repo.path), dest, {
      recursive: true,
      filter: (src) =>
        !REPO_IGNORE.test(src.slice(resolve(ctx.opts.repoRoot, repo.path).length + 1)),
    });
    prepared = { dir: dest, kind: 'repo', file: repo.path };
  } else {
    const routes = recipe.sources.filter((s): s is SourceRoute => !isRepo(s));
    const fetched = await fetchSource(`${recipe.name} ${recipe.version}`, routes, {
      cacheDir: ctx.opts.cacheDir,
      repoRoot: ctx.opts.repoRoot,
      log: ctx.log,
    });
    await unpack(fetched.path, dest, ctx.log);
    prepared = { dir: dest, kind: fetched.route.kind, file: fetched.route.file };
  }
  for (const p of recipe.patches) {
    await ctx.exec('patch', ['-p1', '--forward', '--batch', '-i', resolve(ctx.opts.repoRoot, p)], {
      cwd: dest,
    });
  }
  return prepared;
}

/** Fetches a build requirement (a wheel or .deb of a pure package) and returns its import root. */
export async function prepareBuildRequirement(
  ctx: LayerContext,
  name: string,
  routes: readonly SourceRoute[],
  dest: string,
): Promise<string> {
  const fetched = await fetchSource(name, routes, {
    cacheDir: ctx.opts.cacheDir,
    repoRoot: ctx.opts.repoRoot,
    log: ctx.log,
  });
  const tmp = `${dest}.unpack`;
  await unpack(fetched.path, tmp, ctx.log);
  const root = fetched.route.kind === 'debian-binary' ? join(tmp, DEB_PYTHON_DIR) : tmp;
  if (!(await readdir(root).catch(() => [])).length) {
    throw new UserError(
      `${fetched.route.file} for ${name} holds no Python files; check its source in third-party/modules/config.json.`,
    );
  }
  await rename(root, dest);
  return dest;
}
