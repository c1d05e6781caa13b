// Same inputs, same bytes: the paths of one build (its cache directory, its checkout) are not
// inputs, so they must not reach what it writes. Compilers are told to write fixed names in
// their place (-ffile-prefix-map, which covers __FILE__ and debug info), and the text files a
// build generates with paths in them (CPython's _sysconfigdata and Makefile) are rewritten the
// same way. The fixed names exist nowhere: they only say where a path pointed.

import { readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** What a build's paths are mapped from. */
export interface BuildPaths {
  cacheDir: string;
  repoRoot: string;
}

/** The fixed name of the cache directory (layers, sources, work dirs) in anything built. */
export const FIXED_CACHE = '/faasm-python/cache';
/** The fixed name of the checkout (recipes, patches, the project's C sources). */
export const FIXED_REPO = '/faasm-python/src';

/** Timestamps that tools write into archives and metadata: one fixed time (1980-01-01). */
export const SOURCE_DATE_EPOCH = '315532800';

interface PathMap {
  from: string;
  to: string;
}

/** Each real path with its fixed name, longest first (one may lie inside the other). */
export function pathMaps(p: BuildPaths): PathMap[] {
  const strip = (s: string) => s.replace(/\/+$/, '');
  return [
    { from: strip(p.cacheDir), to: FIXED_CACHE },
    { from: strip(p.repoRoot), to: FIXED_REPO },
  ].sort((a, b) => b.from.length - a.from.length);
}

/**
 * Compiler flags that write the fixed names for the real ones. clang applies the first map
 * that matches a path, in command-line order, so the longer (inner) path comes first.
 */
export function prefixMapFlags(p: BuildPaths): string[] {
  return pathMaps(p).map((m) => `-ffile-prefix-map=${m.from}=${m.to}`);
}

/** `text` with every real build path replaced by its fixed name. */
export function scrubPaths(text: string, p: BuildPaths): string {
  let out = text;
  for (const m of pathMaps(p)) out = out.split(m.from).join(m.to);
  return out;
}

/** The first real build path that `bytes` contain, or undefined. */
export function findBuildPath(bytes: Buffer, p: BuildPaths): string | undefined {
  return pathMaps(p).find((m) => bytes.includes(m.from))?.from;
}

/**
 * The files below `dir` that name a real build path (each with the first path found), sorted:
 * what makes a layer's bytes depend on where it was built.
 */
export async function filesNamingBuildPaths(
  dir: string,
  p: BuildPaths,
): Promise<{ file: string; path: string }[]> {
  const found: { file: string; path: string }[] = [];
  const visit = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await visit(child);
      else if (e.isFile()) {
        const path = findBuildPath(await readFile(join(dir, child)), p);
        if (path) found.push({ file: child, path });
      } else if (e.isSymbolicLink()) {
        const path = findBuildPath(Buffer.from(await readlink(join(dir, child))), p);
        if (path) found.push({ file: child, path });
      }
    }
  };
  await visit('');
  return found;
}
