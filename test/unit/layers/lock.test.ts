// Adversarial: lock files that are empty, abandoned or from another host are never waited on forever.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FOREIGN_STALE_MS, acquireLock } from '../../../src/layers/lock.js';
import { UserError } from '../../../src/util/errors.js';

let dir: string;
let lock: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-lock-'));
  lock = join(dir, 'layer.lock');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Resolves to what acquireLock said, or rejects when it has not returned within `ms`. */
async function acquireWithin(ms: number) {
  const said: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`still waiting after ${ms} ms: ${said.join('; ')}`)),
      ms,
    );
  });
  try {
    const release = await Promise.race([acquireLock(lock, (m) => void said.push(m), 20), hang]);
    return { said, release };
  } finally {
    clearTimeout(timer);
  }
}

async function age(path: string, ms: number) {
  const then = new Date(Date.now() - ms);
  await utimes(path, then, then);
}

describe('acquireLock', () => {
  test('an empty lock file left by a crash is taken over, naming the file', async () => {
    await writeFile(lock, '');
    await age(lock, 60_000);
    const { said, release } = await acquireWithin(3000);
    expect(said).toEqual([`took over the abandoned lock ${lock} (it names no owner)`]);
    expect(JSON.parse(await readFile(lock, 'utf8'))).toMatchObject({
      pid: process.pid,
      host: hostname(),
    });
    await release();
  });

  test('a lock from another host that nobody touches any more is taken over', async () => {
    await writeFile(lock, JSON.stringify({ pid: 1, host: 'elsewhere.example' }));
    await age(lock, FOREIGN_STALE_MS + 60_000);
    const { said } = await acquireWithin(3000);
    expect(said[0]).toMatch(
      /^took over the abandoned lock .*layer\.lock \(elsewhere\.example has not touched it for \d+ s\)$/,
    );
  });

  test('a lock whose pid now belongs to another process is taken over', async () => {
    // This very process is alive, but it did not start at the recorded time.
    await writeFile(lock, JSON.stringify({ pid: process.pid, host: hostname(), started: '1' }));
    const { said } = await acquireWithin(3000);
    expect(said).toEqual([
      `took over the abandoned lock ${lock} (pid ${process.pid} is now another process)`,
    ]);
  });

  test('a fresh lock from another host is waited for, saying whose it is and which file to delete', async () => {
    await writeFile(lock, JSON.stringify({ pid: 42, host: 'elsewhere.example' }));
    const said: string[] = [];
    let got = false;
    const acquiring = acquireLock(lock, (m) => void said.push(m), 20).then((release) => {
      got = true;
      return release;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toBe(false);
    expect(said).toEqual([
      `waiting for another build (pid 42 on elsewhere.example) to finish this layer; if none is running, delete ${lock}`,
    ]);
    await rm(lock);
    await (
      await acquiring
    )();
  });

  test('a lock that cannot be created is one sentence naming the file, not a hang or a raw error', async () => {
    lock = join(dir, 'no-such-dir', 'layer.lock');
    const err = await acquireWithin(3000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      `Cannot create the lock file ${lock} (ENOENT); make the cache directory writable, or choose another with --cache-dir.`,
    );
  });

  test('releasing never removes a lock another process has taken since', async () => {
    const { release } = await acquireWithin(3000);
    await writeFile(lock, JSON.stringify({ pid: 42, host: 'elsewhere.example' }));
    await release();
    expect(JSON.parse(await readFile(lock, 'utf8'))).toEqual({
      pid: 42,
      host: 'elsewhere.example',
    });
  });
});
