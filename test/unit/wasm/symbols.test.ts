import { describe, expect, test } from '@jest/globals';
import { renameWasmSymbols } from '../../../src/wasm/symbols.js';

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

/** An object whose symbol table defines `symbols` as data symbols, built without call spreads. */
function objectWithMany(symbols: readonly string[]): Uint8Array {
  const symtab: number[] = leb(symbols.length);
  for (const s of symbols) {
    const name = Buffer.from(s);
    symtab.push(1, 0x01);
    leb(name.length).forEach((b) => symtab.push(b));
    name.forEach((b) => symtab.push(b));
    symtab.push(0, 0, 4);
  }
  const secName = Buffer.from('linking');
  const linking = [2, 8, ...leb(symtab.length)];
  const payload = [...leb(secName.length), ...secName, ...linking];
  symtab.forEach((b) => payload.push(b));
  const head = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0, ...leb(payload.length)];
  return Buffer.concat([Uint8Array.from(head), Uint8Array.from(payload)]);
}

describe('renameWasmSymbols', () => {
  test("renames in a symbol table of megabytes (pandas' Cython objects overflowed the stack)", () => {
    const symbols = Array.from({ length: 30_000 }, (_, i) => `__pyx_pw_6pandas_5_libs_sym_${i}`);
    symbols[15_000] = 'PyInit_hashtable';
    const before = objectWithMany(symbols);
    expect(before.length).toBeGreaterThan(1_000_000);
    const { bytes, renamed } = renameWasmSymbols(
      before,
      new Map([['PyInit_hashtable', 'PyInit_pandas__libs_hashtable']]),
    );
    expect(renamed).toEqual(['PyInit_hashtable']);
    symbols[15_000] = 'PyInit_pandas__libs_hashtable';
    expect(Buffer.from(bytes).equals(Buffer.from(objectWithMany(symbols)))).toBe(true);
  }, 60_000);

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

  test('refuses what is not wasm', () => {
    expect(() => renameWasmSymbols(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), new Map())).toThrow(
      /not a wasm object/,
    );
  });
});
