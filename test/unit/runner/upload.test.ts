import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uploadCommand } from '../../../src/commands/upload.js';

let server: Server;
let url: string;
const received: { method: string; path: string; body: string }[] = [];
let dir: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method!,
        path: req.url!,
        body: Buffer.concat(chunks).toString(),
      });
      res.statusCode = req.url === '/p/python/broken' ? 500 : 200;
      res.end(res.statusCode === 500 ? 'boom' : 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'upload-'));
  await writeFile(join(dir, 'hello.py'), 'def faasm_main():\n    return 0\n');
  await writeFile(join(dir, 'broken.py'), 'x');
  await writeFile(join(dir, 'py_func.wasm'), 'wasm-bytes');
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

// The command reports each upload on stdout; keep the test output quiet.
beforeAll(() => {
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});

describe('faasm-python upload', () => {
  test('PUTs functions and the entrypoint to an upload server', async () => {
    await uploadCommand.run({ host: url, wasm: join(dir, 'py_func.wasm') }, [
      join(dir, 'hello.py'),
    ]);
    expect(received).toEqual([
      { method: 'PUT', path: '/p/python/hello', body: 'def faasm_main():\n    return 0\n' },
      { method: 'PUT', path: '/f/python/py_func', body: 'wasm-bytes' },
    ]);
  });

  test('says what the server answered when it refuses', async () => {
    await expect(uploadCommand.run({ host: url }, [join(dir, 'broken.py')])).rejects.toThrow(
      /answered 500 to PUT .*\/p\/python\/broken: boom/,
    );
  });

  test("lays functions out in Faasm's shared files with --local", async () => {
    const root = await mkdtemp(join(tmpdir(), 'faasm-root-'));
    await uploadCommand.run(
      { local: root, user: 'demo', func: 'greet', wasm: join(dir, 'py_func.wasm') },
      [join(dir, 'hello.py')],
    );
    expect(await readFile(join(root, 'shared/pyfuncs/demo/greet/function.py'), 'utf8')).toContain(
      'faasm_main',
    );
    expect(await readFile(join(root, 'wasm/python/py_func/function.wasm'), 'utf8')).toBe(
      'wasm-bytes',
    );
  });
});
