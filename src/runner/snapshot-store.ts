/**
 * Zygote snapshots kept on disk between host processes, keyed by what the zygote's memory
 * depends on and checked against a recorded hash before use (see SnapshotStore). Their life
 * cycle within one host is zygote-snapshot.ts.
 */
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../util/hash.js';

const PAGE = 65536;
/** Snapshots kept per store: one per runtime in use is enough, older ones go. */
const KEEP = 3;

/** What a zygote's memory depends on. Host paths count only through `runtimeRoot`. */
export interface SnapshotIdentity {
  /** The module exactly as instantiated (after the memory cap is applied). */
  moduleBytes: Uint8Array;
  /** A content-addressed directory (a root layer's), so its path names its content. */
  runtimeRoot: string;
  env: Record<string, string>;
  confFlags: Record<string, number>;
}

/** What is recorded beside each snapshot (`<key>.json`), so it can be checked before use. */
export interface SnapshotMeta {
  format: 1;
  /** sha256 of the memory file. */
  sha256: string;
  bytes: number;
  /** The runtime root the zygote ran over: once it is gone, the snapshot is of no use. */
  runtimeRoot: string;
}

/** One stored snapshot, as `cache list/verify/prune` see it. */
export interface SnapshotEntry {
  key: string;
  bytes: number;
  mtime: Date;
  meta?: SnapshotMeta;
  /** What is wrong with it (verified entries only): missing record, size, hash. */
  problem?: string;
}

/**
 * Zygote snapshots on disk, so that a new host process starts even its first call from a
 * snapshot, as Faasm restores Faaslets from stored Proto-Faaslet snapshots. Each memory file has
 * a record of its hash beside it, and is checked against it before use: a damaged snapshot would
 * start every call from garbage. Writes are atomic (temp file, rename); a missing, malformed or
 * damaged file is a miss (and a damaged one is removed, to be taken again).
 */
export class SnapshotStore {
  constructor(private readonly dir: string) {}

  static key(id: SnapshotIdentity): string {
    const sorted = (o: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
    return sha256(
      JSON.stringify({
        format: 1,
        module: sha256(id.moduleBytes),
        runtimeRoot: id.runtimeRoot,
        env: sorted(id.env),
        confFlags: sorted(id.confFlags),
      }),
    );
  }

  private file(key: string): string {
    return join(this.dir, `${key}.mem`);
  }

  private metaFile(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  private async meta(key: string): Promise<SnapshotMeta | undefined> {
    try {
      const m = JSON.parse(await readFile(this.metaFile(key), 'utf8')) as SnapshotMeta;
      return m.format === 1 && typeof m.sha256 === 'string' ? m : undefined;
    } catch {
      return undefined;
    }
  }

  /** What is wrong with `bytes` as the snapshot `key`, if anything. */
  private problem(bytes: Uint8Array, meta: SnapshotMeta | undefined): string | undefined {
    if (!meta) return 'no record of its hash';
    if (bytes.length === 0 || bytes.length % PAGE !== 0) return `${bytes.length} bytes is not whole pages`; // prettier-ignore
    if (bytes.length !== meta.bytes) return `${bytes.length} bytes where ${meta.bytes} were saved`;
    if (sha256(bytes) !== meta.sha256) return 'its content does not match its recorded hash';
    return undefined;
  }

  async load(key: string): Promise<SharedArrayBuffer | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.file(key));
    } catch {
      return undefined;
    }
    if (this.problem(bytes, await this.meta(key))) {
      await this.remove(key);
      return undefined;
    }
    const memory = new SharedArrayBuffer(bytes.length);
    new Uint8Array(memory).set(bytes);
    return memory;
  }

  async save(key: string, memory: SharedArrayBuffer, runtimeRoot: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const bytes = new Uint8Array(memory);
    const meta: SnapshotMeta = {
      format: 1,
      sha256: sha256(bytes),
      bytes: bytes.length,
      runtimeRoot,
    };
    const tmp = `${this.file(key)}.${process.pid}.tmp`;
    const metaTmp = `${this.metaFile(key)}.${process.pid}.tmp`;
    try {
      await writeFile(tmp, bytes);
      await writeFile(metaTmp, JSON.stringify(meta));
      // The record last: a reader between the two renames sees a mismatch, a miss.
      await rename(tmp, this.file(key));
      await rename(metaTmp, this.metaFile(key));
    } finally {
      await rm(tmp, { force: true });
      await rm(metaTmp, { force: true });
    }
    await this.trim();
  }

  async remove(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
    await rm(this.metaFile(key), { force: true });
  }

  /** Every stored snapshot; `verify` hashes each one against its record. */
  async list(verify = false): Promise<SnapshotEntry[]> {
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter((n) => /^[0-9a-f]{64}\.mem$/.test(n)); // prettier-ignore
    const out: SnapshotEntry[] = [];
    for (const n of names.sort()) {
      const key = n.slice(0, -'.mem'.length);
      const st = await stat(join(this.dir, n)).catch(() => undefined);
      if (!st) continue;
      const meta = await this.meta(key);
      const entry: SnapshotEntry = { key, bytes: st.size, mtime: st.mtime, meta };
      if (verify) {
        const bytes = await readFile(join(this.dir, n)).catch(() => new Uint8Array(0));
        entry.problem = this.problem(bytes, meta);
      } else if (!meta) entry.problem = 'no record of its hash';
      out.push(entry);
    }
    return out;
  }

  /** Removes temp files of saves by processes that are gone, and records without a snapshot. */
  async sweep(alive: (pid: number) => boolean): Promise<number> {
    let removed = 0;
    for (const n of await readdir(this.dir).catch(() => [] as string[])) {
      const pid = Number(/\.(\d+)\.tmp$/.exec(n)?.[1] ?? 0);
      const orphanRecord = n.endsWith('.json') && !(await stat(join(this.dir, n.replace(/\.json$/, '.mem'))).catch(() => undefined)); // prettier-ignore
      if ((pid && !alive(pid)) || orphanRecord) {
        await rm(join(this.dir, n), { force: true });
        removed++;
      }
    }
    return removed;
  }

  /** Keeps the newest few snapshots. */
  private async trim(): Promise<void> {
    const names = (await readdir(this.dir)).filter((n) => n.endsWith('.mem'));
    if (names.length <= KEEP) return;
    const dated = await Promise.all(
      names.map(async (n) => ({
        n,
        t: (await stat(join(this.dir, n)).catch(() => undefined))?.mtimeMs ?? 0,
      })),
    );
    dated.sort((a, b) => b.t - a.t);
    await Promise.all(dated.slice(KEEP).map(({ n }) => this.remove(n.slice(0, -'.mem'.length))));
  }
}

/** A host's stored snapshot: the memory found on disk, and how to save one taken later. */
export interface StoredSnapshot {
  memory?: SharedArrayBuffer;
  save?(memory: SharedArrayBuffer): Promise<void>;
}

/** The stored snapshot for a host about to start, when it keeps snapshots in a directory. */
export async function storedSnapshot(
  options: {
    snapshot?: boolean;
    snapshotDir?: string;
    env?: Record<string, string>;
    confFlags?: Record<string, number>;
  },
  moduleBytes: Uint8Array,
  runtimeRoot: string,
): Promise<StoredSnapshot> {
  if (options.snapshot === false || !options.snapshotDir) return {};
  const store = new SnapshotStore(options.snapshotDir);
  const key = SnapshotStore.key({
    moduleBytes,
    runtimeRoot,
    env: options.env ?? {},
    confFlags: options.confFlags ?? {},
  });
  // A failure to save costs the next host its head start, nothing more.
  return {
    memory: await store.load(key),
    save: (m) => store.save(key, m, runtimeRoot).catch(() => {}),
  };
}
