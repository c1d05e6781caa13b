import { describe, expect, test } from '@jest/globals';
import {
  WasmFormatError,
  encodeName as str,
  encodeSection as section,
} from '../../../src/wasm/binary.js';
import { readFunctionTable } from '../../../src/wasm/func-table.js';
import { formatType } from '../../../src/wasm/module-abi.js';

const I32 = 0x7f;
const I64 = 0x7e;
// types: 0 (i32)->(i32), 1 (i32,i32)->(i32), 2 (i64)->(i32)
const TYPES = [3, 0x60, 1, I32, 1, I32, 0x60, 2, I32, I32, 1, I32, 0x60, 1, I64, 1, I32];
const CONST0 = [0x41, 0, 0x0b]; // a body returning i32 0

/**
 * A module importing one function of type 0 (function 0) and defining functions 1..3 of types
 * 1, 2 and 0, with a 16-slot table and the given element section body.
 */
function tableModule(elements: number[]): Uint8Array {
  const funcs = [1, 2, 0];
  return Uint8Array.from([
    ...[0, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...section(1, TYPES),
    ...section(2, [1, ...str('env'), ...str('f'), 0, 0]),
    ...section(3, [funcs.length, ...funcs]),
    ...section(4, [1, 0x70, 0, 16]),
    ...section(9, elements),
    ...section(10, [funcs.length, ...funcs.flatMap(() => [CONST0.length + 1, 0, ...CONST0])]),
  ]);
}

const typesOf = (bytes: Uint8Array) =>
  readFunctionTable(bytes).map((t) => (t ? formatType(t) : null));

describe('readFunctionTable', () => {
  test("each slot's function type, from an active segment at an offset (as wasm-ld writes it)", () => {
    // flags 0, offset i32.const 1, functions [3, 0, 1, 2]
    const bytes = tableModule([1, 0, 0x41, 1, 0x0b, 4, 3, 0, 1, 2]);
    new WebAssembly.Module(Uint8Array.from(bytes)); // a valid module
    expect(typesOf(bytes)).toEqual([
      null,
      '(i32) -> (i32)',
      '(i32) -> (i32)',
      '(i32, i32) -> (i32)',
      '(i64) -> (i32)',
    ]);
  });

  test('segments with an explicit table, and passive or declarative ones that fill no slot', () => {
    const bytes = tableModule([
      3,
      ...[2, 0, 0x41, 2, 0x0b, 0, 1, 1], // table 0 at 2: function 1
      ...[1, 0, 1, 2], // passive: function 2
      ...[3, 0, 1, 3], // declarative: function 3
    ]);
    new WebAssembly.Module(Uint8Array.from(bytes));
    expect(typesOf(bytes)).toEqual([null, null, '(i32, i32) -> (i32)']);
  });

  test('an offset past 63, which i32.const writes as a two-byte signed LEB', () => {
    const table = readFunctionTable(tableModule([1, 0, 0x41, 0xe4, 0x00, 0x0b, 1, 1]));
    expect(table.length).toBe(101);
    expect(formatType(table[100]!)).toBe('(i32, i32) -> (i32)');
    expect(readFunctionTable(tableModule([0]))).toEqual([]);
  });

  test('refuses what a C linker does not write, naming it', () => {
    expect(() => readFunctionTable(tableModule([1, 4, 0x41, 0, 0x0b, 0]))).toThrow(
      /element segment of kind 4/,
    );
    expect(() => readFunctionTable(tableModule([1, 0, 0x23, 0, 0x0b, 1, 1]))).toThrow(
      WasmFormatError,
    );
    expect(() => readFunctionTable(tableModule([1, 0, 0x41, 0, 0x0b, 1, 9]))).toThrow(
      /function 9, which does not exist/,
    );
  });
});
