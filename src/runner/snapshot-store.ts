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

/**
 * Zygote snapshots on disk, so that a new host process starts even its first call from a
 * snapshot, as Faasm restores Faaslets from stored Proto-Faaslet snapshots. Writes are atomic
 * (temp file, rename); a missing or malformed file is simply a miss.
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

  async load(key: string): Promise<SharedArrayBuffer | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.file(key));
    } catch {
      return undefined;
    }
    if (bytes.length === 0 || bytes.length % PAGE !== 0) return undefined;
    const memory = new SharedArrayBuffer(bytes.length);
    new Uint8Array(memory).set(bytes);
    return memory;
  }

  async save(key: string, memory: SharedArrayBuffer): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.file(key)}.${process.pid}.tmp`;
    try {
      await writeFile(tmp, new Uint8Array(memory));
      await rename(tmp, this.file(key));
    } finally {
      await rm(tmp, { force: true });
    }
    await this.trim();
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
    await Promise.all(dated.slice(KEEP).map(({ n }) => rm(join(this.dir, n), { force: true })));
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
  return { memory: await store.load(key), save: (m) => store.save(key, m).catch(() => {}) };
}
