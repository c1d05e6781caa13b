// Adversarial: a source server that never answers, or stalls half-way, fails the fetch promptly.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchSource } from '../../../src/sources/fetch.js';
import { UserError } from '../../../src/util/errors.js';

let dir: string;
let server: Server;
let base: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-network-'));
  server = createServer((req, res) => {
    if (req.url === '/stalls.tar.gz') {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('only the first bytes');
    }
    // '/silent.tar.gz': never answers at all.
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe('source downloads have timeouts', () => {
  test.each([
    ['never answers', 'silent.tar.gz', /silent\.tar\.gz: no answer within 0\.3 s/],
    ['stalls half-way', 'stalls.tar.gz', /stalls\.tar\.gz: no data for 0\.3 s/],
  ])(
    'a server that %s fails the fetch in one sentence and caches nothing',
    async (_what, file, why) => {
      const cacheDir = join(dir, file);
      const route = { kind: 'url' as const, url: `${base}/${file}`, file, sha256: 'a'.repeat(64) };
      const timeouts = { answerMs: 300, idleMs: 300 };
      const err = await fetchSource('x', [route], { cacheDir, repoRoot: dir, timeouts }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(
        /^Could not fetch x from any of its sources \(http:\/\/127\.0\.0\.1:\d+\//,
      );
      expect((err as Error).message).toMatch(why);
      expect(await readdir(join(cacheDir, 'sources'))).toEqual([]);
    },
  );
});
