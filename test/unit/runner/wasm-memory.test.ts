import { describe, expect, test } from '@jest/globals';
import { capModuleMemory } from '../../../src/runner/wasm-memory.js';

// (module (memory (export "memory") 2)) and the same with a maximum of 100 pages.
const noMax = Uint8Array.from([
  0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0, 2, 7, 10, 1, 6, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79,
  2, 0,
]);
const withMax = Uint8Array.from([
  0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 4, 1, 1, 2, 100, 7, 10, 1, 6, 0x6d, 0x65, 0x6d, 0x6f, 0x72,
  0x79, 2, 0,
]);

function maxPages(bytes: Uint8Array<ArrayBuffer>): number | undefined {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const memory = instance.exports.memory as WebAssembly.Memory;
  let pages = memory.buffer.byteLength / 65536;
  try {
    while (pages < 70000) {
      memory.grow(1);
      pages++;
    }
  } catch {
    return pages;
  }
  return undefined;
}

describe('capModuleMemory', () => {
  test('adds a maximum to a memory without one', () => {
    const r = capModuleMemory(noMax, 10 * 65536);
    expect(r.before).toEqual({ minPages: 2, maxPages: undefined });
    expect(r.after).toEqual({ minPages: 2, maxPages: 10 });
    expect(maxPages(r.bytes)).toBe(10);
  });

  test('never raises a smaller declared maximum', () => {
    expect(capModuleMemory(withMax, 1 << 30).after.maxPages).toBe(100);
    expect(maxPages(capModuleMemory(withMax, 50 * 65536).bytes)).toBe(50);
  });

  test('refuses a cap below what the module needs at start', () => {
    expect(() => capModuleMemory(noMax, 65536)).toThrow(/needs 131072 bytes of memory at start/);
    expect(() => capModuleMemory(Uint8Array.from([1, 2, 3, 4]), 1)).toThrow(/bad magic/);
  });
});
