/**
 * WASI rights, reduced to an fd's access mode. This host does not enforce preview1 rights: an
 * fd is readable, writable or both, fixed when it is opened, and `need()` is the one check,
 * made by every call that reads or writes bytes (EBADF, as POSIX read/write on an fd opened
 * the other way). Every other right is reported but never checked, and fd_fdstat_set_rights
 * narrows nothing.
 *
 * Why: wasmtime removed rights enforcement from its preview1 (bytecodealliance/wasmtime#6265,
 * "liberate wasi-common from Rights": "a failed experiment, it has effectively no adoption";
 * all that is left is path_open's FD_READ/FD_WRITE choosing O_RDONLY/O_WRONLY), and its
 * preview1 adapter's fd_fdstat_set_rights does nothing for a valid fd. The guests here are
 * wasi-libc programs, which open every file asking for all rights but the ones its access mode
 * contradicts, from a preopen that may pass on every right: no other check could ever fail.
 * Sandboxing is the mount table's job (mounts.ts), not the rights'.
 *
 * The reported rights still matter, because wasi-libc reads them back (wasmtime#6784): isatty()
 * is "a character device without FD_SEEK/FD_TELL", fcntl(F_GETFL) derives O_RDONLY/O_WRONLY/
 * O_RDWR from FD_READ/FD_READDIR and FD_WRITE, and openat() asks for `wanted & inheriting` of
 * the directory. `reported()` gives what wasi-libc's own choice of rights would have produced.
 */
import { Errno, Rights as R } from './abi.js';
import { fail } from './mounts.js';

const all = (...bits: bigint[]) => bits.reduce((a, b) => a | b, 0n);

/** What a regular file fd can do at most. */
export const FILE_RIGHTS = all(
  R.FD_DATASYNC, R.FD_READ, R.FD_SEEK, R.FD_FDSTAT_SET_FLAGS, R.FD_SYNC, R.FD_TELL, R.FD_WRITE,
  R.FD_ADVISE, R.FD_ALLOCATE, R.FD_FILESTAT_GET, R.FD_FILESTAT_SET_SIZE, R.FD_FILESTAT_SET_TIMES,
  R.POLL_FD_READWRITE,
); // prettier-ignore

/** What a directory fd can do at most. */
export const DIR_RIGHTS = all(
  R.FD_FDSTAT_SET_FLAGS, R.FD_SYNC, R.FD_ADVISE, R.PATH_CREATE_DIRECTORY, R.PATH_CREATE_FILE,
  R.PATH_LINK_SOURCE, R.PATH_LINK_TARGET, R.PATH_OPEN, R.FD_READDIR, R.PATH_READLINK,
  R.PATH_RENAME_SOURCE, R.PATH_RENAME_TARGET, R.PATH_FILESTAT_GET, R.PATH_FILESTAT_SET_SIZE,
  R.PATH_FILESTAT_SET_TIMES, R.FD_FILESTAT_GET, R.FD_FILESTAT_SET_TIMES, R.PATH_SYMLINK,
  R.PATH_REMOVE_DIRECTORY, R.PATH_UNLINK_FILE,
); // prettier-ignore

/** Rights a directory reports it may pass on. */
export const INHERIT_RIGHTS = FILE_RIGHTS | DIR_RIGHTS;

/** Rights whose request opens a file for writing. */
export const WRITE_RIGHTS = R.FD_WRITE | R.FD_ALLOCATE | R.FD_FILESTAT_SET_SIZE;

/** The bits wasi-libc leaves out of an fd not opened for reading, and for writing. */
const READ_ONLY_BITS = R.FD_READ | R.FD_READDIR;
const WRITE_ONLY_BITS = WRITE_RIGHTS | R.FD_DATASYNC;

// /dev/null-like: the seek rights make wasi-libc's isatty() say no.
const STDIO_RIGHTS = all(
  R.FD_READ, R.FD_WRITE, R.FD_FDSTAT_SET_FLAGS, R.FD_SYNC, R.FD_FILESTAT_GET, R.POLL_FD_READWRITE,
  R.FD_SEEK, R.FD_TELL,
); // prettier-ignore

/** An fd's access mode. */
export interface Access {
  readable: boolean;
  writable: boolean;
}

/** The access mode path_open's requested rights ask for. */
export function accessOf(rightsBase: bigint): Access {
  return {
    readable: (rightsBase & READ_ONLY_BITS) !== 0n,
    writable: (rightsBase & WRITE_RIGHTS) !== 0n,
  };
}

/** The one rights check: reading or writing bytes through an fd opened the other way is EBADF. */
export function need(fd: Access, what: 'read' | 'write'): void {
  if (!(what === 'read' ? fd.readable : fd.writable)) fail(Errno.BADF);
}

/** The rights fd_fdstat_get reports for an fd of this kind and access mode. */
export function reported(
  kind: 'stdio' | 'file' | 'dir',
  fd: Access,
): { rightsBase: bigint; rightsInheriting: bigint } {
  if (kind === 'stdio') return { rightsBase: STDIO_RIGHTS, rightsInheriting: 0n };
  const max = kind === 'file' ? FILE_RIGHTS : DIR_RIGHTS;
  const drop = (fd.readable ? 0n : READ_ONLY_BITS) | (fd.writable ? 0n : WRITE_ONLY_BITS);
  return {
    rightsBase: max & ~drop,
    rightsInheriting: kind === 'dir' ? INHERIT_RIGHTS : 0n,
  };
}
