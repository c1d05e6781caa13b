import { describe, expect, test } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateLocks, StateStore } from '../../../src/runner/state.js';

const b = (s: string) => Buffer.from(s);

describe('StateStore', () => {
  test("a key keeps its first size (faabric's getKV), offsets are checked against it", () => {
    const s = new StateStore();
    expect(s.size('u', 'k')).toBe(0);
    expect(s.write('u', 'k', b('0123456789'))).toBe(10);
    // A smaller total length on a later call does not shrink or re-size the key.
    expect(Buffer.from(s.readOffset('u', 'k', 4, 4, 4)).toString()).toBe('4567');
    s.writeOffset('u', 'k', 3, 2, b('ab'));
    expect(Buffer.from(s.get('u', 'k')!).toString()).toBe('01ab456789');
    expect(() => s.readOffset('u', 'k', 10, 8, 5)).toThrow(/outside the key's 10 bytes/);
    // Longer data is cut to the key's size; shorter data leaves zeros after it.
    s.write('u', 'k', b('abcdefghijklmnop'));
    expect(Buffer.from(s.get('u', 'k')!).toString()).toBe('abcdefghij');
    s.write('u', 'k', b('XY'));
    expect([...s.get('u', 'k')!]).toEqual([88, 89, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test('a missing key is created at the size a call gives, and needs one', () => {
    const s = new StateStore();
    expect([...s.kv('u', 'fresh', 4)]).toEqual([0, 0, 0, 0]);
    s.pull('u', 'pulled', 3);
    expect(s.size('u', 'pulled')).toBe(3);
    expect(() => s.push('u', 'never')).toThrow(/does not exist, and a key needs a size/);
    expect(() => s.kv('u', '', 4)).toThrow(/must not be empty/);
  });

  test('keys are per user', () => {
    const s = new StateStore();
    s.write('alice', 'k', b('a'));
    expect(s.size('bob', 'k')).toBe(0);
    expect(s.keys()).toEqual(['alice/k']);
  });

  test('appended elements are kept apart from the value', () => {
    const s = new StateStore();
    s.append('u', 'k', b('one'));
    s.append('u', 'k', b('two'));
    expect(Buffer.from(s.readAppended('u', 'k', 2)).toString()).toBe('onetwo');
    expect(() => s.readAppended('u', 'k', 3)).toThrow(/asked for 3 appended elements, there are 2/);
    s.clearAppended('u', 'k');
    expect(s.readAppended('u', 'k', 0).length).toBe(0);
    expect(s.size('u', 'k')).toBe(0);
  });

  test('budgets per key and per host, each one sentence', () => {
    const s = new StateStore({ maxKeyBytes: 8, maxHostBytes: 12 });
    expect(() => s.write('u', 'big', new Uint8Array(9))).toThrow(
      "state 'big' would hold 9 bytes, over the 8-byte limit per key",
    );
    s.write('u', 'a', new Uint8Array(8));
    s.append('u', 'b', new Uint8Array(4));
    expect(() => s.append('u', 'b', new Uint8Array(1))).toThrow(
      /the host's state is at 12 of its 12-byte limit/,
    );
    s.clearAppended('u', 'b');
    s.append('u', 'b', new Uint8Array(4));
  });

  test('a state directory carries values and appends to the next store', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'state-'));
    try {
      const one = new StateStore(undefined, dir);
      one.write('u', 'k/with slash', b('persisted'));
      one.writeOffset('u', 'k/with slash', 9, 0, b('P'));
      one.append('u', 'log', b('x'));
      one.append('u', 'log', b('yz'));
      const two = new StateStore(undefined, dir);
      expect(Buffer.from(two.get('u', 'k/with slash')!).toString()).toBe('Persisted');
      expect(Buffer.from(two.readAppended('u', 'log', 2)).toString()).toBe('xyz');
      two.clearAppended('u', 'log');
      expect(() => new StateStore(undefined, dir).readAppended('u', 'log', 1)).toThrow();
      // A stray file beside the users' directories is not the store's, and is left alone.
      await writeFile(join(dir, 'stray'), 'x');
      expect(new StateStore(undefined, dir).size('u', 'k/with slash')).toBe(9);
      await writeFile(join(dir, 'file'), 'x');
      expect(() => new StateStore(undefined, join(dir, 'file', 'sub'))).toThrow(
        /^Cannot keep state in .*file\/sub \(ENOTDIR\); pass a writable --state-dir\.$/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('StateLocks', () => {
  test('readers share, a writer excludes, and releaseAll frees a dead call', async () => {
    const locks = new StateLocks();
    const order: string[] = [];
    await locks.lock('k', 1, 'read');
    await locks.lock('k', 2, 'read');
    const writer = locks.lock('k', 3, 'write').then(() => order.push('w3'));
    const lateReader = locks.lock('k', 4, 'read').then(() => order.push('r4'));
    await Promise.resolve();
    expect(order).toEqual([]);
    locks.unlock('k', 1, 'read');
    locks.releaseAll(2);
    await writer;
    expect(order).toEqual(['w3']);
    locks.unlock('k', 3, 'write');
    await lateReader;
    expect(order).toEqual(['w3', 'r4']);
  });
});
