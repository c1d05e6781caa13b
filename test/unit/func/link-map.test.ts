import { describe, expect, test } from '@jest/globals';
import { linkedBytesByInput } from '../../../src/func/link-map.js';

const MAP = `    Addr      Off     Size Out     In      Symbol
       -     5687   441f38 CODE
       -     5689        c         <internal>:(__wasm_call_ctors)
       -     56b1        9         py_func.o:(faasm_zygote)
       -     56b1        9                 faasm_zygote
       -     7326       eb         /c/layers/modules/k/out/ext/genshi._speedups.a(0-genshi__speedups.o):(Markup_repr)
       -     7411      18a         /c/layers/modules/k/out/ext/genshi._speedups.a(0-genshi__speedups.o):(PyInit_genshi__speedups)
       -     7411      18a                 PyInit_genshi__speedups
   10000    10000       20         /c/layers/wasm/k/out/lib/libpython3.11.a(ceval.o):(.rodata.x)
`;

describe('linkedBytesByInput', () => {
  test('sums input sections per archive and per loose object, skipping symbol lines', () => {
    expect(linkedBytesByInput(MAP)).toEqual({
      'py_func.o': 0x9,
      'genshi._speedups.a': 0xeb + 0x18a,
      'libpython3.11.a': 0x20,
    });
  });
});
