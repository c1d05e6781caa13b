import { describe, expect, test } from '@jest/globals';
import { ZygoteSnapshot } from '../../../src/runner/zygote-snapshot.js';

const memory = () => new SharedArrayBuffer(65536);

describe('the zygote snapshot life cycle', () => {
  test('none -> taking -> held: one call takes it, later calls start from it', () => {
    const s = new ZygoteSnapshot(true);
    expect(s.state).toBe('none');
    expect(s.claim(1)).toBe(true);
    expect(s.state).toBe('taking');
    // While one call takes it, no other call is asked to.
    expect(s.claim(2)).toBe(false);
    const m = memory();
    s.taken(1, m);
    expect(s.state).toBe('held');
    expect(s.memory).toBe(m);
    expect(s.claim(3)).toBe(false);
    // Every call ends; only the taker's end while taking moves anything.
    s.ended(1);
    expect(s.state).toBe('held');
  });

  test('taking -> none when the taking call ends without one, so the next call takes it', () => {
    const s = new ZygoteSnapshot(true);
    expect(s.claim(1)).toBe(true);
    s.ended(2); // another call's end changes nothing
    expect(s.state).toBe('taking');
    s.ended(1);
    expect(s.state).toBe('none');
    expect(s.memory).toBeUndefined();
    expect(s.claim(2)).toBe(true);
  });

  test('off: never claimed, never holds one (a stored one is not used)', () => {
    const s = new ZygoteSnapshot(false, { memory: memory() });
    expect(s.state).toBe('off');
    expect(s.memory).toBeUndefined();
    expect(s.claim(1)).toBe(false);
    expect(() => s.taken(1, memory())).toThrow('the zygote snapshot cannot go from off to held');
  });

  test('a stored snapshot starts held', () => {
    const m = memory();
    const s = new ZygoteSnapshot(true, { memory: m });
    expect(s.state).toBe('held');
    expect(s.memory).toBe(m);
    expect(s.claim(1)).toBe(false);
  });

  test('illegal transitions throw: a snapshot nobody took, a second one, another call sending it', () => {
    expect(() => new ZygoteSnapshot(true).taken(1, memory())).toThrow(
      'the zygote snapshot cannot go from none to held',
    );
    const held = new ZygoteSnapshot(true);
    held.claim(1);
    held.taken(1, memory());
    expect(() => held.taken(1, memory())).toThrow('cannot go from held to held');
    const taking = new ZygoteSnapshot(true);
    taking.claim(1);
    expect(() => taking.taken(2, memory())).toThrow('call 2 sent a snapshot that call 1 is taking');
    expect(taking.state).toBe('taking');
  });

  test('a snapshot taken is saved to the store, and settled() waits for the save', async () => {
    const saved: SharedArrayBuffer[] = [];
    let finish!: () => void;
    const s = new ZygoteSnapshot(true, {
      save: (m) => {
        saved.push(m);
        return new Promise<void>((r) => (finish = r));
      },
    });
    s.claim(7);
    const m = memory();
    s.taken(7, m);
    expect(saved).toEqual([m]);
    let settled = false;
    const p = s.settled().then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    finish();
    await p;
    expect(settled).toBe(true);
  });
});
