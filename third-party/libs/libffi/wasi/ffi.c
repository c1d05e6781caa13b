/* ffi.c: libffi's wasm32-wasi target (faasm-python).
 *
 * Upstream libffi's wasm32 port is Emscripten's: it calls JavaScript. WASI has no host to
 * call, so this target makes the call in wasm itself. A wasm call through a function pointer
 * (call_indirect) names its function type statically; wasi-calls.inc (written by
 * gen-calls.c at build time) holds one compiled call per supported type, and ffi_call picks
 * it by a key computed from the cif. The types, ffi_prep_cif and struct layout are libffi's
 * own (types.c, prep_cif.c).
 *
 * The C ABI is clang's basic one for wasm32 (clang/lib/CodeGen/Targets/WebAssembly.cpp):
 *   - integers and pointers up to 32 bits are i32, 64-bit integers i64, float f32, double f64;
 *   - a struct with a single scalar element of its whole size travels as that scalar;
 *   - any other struct argument is passed indirectly: a pointer (i32) to a copy;
 *   - any other struct return goes through a hidden pointer, the first parameter;
 *   - a variadic function takes its fixed parameters, then one i32 pointing at a buffer of
 *     the variadic arguments, each at its alignment (at least 4), structs as pointers.
 * long double (fp128) and complex types are refused (FFI_BAD_TYPEDEF), as are signatures
 * without a stub (FFI_BAD_ABI): ffi_prep_cif fails rather than ffi_call trapping.
 *
 * Closures need a function made at run time, which wasm cannot do: ffi_closure_alloc gives
 * memory (so callers can free it as usual) and ffi_prep_closure_loc returns FFI_BAD_ABI.
 */
#include <ffi.h>
#include <ffi_common.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { K_I32 = 0, K_I64 = 1, K_F32 = 2, K_F64 = 3, K_VOID = 4, K_NONE = -1 };

/* At most this many wasm parameters (the generator's WIDE, with room for a hidden pointer). */
#define WASI_MAX_PARAMS 16

union wasi_slot {
  int32_t i32;
  int64_t i64;
  float f32;
  double f64;
};

/* Calls fn with the stub of `key`; with fn NULL, only says whether that stub exists. */
static int wasi_dispatch(void (*fn)(void), unsigned long key, const union wasi_slot *a,
                         union wasi_slot *r) {
  switch (key) {
#include "wasi-calls.inc"
  default:
    return 0;
  }
}

/* The one scalar a struct is made of, if clang's isSingleElementStruct would find one. */
static const ffi_type *single_element(const ffi_type *t) {
  const ffi_type *found = NULL;
  for (ffi_type **e = t->elements; e && *e; e++) {
    const ffi_type *el = *e;
    if (el->type == FFI_TYPE_STRUCT) {
      el = single_element(el);
      if (!el) return NULL;
    }
    if (found) return NULL;
    found = el;
  }
  return found && found->size == t->size ? found : NULL;
}

static int scalar_kind(const ffi_type *t) {
  switch (t->type) {
  case FFI_TYPE_VOID: return K_VOID;
  case FFI_TYPE_INT:
  case FFI_TYPE_UINT8:
  case FFI_TYPE_SINT8:
  case FFI_TYPE_UINT16:
  case FFI_TYPE_SINT16:
  case FFI_TYPE_UINT32:
  case FFI_TYPE_SINT32:
  case FFI_TYPE_POINTER: return K_I32;
  case FFI_TYPE_UINT64:
  case FFI_TYPE_SINT64: return K_I64;
  case FFI_TYPE_FLOAT: return K_F32;
  case FFI_TYPE_DOUBLE: return K_F64;
  default: return K_NONE; /* long double (fp128), complex */
  }
}

/* A struct that is not a single scalar travels by pointer. */
static int by_pointer(const ffi_type *t) {
  return t->type == FFI_TYPE_STRUCT && !single_element(t);
}

static int value_kind(const ffi_type *t) {
  if (t->type == FFI_TYPE_STRUCT) {
    const ffi_type *el = single_element(t);
    return el ? scalar_kind(el) : K_I32;
  }
  return scalar_kind(t);
}

static ffi_status prep(ffi_cif *cif, unsigned nfixed, int variadic) {
  if (cif->abi != FFI_WASM32_WASI) return FFI_BAD_ABI;
  int ret = by_pointer(cif->rtype) ? K_VOID : value_kind(cif->rtype);
  if (ret == K_NONE) return FFI_BAD_TYPEDEF;
  unsigned long key = 1;
  unsigned params = 0;
  if (by_pointer(cif->rtype)) key = key * 4 + K_I32, params++;
  for (unsigned i = 0; i < cif->nargs; i++) {
    int k = value_kind(cif->arg_types[i]);
    if (k == K_NONE || k == K_VOID) return FFI_BAD_TYPEDEF;
    if (i < nfixed) key = key * 4 + k, params++;
  }
  if (variadic) key = key * 4 + K_I32, params++;
  if (params > WASI_MAX_PARAMS) return FFI_BAD_ABI;
  key = key * 5 + ret;
  if (!wasi_dispatch(NULL, key, NULL, NULL)) return FFI_BAD_ABI;
  cif->nfixedargs = variadic ? nfixed : cif->nargs;
  cif->wasi_key = key;
  /* rvalue of a small integer is an ffi_arg: ffi_call widens it. */
  cif->bytes = 0;
  cif->flags = (unsigned)ret;
  return FFI_OK;
}

ffi_status FFI_HIDDEN ffi_prep_cif_machdep(ffi_cif *cif) {
  return prep(cif, cif->nargs, 0);
}

ffi_status FFI_HIDDEN ffi_prep_cif_machdep_var(ffi_cif *cif, unsigned nfixed, unsigned ntotal) {
  (void)ntotal;
  return prep(cif, nfixed, 1);
}

/* A scalar argument as its wasm value: small integers extended as C would. */
static union wasi_slot load(const ffi_type *t, const void *p) {
  union wasi_slot s;
  s.i64 = 0;
  switch (t->type) {
  case FFI_TYPE_UINT8: s.i32 = *(const uint8_t *)p; break;
  case FFI_TYPE_SINT8: s.i32 = *(const int8_t *)p; break;
  case FFI_TYPE_UINT16: s.i32 = *(const uint16_t *)p; break;
  case FFI_TYPE_SINT16: s.i32 = *(const int16_t *)p; break;
  case FFI_TYPE_INT:
  case FFI_TYPE_UINT32:
  case FFI_TYPE_SINT32:
  case FFI_TYPE_POINTER: memcpy(&s.i32, p, 4); break;
  case FFI_TYPE_UINT64:
  case FFI_TYPE_SINT64: memcpy(&s.i64, p, 8); break;
  case FFI_TYPE_FLOAT: memcpy(&s.f32, p, 4); break;
  case FFI_TYPE_DOUBLE: memcpy(&s.f64, p, 8); break;
  default: break;
  }
  return s;
}

/* An argument's wasm value; a struct by pointer goes as `copy` (the callee may write it),
   which the caller allocates in its own frame. */
static union wasi_slot argument(const ffi_type *t, void *p, void *copy) {
  union wasi_slot s;
  if (copy) {
    memcpy(copy, p, t->size);
    s.i64 = 0;
    s.i32 = (int32_t)(intptr_t)copy;
    return s;
  }
  return load(t->type == FFI_TYPE_STRUCT ? single_element(t) : t, p);
}

#define COPY_OF(t) (by_pointer(t) ? alloca((t)->size) : NULL)

void ffi_call(ffi_cif *cif, void (*fn)(void), void *rvalue, void **avalue) {
  union wasi_slot a[WASI_MAX_PARAMS], r;
  unsigned n = 0;
  const ffi_type *rt = cif->rtype;
  void *sret = NULL;
  if (by_pointer(rt)) {
    sret = rvalue ? rvalue : alloca(rt->size);
    a[n++].i32 = (int32_t)(intptr_t)sret;
  }
  for (unsigned i = 0; i < cif->nfixedargs; i++) {
    const ffi_type *t = cif->arg_types[i];
    a[n++] = argument(t, avalue[i], COPY_OF(t));
  }
  if (cif->nfixedargs < cif->nargs) {
    /* The variadic buffer: each argument at its alignment, at least 4. */
    size_t size = 0;
    for (unsigned i = cif->nfixedargs; i < cif->nargs; i++) {
      const ffi_type *t = cif->arg_types[i];
      size_t sz = by_pointer(t) ? 4 : t->size < 4 ? 4 : t->size;
      size_t al = by_pointer(t) ? 4 : t->alignment < 4 ? 4 : t->alignment;
      size = FFI_ALIGN(size, al) + sz;
    }
    char *buf = alloca(size ? size : 4);
    size_t off = 0;
    for (unsigned i = cif->nfixedargs; i < cif->nargs; i++) {
      const ffi_type *t = cif->arg_types[i];
      union wasi_slot s = argument(t, avalue[i], COPY_OF(t));
      size_t sz = by_pointer(t) ? 4 : t->size < 4 ? 4 : t->size;
      size_t al = by_pointer(t) ? 4 : t->alignment < 4 ? 4 : t->alignment;
      off = FFI_ALIGN(off, al);
      if (by_pointer(t)) {
        memcpy(buf + off, &s.i32, 4);
      } else {
        int k = value_kind(t);
        if (k == K_I64 || k == K_F64) memcpy(buf + off, &s.i64, 8);
        else if (k == K_F32) memcpy(buf + off, &s.f32, 4);
        else memcpy(buf + off, &s.i32, 4);
      }
      off += sz;
    }
    a[n].i64 = 0;
    a[n++].i32 = (int32_t)(intptr_t)buf;
  }
  r.i64 = 0;
  wasi_dispatch(fn, cif->wasi_key, a, &r);
  if (!rvalue || sret || cif->flags == K_VOID) return;
  const ffi_type *st = rt->type == FFI_TYPE_STRUCT ? single_element(rt) : rt;
  switch (st->type) {
  /* Integers narrower than ffi_arg come back widened to it, as libffi promises. */
  case FFI_TYPE_UINT8: *(ffi_arg *)rvalue = (uint8_t)r.i32; break;
  case FFI_TYPE_SINT8: *(ffi_sarg *)rvalue = (int8_t)r.i32; break;
  case FFI_TYPE_UINT16: *(ffi_arg *)rvalue = (uint16_t)r.i32; break;
  case FFI_TYPE_SINT16: *(ffi_sarg *)rvalue = (int16_t)r.i32; break;
  default:
    if (rt->type == FFI_TYPE_STRUCT) memcpy(rvalue, &r, rt->size);
    else memcpy(rvalue, &r, st->size);
  }
}

void *ffi_closure_alloc(size_t size, void **code) {
  void *p = calloc(1, size);
  if (code) *code = NULL;
  return p;
}

void ffi_closure_free(void *p) {
  free(p);
}

ffi_status ffi_prep_closure_loc(ffi_closure *closure, ffi_cif *cif,
                                void (*fun)(ffi_cif *, void *, void **, void *),
                                void *user_data, void *codeloc) {
  (void)closure, (void)cif, (void)fun, (void)user_data, (void)codeloc;
  return FFI_BAD_ABI;
}

int FFI_HIDDEN ffi_tramp_is_present(void *closure) {
  (void)closure;
  return 0;
}
