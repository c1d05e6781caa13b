import { describe, expect, test } from '@jest/globals';
import { StateError, StateLocks, StateStore } from '../../../src/runner/state.js';

const b = (s: string) => Buffer.from(s);

describe('StateStore', () => {
  test('whole values, zero-extending offsets and range checks', () => {
    const s = new StateStore();
    expect(s.size('k')).toBe(0);
    s.write('k', b('abc'));
    s.writeOffset('k', 6, 4, b('xy'));
    expect(Buffer.from(s.read('k'))).toEqual(Buffer.from([97, 98, 99, 0, 120, 121]));
    expect(Buffer.from(s.readOffset('k', 6, 1, 3))).toEqual(Buffer.from([98, 99, 0]));
    expect(() => s.readOffset('k', 6, 5, 2)).toThrow(StateError);
    expect(() => s.push('never')).toThrow(/never written/);
    s.pull('fresh', 4);
    expect(s.size('fresh')).toBe(4);
  });

  test('appended elements are kept apart from the value', () => {
    const s = new StateStore();
    s.append('k', b('one'));
    s.append('k', b('two'));
    expect(Buffer.from(s.readAppended('k', 2)).toString()).toBe('onetwo');
    expect(() => s.readAppended('k', 3)).toThrow(/asked for 3 appended elements, there are 2/);
    s.clearAppended('k');
    expect(s.readAppended('k', 0).length).toBe(0);
    expect(s.size('k')).toBe(0);
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
