/**
 * Faasm state for one host, in memory. Faasm keeps a host-local replica of each key and a
 * global copy at the key's master; this runner is a single host and the master of every key,
 * so the replica *is* the global value: push is a no-op and pull only sizes the value. Values
 * persist across calls for the host's lifetime. Appended state is a separate list per key.
 */
export class StateError extends Error {}

export class StateStore {
  private values = new Map<string, Uint8Array>();
  private appended = new Map<string, Uint8Array[]>();

  keys(): string[] {
    return [...this.values.keys()];
  }

  get(key: string): Uint8Array | undefined {
    return this.values.get(key);
  }

  size(key: string): number {
    return this.values.get(key)?.length ?? 0;
  }

  /** Whole value; a missing key reads as empty. */
  read(key: string): Uint8Array {
    return this.values.get(key) ?? new Uint8Array(0);
  }

  write(key: string, data: Uint8Array): void {
    this.values.set(key, data.slice());
  }

  /** The value, zero-extended to `totalLen` (Faasm sizes a key on first use). */
  private sized(key: string, totalLen: number): Uint8Array {
    if (!Number.isInteger(totalLen) || totalLen < 0)
      throw new StateError(`state '${key}': bad total length ${totalLen}`);
    const cur = this.values.get(key);
    if (cur && cur.length >= totalLen) return cur;
    const grown = new Uint8Array(totalLen);
    if (cur) grown.set(cur);
    this.values.set(key, grown);
    return grown;
  }

  private checkRange(key: string, totalLen: number, offset: number, len: number): void {
    if (offset < 0 || len < 0 || offset + len > totalLen) {
      throw new StateError(
        `state '${key}': offset ${offset} + length ${len} is outside its total length ${totalLen}`,
      );
    }
  }

  readOffset(key: string, totalLen: number, offset: number, len: number): Uint8Array {
    this.checkRange(key, totalLen, offset, len);
    return this.sized(key, totalLen).slice(offset, offset + len);
  }

  writeOffset(key: string, totalLen: number, offset: number, data: Uint8Array): void {
    this.checkRange(key, totalLen, offset, data.length);
    this.sized(key, totalLen).set(data, offset);
  }

  /** Faasm's pull copies the master's value into the replica; here it only sizes the key. */
  pull(key: string, len: number): void {
    this.sized(key, len);
  }

  push(key: string): void {
    if (!this.values.has(key))
      throw new StateError(`state '${key}': push of a key that was never written`);
  }

  append(key: string, data: Uint8Array): void {
    const list = this.appended.get(key) ?? [];
    list.push(data.slice());
    this.appended.set(key, list);
  }

  /** The first `nElems` appended elements, concatenated. */
  readAppended(key: string, nElems: number): Uint8Array {
    const list = this.appended.get(key) ?? [];
    if (nElems > list.length) {
      throw new StateError(
        `state '${key}': asked for ${nElems} appended elements, there are ${list.length}`,
      );
    }
    const parts = list.slice(0, nElems);
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  clearAppended(key: string): void {
    this.appended.delete(key);
  }

  clear(): void {
    this.values.clear();
    this.appended.clear();
  }
}

type LockMode = 'read' | 'write';

interface KeyLock {
  readers: Map<number, number>;
  writer?: { owner: number; depth: number };
  queue: { owner: number; mode: LockMode; grant: () => void }[];
}

/**
 * Read/write locks per state key, held by call ids. Calls run in parallel workers, so these
 * really exclude; a call's locks are released when it ends, however it ends. Writers are
 * served in order and readers queue behind a waiting writer (no writer starvation).
 */
export class StateLocks {
  private locks = new Map<string, KeyLock>();

  private entry(key: string): KeyLock {
    let l = this.locks.get(key);
    if (!l) {
      l = { readers: new Map(), queue: [] };
      this.locks.set(key, l);
    }
    return l;
  }

  private canGrant(l: KeyLock, owner: number, mode: LockMode): boolean {
    if (mode === 'read') return !l.writer || l.writer.owner === owner;
    const otherReaders = [...l.readers.keys()].some((o) => o !== owner);
    return (!l.writer || l.writer.owner === owner) && !otherReaders;
  }

  private take(l: KeyLock, owner: number, mode: LockMode): void {
    if (mode === 'read') l.readers.set(owner, (l.readers.get(owner) ?? 0) + 1);
    else if (l.writer) l.writer.depth++;
    else l.writer = { owner, depth: 1 };
  }

  /** Resolves when the lock is held. */
  lock(key: string, owner: number, mode: LockMode): Promise<void> {
    const l = this.entry(key);
    if (l.queue.length === 0 && this.canGrant(l, owner, mode)) {
      this.take(l, owner, mode);
      return Promise.resolve();
    }
    return new Promise((resolve) => l.queue.push({ owner, mode, grant: resolve }));
  }

  unlock(key: string, owner: number, mode: LockMode): void {
    const l = this.locks.get(key);
    if (!l) return;
    if (mode === 'read') {
      const n = l.readers.get(owner) ?? 0;
      if (n <= 1) l.readers.delete(owner);
      else l.readers.set(owner, n - 1);
    } else if (l.writer?.owner === owner && --l.writer.depth <= 0) {
      l.writer = undefined;
    }
    this.drain(key, l);
  }

  /** Drops every lock `owner` holds or waits for. */
  releaseAll(owner: number): void {
    for (const [key, l] of this.locks) {
      l.readers.delete(owner);
      if (l.writer?.owner === owner) l.writer = undefined;
      l.queue = l.queue.filter((q) => q.owner !== owner);
      this.drain(key, l);
    }
  }

  private drain(key: string, l: KeyLock): void {
    while (l.queue.length && this.canGrant(l, l.queue[0]!.owner, l.queue[0]!.mode)) {
      const next = l.queue.shift()!;
      this.take(l, next.owner, next.mode);
      next.grant();
    }
    if (!l.writer && l.readers.size === 0 && l.queue.length === 0) this.locks.delete(key);
  }
}
