// Rebuilds one cached layer in a scratch cache and compares the two outputs file by file: the
// check that "same key, same bytes" holds. The scratch cache has another path (so a path that
// leaks into the output shows up), the rebuild another process id and working directory; the
// layer's dependencies are copied in as they are, so only the layer itself is rebuilt.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachePaths } from '../paths.js';
import { UserError } from '../util/errors.js';
import { exec } from '../util/exec.js';
import { exists } from '../util/fs.js';
import { shortKey } from './key.js';
import { LocalStore } from './local-store.js';
import type { FileEntry } from './manifest.js';
import { planLayers, runLayers, selectExpandedLayers } from './runner.js';
import type { BuildOptions, Layer, LayerMeta, Reporter } from './types.js';

/** One path whose entry differs between the two builds (absent on one side is a difference). */
export interface FileDifference {
  path: string;
  first?: FileEntry;
  second?: FileEntry;
}

/** What an entry is, for comparison: never its modification time, which a rebuild changes. */
function identity(e: FileEntry): string {
  switch (e.type) {
    case 'file':
      return `file ${e.size} ${e.sha256}`;
    case 'symlink':
      return `symlink ${e.target}`;
    case 'dir':
      return 'dir';
  }
}

/** Every path whose type, size, content or link target differs, in path order. */
export function compareFileLists(
  first: readonly FileEntry[],
  second: readonly FileEntry[],
): FileDifference[] {
  const a = new Map(first.map((e) => [e.path, e]));
  const b = new Map(second.map((e) => [e.path, e]));
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  const diffs: FileDifference[] = [];
  for (const path of paths) {
    const x = a.get(path);
    const y = b.get(path);
    if (!x || !y || identity(x) !== identity(y)) diffs.push({ path, first: x, second: y });
  }
  return diffs;
}

/** One line for a difference: what each side has. */
export function describeDifference(d: FileDifference): string {
  const side = (e?: FileEntry) =>
    e ? identity(e).replace(/ ([0-9a-f]{12})[0-9a-f]{52}$/, ' $1') : 'absent';
  return `${d.path}: ${side(d.first)} / ${side(d.second)}`;
}

export interface ReproduceResult {
  layer: string;
  key: string;
  files: number;
  differences: FileDifference[];
  /** The scratch cache, when kept. */
  scratch?: string;
}

/**
 * Rebuilds `target` (which must be in the cache under its current key, with its dependencies)
 * in a scratch cache and compares. Sources are copied too: they are content-addressed and
 * checked by sha256 on use, and copying them keeps the rebuild off the network.
 */
export async function reproduceLayer(
  all: readonly Layer[],
  target: string,
  opts: BuildOptions,
  reporter: Reporter,
  keep = false,
): Promise<ReproduceResult> {
  // A module's layer (module-numpy) too: the modules layer names those.
  const layers = await selectExpandedLayers(all, [target], opts);
  const plan = await planLayers(layers, opts);
  const store = new LocalStore(cachePaths(opts.cacheDir).layers);
  const metas = new Map<string, LayerMeta>();
  for (const p of plan) {
    const found = await store.inspect(p.layer.name, p.key);
    if (found.state !== 'ok') {
      throw new UserError(
        `The ${p.layer.name} layer (${shortKey(p.key)}) is not in the cache ${opts.cacheDir}; build it first: faasm-python build ${target}.`,
      );
    }
    metas.set(p.layer.name, found.meta);
  }
  const scratch = await mkdtemp(join(tmpdir(), 'faasm-python-reproduce-'));
  try {
    const scratchPaths = cachePaths(scratch);
    const scratchStore = new LocalStore(scratchPaths.layers);
    for (const p of plan) {
      if (p.layer.name === target) continue;
      // cp -a keeps times to the nanosecond (every use of a layer checks them against its
      // meta.json), modes and links; Node's cp rounds times through Date.
      await mkdir(join(scratchPaths.layers, p.layer.name), { recursive: true });
      await exec('cp', [
        '-a',
        store.entryDir(p.layer.name, p.key),
        scratchStore.entryDir(p.layer.name, p.key),
      ]);
    }
    const sources = cachePaths(opts.cacheDir).sources;
    if (await exists(sources)) {
      await exec('cp', ['-a', sources, scratchPaths.sources]);
    }
    reporter.info(`rebuilding ${target} (${shortKey(plan.at(-1)!.key)}) in ${scratch}`);
    const results = await runLayers(
      layers,
      { ...opts, cacheDir: scratch, noCache: false },
      {
        reporter,
      },
    );
    const rebuilt = results.get(target)!;
    if (rebuilt.status !== 'built') {
      throw new Error(
        `the ${target} layer was not rebuilt in the scratch cache (${rebuilt.status})`,
      );
    }
    const second = await scratchStore.lookup(target, rebuilt.key);
    if (!second) throw new Error(`the rebuilt ${target} layer is not in the scratch cache`);
    const first = metas.get(target)!;
    return {
      layer: target,
      key: rebuilt.key,
      files: first.files.length,
      differences: compareFileLists(first.files, second.files),
      ...(keep ? { scratch } : {}),
    };
  } finally {
    if (!keep) await rm(scratch, { recursive: true, force: true });
  }
}
