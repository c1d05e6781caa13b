// The local store of committed layers: lookup, verification, damage reports, commit and prune.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exists, removeTree } from '../util/fs.js';
import { shortKey } from './key.js';
import { type CheckDepth, checkFiles, filesSize, isFileList } from './manifest.js';
import { acquireLock, pidAlive } from './lock.js';
import type { LayerMeta } from './types.js';

/** What the store holds under a key: nothing, a layer that passed its check, or a damaged one. */
export type Inspection =
  { state: 'missing' } | { state: 'ok'; meta: LayerMeta } | { state: 'damaged'; problem: string };

/** One line naming the layer, the file and what is wrong with it. */
export function damageReport(
  name: string,
  key: string,
  problem: string,
  origin = 'cached',
): string {
  return `The ${origin} ${name} layer (${shortKey(key)}) is damaged: ${problem}.`;
}

/** Why `raw` is not the metadata of layer `name` under `key`, or undefined when it is. */
function metaProblem(raw: unknown, name: string, key: string): string | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return 'meta.json is not an object';
  const m = raw as Record<string, unknown>;
  if (m.name !== name) return `meta.json names layer ${String(m.name)}, not ${name}`;
  if (m.key !== key) return `meta.json names key ${String(m.key).slice(0, 12)}, not its own`;
  if (!isFileList(m.files)) return 'meta.json has no valid file list (written by an older build?)';
  const size = filesSize(m.files);
  if (m.size !== size) return `meta.json gives size ${String(m.size)}, its files add up to ${size}`;
  if (!Number.isFinite(m.buildMs) || typeof m.createdAt !== 'string') {
    return 'meta.json lacks buildMs or createdAt';
  }
  return undefined;
}

export type StoredEntry = { name: string; key: string; lastUsed: Date } & (
  { meta: LayerMeta; problem?: undefined } | { meta?: undefined; problem: string }
);

/**
 * Committed layers live at `<root>/<name>/<key>/{out/,meta.json}`. A layer is built in a
 * staging directory beside it and renamed into place, so a crash never leaves half a layer
 * under a key. A `<key>.restoring` marker covers the one non-atomic path (an Actions cache
 * restore, which must extract in place).
 */
export class LocalStore {
  constructor(readonly root: string) {}

  entryDir(name: string, key: string): string {
    return join(this.root, name, key);
  }

  outDir(name: string, key: string): string {
    return join(this.entryDir(name, key), 'out');
  }

  private restoringMarker(name: string, key: string): string {
    return `${this.entryDir(name, key)}.restoring`;
  }

  /**
   * Checks the entry under `key` against its metadata (cheaply: names, sizes, times; `full` adds
   * every file's sha256). Cleans up an interrupted restore.
   */
  async inspect(name: string, key: string, depth: CheckDepth = 'cheap'): Promise<Inspection> {
    const marker = this.restoringMarker(name, key);
    if (await exists(marker)) {
      const pid = Number((await readFile(marker, 'utf8').catch(() => '')) || 0);
      if (pid && pidAlive(pid)) return { state: 'missing' };
      await removeTree(this.entryDir(name, key));
      await removeTree(marker);
      return { state: 'missing' };
    }
    return this.check(name, key, depth);
  }

  private async check(name: string, key: string, depth: CheckDepth): Promise<Inspection> {
    const entry = this.entryDir(name, key);
    if (!(await exists(entry))) return { state: 'missing' };
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(join(entry, 'meta.json'), 'utf8'));
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      return {
        state: 'damaged',
        problem: `meta.json is ${missing ? 'missing' : 'not valid JSON'}`,
      };
    }
    if (!(await exists(this.outDir(name, key))))
      return { state: 'damaged', problem: 'out/ is missing' };
    const problem =
      metaProblem(raw, name, key) ??
      (await checkFiles(this.outDir(name, key), (raw as LayerMeta).files, depth));
    return problem ? { state: 'damaged', problem } : { state: 'ok', meta: raw as LayerMeta };
  }

  /** The committed entry's metadata when it passes the cheap check, else undefined. */
  async lookup(name: string, key: string): Promise<LayerMeta | undefined> {
    const found = await this.inspect(name, key);
    return found.state === 'ok' ? found.meta : undefined;
  }

  lock(name: string, key: string, onWait?: (what: string) => void) {
    return mkdir(join(this.root, name), { recursive: true }).then(() =>
      acquireLock(`${this.entryDir(name, key)}.lock`, onWait),
    );
  }

  /** A fresh staging directory named after this process, so leftovers of dead ones are known. */
  async stage(name: string, key: string): Promise<string> {
    await this.sweepStaging(name);
    const dir = join(
      this.root,
      name,
      `.staging-${key.slice(0, 12)}-${process.pid}-${randomBytes(3).toString('hex')}`,
    );
    await mkdir(join(dir, 'out'), { recursive: true });
    return dir;
  }

  /** Moves a finished staging directory into place. Replaces an older entry (for --no-cache). */
  async commit(staging: string, meta: LayerMeta): Promise<void> {
    await writeFile(join(staging, 'meta.json'), JSON.stringify(meta, null, 2));
    const target = this.entryDir(meta.name, meta.key);
    if (await exists(target)) {
      const trash = `${staging}.old`;
      await rename(target, trash);
      await rename(staging, target);
      await removeTree(trash);
    } else {
      await rename(staging, target);
    }
  }

  /**
   * Runs `fill` against the final entry path, marked so that an interrupted fill is discarded,
   * and hashes every file of what it brought before anyone can use it: a restore that is
   * incomplete or damaged is removed and reported as such.
   */
  async restoreInPlace(
    name: string,
    key: string,
    fill: () => Promise<boolean>,
  ): Promise<Inspection> {
    const marker = this.restoringMarker(name, key);
    await mkdir(join(this.root, name), { recursive: true });
    await writeFile(marker, String(process.pid));
    let found: Inspection = { state: 'missing' };
    // Whatever is under the key is damaged (the caller found no usable entry): never merge into it.
    await removeTree(this.entryDir(name, key));
    try {
      if (await fill()) found = await this.check(name, key, 'full');
    } finally {
      if (found.state !== 'ok') await removeTree(this.entryDir(name, key));
      await removeTree(marker);
    }
    return found;
  }

  /** Removes staging directories left by processes that no longer run. */
  async sweepStaging(name?: string): Promise<number> {
    let removed = 0;
    const names = name ? [name] : await readdir(this.root).catch(() => [] as string[]);
    for (const layer of names) {
      const dir = join(this.root, layer);
      for (const entry of await readdir(dir).catch(() => [] as string[])) {
        const m = /^\.staging-[0-9a-f]+-(\d+)-[0-9a-f]+(\.old)?$/.exec(entry);
        if (m && !pidAlive(Number(m[1]))) {
          await removeTree(join(dir, entry));
          removed++;
        }
      }
    }
    return removed;
  }

  /** Every entry in the store, each with its metadata or what is wrong with it. */
  async list(depth: CheckDepth = 'cheap'): Promise<StoredEntry[]> {
    const all: StoredEntry[] = [];
    for (const layer of (await readdir(this.root).catch(() => [] as string[])).sort()) {
      for (const key of await readdir(join(this.root, layer)).catch(() => [] as string[])) {
        if (!/^[0-9a-f]{64}$/.test(key)) continue;
        const found = await this.inspect(layer, key, depth);
        if (found.state === 'missing') continue;
        const st = await stat(join(this.entryDir(layer, key), 'meta.json')).catch(() => undefined);
        const lastUsed = st?.mtime ?? new Date(0);
        all.push(
          found.state === 'ok'
            ? { name: layer, key, lastUsed, meta: found.meta }
            : { name: layer, key, lastUsed, problem: found.problem },
        );
      }
    }
    return all;
  }

  async remove(name: string, key: string, onWait?: (what: string) => void): Promise<void> {
    const release = await this.lock(name, key, onWait);
    try {
      await removeTree(this.entryDir(name, key));
    } finally {
      await release();
    }
  }
}
