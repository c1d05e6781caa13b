/* Forced-include (-include) compat shim to build the SQLite 3.40.1 amalgamation for
 * wasm32-wasi with Debian bookworm's wasi-libc (2022-05-10). SQLite >= 3.41 has native
 * __wasi__ support (SQLITE_WASI) and does not need this file.
 * Mirrors what 3.41+ does: no fchmod/fchown/geteuid, no fcntl locks (dotfile VFS),
 * no mmap/WAL, pid = 1. */
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
#ifndef F_RDLCK
# define F_RDLCK 0
# define F_WRLCK 1
# define F_UNLCK 2
# define F_GETLK 12
# define F_SETLK 13
# define F_SETLKW 14
#endif
#endif
#endif
