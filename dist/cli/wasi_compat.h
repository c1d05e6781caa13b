/* Force-included into every C and C++ compile of a package for wasm32-wasi (cross-env.ts puts
   it in wasm_cc.py's flags): POSIX functions wasi-libc does not declare, which packages call on
   paths WASI cannot take. Each fails as POSIX lets it (errno ENOTSUP), so the package builds and
   only that path fails, at run time, instead of the whole build.
   dup(): WASI preview 1 has no way to duplicate a descriptor (cffi turns a Python file into a
   FILE* with dup and fdopen). */
#ifndef FAASM_WASI_COMPAT_H
#define FAASM_WASI_COMPAT_H
#if defined(__wasi__)
#include <errno.h>
static inline int dup(int fd) {
  (void)fd;
  errno = ENOTSUP;
  return -1;
}
#endif
#endif
