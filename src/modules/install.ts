// Lays the modules' site-packages into a runtime root, swapped in whole.
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { copyTree, exists } from '../util/fs.js';
import type { ModulesManifest } from './layer.js';
import { removeMatching } from './python-parts.js';

/**
 * Lays the modules layer's site-packages into a runtime root at lib/python3.X/site-packages.
 * Staged beside the target and renamed into place, so a reader sees the old tree or the new
 * one; the old tree goes whole, so no stale module, .pyc or __pycache__ survives it.
 */
export async function installSitePackages(
  modulesDir: string,
  runtimeRoot: string,
): Promise<string> {
  const manifestFile = join(modulesDir, 'modules.json');
  if (!(await exists(manifestFile))) {
    throw new UserError(
      `${modulesDir} is not a modules layer (it has no modules.json); build it with 'faasm-python modules build'.`,
    );
  }
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as ModulesManifest;
  const target = join(runtimeRoot, 'lib', manifest.python, 'site-packages');
  const tag = `${process.pid}-${Date.now()}`;
  const staged = `${target}.new-${tag}`;
  const old = `${target}.old-${tag}`;
  try {
    await copyTree(join(modulesDir, 'site-packages'), staged);
    await removeMatching(staged, '', (rel, isDir) =>
      isDir ? rel.endsWith('__pycache__') : /\.py[co]$/.test(rel),
    );
    const hadOld = await exists(target);
    if (hadOld) await rename(target, old);
    await rename(staged, target);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } catch (err) {
    await rm(staged, { recursive: true, force: true });
    if ((await exists(old)) && !(await exists(target))) await rename(old, target);
    throw err;
  }
  return target;
}
