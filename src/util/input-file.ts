/**
 * Reading a file a user names as input (`--input-file`, a function to upload). A device, a FIFO
 * or a huge file must not make the tool block or fill its memory: the file is looked at before
 * a byte is read (a regular file, at most `maxBytes`), opened without blocking, looked at again
 * through the open descriptor (it may have been swapped meanwhile), and read no further than
 * the limit.
 */
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { UserError } from './errors.js';

function kind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The bytes of `path`, or one sentence: `what` names the file ("the input file"), `limit` the
 * option that raises the bound ("--input-mb"), if there is one.
 */
export async function readBoundedFile(
  path: string,
  maxBytes: number,
  what: string,
  limit?: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const check = (st: Stats) => {
    if (!st.isFile()) throw new UserError(`${what} ${path} is ${kind(st)}; pass a regular file.`);
    if (st.size > maxBytes) {
      throw new UserError(
        `${what} ${path} is ${st.size} bytes, over the ${maxBytes}-byte limit${limit ? `; raise it with ${limit}` : ''}.`,
      );
    }
  };
  const first = await stat(path).catch(() => undefined);
  if (!first) throw new UserError(`There is no ${what} ${path}; check the path.`);
  check(first);
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => {
    throw new UserError(`Cannot read ${what} ${path}; check its permissions.`);
  });
  try {
    check(await fh.stat());
    // One byte more than the limit tells a file that grew since from one that did not.
    const buf = Buffer.alloc(Math.min(maxBytes + 1, first.size + 1));
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n === buf.length) break;
    }
    if (n > maxBytes || n > first.size) {
      throw new UserError(`${what} ${path} grew while it was read; pass a file that is not being written.`); // prettier-ignore
    }
    return new Uint8Array(buf.buffer, buf.byteOffset, n);
  } finally {
    await fh.close();
  }
}
