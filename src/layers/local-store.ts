import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exists, removeTree } from '../util/fs.js';
import { acquireLock, pidAlive } from './lock.js';
import type { LayerMeta } from './types.js';

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

  /** The committed entry's metadata, or undefined. Cleans up an interrupted restore. */
  async lookup(name: string, key: string): Promise<LayerMeta | undefined> {
    const marker = this.restoringMarker(name, key);
    if (await exists(marker)) {
      const pid = Number((await readFile(marker, 'utf8').catch(() => '')) || 0);
      if (pid && pidAlive(pid)) return undefined;
      await removeTree(this.entryDir(name, key));
      await removeTree(marker);
      return undefined;
    }
    try {
      return JSON.parse(await readFile(join(this.entryDir(name, key), 'meta.json'), 'utf8'));
    } catch {
      return undefined;
    }
  }

  lock(name: string, key: string, onWait?: (owner: string) => void) {
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

  /** Runs `fill` against the final entry path, marked so that an interrupted fill is discarded. */
  async restoreInPlace(name: string, key: string, fill: () => Promise<boolean>): Promise<boolean> {
    const marker = this.restoringMarker(name, key);
    await mkdir(join(this.root, name), { recursive: true });
    await writeFile(marker, String(process.pid));
    let ok = false;
    try {
      ok = (await fill()) && (await exists(join(this.entryDir(name, key), 'meta.json')));
    } finally {
      if (!ok) await removeTree(this.entryDir(name, key));
      await removeTree(marker);
    }
    return ok;
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

  async list(): Promise<Array<LayerMeta & { lastUsed: Date }>> {
    const all: Array<LayerMeta & { lastUsed: Date }> = [];
    for (const layer of await readdir(this.root).catch(() => [] as string[])) {
      for (const key of await readdir(join(this.root, layer)).catch(() => [] as string[])) {
        if (!/^[0-9a-f]{64}$/.test(key)) continue;
        const meta = await this.lookup(layer, key);
        if (!meta) continue;
        const lastUsed = (await stat(join(this.entryDir(layer, key), 'meta.json'))).mtime;
        all.push({ ...meta, lastUsed });
      }
    }
    return all;
  }

  async remove(name: string, key: string): Promise<void> {
    const release = await this.lock(name, key);
    try {
      await removeTree(this.entryDir(name, key));
    } finally {
      await release();
    }
  }
}
