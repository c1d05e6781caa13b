/* ffitarget.h: libffi's wasm32-wasi target (faasm-python; see ffi.c beside it). */
#ifndef LIBFFI_TARGET_H
#define LIBFFI_TARGET_H

#ifndef LIBFFI_H
#error "Please do not include ffitarget.h directly into your source.  Use ffi.h instead."
#endif

typedef unsigned long ffi_arg;
typedef signed long ffi_sarg;

typedef enum ffi_abi {
  FFI_FIRST_ABI = 0,
  /* clang's basic C ABI for wasm32 (WebAssemblyABIInfo, not the experimental multivalue one). */
  FFI_WASM32_WASI,
  FFI_LAST_ABI,
  FFI_DEFAULT_ABI = FFI_WASM32_WASI
} ffi_abi;

/* The closure API is declared (callers such as CPython's ctypes and cffi link against it),
   but wasm cannot make a function at run time: ffi_prep_closure_loc always fails. */
#define FFI_CLOSURES 1
#define FFI_TRAMPOLINE_SIZE 4
#define FFI_NATIVE_RAW_API 0
#define FFI_TARGET_SPECIFIC_VARIADIC 1
/* nfixedargs: where a variadic call's arguments start; wasi_key: the call stub's key. */
#define FFI_EXTRA_CIF_FIELDS unsigned int nfixedargs; unsigned long wasi_key

#endif
