// Replaces wasi-libc's utimensat/futimens in the toolchain layer's sysroot. Debian bookworm's
// wasi-libc (snapshot 2022-05-10) turns `times == NULL` ("set both to now") into "set both to
// 0", so os.utime(path) and Path.touch() date files to 1970 on every runtime (wasmtime#4184,
// named in CPython's Tools/wasm/README.md). POSIX semantics: NULL means both now; UTIME_NOW and
// UTIME_OMIT per entry; anything else must be a valid, non-negative timespec.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <wasi/api.h>
#include <wasi/libc-nocwd.h>

static int to_wasi(const struct timespec *t, __wasi_timestamp_t *out, __wasi_fstflags_t *flags,
                   __wasi_fstflags_t set, __wasi_fstflags_t now) {
  if (t->tv_nsec == UTIME_NOW) {
    *flags |= now;
  } else if (t->tv_nsec != UTIME_OMIT) {
    if (t->tv_nsec < 0 || t->tv_nsec >= 1000000000 || t->tv_sec < 0 ||
        (uint64_t)t->tv_sec > (UINT64_MAX - (uint64_t)t->tv_nsec) / 1000000000u) {
      return -1;
    }
    *out = (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
    *flags |= set;
  }
  return 0;
}

static int timestamps(const struct timespec *times, __wasi_timestamp_t *atim,
                      __wasi_timestamp_t *mtim, __wasi_fstflags_t *flags) {
  *atim = *mtim = 0;
  if (times == NULL) {
    *flags = __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW;
    return 0;
  }
  *flags = 0;
  if (to_wasi(&times[0], atim, flags, __WASI_FSTFLAGS_ATIM, __WASI_FSTFLAGS_ATIM_NOW) != 0 ||
      to_wasi(&times[1], mtim, flags, __WASI_FSTFLAGS_MTIM, __WASI_FSTFLAGS_MTIM_NOW) != 0) {
    errno = EINVAL;
    return -1;
  }
  return 0;
}

int __wasilibc_nocwd_utimensat(int fd, const char *path, const struct timespec times[2],
                               int flag) {
  __wasi_timestamp_t atim, mtim;
  __wasi_fstflags_t flags;
  if (timestamps(times, &atim, &mtim, &flags) != 0) return -1;
  if ((flag & ~AT_SYMLINK_NOFOLLOW) != 0) {
    errno = EINVAL;
    return -1;
  }
  __wasi_lookupflags_t lookup =
      (flag & AT_SYMLINK_NOFOLLOW) ? 0 : __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW;
  __wasi_errno_t error = __wasi_path_filestat_set_times(fd, lookup, path, atim, mtim, flags);
  if (error != 0) {
    errno = error;
    return -1;
  }
  return 0;
}

int futimens(int fd, const struct timespec times[2]) {
  __wasi_timestamp_t atim, mtim;
  __wasi_fstflags_t flags;
  if (timestamps(times, &atim, &mtim, &flags) != 0) return -1;
  __wasi_errno_t error = __wasi_fd_filestat_set_times(fd, atim, mtim, flags);
  if (error != 0) {
    errno = error;
    return -1;
  }
  return 0;
}
