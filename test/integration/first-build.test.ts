// A newcomer's first build starts from an empty cache, and its layers fetch their sources at
// the same time. Every source of the default build is fetched here into an empty cache, all at
// once, as that build does (the private apt's lists were once updated by several layers at
// once, and the first build failed every time).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths.js';
import { fetchSource } from '../../src/sources/fetch.js';
import { runtimeSources } from '../../src/release/inventory.js';
import { sha256File } from '../../src/util/hash.js';

let cacheDir: string;
beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'fp-first-fetch-'));
});
afterAll(() => rm(cacheDir, { recursive: true, force: true }));

test('every source of the default build arrives in an empty cache, fetched in parallel', async () => {
  const sources = await runtimeSources(REPO_ROOT);
  // The C libraries and CPython come from Debian's mirror, the modules from PyPI.
  expect(sources.some((s) => s.routes.some((r) => r.kind === 'debian-source'))).toBe(true);
  const got = await Promise.all(
    sources.map((s) =>
      fetchSource(s.name, s.routes, { cacheDir, repoRoot: REPO_ROOT }).then(
        (f) => ({ name: s.name, ...f }),
        (err: unknown) => ({ name: s.name, error: String(err) }),
      ),
    ),
  );
  const failed = got.filter((g) => 'error' in g);
  expect(failed).toEqual([]);
  for (const g of got) {
    if ('path' in g) expect(await sha256File(g.path)).toBe(g.route.sha256);
  }
});
