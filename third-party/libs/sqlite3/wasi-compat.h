/* Forced-include (-include) compat shim to build the SQLite 3.40.1 amalgamation for
 * wasm32-wasi with Debian bookworm's wasi-libc (2022-05-10). SQLite >= 3.41 has native
 * __wasi__ support (SQLITE_WASI) and does not need this file.
 * No fchmod/fchown/geteuid, no mmap/WAL, pid = 1.
 *
 * Locking: WASI has no file locks, so fcntl(F_SETLK/F_GETLK) always grants the lock and the
 * default "unix" VFS does the rest with its in-process lock table (one per file, shared by every
 * connection in the process). Connections of one Python process get SQLite's full
 * SHARED/RESERVED/PENDING/EXCLUSIVE protocol: a reader and a writer coexist, a commit waits
 * for readers. Nothing protects a database that two processes write at once; a Faasm guest's
 * files are its own. (3.41+ builds with SQLITE_WASI use the dotfile VFS instead, where every
 * lock is exclusive and a reader blocks a writer.) */
#ifndef SQLITE_WASI_COMPAT_H
#define SQLITE_WASI_COMPAT_H
#ifdef __wasi__
#include <sys/types.h>
#include <fcntl.h>
#include <unistd.h>
static inline int fchmod(int fd, mode_t mode) { (void)fd; (void)mode; return 0; }
static inline int fchown(int fd, uid_t u, gid_t g) { (void)fd; (void)u; (void)g; return 0; }
static inline uid_t geteuid(void) { return 0; }
static inline pid_t sqlite_wasi_getpid(void) { return 1; }
#define getpid sqlite_wasi_getpid
#include <stdarg.h>
#ifndef F_RDLCK
# define F_RDLCK 0
# define F_WRLCK 1
# define F_UNLCK 2
# define F_GETLK 12
# define F_SETLK 13
# define F_SETLKW 14
#endif
static inline int sqlite_wasi_fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  if (cmd == F_SETLK || cmd == F_SETLKW) return 0;
  if (cmd == F_GETLK) {
    ((struct flock *)arg)->l_type = F_UNLCK;
    return 0;
  }
  return fcntl(fd, cmd, arg);
}
#define fcntl sqlite_wasi_fcntl
#endif
#endif
