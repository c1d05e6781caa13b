/* fficonfig.h for libffi's wasm32-wasi target (faasm-python): what configure would find
   for clang's wasm32-wasi with wasi-libc. */
#define STDC_HEADERS 1
#define HAVE_ALLOCA_H 1
#define HAVE_MEMCPY 1
#define HAVE_STDINT_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_LONG_DOUBLE 1
#define SIZEOF_DOUBLE 8
#define SIZEOF_LONG_DOUBLE 16
#define SIZEOF_SIZE_T 4
#define HAVE_HIDDEN_VISIBILITY_ATTRIBUTE 1
#define FFI_HIDDEN __attribute__((visibility("hidden")))
