import { describe, expect, test } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateLocks, StateStore, keyCost } from '../../../src/runner/state.js';

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
    const names = keyCost('a') + keyCost('b');
    const s = new StateStore({ maxKeyBytes: 8, maxHostBytes: 12 + names });
    expect(() => s.write('u', 'big', new Uint8Array(9))).toThrow(
      "state 'big' would hold 9 bytes, over the 8-byte limit per key",
    );
    s.write('u', 'a', new Uint8Array(8));
    s.append('u', 'b', new Uint8Array(4));
    expect(() => s.append('u', 'b', new Uint8Array(1))).toThrow(
      `the host's state is at ${12 + names} of its ${12 + names}-byte limit`,
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
      one.close();
      const two = new StateStore(undefined, dir);
      expect(Buffer.from(two.get('u', 'k/with slash')!).toString()).toBe('Persisted');
      expect(Buffer.from(two.readAppended('u', 'log', 2)).toString()).toBe('xyz');
      two.clearAppended('u', 'log');
      two.close();
      const three = new StateStore(undefined, dir);
      expect(() => three.readAppended('u', 'log', 1)).toThrow();
      three.close();
      // A stray file beside the users' directories is not the store's, and is left alone.
      await writeFile(join(dir, 'stray'), 'x');
      const four = new StateStore(undefined, dir);
      expect(four.size('u', 'k/with slash')).toBe(9);
      four.close();
      await writeFile(join(dir, 'file'), 'x');
      expect(() => new StateStore(undefined, join(dir, 'file', 'sub'))).toThrow(
        /^Cannot keep state in .*file\/sub \(ENOTDIR\); pass a writable --state-dir\.$/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('StateStore, against a hostile guest or user', () => {
  test('key names are charged to the host budget: many keys with long names run out', () => {
    // 100 one-byte values under 200-byte names held 100 bytes of budget and 20 KB of names.
    const s = new StateStore({ maxKeyBytes: 1024, maxHostBytes: 10_000 });
    const write = (i: number) => s.write('u', `${'n'.repeat(196)}${String(i).padStart(4, '0')}`, b('x')); // prettier-ignore
    expect(() => {
      for (let i = 0; i < 100; i++) write(i);
    }).toThrow(/needs 713 more bytes; the host's state is at \d+ of its 10000-byte limit/);
    expect(s.keys().length).toBeLessThan(20);
  });

  test('keys of any length persist (no ENAMETOOLONG), and errors quote no host path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'state-'));
    try {
      const one = new StateStore(undefined, dir);
      const long = 'k'.repeat(123);
      const longer = 'é'.repeat(1000);
      one.write('u', long, b('a'));
      one.write('u', longer, b('b'));
      one.append('u', longer, b('c'));
      one.close();
      const two = new StateStore(undefined, dir);
      expect(Buffer.from(two.get('u', long)!).toString()).toBe('a');
      expect(Buffer.from(two.get('u', longer)!).toString()).toBe('b');
      expect(Buffer.from(two.readAppended('u', longer, 1)).toString()).toBe('c');
      // A directory that stops taking writes: the guest's error is one sentence, no path.
      await rm(join(dir, 'u'), { recursive: true });
      await writeFile(join(dir, 'u'), 'not a directory');
      expect(() => two.write('u', 'new', b('x'))).toThrow(/^state 'new' could not be saved \(EEXIST\)$/); // prettier-ignore
      two.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a state directory is one store at a time: a second is refused with one sentence', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'state-'));
    try {
      const one = new StateStore(undefined, dir);
      expect(() => new StateStore(undefined, dir)).toThrow(
        `The state directory ${dir} is in use by another host in this process; two processes writing one state directory lose each other's writes, so wait for it to finish or pass another --state-dir.`,
      );
      one.close();
      // A lock left by a process that is gone is taken over.
      await writeFile(join(dir, '.lock'), `${hostname()} 999999999\n`);
      new StateStore(undefined, dir).close();
      // One held by a live process (this test's parent) is not.
      await writeFile(join(dir, '.lock'), `${hostname()} ${process.ppid}\n`);
      expect(() => new StateStore(undefined, dir)).toThrow(
        new RegExp(`in use by process ${process.ppid} on `),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a state directory on a pseudo file system is refused before anything is written', () => {
    expect(() => new StateStore(undefined, '/proc/self/hostile-state')).toThrow(
      "/proc/self/hostile-state is on the kernel's proc file system, which holds no files; pass a directory on a real disk as --state-dir.",
    );
    expect(() => new StateStore(undefined, '/sys/kernel')).toThrow(/kernel's sysfs file system/);
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

  test('a call that ends while it waits for a lock leaves no wait behind: it is rejected', async () => {
    const locks = new StateLocks();
    await locks.lock('k', 1, 'write');
    const waiting = locks.lock('k', 2, 'write');
    locks.releaseAll(2);
    await expect(waiting).rejects.toThrow('the call ended while it waited for the lock');
    locks.unlock('k', 1, 'write');
    await locks.lock('k', 3, 'write');
  });
});
