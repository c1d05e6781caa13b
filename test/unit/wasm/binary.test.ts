import { describe, expect, test } from '@jest/globals';
import {
  WasmFormatError,
  WasmReader,
  assertWasm,
  encodeLeb,
  encodeName,
  encodeSection,
  isWasm,
  readLeb,
  replaceSection,
  sections,
} from '../../../src/wasm/binary.js';

const HEADER = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];

describe('LEB128', () => {
  test.each([
    [0, [0]],
    [127, [0x7f]],
    [128, [0x80, 0x01]],
    [624485, [0xe5, 0x8e, 0x26]],
    [2 ** 32 - 1, [0xff, 0xff, 0xff, 0xff, 0x0f]],
    [2 ** 40, [0x80, 0x80, 0x80, 0x80, 0x80, 0x20]],
  ])('%d encodes to the shortest form and reads back', (n, bytes) => {
    expect(encodeLeb(n)).toEqual(bytes);
    expect(readLeb(Uint8Array.from(bytes), 0)).toEqual({ value: n, next: bytes.length });
  });

  test('reads a padded LEB (as LLVM writes relocatable sizes) and where it ends', () => {
    expect(readLeb(Uint8Array.from([9, 0x85, 0x80, 0x80, 0x80, 0x00, 7]), 1)).toEqual({
      value: 5,
      next: 6,
    });
  });

  test('a LEB cut off by the end is a format error', () => {
    expect(() => readLeb(Uint8Array.from([0x80, 0x80]), 0)).toThrow(WasmFormatError);
  });
});

describe('WasmReader', () => {
  test('reads bytes, names, value types and limits in order', () => {
    const bytes = Uint8Array.from([
      7,
      ...encodeName('mémoire'),
      0x7e,
      ...[0x01, 2, ...encodeLeb(300)],
      ...[0x00, 5],
    ]);
    const r = new WasmReader(bytes);
    expect(r.u8()).toBe(7);
    expect(r.name()).toBe('mémoire');
    expect(r.valtype()).toBe('i64');
    expect(r.limits()).toEqual({ flags: 1, min: 2, max: 300 });
    expect(r.limits()).toEqual({ flags: 0, min: 5 });
    expect(r.done).toBe(true);
  });

  test('never reads past the end, and names an unknown value type', () => {
    expect(() => new WasmReader(Uint8Array.from([])).u8()).toThrow(/truncated/);
    expect(() => new WasmReader(Uint8Array.from([5, 1])).name()).toThrow(/truncated/);
    expect(() => new WasmReader(Uint8Array.from([0x40])).valtype()).toThrow(
      'unknown value type 0x40',
    );
  });
});

describe('sections', () => {
  const module = Uint8Array.from([
    ...HEADER,
    ...encodeSection(1, [1, 0x60, 0, 0]),
    ...encodeSection(0, encodeName('name')),
  ]);

  test('walks every section with where its body starts and ends', () => {
    expect([...sections(module)]).toEqual([
      { id: 1, start: 8, bodyStart: 10, end: 14 },
      { id: 0, start: 14, bodyStart: 16, end: 21 },
    ]);
  });

  test('refuses a section that runs past the module', () => {
    expect(() => [...sections(module.subarray(0, 20))]).toThrow(
      "section 0 runs past the module's end",
    );
  });

  test('replaces one section and keeps the others byte for byte', () => {
    const [types] = sections(module);
    const out = replaceSection(module, types!, encodeSection(1, [0]));
    expect([...out]).toEqual([...HEADER, 1, 1, 0, ...encodeSection(0, encodeName('name'))]);
    expect(WebAssembly.validate(out)).toBe(true);
  });

  test('the magic is checked, and the message names what was expected', () => {
    expect(isWasm(module)).toBe(true);
    expect(isWasm(Uint8Array.from([0, 0x61, 0x73]))).toBe(false);
    expect(() => assertWasm(Uint8Array.from([1, 2, 3, 4]), 'a wasm object file')).toThrow(
      'not a wasm object file (bad magic)',
    );
  });
});
