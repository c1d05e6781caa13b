import { describe, expect, test } from '@jest/globals';
import { encodeSection } from '../../../src/wasm/binary.js';
import { definedMemory, withMemoryLimits } from '../../../src/wasm/memory.js';

const HEADER = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
const withMemory = (limits: number[]) =>
  Uint8Array.from([...HEADER, ...encodeSection(5, [1, ...limits])]);

describe('definedMemory', () => {
  test('reads the minimum and the optional maximum', () => {
    expect(definedMemory(withMemory([0, 2])).limits).toEqual({ minPages: 2, maxPages: undefined });
    expect(definedMemory(withMemory([1, 2, 100])).limits).toEqual({ minPages: 2, maxPages: 100 });
  });

  test('refuses what it cannot cap: shared or 64-bit memory, an imported one, two', () => {
    expect(() => definedMemory(withMemory([3, 1, 1]))).toThrow(/unsupported memory flags 0x3/);
    expect(() => definedMemory(Uint8Array.from(HEADER))).toThrow(/defines no memory/);
    expect(() =>
      definedMemory(Uint8Array.from([...HEADER, ...encodeSection(5, [2, 0, 1, 0, 1])])),
    ).toThrow('expected one memory, found 2');
  });
});

describe('withMemoryLimits', () => {
  test('writes new limits, and a module that still validates', () => {
    const wasm = withMemory([0, 1]);
    const { section } = definedMemory(wasm);
    const capped = withMemoryLimits(wasm, section, { minPages: 1, maxPages: 3 });
    expect(definedMemory(capped).limits).toEqual({ minPages: 1, maxPages: 3 });
    expect(WebAssembly.validate(capped)).toBe(true);
    const unbounded = withMemoryLimits(capped, definedMemory(capped).section, { minPages: 4 });
    expect(definedMemory(unbounded).limits).toEqual({ minPages: 4, maxPages: undefined });
  });
});
