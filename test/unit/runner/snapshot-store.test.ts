import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, open, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnapshotStore, type SnapshotIdentity } from '../../../src/runner/snapshot-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-snap-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const identity: SnapshotIdentity = {
  moduleBytes: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]),
  runtimeRoot: '/cache/layers/root/abc/out',
  env: { B: '2', A: '1' },
  confFlags: { PYTHON_PRELOAD: 1 },
};

function memory(pages: number, fill: number): SharedArrayBuffer {
  const m = new SharedArrayBuffer(pages * 65536);
  new Uint8Array(m).fill(fill);
  return m;
}

describe('SnapshotStore', () => {
  test('the key changes with the module, the root, the environment and the conf flags only', () => {
    const k = SnapshotStore.key(identity);
    expect(SnapshotStore.key({ ...identity, env: { A: '1', B: '2' } })).toBe(k);
    expect(SnapshotStore.key({ ...identity, moduleBytes: new Uint8Array([1]) })).not.toBe(k);
    expect(SnapshotStore.key({ ...identity, runtimeRoot: '/other' })).not.toBe(k);
    expect(SnapshotStore.key({ ...identity, env: { A: '1' } })).not.toBe(k);
    expect(SnapshotStore.key({ ...identity, confFlags: {} })).not.toBe(k);
  });

  test('gives back what was saved, and nothing for an unknown key', async () => {
    const store = new SnapshotStore(join(dir, 'snapshots'));
    expect(await store.load('nope')).toBeUndefined();
    await store.save('k1', memory(2, 7), '/root');
    const back = await store.load('k1');
    expect(back?.byteLength).toBe(2 * 65536);
    expect(new Uint8Array(back!).every((b) => b === 7)).toBe(true);
  });

  test('a damaged snapshot is found by its hash, removed, and a miss; verify lists it', async () => {
    const store = new SnapshotStore(dir);
    const key = 'f'.repeat(64);
    await store.save(key, memory(4, 1), '/root');
    expect((await store.list(true)).map((e) => e.problem)).toEqual([undefined]);
    // 1 KiB overwritten in the middle: same size, other content.
    const fd = await open(join(dir, `${key}.mem`), 'r+');
    await fd.write(new Uint8Array(1024).fill(0xee), 0, 1024, 100_000);
    await fd.close();
    expect((await store.list(true))[0]?.problem).toBe('its content does not match its recorded hash'); // prettier-ignore
    expect(await store.load(key)).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
    // A snapshot with no record of its hash (as an older host saved them) is a miss too.
    await writeFile(join(dir, `${key}.mem`), new Uint8Array(65536));
    expect(await store.load(key)).toBeUndefined();
  });

  test('a file that is not whole pages is a miss, not a memory', async () => {
    const store = new SnapshotStore(dir);
    await writeFile(join(dir, 'bad.mem'), new Uint8Array(1000));
    expect(await store.load('bad')).toBeUndefined();
  });

  test('keeps the three newest snapshots and no temp files', async () => {
    const store = new SnapshotStore(dir);
    for (const [i, k] of ['a', 'b', 'c', 'd'].entries()) {
      await store.save(k, memory(1, i), '/root');
      const t = new Date(Date.now() - (10 - i) * 1000);
      await utimes(join(dir, `${k}.mem`), t, t);
    }
    await store.save('e', memory(1, 9), '/root');
    expect((await readdir(dir)).sort()).toEqual(['c.json', 'c.mem', 'd.json', 'd.mem', 'e.json', 'e.mem']); // prettier-ignore
  });
});
