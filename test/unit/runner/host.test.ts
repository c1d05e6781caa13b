import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaasmHost } from '../../../src/runner/host.js';
import { ExitCode } from '../../../src/runner/types.js';
import { entrypointModule } from '../../helpers/wasm-module.js';

// The host's composition on a hand-assembled entrypoint (no toolchain): its _start and zygote
// return at once, so these check what the host does around a call. The host on a guest that
// does things is test/integration/host.test.ts (stand-in guest) and hostile/functions (py_func).
let dir: string;
let opts: { wasmPath: string; runtimeRoot: string; functionsDir: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'host-unit-'));
  opts = { wasmPath: join(dir, 'm.wasm'), runtimeRoot: join(dir, 'root'), functionsDir: join(dir, 'pyfuncs') }; // prettier-ignore
  await writeFile(opts.wasmPath, entrypointModule());
  await mkdir(opts.runtimeRoot);
  await mkdir(join(opts.functionsDir, 'demo', 'hello'), { recursive: true });
  await writeFile(join(opts.functionsDir, 'demo', 'hello', 'function.py'), '');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FaasmHost, toolchain-free', () => {
  test('runs calls on workers it keeps warm, and takes the zygote snapshot once', async () => {
    const snapshots = join(dir, 'snap');
    await mkdir(snapshots);
    const host = await FaasmHost.load({ ...opts, snapshotDir: snapshots });
    try {
      // The first worker starts while the module compiles.
      expect(host.workers).toEqual({ busy: 0, idle: 1 });
      const call = host.call({ user: 'demo', func: 'hello', input: Buffer.from('in') });
      expect(host.workers.busy + host.workers.idle).toBeGreaterThanOrEqual(1);
      const r = await call;
      expect(r).toMatchObject({ id: 1, returnCode: 0, stdout: '', stderr: '' });
      expect(r.error).toBeUndefined();
      // Another started after the call: two kept warm.
      expect(host.workers).toEqual({ busy: 0, idle: 2 });
      for (let i = 0; i < 3; i++) {
        expect((await host.call({ user: 'demo', func: 'hello' })).returnCode).toBe(0);
      }
      expect(host.workers).toEqual({ busy: 0, idle: 2 });
    } finally {
      await host.close();
    }
    // Taken by the first call and saved once.
    expect((await readdir(snapshots)).filter((n) => n.endsWith('.mem'))).toHaveLength(1);
  });

  test('refuses a ..-style user or function name, a bad entry, a big input, a missing function', async () => {
    const host = await FaasmHost.load({ ...opts, limits: { maxInputBytes: 4 } });
    try {
      for (const [user, func] of [
        ['..', 'hello'],
        ['demo', 'a..b'],
        ['a..', 'hello'],
        ['demo', '../demo'],
      ]) {
        // prettier-ignore
        const r = await host.call({ user: user!, func: func! });
        expect(r.returnCode).toBe(ExitCode.rejected);
        expect(r.error).toBe(`${user}/${func}: '${user}/${func}' (entry '') is not a valid function name`); // prettier-ignore
      }
      const entry = await host.call({ user: 'demo', func: 'hello', entry: 'os.system' });
      expect(entry.error).toBe("demo/hello:os.system: 'demo/hello' (entry 'os.system') is not a valid function name"); // prettier-ignore
      const big = await host.call({ user: 'demo', func: 'hello', input: new Uint8Array(5) });
      expect(big.error).toBe('demo/hello: the input of 5 bytes is over the 4-byte limit; raise it with --input-mb'); // prettier-ignore
      const missing = await host.call({ user: 'demo', func: 'nope' });
      expect(missing.returnCode).toBe(ExitCode.rejected);
      expect(missing.error).toMatch(/^demo\/nope: there is no function demo\/nope \(no .*\/pyfuncs\/demo\/nope\/function.py\)$/); // prettier-ignore
      // Refused before any worker was taken.
      expect(host.workers.busy).toBe(0);
    } finally {
      await host.close();
    }
    await expect(host.call({ user: 'demo', func: 'hello' })).rejects.toThrow(
      'the FaasmHost is closed',
    );
  });

  test('without snapshots or a pool, every call still runs, on one worker', async () => {
    const host = await FaasmHost.load({ ...opts, snapshot: false, pool: false });
    try {
      expect(host.workers).toEqual({ busy: 0, idle: 0 });
      expect((await host.call({ user: 'demo', func: 'hello' })).returnCode).toBe(0);
      expect((await host.call({ user: 'demo', func: 'hello' })).returnCode).toBe(0);
    } finally {
      await host.close();
    }
  });

  test('leaves no /tmp behind after close', async () => {
    const temp = await mkdtemp(join(dir, 'temp-'));
    const host = await FaasmHost.load({ ...opts, tempDir: temp });
    expect(await readdir(temp)).toHaveLength(1);
    await host.call({ user: 'demo', func: 'hello' });
    await host.close();
    expect(await readdir(temp)).toEqual([]);
  });

  test('refuses a directory that is not one, and an unreadable entrypoint, in one sentence', async () => {
    await expect(FaasmHost.load({ ...opts, runtimeRoot: join(dir, 'none') })).rejects.toThrow(
      `The runtime root ${join(dir, 'none')} is not a directory; build the runtime or pass the right path.`,
    );
    await expect(FaasmHost.load({ ...opts, wasmPath: join(dir, 'none.wasm') })).rejects.toThrow(
      `Cannot read the entrypoint ${join(dir, 'none.wasm')}; build the func layer or pass --wasm.`,
    );
  });
});
