// File locks that let builds share one cache; abandoned locks are recognised, never waited on
// forever.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { UserError } from '../util/errors.js';

interface LockOwner {
  pid: number;
  host: string;
  /** The owner's start time (/proc/<pid>/stat field 22), so a reused pid is not mistaken for it. */
  started?: string;
}

/** The holder touches its lock this often, so a lock nobody touches is known to be abandoned. */
const HEARTBEAT_MS = 15_000;
/** A lock from another host not touched for this long is abandoned: its pid cannot be checked. */
export const FOREIGN_STALE_MS = 120_000;
/** An empty or unreadable lock this old is not being written by its owner: it crashed. */
const UNWRITTEN_STALE_MS = 10_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The kernel's start time of a process on this host (Linux), or undefined. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; the start time is field 22 overall.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    return Number.isSafeInteger(o.pid) && typeof o.host === 'string' ? (o as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

export function describeOwner(owner: LockOwner | undefined): string {
  if (!owner) return 'an unknown process';
  return owner.host === hostname() ? `pid ${owner.pid}` : `pid ${owner.pid} on ${owner.host}`;
}

/**
 * Why the lock at `path` is abandoned, or undefined while its owner may still be working:
 * same host and a dead pid (or a live pid that started later than the owner did); another
 * host and no heartbeat for FOREIGN_STALE_MS; empty or unreadable for UNWRITTEN_STALE_MS.
 */
function staleness(owner: LockOwner | undefined, ageMs: number): string | undefined {
  if (!owner) return ageMs > UNWRITTEN_STALE_MS ? 'it names no owner' : undefined;
  if (owner.host !== hostname()) {
    return ageMs > FOREIGN_STALE_MS
      ? `${owner.host} has not touched it for ${Math.round(ageMs / 1000)} s`
      : undefined;
  }
  if (!alive(owner.pid)) return `pid ${owner.pid} is no longer running`;
  if (owner.started && startTime(owner.pid) !== owner.started) {
    return `pid ${owner.pid} is now another process`;
  }
  return undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Removes an abandoned lock, unless it changed since it was judged (another waiter took it
 * over first): it is moved aside, checked to be the same file, then deleted.
 */
async function takeOver(path: string, judgedIno: number): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw cannotRemove(path, err);
  }
  if ((await stat(aside)).ino !== judgedIno) await link(aside, path).catch(() => undefined);
  await rm(aside, { force: true });
}

function cannotRemove(path: string, err: unknown): UserError {
  const code = (err as NodeJS.ErrnoException).code ?? String(err);
  return new UserError(
    `The lock file ${path} is abandoned but cannot be removed (${code}); delete it by hand.`,
  );
}

/**
 * Takes an exclusive lock by creating `path` with O_EXCL, and keeps it fresh while held. A
 * lock abandoned by a killed process, by a host that stopped touching it, or left empty, is
 * taken over; one that cannot be removed is reported with the file to delete. `onWait` hears
 * (once) what the wait is for, and of every take-over. Resolves to the release function.
 */
export async function acquireLock(
  path: string,
  onWait: (owner: string) => void = () => undefined,
  pollMs = 250,
): Promise<() => Promise<void>> {
  const me: LockOwner = { pid: process.pid, host: hostname(), started: startTime(process.pid) };
  let warned = false;
  for (;;) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(JSON.stringify(me));
      await fh.close();
      return holdLock(path, me);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        throw new UserError(
          `Cannot create the lock file ${path} (${code ?? String(err)}); make the cache directory writable, or choose another with --cache-dir.`,
        );
      }
    }
    const st = await stat(path).catch(() => undefined);
    if (!st) continue;
    const owner = parseOwner(await readFile(path, 'utf8').catch(() => ''));
    const stale = staleness(owner, Date.now() - st.mtimeMs);
    if (stale) {
      await takeOver(path, st.ino);
      onWait(`took over the abandoned lock ${path} (${stale})`);
      continue;
    }
    if (!warned) {
      warned = true;
      onWait(
        `waiting for another build (${describeOwner(owner)}) to finish this layer; if none is running, delete ${path}`,
      );
    }
    await sleep(pollMs);
  }
}

/** Touches the lock while it is held; the release removes it only while it is still ours. */
function holdLock(path: string, me: LockOwner): () => Promise<void> {
  const beat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  beat.unref();
  return async () => {
    clearInterval(beat);
    const owner = parseOwner(await readFile(path, 'utf8').catch(() => ''));
    if (owner?.pid === me.pid && owner.host === me.host) await rm(path, { force: true });
  };
}

/** True when a pid recorded in a staging name belongs to a live process on this host. */
export function pidAlive(pid: number): boolean {
  return alive(pid);
}
