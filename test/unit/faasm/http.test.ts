import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { faasmRequest, printable } from '../../../src/faasm/http.js';
import { invoke } from '../../../src/faasm/invoke.js';
import { put } from '../../../src/commands/upload.js';

// A hostile "Faasm" on 127.0.0.1 and a second origin (another port) that must never be sent
// the user's data: the clients follow no redirect there, read no answer past their bound and
// print no server text with its control characters.
let hostile: Server;
let other: Server;
let url: URL;
let otherUrl: URL;
const otherGot: string[] = [];

async function listen(s: Server): Promise<URL> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return new URL(`http://127.0.0.1:${(s.address() as AddressInfo).port}/`);
}

beforeAll(async () => {
  other = createServer((req, res) => {
    otherGot.push(`${req.method} ${req.url}`);
    res.end('{}');
  });
  otherUrl = await listen(other);
  hostile = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '/';
      if (path === '/away') {
        res.writeHead(307, { location: new URL('/stolen', otherUrl).href });
        return void res.end();
      }
      if (path === '/here') {
        res.writeHead(308, { location: '/landed' });
        return void res.end();
      }
      if (path === '/landed') return void res.end(`landed ${req.method}`);
      if (path === '/loop') {
        res.writeHead(302, { location: '/loop' });
        return void res.end();
      }
      if (path === '/big') {
        // 8 MiB in chunks, no length declared.
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        let sent = 0;
        const more = () => {
          while (sent < 128) {
            sent++;
            if (!res.write(chunk)) return void res.once('drain', more);
          }
          res.end();
        };
        return more();
      }
      if (path === '/declared') {
        res.writeHead(200, { 'content-length': String(1 << 30) });
        return void res.write('x');
      }
      res.statusCode = 500;
      res.end('\u001b[2J\u001b]0;pwned\u0007 no hosts');
    });
  });
  url = await listen(hostile);
});

afterAll(async () => {
  for (const s of [hostile, other]) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

describe('clients are careful with the server', () => {
  test('a redirect to another origin is refused, and that origin is sent nothing', async () => {
    const p = faasmRequest('POST', new URL('/away', url), 'secret input', 5000);
    await expect(p).rejects.toThrow(
      /redirected POST \/away to another origin, http:\/\/127\.0\.0\.1:\d+; it was not followed/,
    );
    await expect(put(new URL('/away', url), Buffer.from('code'), 5000)).rejects.toThrow(
      /another origin/,
    );
    expect(otherGot).toEqual([]);
  });

  test('a redirect within the origin is followed with the same method, a loop is not', async () => {
    const r = await faasmRequest('POST', new URL('/here', url), 'x', 5000);
    expect(r).toEqual({ status: 200, body: 'landed POST' });
    await expect(faasmRequest('POST', new URL('/loop', url), 'x', 5000)).rejects.toThrow(
      /redirected POST \/loop more than 5 times/,
    );
  });

  test('an answer past the bound is refused, declared or not', async () => {
    await expect(
      faasmRequest('POST', new URL('/big', url), 'x', 5000, fetch, 5000, 1024 * 1024),
    ).rejects.toThrow(/answered with more than 1048576 bytes; not read further\.$/);
    await expect(faasmRequest('POST', new URL('/declared', url), 'x', 5000)).rejects.toThrow(
      /answered with more than 67108864 bytes/,
    );
  });

  test("a server's text is printed without its control characters", async () => {
    const req = { pyUser: 'u', pyFunc: 'f', input: new Uint8Array(0), appId: 1, messageId: 1 };
    const err = await invoke(url, req, 5000).catch((e: Error) => e);
    expect((err as Error).message).toBe(
      `Faasm at ${url.origin} refused the call to u/f with 500: \\x1b[2J\\x1b]0;pwned\\x07 no hosts.`,
    );
    expect(printable('a\tb\nc\u009b', true)).toBe('a\tb\nc\\x9b');
  });
});
