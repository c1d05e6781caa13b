/**
 * Faasm state for one host, with faabric's rules (faasm/faabric src/state/State.cpp and
 * StateKeyValue.cpp @ d13bb4b8):
 *
 * - A key gets its size when it is first used with one (write_state's length, read_state's
 *   buffer length, the total length of an offset call, pull's length); afterwards the size is
 *   the key's, whatever a later call passes. A call with no size on a missing key fails.
 * - Faasm keys state by user; here that is the Python function's user (py_user), so tenants
 *   never share (see docs/conformance.md).
 * - This runner is a single host and the master of every key, so push is a no-op and pull
 *   only sizes the key. Appended state is a separate list per key.
 *
 * With a directory the store is written through to it (one file per key and user), so state
 * outlives the process as it outlives a call in Faasm's state store; otherwise it lives in
 * memory for the host's lifetime. Bytes are budgeted per key and per host.
 */
import {
  accessSync,
  constants,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { UserError } from '../util/errors.js';
import { join } from 'node:path';

export class StateError extends Error {}

export interface StateBudget {
  /** Largest value (and largest total of appended elements) one key may hold. */
  maxKeyBytes: number;
  /** All values and appended elements of every user together. */
  maxHostBytes: number;
}

const UNLIMITED: StateBudget = { maxKeyBytes: Infinity, maxHostBytes: Infinity };

/** `user/key` in maps; the key is hex in file names, so any key is a safe file name. */
const id = (user: string, key: string) => `${user}\0${key}`;
const hex = (key: string) => Buffer.from(key, 'utf8').toString('hex');

export class StateStore {
  private values = new Map<string, Uint8Array>();
  private appended = new Map<string, Uint8Array[]>();
  private bytes = 0;

  constructor(
    private readonly budget: StateBudget = UNLIMITED,
    /** Persist here (created if missing); values found there are loaded. */
    private readonly dir?: string,
  ) {
    if (dir) this.load(dir);
  }

  private load(dir: string): void {
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
    } catch (err) {
      throw new UserError(
        `Cannot keep state in ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); pass a writable --state-dir.`,
      );
    }
    for (const user of readdirSync(dir, { withFileTypes: true })) {
      if (!user.isDirectory()) continue; // not the store's: leave it alone
      for (const file of readdirSync(join(dir, user.name))) {
        const m = /^([0-9a-f]*)\.(value|appended)$/.exec(file);
        if (!m) continue;
        const key = Buffer.from(m[1]!, 'hex').toString('utf8');
        const data = new Uint8Array(readFileSync(join(dir, user.name, file)));
        if (m[2] === 'value') this.values.set(id(user.name, key), data);
        else this.appended.set(id(user.name, key), splitRecords(data));
        this.bytes += data.length;
      }
    }
  }

  private persist(user: string, key: string, kind: 'value' | 'appended'): void {
    if (!this.dir) return;
    const dir = join(this.dir, user);
    const file = join(dir, `${hex(key)}.${kind}`);
    const data =
      kind === 'value'
        ? this.values.get(id(user, key))
        : joinRecords(this.appended.get(id(user, key)));
    if (!data) {
      rmSync(file, { force: true });
      return;
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${file}.tmp`, data);
    renameSync(`${file}.tmp`, file);
  }

  private reserve(key: string, more: number, keyTotal: number): void {
    if (keyTotal > this.budget.maxKeyBytes) {
      throw new StateError(
        `state '${key}' would hold ${keyTotal} bytes, over the ${this.budget.maxKeyBytes}-byte limit per key`,
      );
    }
    if (this.bytes + more > this.budget.maxHostBytes) {
      throw new StateError(
        `state '${key}' needs ${more} more bytes; the host's state is at ${this.bytes} of its ${this.budget.maxHostBytes}-byte limit`,
      );
    }
    this.bytes += more;
  }

  /** Values as `user/key` (for tests and tools). */
  keys(): string[] {
    return [...this.values.keys()].map((k) => k.replace('\0', '/'));
  }

  get(user: string, key: string): Uint8Array | undefined {
    return this.values.get(id(user, key));
  }

  /** A key's size, 0 when it does not exist (faabric's getStateSize). */
  size(user: string, key: string): number {
    return this.values.get(id(user, key))?.length ?? 0;
  }

  /**
   * The key's value, created zero-filled at `size` bytes when missing (faabric's getKV). A size
   * of 0 for a missing key is faabric's "Must specify size" failure.
   */
  kv(user: string, key: string, size: number): Uint8Array {
    if (!key) throw new StateError('a state key must not be empty');
    const cur = this.values.get(id(user, key));
    if (cur) return cur;
    if (!Number.isInteger(size) || size <= 0) {
      throw new StateError(
        `state '${key}' does not exist, and a key needs a size to be created (write it first)`,
      );
    }
    this.reserve(key, size, size);
    const fresh = new Uint8Array(size);
    this.values.set(id(user, key), fresh);
    this.persist(user, key, 'value');
    return fresh;
  }

  /**
   * write_state: the value's first bytes. A new key takes the data's length; an existing key
   * keeps its size, so longer data is cut and shorter data leaves the rest zero (Faasm reads
   * past the caller's buffer there; see docs/conformance.md).
   */
  write(user: string, key: string, data: Uint8Array): number {
    const v = this.kv(user, key, data.length);
    const n = Math.min(v.length, data.length);
    v.set(data.subarray(0, n));
    v.fill(0, n);
    this.persist(user, key, 'value');
    return v.length;
  }

  private checkRange(key: string, size: number, offset: number, len: number): void {
    if (!Number.isInteger(offset) || offset < 0 || len < 0 || offset + len > size) {
      throw new StateError(
        `state '${key}': offset ${offset} + length ${len} is outside the key's ${size} bytes`,
      );
    }
  }

  readOffset(user: string, key: string, totalLen: number, offset: number, len: number): Uint8Array {
    const v = this.kv(user, key, totalLen);
    this.checkRange(key, v.length, offset, len);
    return v.slice(offset, offset + len);
  }

  writeOffset(user: string, key: string, totalLen: number, offset: number, data: Uint8Array): void {
    const v = this.kv(user, key, totalLen);
    this.checkRange(key, v.length, offset, data.length);
    v.set(data, offset);
    this.persist(user, key, 'value');
  }

  /** Faasm's pull copies the master's value into the replica; here it only sizes the key. */
  pull(user: string, key: string, len: number): void {
    this.kv(user, key, len);
  }

  /** Push needs an existing key (faabric's getKV with no size). */
  push(user: string, key: string): void {
    this.kv(user, key, 0);
  }

  append(user: string, key: string, data: Uint8Array): void {
    const list = this.appended.get(id(user, key)) ?? [];
    const total = list.reduce((n, p) => n + p.length, 0) + data.length;
    this.reserve(key, data.length, total);
    list.push(data.slice());
    this.appended.set(id(user, key), list);
    this.persist(user, key, 'appended');
  }

  /** The first `nElems` appended elements, concatenated. */
  readAppended(user: string, key: string, nElems: number): Uint8Array {
    const list = this.appended.get(id(user, key)) ?? [];
    if (nElems > list.length) {
      throw new StateError(
        `state '${key}': asked for ${nElems} appended elements, there are ${list.length}`,
      );
    }
    return joinRecords(list.slice(0, nElems), false)!;
  }

  clearAppended(user: string, key: string): void {
    const list = this.appended.get(id(user, key));
    if (!list) return;
    this.bytes -= list.reduce((n, p) => n + p.length, 0);
    this.appended.delete(id(user, key));
    this.persist(user, key, 'appended');
  }
}

/** Appended elements on disk: each a 4-byte little-endian length, then its bytes. */
function joinRecords(list: Uint8Array[] | undefined, framed = true): Uint8Array | undefined {
  if (!list) return undefined;
  const out = Buffer.alloc(list.reduce((n, p) => n + p.length + (framed ? 4 : 0), 0));
  let at = 0;
  for (const p of list) {
    if (framed) at = out.writeUInt32LE(p.length, at);
    out.set(p, at);
    at += p.length;
  }
  return new Uint8Array(out);
}

function splitRecords(data: Uint8Array): Uint8Array[] {
  const buf = Buffer.from(data);
  const out: Uint8Array[] = [];
  for (let at = 0; at + 4 <= buf.length;) {
    const n = buf.readUInt32LE(at);
    out.push(new Uint8Array(buf.subarray(at + 4, at + 4 + n)));
    at += 4 + n;
  }
  return out;
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
