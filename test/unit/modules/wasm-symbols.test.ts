import { describe, expect, test } from '@jest/globals';
import { renameWasmSymbols } from '../../../src/modules/wasm-symbols.js';

/** Unsigned LEB128, as wasm encodes sizes. */
function leb(n: number): number[] {
  const out: number[] = [];
  do {
    out.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n);
  return out;
}

/** A minimal relocatable object: no code, a linking section with one defined data symbol. */
function objectWith(symbol: string, flags = 0): Uint8Array {
  const name = [...Buffer.from(symbol)];
  const symtab = [1, 0x01, flags, ...leb(name.length), ...name, 0, 0, 4]; // 1 symbol: DATA, flags, name, seg, off, size
  const linking = [2, 8, ...leb(symtab.length), ...symtab]; // version 2, SYMBOL_TABLE subsection
  const secName = [...Buffer.from('linking')];
  const payload = [secName.length, ...secName, ...linking];
  return Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0, ...leb(payload.length), ...payload]);
}

describe('renameWasmSymbols', () => {
  test('renames a symbol in the linking section and keeps everything else', () => {
    const before = objectWith('PyInit__speedups');
    const { bytes, renamed } = renameWasmSymbols(
      before,
      new Map([['PyInit__speedups', 'PyInit_markupsafe__speedups']]),
    );
    expect(renamed).toEqual(['PyInit__speedups']);
    expect(Buffer.from(bytes).toString('latin1')).toContain('PyInit_markupsafe__speedups');
    expect(Buffer.from(bytes).toString('latin1')).not.toContain('PyInit__speedups\0');
    expect(Buffer.from(bytes)).toEqual(Buffer.from(objectWith('PyInit_markupsafe__speedups')));
  });

  test('leaves an object without the symbol byte for byte', () => {
    const before = objectWith('helper');
    const { bytes, renamed } = renameWasmSymbols(before, new Map([['PyInit_x', 'PyInit_a_x']]));
    expect(renamed).toEqual([]);
    expect(Buffer.from(bytes)).toEqual(Buffer.from(before));
  });

  test('makes a definition weak, its name and the rest unchanged', () => {
    const { bytes, renamed } = renameWasmSymbols(
      objectWith('__rust_alloc', 0x02),
      new Map(),
      new Set(['__rust_alloc']),
    );
    expect(renamed).toEqual(['__rust_alloc']);
    expect(Buffer.from(bytes)).toEqual(Buffer.from(objectWith('__rust_alloc', 0x01)));
  });

  test('renames in an object whose symbol table is larger than a call can spread', () => {
    // One codegen unit of a Rust crate: ~10^5 symbols, megabytes of symbol table.
    const names = Array.from({ length: 150_000 }, (_, i) => `_ZN4core3ptr${i}drop_in_place17h`);
    const entries = names.flatMap((n) => [0x01, 0, ...leb(n.length), ...Buffer.from(n), 0, 0, 4]);
    const symtab = [...leb(names.length), ...entries];
    const linking = [2, 8, ...leb(symtab.length), ...symtab];
    const payload = [7, ...Buffer.from('linking'), ...linking];
    const object = Buffer.concat([
      Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0, ...leb(payload.length)]),
      Buffer.from(payload),
    ]);
    const { renamed } = renameWasmSymbols(object, new Map([[names[7]!, 'PyInit_y']]));
    expect(renamed).toEqual([names[7]]);
  });

  test('refuses what is not wasm', () => {
    expect(() => renameWasmSymbols(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), new Map())).toThrow(
      /not a wasm object/,
    );
  });
});
