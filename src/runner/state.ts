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
 * memory for the host's lifetime. Bytes are budgeted per key and per host, key names and a
 * file's worth per key included.
 *
 * A directory is loaded once and then written through, so two processes sharing it would each
 * overwrite the other's values: a store holds a lock file there for its lifetime, and a second
 * store on the same directory (in this process or another live one) is refused with a sentence.
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
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { pidAlive } from '../layers/lock.js';
import { UserError } from '../util/errors.js';
import { sha256 } from '../util/hash.js';
import { refusePseudoFileSystem } from '../util/pseudo-fs.js';
import { quoteName } from './names.js';

export class StateError extends Error {}

export interface StateBudget {
  /** Largest value (and largest total of appended elements) one key may hold. */
  maxKeyBytes: number;
  /** All values and appended elements of every user together. */
  maxHostBytes: number;
}

const UNLIMITED: StateBudget = { maxKeyBytes: Infinity, maxHostBytes: Infinity };

/** `user/key` in maps. */
const id = (user: string, key: string) => `${user}\0${key}`;
/**
 * A key's file name: its hex, so any key is a safe name; a key too long for that (a name is at
 * most 255 bytes) is named by its hash, its name kept beside it in `<hash>.key`.
 */
const HEX_NAME_MAX = 200;
const fileBase = (key: string) => {
  const hex = Buffer.from(key, 'utf8').toString('hex');
  return hex.length <= HEX_NAME_MAX ? hex : `h-${sha256(key)}`;
};
/** What a key costs the host's budget besides its bytes: its name, and a file's entry. */
export const keyCost = (key: string) => 512 + Buffer.byteLength(key, 'utf8');
const LOCK_FILE = '.lock';
/** State directories held by stores of this process (a lock file names only the process). */
const heldHere = new Set<string>();

export class StateStore {
  private values = new Map<string, Uint8Array>();
  private appended = new Map<string, Uint8Array[]>();
  private bytes = 0;
  /** The lock file this store holds in its directory, until close(). */
  private lock: string | undefined;

  constructor(
    private readonly budget: StateBudget = UNLIMITED,
    /** Persist here (created if missing); values found there are loaded. */
    private readonly dir?: string,
  ) {
    if (dir) this.load(dir);
  }

  private load(dir: string): void {
    refusePseudoFileSystem(dir, '--state-dir');
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
    } catch (err) {
      throw new UserError(
        `Cannot keep state in ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); pass a writable --state-dir.`,
      );
    }
    this.lock = takeLock(dir);
    try {
      this.read(dir);
    } catch (err) {
      this.close();
      throw err;
    }
  }

  private read(dir: string): void {
    for (const user of readdirSync(dir, { withFileTypes: true })) {
      if (!user.isDirectory()) continue; // not the store's: leave it alone
      for (const file of readdirSync(join(dir, user.name))) {
        const m = /^([0-9a-f]*|h-[0-9a-f]{64})\.(value|appended)$/.exec(file);
        if (!m) continue;
        const key = m[1]!.startsWith('h-')
          ? readFileSync(join(dir, user.name, `${m[1]}.key`), 'utf8')
          : Buffer.from(m[1]!, 'hex').toString('utf8');
        const data = new Uint8Array(readFileSync(join(dir, user.name, file)));
        if (m[2] === 'value') this.values.set(id(user.name, key), data);
        else this.appended.set(id(user.name, key), splitRecords(data));
        this.bytes += data.length + keyCost(key);
      }
    }
  }

  /** Lets another store use the directory. */
  close(): void {
    if (!this.lock) return;
    releaseLock(this.lock);
    this.lock = undefined;
  }

  private persist(user: string, key: string, kind: 'value' | 'appended'): void {
    if (!this.dir) return;
    try {
      this.persistTo(user, key, kind);
    } catch (err) {
      // The guest sees one sentence, never the host's path.
      const code = (err as NodeJS.ErrnoException).code ?? 'an error';
      throw new StateError(`state '${quoteName(key)}' could not be saved (${code})`);
    }
  }

  private persistTo(user: string, key: string, kind: 'value' | 'appended'): void {
    const dir = join(this.dir!, user);
    const base = join(dir, fileBase(key));
    const data =
      kind === 'value'
        ? this.values.get(id(user, key))
        : joinRecords(this.appended.get(id(user, key)));
    const hashed = fileBase(key).startsWith('h-');
    if (!data) {
      rmSync(`${base}.${kind}`, { force: true });
      if (hashed && !this.values.has(id(user, key))) rmSync(`${base}.key`, { force: true });
      return;
    }
    mkdirSync(dir, { recursive: true });
    if (hashed) writeFileSync(`${base}.key`, key);
    writeFileSync(`${base}.${kind}.tmp`, data);
    renameSync(`${base}.${kind}.tmp`, `${base}.${kind}`);
  }

  private reserve(key: string, more: number, keyTotal: number): void {
    if (keyTotal > this.budget.maxKeyBytes) {
      throw new StateError(
        `state '${quoteName(key)}' would hold ${keyTotal} bytes, over the ${this.budget.maxKeyBytes}-byte limit per key`,
      );
    }
    if (this.bytes + more > this.budget.maxHostBytes) {
      throw new StateError(
        `state '${quoteName(key)}' needs ${more} more bytes; the host's state is at ${this.bytes} of its ${this.budget.maxHostBytes}-byte limit`,
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
        `state '${quoteName(key)}' does not exist, and a key needs a size to be created (write it first)`,
      );
    }
    this.reserve(key, size + keyCost(key), size);
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
        `state '${quoteName(key)}': offset ${offset} + length ${len} is outside the key's ${size} bytes`,
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
    this.reserve(key, data.length + (list.length ? 0 : keyCost(key)), total);
    list.push(data.slice());
    this.appended.set(id(user, key), list);
    this.persist(user, key, 'appended');
  }

  /** The first `nElems` appended elements, concatenated. */
  readAppended(user: string, key: string, nElems: number): Uint8Array {
    const list = this.appended.get(id(user, key)) ?? [];
    if (nElems > list.length) {
      throw new StateError(
        `state '${quoteName(key)}': asked for ${nElems} appended elements, there are ${list.length}`,
      );
    }
    return joinRecords(list.slice(0, nElems), false)!;
  }

  clearAppended(user: string, key: string): void {
    const list = this.appended.get(id(user, key));
    if (!list) return;
    this.bytes -= list.reduce((n, p) => n + p.length, 0) + keyCost(key);
    this.appended.delete(id(user, key));
    this.persist(user, key, 'appended');
  }
}

/**
 * Takes the directory's lock file for this process, or throws one sentence naming the process
 * that holds it. A lock left by a process that is gone is taken over.
 */
function takeLock(dir: string): string {
  const file = join(dir, LOCK_FILE);
  const me = `${hostname()} ${process.pid}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, me, { flag: 'wx' });
      heldHere.add(resolve(file));
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new UserError(
          `Cannot lock the state directory ${dir} (${(err as NodeJS.ErrnoException).code}); pass a writable --state-dir.`,
        );
      }
    }
    const [host, pidText] = readFileSync(file, 'utf8').trim().split(' ');
    const pid = Number(pidText);
    const gone =
      host === hostname() && pid > 0 && (pid === process.pid ? !heldHere.has(resolve(file)) : !pidAlive(pid)); // prettier-ignore
    if (!gone || attempt > 0) {
      const who = pid === process.pid ? 'another host in this process' : `process ${pidText ?? '?'} on ${host || 'an unknown host'}`; // prettier-ignore
      throw new UserError(
        `The state directory ${dir} is in use by ${who}; two processes writing one state directory lose each other's writes, so wait for it to finish or pass another --state-dir.`,
      );
    }
    rmSync(file, { force: true });
  }
}

function releaseLock(file: string): void {
  heldHere.delete(resolve(file));
  rmSync(file, { force: true });
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
  queue: { owner: number; mode: LockMode; grant: () => void; cancel: () => void }[];
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
    return new Promise((resolve, reject) =>
      l.queue.push({
        owner,
        mode,
        grant: resolve,
        cancel: () => reject(new Error('the call ended while it waited for the lock')),
      }),
    );
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

  /**
   * Drops every lock `owner` holds or waits for; its waits end (rejected), so nothing of a call
   * that ended (a timeout) stays behind in the host.
   */
  releaseAll(owner: number): void {
    for (const [key, l] of this.locks) {
      l.readers.delete(owner);
      if (l.writer?.owner === owner) l.writer = undefined;
      for (const q of l.queue) if (q.owner === owner) q.cancel();
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
