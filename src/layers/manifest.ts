// A layer's file list with sizes and hashes, recorded at commit and checked before use.
import { type Stats, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { lstat, opendir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../util/hash.js';

/**
 * One entry of a committed layer's file list. Files carry their size, modification time (whole
 * seconds, which every store keeps) and sha256; links their target.
 */
export type FileEntry =
  | { path: string; type: 'file'; size: number; mtime: number; sha256: string }
  | { path: string; type: 'dir' }
  | { path: string; type: 'symlink'; target: string };

/**
 * How hard to look: `cheap` (every use) compares names, types, sizes, times and link targets,
 * one lstat per entry; `full` (`cache verify`, Actions cache restores) also hashes every file.
 */
export type CheckDepth = 'cheap' | 'full';

const mtimeOf = (st: Stats) => Math.floor(st.mtimeMs / 1000);

/** Visits every entry below `root` in sorted order, parents first; `visit` returns false to stop. */
async function walk(
  root: string,
  visit: (rel: string, abs: string, st: Stats) => Promise<boolean>,
  rel = '',
): Promise<boolean> {
  const names: string[] = [];
  for await (const d of await opendir(join(root, rel))) names.push(d.name);
  for (const name of names.sort()) {
    const childRel = rel ? `${rel}/${name}` : name;
    const abs = join(root, childRel);
    const st = await lstat(abs);
    if (!(await visit(childRel, abs, st))) return false;
    if (st.isDirectory() && !(await walk(root, visit, childRel))) return false;
  }
  return true;
}

/** Every entry below `root`, sorted, paths relative with `/`; links are recorded, not followed. */
export async function recordFiles(root: string): Promise<FileEntry[]> {
  const entries: FileEntry[] = [];
  await walk(root, async (path, abs, st) => {
    if (st.isSymbolicLink()) entries.push({ path, type: 'symlink', target: await readlink(abs) });
    else if (st.isDirectory()) entries.push({ path, type: 'dir' });
    else if (st.isFile()) {
      const [size, mtime, sha256] = [st.size, mtimeOf(st), await sha256File(abs)];
      entries.push({ path, type: 'file', size, mtime, sha256 });
    } else {
      throw new Error(`${path} in a layer's output is neither a file, a directory nor a link.`);
    }
    return true;
  });
  return entries;
}

function what(st: Stats): string {
  if (st.isSymbolicLink()) return 'a link';
  if (st.isDirectory()) return 'a directory';
  return st.isFile() ? 'a file' : 'a special file';
}

const WHAT = { file: 'a file', dir: 'a directory', symlink: 'a link' } as const;

/** The first difference between one entry on disk and its record (hashes aside), or undefined. */
function compare(want: FileEntry, abs: string, st: Stats): string | undefined {
  const p = want.path;
  if (what(st) !== WHAT[want.type]) return `${p} is ${what(st)}, ${WHAT[want.type]} expected`;
  if (want.type === 'symlink') {
    const target = readlinkSync(abs);
    return target === want.target ? undefined : `${p} points to ${target}, ${want.target} expected`;
  }
  if (want.type === 'dir') return undefined;
  if (st.size !== want.size) return `${p} is ${st.size} bytes, ${want.size} expected`;
  if (mtimeOf(st) !== want.mtime) return `${p} was modified after the layer was built`;
  return undefined;
}

/**
 * The cheap pass: names, types, sizes, times and link targets, one lstat per entry. Synchronous
 * on purpose: thousands of tiny calls through the thread pool cost seconds on a busy machine.
 */
function checkShape(root: string, expected: Map<string, FileEntry>): string | undefined {
  let seen = 0;
  const stack = [''];
  while (stack.length) {
    const rel = stack.pop()!;
    const names = readdirSync(rel ? join(root, rel) : root).sort();
    for (const name of names) {
      const childRel = rel ? `${rel}/${name}` : name;
      const abs = join(root, childRel);
      const st = lstatSync(abs);
      const want = expected.get(childRel);
      if (!want) return `${childRel} should not be there (${what(st)} the build did not write)`;
      const problem = compare(want, abs, st);
      if (problem) return problem;
      seen++;
      if (st.isDirectory()) stack.push(childRel);
    }
  }
  if (seen === expected.size) return undefined;
  // Fewer entries than recorded: name the first one that is gone.
  for (const f of expected.values()) {
    if (!lstatSync(join(root, f.path), { throwIfNoEntry: false })) return `${f.path} is missing`;
  }
  return undefined;
}

/**
 * Compares the tree at `root` with its recorded entries and returns the first difference as a
 * phrase naming the file ("lib/os.py is 12 bytes, 31337 expected"), or undefined.
 */
export async function checkFiles(
  root: string,
  files: readonly FileEntry[],
  depth: CheckDepth,
): Promise<string | undefined> {
  try {
    const problem = checkShape(root, new Map(files.map((f) => [f.path, f])));
    if (problem || depth === 'cheap') return problem;
    for (const f of files) {
      if (f.type === 'file' && (await sha256File(join(root, f.path))) !== f.sha256) {
        return `${f.path} does not have the sha256 it was built with`;
      }
    }
    return undefined;
  } catch (err) {
    return `its output cannot be read (${(err as Error).message})`;
  }
}

/** Bytes of the regular files in a list: a layer's size. */
export function filesSize(files: readonly FileEntry[]): number {
  return files.reduce((n, f) => n + (f.type === 'file' ? f.size : 0), 0);
}

/** True when `value` is a well-formed file list (meta.json comes from disk, so it is checked). */
export function isFileList(value: unknown): value is FileEntry[] {
  if (!Array.isArray(value)) return false;
  return value.every((e: unknown) => {
    if (!e || typeof e !== 'object') return false;
    const f = e as Record<string, unknown>;
    const path = f.path;
    if (typeof path !== 'string' || !path || path.startsWith('/')) return false;
    if (path.split('/').some((part) => part === '..' || part === '.' || part === '')) return false;
    if (f.type === 'dir') return true;
    if (f.type === 'symlink') return typeof f.target === 'string';
    return (
      f.type === 'file' &&
      Number.isSafeInteger(f.size) &&
      (f.size as number) >= 0 &&
      Number.isSafeInteger(f.mtime) &&
      typeof f.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(f.sha256)
    );
  });
}
