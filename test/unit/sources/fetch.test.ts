import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchSource } from '../../../src/sources/fetch.js';
import { UserError } from '../../../src/util/errors.js';
import { sha256 } from '../../../src/util/hash.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-fetch-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const content = 'pretend this is a tarball';
const good = sha256(content);

describe('fetchSource', () => {
  test('takes a local file whose sha256 matches and keeps it content-addressed', async () => {
    await writeFile(join(dir, 'x.tar.gz'), content);
    const opts = { cacheDir: join(dir, 'cache'), repoRoot: dir };
    const got = await fetchSource(
      'x',
      [{ kind: 'path', path: 'x.tar.gz', file: 'x.tar.gz', sha256: good }],
      opts,
    );
    expect(got.path).toBe(join(dir, 'cache', 'sources', good, 'x.tar.gz'));
  });

  test('refuses a tampered file with one sentence naming file and both hashes, caching nothing', async () => {
    await writeFile(join(dir, 'x.tar.gz'), `${content} tampered`);
    const opts = { cacheDir: join(dir, 'cache'), repoRoot: dir };
    const route = { kind: 'path' as const, path: 'x.tar.gz', file: 'x.tar.gz', sha256: good };
    const err = await fetchSource('x', [route], opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as Error).message;
    expect(msg).toContain('x.tar.gz');
    expect(msg).toContain(good);
    expect(msg).toContain(sha256(`${content} tampered`));
    expect(msg.split('. ').length).toBe(1);
    const kept = await readdir(join(dir, 'cache', 'sources')).catch(() => []);
    expect(kept).toEqual([]);
  });

  test('tries routes in order and falls back to a mirror directory', async () => {
    const mirror = join(dir, 'mirror');
    await mkdir(mirror);
    await writeFile(join(mirror, 'x.tar.gz'), content);
    const opts = { cacheDir: join(dir, 'cache'), repoRoot: dir, mirrorDirs: [mirror] };
    const routes = [
      { kind: 'url' as const, url: 'http://127.0.0.1:9/x.tar.gz', file: 'x.tar.gz', sha256: good },
    ];
    const got = await fetchSource('x', routes, opts);
    expect(got.path.endsWith(join(good, 'x.tar.gz'))).toBe(true);
  });

  test('names every route that failed when none works', async () => {
    const opts = { cacheDir: join(dir, 'cache'), repoRoot: dir };
    const routes = [
      { kind: 'url' as const, url: 'http://127.0.0.1:9/x.tar.gz', file: 'x.tar.gz', sha256: good },
      { kind: 'path' as const, path: 'missing.tar.gz', file: 'x.tar.gz', sha256: good },
    ];
    await expect(fetchSource('x', routes, opts)).rejects.toThrow(
      /Could not fetch x from any of its sources \(http:\/\/127\.0\.0\.1:9\/x\.tar\.gz: .*; missing\.tar\.gz: .*\)/,
    );
  });
});
