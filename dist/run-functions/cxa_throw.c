/*
 * The C++ exception entry points for wasm32-wasi programs that link C++ code which throws
 * (numpy's pocketfft and unique.cpp). Debian's libc++abi for wasm32 is built without exception
 * support, so it has no __cxa_allocate_exception or __cxa_throw, and clang compiles try/catch
 * for wasm (without -fwasm-exceptions, which neither that libc++abi nor every Faasm VM supports)
 * to plain calls: no catch block can ever run. A throw therefore ends the program, as it would
 * in code built with -fno-exceptions, but it names what was thrown instead of a bare trap.
 * Linked from an archive after the program's own code: a program that cannot throw never
 * pulls it in.
 */
#include <stdio.h>
#include <stdlib.h>

/* Itanium C++ ABI, 2.9.5: a std::type_info is its vtable pointer, then its mangled name. */
struct cxa_type_info {
  const void *vtable;
  const char *name;
};

char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

void *__cxa_allocate_exception(size_t size) {
  void *p = calloc(1, size ? size : 1);
  if (!p) abort();
  return p;
}

void __cxa_free_exception(void *p) { free(p); }

_Noreturn void __cxa_throw(void *obj, void *tinfo, void (*dest)(void *)) {
  (void)obj;
  (void)dest;
  const struct cxa_type_info *ti = tinfo;
  const char *mangled = ti && ti->name ? ti->name : "";
  int status = -1;
  char *name = *mangled ? __cxa_demangle(mangled, NULL, NULL, &status) : NULL;
  fprintf(stderr,
          "Fatal error: C++ code threw %s; C++ exceptions are not supported on wasm32-wasi "
          "(no catch block can run), so the program aborts.\n",
          status == 0 && name ? name : *mangled ? mangled : "an exception");
  fflush(stderr);
  abort();
}
