import { describe, expect, test } from '@jest/globals';
import { MemoryRestorer } from '../../../src/runner/memory-restore.js';

describe('putting a memory back to its snapshot', () => {
  test('writes the pages that differ, zero pages included, and nothing else', () => {
    const snapshot = new SharedArrayBuffer(8 * 16384);
    const snap = new Uint8Array(snapshot);
    snap.fill(7, 0, 16384); // page 0 holds data, pages 1-7 are zeros
    snap[3 * 16384 + 5] = 1; // so does page 3
    const memory = new Uint8Array(snap.length);
    memory.set(snap);
    const restorer = new MemoryRestorer(snapshot);
    expect(restorer.restore(memory)).toBe(0);

    memory[10] = 9; // a data page changed
    memory[2 * 16384 + 100] = 1; // a zero page written
    memory[3 * 16384 + 5] = 0; // a byte cleared
    memory[8 * 16384 - 1] = 255; // the last byte
    expect(restorer.restore(memory)).toBe(4);
    expect(Buffer.compare(memory, snap)).toBe(0);
  });
});
