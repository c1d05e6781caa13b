import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uploadCommand } from '../../../src/commands/upload.js';
import { entrypointModule } from '../../helpers/wasm-module.js';

let server: Server;
let url: string;
const received: { method: string; path: string; body: Buffer }[] = [];
let dir: string;
const wasm = Buffer.from(entrypointModule({ imports: ['__faasm_get_py_user'] }));

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method!, path: req.url!, body: Buffer.concat(chunks) });
      if (req.url === '/p/python/silent') return; // never answers
      res.statusCode = req.url === '/p/python/broken' ? 500 : 200;
      res.end(res.statusCode === 500 ? 'boom' : 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'upload-'));
  await writeFile(join(dir, 'hello.py'), 'def faasm_main():\n    return 0\n');
  await writeFile(join(dir, 'broken.py'), 'x');
  await writeFile(join(dir, 'silent.py'), 'y');
  await writeFile(join(dir, 'py_func.wasm'), wasm);
  await writeFile(join(dir, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  await writeFile(
    join(dir, 'old.wasm'),
    entrypointModule({ imports: ['__faasm_lock_state_global'] }),
  );
  const root = join(dir, 'root');
  await mkdir(join(root, 'lib', 'python3.11'), { recursive: true });
  await writeFile(join(root, 'lib', 'python3.11', 'os.py'), '# os\n');
});

afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

// The command reports each upload on stdout; keep the test output quiet.
beforeAll(() => {
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});

describe('faasm-python upload', () => {
  test('PUTs functions and the entrypoint to an upload server, byte for byte', async () => {
    received.length = 0;
    await uploadCommand.run({ host: url, wasm: join(dir, 'py_func.wasm') }, [
      join(dir, 'hello.py'),
    ]);
    expect(received).toEqual([
      {
        method: 'PUT',
        path: '/p/python/hello',
        body: Buffer.from('def faasm_main():\n    return 0\n'),
      },
      { method: 'PUT', path: '/f/python/py_func', body: wasm },
    ]);
  });

  test('says what the server answered when it refuses', async () => {
    await expect(uploadCommand.run({ host: url }, [join(dir, 'broken.py')])).rejects.toThrow(
      /answered 500 to PUT .*\/p\/python\/broken: boom/,
    );
  });

  test('ends within its timeout when the server never answers, in one sentence', async () => {
    await expect(
      uploadCommand.run({ host: url, timeout: '0.5' }, [join(dir, 'silent.py')]),
    ).rejects.toThrow(
      `${url} did not answer PUT /p/python/silent within 0.5 s; is Faasm running there?`,
    );
  });

  test('refuses a bad URL, a down host, and a wasm that is not one, before writing', async () => {
    await expect(
      uploadCommand.run({ host: 'localhost:8002' }, [join(dir, 'hello.py')]),
    ).rejects.toThrow("--host must be an http:// or https:// URL, not 'localhost:8002'.");
    await expect(
      uploadCommand.run({ host: 'http://127.0.0.1:1' }, [join(dir, 'hello.py')]),
    ).rejects.toThrow(
      /^Cannot reach Faasm at http:\/\/127.0.0.1:1( \(\w+\))?; is it running, and is --host right\?$/,
    );
    const root = await mkdtemp(join(tmpdir(), 'faasm-root-'));
    await expect(
      uploadCommand.run({ local: root, wasm: join(dir, 'passwd') }, [join(dir, 'hello.py')]),
    ).rejects.toThrow(/passwd is not a valid WebAssembly module/);
    await expect(
      uploadCommand.run({ local: root, wasm: join(dir, 'old.wasm') }, [join(dir, 'hello.py')]),
    ).rejects.toThrow(/would not load on Faasm's WAVM: it imports env.__faasm_lock_state_global/);
    expect(await readdir(root)).toEqual([]);
  });

  test('lays out everything Faasm loads with --local: functions, py_func and the runtime root', async () => {
    const root = await mkdtemp(join(tmpdir(), 'faasm-root-'));
    const args = {
      local: root,
      user: 'demo',
      func: 'greet',
      wasm: join(dir, 'py_func.wasm'),
      root: join(dir, 'root'),
    };
    await uploadCommand.run(args, [join(dir, 'hello.py')]);
    expect(await readFile(join(root, 'shared/pyfuncs/demo/greet/function.py'), 'utf8')).toContain(
      'faasm_main',
    );
    expect(await readFile(join(root, 'wasm/python/py_func/function.wasm'))).toEqual(wasm);
    expect(await readFile(join(root, 'runtime_root/lib/python3.11/os.py'), 'utf8')).toBe('# os\n');
    // Again: replaced whole, nothing left beside it.
    await uploadCommand.run(args, [join(dir, 'hello.py')]);
    expect((await readdir(root)).sort()).toEqual(['runtime_root', 'shared', 'wasm']);
  });
});
