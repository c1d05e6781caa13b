/**
 * What a layer's key takes from the code that builds it, derived rather than listed by hand:
 * esbuild bundles the module that defines the layer (npm packages left external) and its
 * metafile names every repository file the bundle pulls in, dynamic imports included. Files
 * the code reads or runs without importing them (C sources, Python helpers, a runner started
 * as a child process) cannot be found that way: each layer declares them as `data`. The npm
 * packages the code imports enter the key through their locked version and integrity in
 * package-lock.json, with every package they depend on.
 *
 * The graph is computed once per process (one esbuild run for every layer planned at once,
 * about 0.1 s); the files' contents are hashed at each planning, so an edit is always seen.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { REPO_ROOT } from '../paths.js';
import { UserError, errorMessage } from '../util/errors.js';
import { sha256 } from '../util/hash.js';
import type { Json, Layer } from './types.js';

/** What one module pulls in. */
export interface ImportGraph {
  /** Repository files, relative and '/'-separated, the module itself first. */
  files: string[];
  /** The npm packages it imports (left external), by name. */
  packages: string[];
}

/**
 * The checkout whose code is running: the repository root from the sources, and from an
 * action's bundle (dist/<action>/, where REPO_ROOT is dist/) the checkout above it.
 */
export function codeRoot(): string {
  let dir = REPO_ROOT;
  while (!existsSync(join(dir, 'package-lock.json'))) {
    const up = dirname(dir);
    if (up === dir) return REPO_ROOT;
    dir = up;
  }
  return dir;
}

type Esbuild = typeof import('esbuild');
let esbuildModule: Esbuild | undefined;

/** esbuild from the running checkout's node_modules (an action's bundle never carries it). */
function esbuild(): Esbuild {
  const root = codeRoot();
  try {
    esbuildModule ??= createRequire(join(root, 'package.json'))('esbuild') as Esbuild;
  } catch {
    throw new UserError(
      `Deriving the layers' keys needs esbuild from ${join(root, 'node_modules')}; run 'npm ci' in ${root} first.`,
    );
  }
  return esbuildModule;
}

const graphs = new Map<string, ImportGraph>();
const graphKey = (root: string, entry: string) => `${root}\0${entry}`;

/** The package an import specifier names ('@scope/name/sub' is '@scope/name'). */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * Every file reachable from `entry` in esbuild's metafile (each file esbuild parsed, whether or
 * not its code survived tree-shaking), and the packages those files import.
 */
function walkGraph(root: string, metafile: import('esbuild').Metafile, entry: string): ImportGraph {
  const rel = (p: string) => relative(root, resolve(root, p)).split(sep).join('/');
  const byRel = new Map(Object.keys(metafile.inputs).map((p) => [rel(p), p]));
  if (!byRel.has(entry)) throw new Error(`esbuild did not read ${entry}; is it a repository path?`);
  const files = new Set<string>([entry]);
  const packages = new Set<string>();
  const queue = [entry];
  for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
    for (const imp of metafile.inputs[byRel.get(f)!]?.imports ?? []) {
      if (imp.external) {
        if (!isBuiltin(imp.path)) packages.add(packageName(imp.path));
        continue;
      }
      const target = rel(imp.path);
      if (!files.has(target) && byRel.has(target)) {
        files.add(target);
        queue.push(target);
      }
    }
  }
  const others = [...files].filter((f) => f !== entry).sort();
  return { files: [entry, ...others], packages: [...packages].sort() };
}

/**
 * The import graph of each entry (a repository path), from one esbuild run for those not
 * already known to this process.
 */
export function importGraphs(root: string, entries: readonly string[]): Map<string, ImportGraph> {
  const missing = [...new Set(entries)].filter((e) => !graphs.has(graphKey(root, e)));
  if (missing.length) {
    let metafile: import('esbuild').Metafile;
    try {
      metafile = esbuild().buildSync({
        entryPoints: missing,
        bundle: true,
        platform: 'node',
        format: 'esm',
        write: false,
        packages: 'external',
        metafile: true,
        outdir: 'out',
        logLevel: 'silent',
        absWorkingDir: root,
        // A checkout whose src/ is a link (a scratch copy in tests) keeps its own paths.
        preserveSymlinks: true,
      }).metafile;
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new Error(
        `Could not read the import graph of ${missing.join(', ')}: ${errorMessage(err)}`,
      );
    }
    for (const entry of missing)
      graphs.set(graphKey(root, entry), walkGraph(root, metafile, entry));
  }
  return new Map(entries.map((e) => [e, graphs.get(graphKey(root, e))!]));
}

interface LockEntry {
  version?: string;
  integrity?: string;
  resolved?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const locks = new Map<string, Record<string, LockEntry>>();

function lockPackages(root: string): Record<string, LockEntry> {
  let found = locks.get(root);
  if (!found) {
    const file = join(root, 'package-lock.json');
    try {
      const lock = JSON.parse(readFileSync(file, 'utf8')) as {
        packages?: Record<string, LockEntry>;
      };
      found = lock.packages ?? {};
    } catch (err) {
      throw new Error(`Could not read ${file} for the layers' keys: ${errorMessage(err)}`);
    }
    locks.set(root, found);
  }
  return found;
}

/**
 * The locked version and integrity of each package named and of everything it depends on,
 * resolved as node does (nested node_modules first), by lock-file path.
 */
export function lockedPackages(root: string, names: readonly string[]): Record<string, string> {
  const lock = lockPackages(root);
  const out: Record<string, string> = {};
  const visit = (name: string, from: string) => {
    for (let base = from; ;) {
      const path = `${base ? `${base}/` : ''}node_modules/${name}`;
      const entry = lock[path];
      if (entry) {
        if (out[path]) return;
        out[path] = `${entry.version ?? ''} ${entry.integrity ?? entry.resolved ?? ''}`;
        const deps = { ...entry.dependencies, ...entry.optionalDependencies };
        for (const dep of Object.keys(deps).sort()) visit(dep, path);
        return;
      }
      if (!base) {
        out[`node_modules/${name}`] ??= 'not in package-lock.json';
        return;
      }
      const i = base.lastIndexOf('/node_modules/');
      base = i < 0 ? '' : base.slice(0, i);
    }
  };
  for (const name of names) visit(name, '');
  return out;
}

/** The modules whose import graphs a layer's key covers: its source, and data that is code. */
export function codeEntries(layer: Layer): string[] {
  return [layer.source, ...(layer.data ?? []).filter((d) => d.endsWith('.ts'))];
}

/** Repository files a layer's key covers: its source's graph and its declared data. */
export function layerCodeFiles(
  root: string,
  layer: Layer,
): { files: string[]; packages: string[] } {
  const data = layer.data ?? [];
  const graphs = importGraphs(root, codeEntries(layer));
  const files = new Set<string>();
  const packages = new Set<string>();
  for (const g of graphs.values()) {
    g.files.forEach((f) => files.add(f));
    g.packages.forEach((p) => packages.add(p));
  }
  data.forEach((d) => files.add(d));
  return { files: [...files].sort(), packages: [...packages].sort() };
}

/**
 * The code part of a layer's key: the sha256 of every file it covers and the locked packages.
 * `hashes` is shared by the layers of one planning, so each file is read once.
 */
export async function codeInputs(
  layer: Layer,
  hashes: Map<string, Promise<string>> = new Map(),
  root = codeRoot(),
): Promise<Json> {
  const missing = (layer.data ?? []).filter((d) => !existsSync(join(root, d)));
  if (missing.length)
    throw new Error(
      `Layer '${layer.name}' declares the data file ${missing[0]}, which does not exist.`,
    );
  const { files, packages } = layerCodeFiles(root, layer);
  const hashed: Record<string, string> = {};
  for (const f of files) {
    let h = hashes.get(f);
    if (!h) {
      h = readFile(join(root, f)).then(sha256);
      hashes.set(f, h);
    }
    hashed[f] = await h;
  }
  return { files: hashed, packages: lockedPackages(root, packages) };
}
