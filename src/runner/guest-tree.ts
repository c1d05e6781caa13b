/**
 * Removing a tree a guest built in its /tmp. Each of the guest's own calls is bounded by the
 * host's path limit (PATH_MAX, 4096 bytes), but renames can still build a tree deeper than that:
 * move a deep directory into another deep one and its files sit at paths no system call takes.
 * A plain recursive remove fails there (ENAMETOOLONG) and leaves the tree on the host's disk, so
 * the fallback first moves every directory whose path is long up to the top of the tree.
 */
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Paths longer than this are moved up (well under PATH_MAX plus a 255-byte name). */
const SHALLOW = 2048;

/** Moves every deep directory under `root` to `root` itself, so every path in it is short. */
function flatten(root: string): void {
  let moved = 0;
  const todo = [root];
  while (todo.length) {
    const dir = todo.pop()!;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      let path = join(dir, e.name);
      if (Buffer.byteLength(path) > SHALLOW) {
        const up = join(root, `.deep-${moved++}`);
        renameSync(path, up);
        path = up;
      }
      todo.push(path);
    }
  }
}

/** Removes `root` and everything in it, however deep; synchronous (for signal handlers). */
export function removeGuestTreeSync(root: string): void {
  try {
    rmSync(root, { recursive: true, force: true });
  } catch {
    flatten(root);
    rmSync(root, { recursive: true, force: true });
  }
}

/** Removes `root` and everything in it, however deep. */
export async function removeGuestTree(root: string): Promise<void> {
  try {
    await rm(root, { recursive: true, force: true });
  } catch {
    removeGuestTreeSync(root);
  }
}
