import { afterEach, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TmpPool } from '../../../src/runner/tmp-pool.js';

let parent: string;

afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

async function pool(maxSpare?: number): Promise<TmpPool> {
  parent = await mkdtemp(join(tmpdir(), 'tmp-pool-'));
  return TmpPool.create(parent, maxSpare);
}

describe('the calls’ /tmp pool', () => {
  test('each call gets its own directory under the pool’s; close removes them all', async () => {
    const p = await pool();
    const a = await p.take();
    const b = await p.take();
    expect(a).not.toBe(b);
    expect(a.startsWith(p.dir)).toBe(true);
    await writeFile(join(b, 'left'), 'x');
    p.recycleLater(a);
    await p.close();
    expect(existsSync(a)).toBe(false);
    expect(existsSync(p.dir)).toBe(false);
  });

  test('one left empty is reused for the next call; one with files is removed', async () => {
    const p = await pool();
    const a = await p.take();
    await writeFile(join(a, 'f'), 'x');
    const b = await p.take();
    p.recycleLater(a);
    p.recycleLater(b);
    await new Promise((r) => setTimeout(r, 50));
    expect(p.spareCount).toBe(1);
    expect(existsSync(a)).toBe(false);
    expect(await p.take()).toBe(b);
    expect(p.spareCount).toBe(0);
    await p.close();
  });

  test('waits for `after` (a killed worker’s exit) before looking at the directory', async () => {
    const p = await pool();
    const a = await p.take();
    let exited!: () => void;
    p.recycleLater(a, new Promise<void>((r) => (exited = r)));
    await new Promise((r) => setTimeout(r, 20));
    // The worker may still write: the directory is neither reused nor removed yet.
    expect(p.spareCount).toBe(0);
    await writeFile(join(a, 'late'), 'x');
    exited();
    await p.close();
    expect(existsSync(a)).toBe(false);
  });

  test('keeps at most maxSpare empty directories', async () => {
    const p = await pool(2);
    const dirs = await Promise.all([p.take(), p.take(), p.take()]);
    dirs.forEach((d) => p.recycleLater(d));
    await new Promise((r) => setTimeout(r, 50));
    expect(p.spareCount).toBe(2);
    expect((await readdir(p.dir)).length).toBe(2);
    await p.close();
  });

  test('after close nothing is kept for reuse', async () => {
    const p = await pool();
    const a = await p.take();
    await p.close();
    await mkdir(a, { recursive: true });
    p.recycleLater(a);
    await new Promise((r) => setTimeout(r, 20));
    expect(p.spareCount).toBe(0);
    expect(existsSync(a)).toBe(false);
  });
});
