import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';

interface LockOwner {
  pid: number;
  host: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock file whose owner is gone (same host, dead pid) or unreadable is stale. */
async function isStale(path: string): Promise<boolean> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as LockOwner;
    return owner.host === hostname() && !alive(owner.pid);
  } catch {
    // Unreadable: it may be mid-write by its owner; only a missing file counts as gone.
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Takes an exclusive lock by creating `path` with O_EXCL. A lock left by a killed process on
 * this host is taken over. Resolves to the release function.
 */
export async function acquireLock(
  path: string,
  onWait: (owner: string) => void = () => undefined,
  pollMs = 250,
): Promise<() => Promise<void>> {
  let warned = false;
  for (;;) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(JSON.stringify({ pid: process.pid, host: hostname() }));
      await fh.close();
      return async () => {
        await rm(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await isStale(path)) {
      await rm(path, { force: true });
      continue;
    }
    if (!warned) {
      warned = true;
      onWait(await readFile(path, 'utf8').catch(() => 'another process'));
    }
    await sleep(pollMs);
  }
}

/** True when a pid recorded in a staging name belongs to a live process on this host. */
export function pidAlive(pid: number): boolean {
  return alive(pid);
}
