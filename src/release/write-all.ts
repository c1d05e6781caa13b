// Writing several files all or nothing: a failed write puts the others back.
import { randomBytes } from 'node:crypto';
import { access, constants, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UserError, errorMessage } from '../util/errors.js';

export interface FileWrite {
  /** Absolute path of an existing file. */
  path: string;
  /** What it says now, to put back if a later rename fails. */
  before: string;
  after: string;
  /** How to name it in a message (e.g. relative to the repository). */
  name: string;
}

/**
 * Replaces several files all together or not at all. Every new content goes to a temp file next
 * to its target first, and each target is checked for writing (access() honours read-only modes
 * for users and the immutable flag for root); any failure removes every temp file and changes
 * nothing. Only then are the temp files renamed into place; a rename failing after others
 * succeeded puts the earlier files' old contents back.
 */
export async function writeAllOrNothing(writes: readonly FileWrite[]): Promise<void> {
  const staged: { write: FileWrite; tmp: string }[] = [];
  const cleanUp = () => Promise.all(staged.map((s) => rm(s.tmp, { force: true })));
  for (const write of writes) {
    const tmp = `${write.path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await access(write.path, constants.W_OK);
      await access(dirname(write.path), constants.W_OK);
      const { mode } = await stat(write.path);
      staged.push({ write, tmp });
      await writeFile(tmp, write.after, { mode: mode & 0o7777, flag: 'wx' });
    } catch (err) {
      await cleanUp();
      throw new UserError(
        `Cannot write ${write.name} (${errorMessage(err)}); nothing was changed: make it writable and run again.`,
      );
    }
  }
  const done: FileWrite[] = [];
  for (const { write, tmp } of staged) {
    try {
      await rename(tmp, write.path);
      done.push(write);
    } catch (err) {
      await cleanUp();
      for (const d of done) await writeFile(d.path, d.before).catch(() => undefined);
      throw new UserError(
        `Cannot replace ${write.name} (${errorMessage(err)}); nothing was changed: make it writable and run again.`,
      );
    }
  }
}
