/**
 * The calls' private /tmp directories on the host: all under one directory per host, one per
 * call. A call's /tmp that is empty when the call is over goes back for another call (most calls
 * leave it so, and removing and making it again cost the host more than the call's Python); any
 * other is removed, however deep the guest built it (guest-tree.ts).
 */
import { readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { removeGuestTree, removeGuestTreeSync } from './guest-tree.js';

/** Empty directories kept for the next calls, at most. */
const MAX_SPARE = 64;

export class TmpPool {
  private spare: string[] = [];
  /** Recycling still under way (close() waits for it). */
  private pending = new Set<Promise<void>>();
  private closed = false;

  private constructor(
    /** Holds every call's /tmp. */
    readonly dir: string,
    private readonly maxSpare: number,
  ) {}

  /** A pool in a new directory under `parent`. */
  static async create(parent: string, maxSpare = MAX_SPARE): Promise<TmpPool> {
    return new TmpPool(await mkdtemp(join(parent, 'faasm-host-tmp-')), maxSpare);
  }

  /** Empty directories waiting for a call. */
  get spareCount(): number {
    return this.spare.length;
  }

  /** An empty directory for a call's /tmp: one a call before left empty, else a new one. */
  async take(): Promise<string> {
    return this.spare.pop() ?? (await mkdtemp(join(this.dir, 'call-')));
  }

  /**
   * Takes `dir` back once `after` resolves (once the worker that wrote to it has stopped, when
   * it was killed): kept for another call if empty, else removed.
   */
  recycleLater(dir: string, after: Promise<void> = Promise.resolve()): void {
    const remove = () => removeGuestTree(dir);
    const p = after
      .then(async () => {
        const reuse = !this.closed && this.spare.length < this.maxSpare;
        // Sync: an empty directory reads in microseconds, a promise round trip costs more.
        if (reuse && readdirSync(dir).length === 0) this.spare.push(dir);
        else await remove();
      })
      .catch(() => remove().catch(() => {}));
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Waits for the recycling under way, then removes every directory. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.pending);
    this.spare = [];
    await removeGuestTree(this.dir);
  }

  /** Removes every directory now (for an interrupted process: exit-cleanup.ts). */
  removeSync(): void {
    removeGuestTreeSync(this.dir);
  }
}
