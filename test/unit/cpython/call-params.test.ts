import { describe, expect, test } from '@jest/globals';
import {
  NOT_POINTERS,
  callParams,
  callParamsSource,
  changedSlots,
} from '../../../src/cpython/call-params.js';
import type { FuncType } from '../../../src/wasm/module-abi.js';

const fn = (params: FuncType['params'], results: FuncType['results'] = ['i32']): FuncType => ({
  params,
  results,
});

describe('callParams', () => {
  test('counts pointer parameters of functions returning one pointer, and marks the rest', () => {
    const counts = callParams([
      undefined, // slot 0: the null pointer
      fn([]),
      fn(['i32']), // a getter written without its closure
      fn(['i32', 'i32']),
      fn(['i32', 'i32', 'i32']),
      fn(['i32', 'i32', 'i32', 'i32']), // METH_FASTCALL|METH_KEYWORDS: not the trampoline's
      fn(['i32', 'i64']),
      fn(['i32'], []),
      fn(['i32'], ['f64']),
    ]);
    expect([...counts]).toEqual([
      NOT_POINTERS,
      0,
      1,
      2,
      3,
      NOT_POINTERS,
      NOT_POINTERS,
      NOT_POINTERS,
      NOT_POINTERS,
    ]);
  });
});

describe('callParamsSource', () => {
  test('defines the table and its length as the patched CPython declares them', () => {
    const src = callParamsSource(Uint8Array.from([255, 1, 2, 3]));
    expect(src).toContain('const unsigned int _PyWASI_FuncParamsLen = 4;');
    expect(src).toContain('const unsigned char _PyWASI_FuncParams[4] = {\n  255,1,2,3,\n};');
  });

  test('an empty table still declares an array C accepts', () => {
    expect(callParamsSource(new Uint8Array())).toContain('_PyWASI_FuncParams[1] = {');
  });

  test('writes 32 slots to a line', () => {
    const lines = callParamsSource(new Uint8Array(70).fill(2)).split('\n');
    expect(lines.filter((l) => /^ {2}[\d,]+$/.test(l)).map((l) => l.split(',').length - 1)).toEqual(
      [32, 32, 6],
    );
  });
});

describe('changedSlots', () => {
  test('names the slots that differ, also past the shorter table, up to a limit', () => {
    const a = Uint8Array.from([1, 2, 3, 4]);
    expect(changedSlots(a, Uint8Array.from([1, 2, 3, 4]))).toEqual([]);
    expect(changedSlots(a, Uint8Array.from([1, 9, 3]))).toEqual([1, 3]);
    expect(changedSlots(a, new Uint8Array(10), 2)).toEqual([0, 1]);
  });
});
