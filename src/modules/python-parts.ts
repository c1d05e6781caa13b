// The Python side of an install: files that cannot load under WASI removed, RECORDs rewritten,
// bytecode.
import { createHash } from 'node:crypto';
import { cp, lstat, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerContext } from '../layers/types.js';
import {
  type BuildPaths,
  SOURCE_DATE_EPOCH,
  findBuildPath,
  scrubPaths,
} from '../layers/reproducible.js';
import { UserError } from '../util/errors.js';
import { exists } from '../util/fs.js';
import type { ModuleRecipe } from './recipe.js';
import { DEB_PYTHON_DIR, type PreparedSource } from './source.js';

/** Files that can never load under WASI (no dlopen) or that name a build path. */
const HOST_ONLY = /\.(so|pyd|dylib|pyc)$|(^|\/)direct_url\.json$/;

/**
 * Installs a module's Python files into `target`: from a Debian binary package by copying its
 * dist-packages, else with the build Python's own pip, offline, never fetching a dependency.
 * C extensions pip may build for the host are dropped: the wasm ones are built separately.
 */
export async function installPythonParts(
  ctx: LayerContext,
  recipe: ModuleRecipe,
  src: PreparedSource,
  target: string,
  python: string,
  buildPath: readonly string[],
): Promise<void> {
  if (src.kind === 'debian-binary') {
    const from = join(src.dir, DEB_PYTHON_DIR);
    if (!(await exists(from))) {
      throw new UserError(
        `${recipe.file}: ${src.file} has no ${DEB_PYTHON_DIR}; it is not a pure Python package.`,
      );
    }
    await cp(from, target, { recursive: true });
  } else {
    const args = [
      '-m', 'pip', 'install', '--no-index', '--no-deps', '--no-build-isolation', '--no-compile',
      '--no-cache-dir', '--disable-pip-version-check', '--no-warn-script-location',
      '--target', target, src.dir,
    ]; // prettier-ignore
    await ctx.exec(python, args, {
      cwd: src.dir,
      env: {
        ...recipe.pipEnv,
        PYTHONPATH: buildPath.join(':'),
        PYTHONNOUSERSITE: '1',
        PYTHONDONTWRITEBYTECODE: '1',
        PIP_CONFIG_FILE: '/dev/null',
        PIP_ROOT_USER_ACTION: 'ignore',
        // Timestamps in generated metadata: the same every build.
        SOURCE_DATE_EPOCH,
      },
    });
  }
  await tidyInstall(recipe, target, ctx.opts);
}

/**
 * What no module may ship: scripts, host binaries, bytecode, build paths; then the recipe's
 * prune list, each pattern of which must match something (a stale pattern is an error).
 */
export async function tidyInstall(
  recipe: ModuleRecipe,
  target: string,
  paths: BuildPaths,
): Promise<void> {
  await rm(join(target, 'bin'), { recursive: true, force: true });
  await removeMatching(target, '', (rel, isDir) =>
    isDir ? rel.endsWith('__pycache__') : HOST_ONLY.test(rel),
  );
  for (const pattern of recipe.prune) {
    const re = globToRegExp(pattern);
    const hits = await removeMatching(target, '', (rel) => re.test(rel));
    if (hits === 0) {
      throw new UserError(
        `${recipe.file}: field 'prune' names ${pattern}, which the install does not have; remove it from the list.`,
      );
    }
  }
  await scrubInstall(target, paths);
  await rewriteRecords(target);
}

/**
 * Text files that name the build's paths (numpy's __config__.py records its compiler, build
 * directory and Python) are written with the fixed names instead (layers/reproducible.ts).
 */
async function scrubInstall(target: string, paths: BuildPaths): Promise<void> {
  for (const rel of await listFiles(target)) {
    const abs = join(target, rel);
    const bytes = await readFile(abs);
    if (bytes.includes(0) || !findBuildPath(bytes, paths)) continue;
    await writeFile(abs, scrubPaths(bytes.toString('utf8'), paths));
  }
}

/** The path of a RECORD line: its first CSV field, quoted when it holds a comma or quote. */
export function recordPath(line: string): string {
  if (!line.startsWith('"')) return line.split(',')[0]!;
  const m = /^"((?:[^"]|"")*)"/.exec(line);
  return m ? m[1]!.replace(/""/g, '"') : '';
}

/** A RECORD line's hash: sha256, urlsafe base64 without padding (PEP 376 / the wheel spec). */
function recordHash(bytes: Buffer): string {
  return `sha256=${createHash('sha256').update(bytes).digest('base64url')}`;
}

/**
 * Every `*.dist-info/RECORD` lists exactly the files that ship under `target`, with their
 * hashes as shipped: pip's lists what it installed, including scripts, bytecode and pruned
 * files that are gone, and hashes of files since rewritten.
 */
export async function rewriteRecords(target: string): Promise<void> {
  const files = await listFiles(target);
  for (const record of files.filter((f) => /^[^/]+\.dist-info\/RECORD$/.test(f))) {
    const listed = (await readFile(join(target, record), 'utf8'))
      .split('\n')
      .map(recordPath)
      .filter((p) => p && p !== record && files.includes(p));
    const lines: string[] = [];
    for (const p of [...new Set(listed)].sort()) {
      const bytes = await readFile(join(target, p));
      const field = /[",\n]/.test(p) ? `"${p.replace(/"/g, '""')}"` : p;
      lines.push(`${field},${recordHash(bytes)},${bytes.length}`);
    }
    lines.push(`${record},,`);
    await writeFile(join(target, record), `${lines.join('\n')}\n`);
  }
}

/** `*` matches within one path segment; a pattern matches a file or a whole directory. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/\/+$/, '')
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${body}$`);
}

/** Removes every entry under `root` for which `match` holds; returns how many it removed. */
export async function removeMatching(
  root: string,
  rel: string,
  match: (rel: string, isDir: boolean) => boolean,
): Promise<number> {
  let removed = 0;
  for (const name of await readdir(join(root, rel))) {
    const childRel = rel ? `${rel}/${name}` : name;
    const abs = join(root, childRel);
    const isDir = (await lstat(abs)).isDirectory();
    if (match(childRel, isDir)) {
      await rm(abs, { recursive: true, force: true });
      removed++;
    } else if (isDir) {
      removed += await removeMatching(root, childRel, match);
    }
  }
  return removed;
}

/** Relative paths of every file under `root`, sorted. */
export async function listFiles(root: string, rel = ''): Promise<string[]> {
  const files: string[] = [];
  for (const entry of (await readdir(join(root, rel), { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    const childRel = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await listFiles(root, childRel)));
    else files.push(childRel);
  }
  return files;
}

/** Removes directories under `root` that hold no files (not `root` itself). */
export async function removeEmptyDirs(root: string): Promise<boolean> {
  let empty = true;
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const abs = join(root, entry.name);
    if (entry.isDirectory() && (await removeEmptyDirs(abs))) await rm(abs, { recursive: true });
    else empty = false;
  }
  return empty;
}
