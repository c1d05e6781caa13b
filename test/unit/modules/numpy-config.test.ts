import { describe, expect, test } from '@jest/globals';
import { targetNumpyConfig } from '../../../src/modules/numpy-config.js';

// numpy 2.4.6's x86_64 wheel (the build requirement) says:
const X86_64 = `#define NPY_HAVE_ENDIAN_H 1

#define NPY_SIZEOF_SHORT 2
#define NPY_SIZEOF_INT 4
#define NPY_SIZEOF_LONG 8
#define NPY_SIZEOF_FLOAT 4
#define NPY_SIZEOF_COMPLEX_FLOAT 8
#define NPY_SIZEOF_DOUBLE 8
#define NPY_SIZEOF_COMPLEX_DOUBLE 16
#define NPY_SIZEOF_LONGDOUBLE 16
#define NPY_SIZEOF_COMPLEX_LONGDOUBLE 32
#define NPY_SIZEOF_PY_INTPTR_T 8
#define NPY_SIZEOF_INTP 8
#define NPY_SIZEOF_UINTP 8
#define NPY_SIZEOF_WCHAR_T 4
#define NPY_SIZEOF_OFF_T 8
#define NPY_SIZEOF_PY_LONG_LONG 8
#define NPY_SIZEOF_LONGLONG 8

#define NPY_NO_SMP 0

#define NPY_ABI_VERSION 0x02000000
#define NPY_API_VERSION 0x00000015
`;

// clang --target=wasm32-wasi -dM -E (the lines that matter).
const WASM32 = [
  '#define __SIZEOF_DOUBLE__ 8',
  '#define __SIZEOF_FLOAT__ 4',
  '#define __SIZEOF_INT128__ 16',
  '#define __SIZEOF_INT__ 4',
  '#define __SIZEOF_LONG_DOUBLE__ 16',
  '#define __SIZEOF_LONG_LONG__ 8',
  '#define __SIZEOF_LONG__ 4',
  '#define __SIZEOF_POINTER__ 4',
  '#define __SIZEOF_PTRDIFF_T__ 4',
  '#define __SIZEOF_SHORT__ 2',
  '#define __SIZEOF_SIZE_T__ 4',
  '#define __SIZEOF_WCHAR_T__ 4',
  '#define __wasm32__ 1',
].join('\n');

describe("numpy's _numpyconfig.h for wasm32", () => {
  test("takes the target's sizes: 4-byte long and pointers, the rest as they are", () => {
    const out = targetNumpyConfig(X86_64, WASM32);
    expect(out).toContain('#define NPY_SIZEOF_LONG 4\n');
    expect(out).toContain('#define NPY_SIZEOF_PY_INTPTR_T 4\n');
    expect(out).toContain('#define NPY_SIZEOF_INTP 4\n');
    expect(out).toContain('#define NPY_SIZEOF_UINTP 4\n');
    expect(out).toContain('#define NPY_SIZEOF_COMPLEX_LONGDOUBLE 32\n');
    expect(out).toContain('#define NPY_SIZEOF_OFF_T 8\n');
    expect(out).toContain('#define NPY_NO_SMP 1\n');
    // Versions untouched; only the lines above changed.
    expect(out).toContain('#define NPY_API_VERSION 0x00000015');
    const changed = out.split('\n').filter((l, i) => l !== X86_64.split('\n')[i]);
    expect(changed).toHaveLength(5);
  });

  test('a size it cannot tell is an error, not a guess', () => {
    expect(() => targetNumpyConfig(`${X86_64}#define NPY_SIZEOF_HALF 2\n`, WASM32)).toThrow(
      /sizes this build does not know: HALF/,
    );
    expect(() => targetNumpyConfig(X86_64, '#define __SIZEOF_INT__ 4')).toThrow(/SHORT, LONG/);
  });
});
