import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaasmHost } from '../../src/runner/host.js';
import { ExitCode } from '../../src/runner/types.js';
import { buildGuestFixture, type GuestFixture } from '../fixtures/faasm-guest/build.js';

// The host end to end on a stand-in entrypoint (test/fixtures/faasm-guest/guest.c, built with
// clang-16): calls, chaining, state, budgets, snapshots and instance reuse with a real guest.
// Without clang-16 these are skipped, and say why.
const CLANG = spawnSync('clang-16', ['--version']).status === 0;
if (!CLANG)
  console.warn(
    'clang-16 is not installed: the FaasmHost stand-in tests are skipped (run ./run setup)',
  );
const withClang = CLANG ? describe : describe.skip;

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

let fx: GuestFixture;
let host: FaasmHost;

const hostTest = (name: string, fn: () => Promise<void>) => test(name, fn, 60_000);

withClang('FaasmHost on the stand-in entrypoint', () => {
  beforeAll(async () => {
    fx = (await buildGuestFixture())!;
    host = await FaasmHost.load({
      wasmPath: fx.wasm,
      runtimeRoot: fx.root,
      functionsDir: fx.functions,
      limits: {
        // Generous: chained calls start workers, slow on a loaded machine; no test waits it out.
        timeoutMs: 20_000,
        maxMemoryBytes: 64 * 1024 * 1024,
        maxInputBytes: 1024,
        maxOutputBytes: 512 * 1024,
      },
      confFlags: { PYTHON_PRELOAD: 1 },
    });
  }, 60_000);

  afterAll(async () => {
    await host?.close();
  });

  describe('FaasmHost on a stand-in entrypoint', () => {
    hostTest('runs a call, with output, logs and conf flags', async () => {
      const r = await host.call({ user: 'demo', func: 'hello' });
      expect(r.returnCode).toBe(0);
      expect(text(r.output)).toMatch(/^hello demo\/hello stamp=\d+ preload=1$/);
      expect(r.stdout).toBe("guest demo/hello entry ''\n");
      expect(r.stderr).toBe('to stderr\n');
      expect(r.error).toBeUndefined();
    });

    hostTest('starts later calls from the zygote snapshot', async () => {
      const stamps = new Set<string>();
      for (let i = 0; i < 3; i++)
        stamps.add(text((await host.call({ user: 'demo', func: 'hello' })).output));
      expect(stamps.size).toBe(1);
    });

    hostTest('passes binary input through to output unchanged', async () => {
      const input = Uint8Array.from({ length: 256 }, (_, i) => i);
      const r = await host.call({ user: 'demo', func: 'echo', input });
      expect(r.returnCode).toBe(0);
      expect(Buffer.from(r.output).equals(Buffer.from(input))).toBe(true);
    });

    hostTest("reports the function's own return code and its failure line", async () => {
      const r = await host.call({ user: 'demo', func: 'exit3' });
      expect(r.returnCode).toBe(3);
      expect(r.error).toBe('demo/exit3 failed on purpose');
    });

    hostTest(
      'chains calls, awaits their codes and outputs; a failed child is a non-zero await',
      async () => {
        const r = await host.call({ user: 'demo', func: 'chain' });
        expect(r.returnCode).toBe(0);
        // d: chain_name("py_func") reruns this function's faasm_main (Faasm's meaning); e: no
        // Faasm function python/echo; z: an unknown id awaits as 1, as in Faasm.
        expect(text(r.output)).toBe(
          `a=0:cb b=5 c=${ExitCode.trap} d=7:xyz e=${ExitCode.rejected} z=1`,
        );
      },
    );

    hostTest(
      'keeps state across calls: whole values, offsets, pull sizing, appends, locks',
      async () => {
        const r = await host.call({ user: 'demo', func: 'state' });
        expect(r.error).toBeUndefined();
        expect(text(r.output)).toBe('size=10 whole=01ab456789 part=1ab new=4 app=xxyy');
        const again = await host.call({ user: 'demo', func: 'readstate' });
        expect(text(again.output)).toBe('01ab456789');
        expect(Buffer.from(host.state.get('demo', 'fixture_key')!).toString()).toBe('01ab456789');
        // Another user's functions do not see demo's keys.
        const other = await host.call({ user: 'other', func: 'readstate' });
        expect(other.output.length).toBe(0);
      },
    );

    hostTest('fails a call on an out-of-range state offset, clearly', async () => {
      const r = await host.call({ user: 'demo', func: 'badoffset' });
      expect(r.returnCode).toBe(ExitCode.trap);
      expect(r.error).toMatch(
        /host call failed: state 'fixture_key': offset 8 \+ length 5 is outside the key's 10 bytes/,
      );
    });

    hostTest('ends an infinite loop at the timeout, and the next call works', async () => {
      const r = await host.call({ user: 'demo', func: 'loop', timeoutMs: 500 });
      expect(r.returnCode).toBe(ExitCode.timeout);
      expect(r.error).toBe(
        'demo/loop: the call timed out: it went over its wall time budget of 0.5 s; raise it with --timeout',
      );
      expect((await host.call({ user: 'demo', func: 'hello' })).returnCode).toBe(0);
    });

    hostTest('ends a call blocked awaiting a chained call at its own timeout', async () => {
      const r = await host.call({ user: 'demo', func: 'waitloop', timeoutMs: 800 });
      expect(r.returnCode).toBe(ExitCode.timeout);
      expect((await host.call({ user: 'demo', func: 'hello' })).returnCode).toBe(0);
    });

    hostTest('turns a trap into a failed call', async () => {
      const r = await host.call({ user: 'demo', func: 'trap' });
      expect(r.returnCode).toBe(ExitCode.trap);
      expect(r.error).toMatch(/the guest trapped: unreachable/);
    });

    hostTest('says so when a Faasm call is not modelled by this host', async () => {
      const r = await host.call({ user: 'demo', func: 'unsupported' });
      expect(r.error).toMatch(
        /__faasm_read_state_ptr is defined by Faasm's WAVM \(Faasm default\) but not modelled/,
      );
    });

    hostTest("keeps a state key's first size, as faabric does", async () => {
      const r = await host.call({ user: 'demo', func: 'statesize' });
      expect(r.error).toBeUndefined();
      expect(text(r.output)).toBe('seg=4567 size=10 whole=abcdefghij short=XY:0');
    });

    hostTest("gives the guest Faasm's environment, argv and conf flags", async () => {
      const r = await host.call({ user: 'demo', func: 'faasmenv' });
      expect(text(r.output)).toBe(
        'argv0=function.wasm argc=1 wasm=1 seed=0 nousersite=on home=/ on=1 off=0 other=0',
      );
    });

    hostTest('fails a lock on a key that was never sized, as Faasm does', async () => {
      const r = await host.call({ user: 'demo', func: 'lockmissing' });
      expect(r.returnCode).toBe(ExitCode.trap);
      expect(r.error).toMatch(/state 'never_written' does not exist/);
    });

    hostTest('caps the guest memory: malloc fails inside the guest', async () => {
      const r = await host.call({ user: 'demo', func: 'grow' });
      expect(r.returnCode).toBe(0);
      const mib = Number(/after (\d+) MiB/.exec(text(r.output))?.[1]);
      expect(mib).toBeGreaterThan(30);
      expect(mib).toBeLessThan(64);
    });

    hostTest('refuses input and output over the limits, and missing functions', async () => {
      const big = await host.call({ user: 'demo', func: 'echo', input: new Uint8Array(2048) });
      expect(big.returnCode).toBe(ExitCode.rejected);
      expect(big.error).toBe(
        'demo/echo: the input of 2048 bytes is over the 1024-byte limit; raise it with --input-mb',
      );
      const out = await host.call({ user: 'demo', func: 'bigout' });
      expect(out.returnCode).toBe(ExitCode.trap);
      expect(out.error).toBe(
        'it went over its output budget of 0.5 MiB; raise it with --output-mb',
      );
      const missing = await host.call({ user: 'demo', func: 'nope' });
      expect(missing.returnCode).toBe(ExitCode.rejected);
      expect(missing.error).toMatch(
        /^demo\/nope: there is no function demo\/nope \(no .*nope\/function.py\)$/,
      );
      const bad = await host.call({ user: '..', func: 'x' });
      expect(bad.returnCode).toBe(ExitCode.rejected);
    });

    hostTest('confines the guest to its root and functions', async () => {
      const r = await host.call({ user: 'demo', func: 'files' });
      expect(text(r.output)).toBe('own=1 etc=0 up=0 rel=0');
    });

    hostTest('runs calls in parallel', async () => {
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          host.call({ user: 'demo', func: 'echo', input: Buffer.from(`n${i}`) }),
        ),
      );
      expect(results.map((r) => text(r.output))).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
    });
  });

  describe('FaasmHost instances made ahead of their calls', () => {
    hostTest(
      'every call starts from the snapshot with an empty /tmp, on a ready instance too',
      async () => {
        const outputs: string[] = [];
        for (const func of ['fresh', 'fresh', 'echo', 'fresh', 'fresh']) {
          const r = await host.call({ user: 'demo', func, input: Buffer.from('x') });
          expect(r.returnCode).toBe(0);
          if (func === 'fresh') outputs.push(text(r.output));
        }
        expect(outputs).toEqual(Array(4).fill('runs=1 old=0 written=1'));
      },
    );

    hostTest(
      'an instance reused for the next call is put back as the snapshot left it',
      async () => {
        // No pool: one worker runs every call, on the one instance it resets between them.
        const one = await FaasmHost.load({
          wasmPath: fx.wasm,
          runtimeRoot: fx.root,
          functionsDir: fx.functions,
          pool: false,
          limits: { maxMemoryBytes: 64 * 1024 * 1024 },
        });
        try {
          const where = async () => text((await one.call({ user: 'demo', func: 'where' })).output);
          const first = await where();
          expect(first).toMatch(/^stack=0x[0-9a-f]+ pages=\d+$/);
          // exit() from 64 frames down leaves __stack_pointer 64 KiB lower: reset puts it back.
          expect((await one.call({ user: 'demo', func: 'deepexit' })).returnCode).toBe(0);
          expect(await where()).toBe(first);
          // A call that grew the memory leaves an instance that cannot shrink: not reused.
          expect((await one.call({ user: 'demo', func: 'grow' })).returnCode).toBe(0);
          expect(await where()).toBe(first);
          const fresh = await one.call({ user: 'demo', func: 'fresh' });
          expect(text(fresh.output)).toBe('runs=1 old=0 written=1');
          expect(text((await one.call({ user: 'demo', func: 'fresh' })).output)).toBe(
            'runs=1 old=0 written=1',
          );
        } finally {
          await one.close();
        }
      },
    );

    hostTest('ends the workers a burst of calls left idle, all but two kept warm', async () => {
      const h = await FaasmHost.load({
        wasmPath: fx.wasm,
        runtimeRoot: fx.root,
        functionsDir: fx.functions,
        idleWorkerMs: 300,
      });
      try {
        const calls = Array.from({ length: 4 }, () => h.call({ user: 'demo', func: 'hello' }));
        expect((await Promise.all(calls)).map((r) => r.returnCode)).toEqual([0, 0, 0, 0]);
        expect(h.workers).toEqual({ busy: 0, idle: 4 });
        await new Promise((r) => setTimeout(r, 1500));
        expect(h.workers).toEqual({ busy: 0, idle: 2 });
        expect((await h.call({ user: 'demo', func: 'hello' })).returnCode).toBe(0);
      } finally {
        await h.close();
      }
    });

    hostTest(
      'keeps a second worker, so a call need not wait for the last one to reset',
      async () => {
        const h = await FaasmHost.load({
          wasmPath: fx.wasm,
          runtimeRoot: fx.root,
          functionsDir: fx.functions,
        });
        try {
          expect(h.workers).toEqual({ busy: 0, idle: 1 });
          expect((await h.call({ user: 'demo', func: 'hello' })).returnCode).toBe(0);
          // Started after the call, not before it.
          expect(h.workers).toEqual({ busy: 0, idle: 2 });
          for (let i = 0; i < 4; i++) {
            expect((await h.call({ user: 'demo', func: 'hello' })).returnCode).toBe(0);
          }
          expect(h.workers).toEqual({ busy: 0, idle: 2 });
        } finally {
          await h.close();
        }
      },
    );

    hostTest(
      'a host keeping snapshots in a directory starts its first call from the stored one',
      async () => {
        const dir = await mkdtemp(join(tmpdir(), 'fp-host-snap-'));
        const opts = { wasmPath: fx.wasm, runtimeRoot: fx.root, functionsDir: fx.functions };
        const stampOf = async (o: Parameters<typeof FaasmHost.load>[0]) => {
          const h = await FaasmHost.load(o);
          try {
            return text((await h.call({ user: 'demo', func: 'hello' })).output);
          } finally {
            await h.close();
          }
        };
        try {
          const first = await stampOf({ ...opts, snapshotDir: dir });
          expect((await readdir(dir)).filter((n) => n.endsWith('.mem'))).toHaveLength(1);
          // The zygote stamps the memory with the time it ran: the same stamp, so it did not run again.
          expect(await stampOf({ ...opts, snapshotDir: dir })).toBe(first);
          // Another environment is another zygote.
          expect(await stampOf({ ...opts, snapshotDir: dir, env: { X: '1' } })).not.toBe(first);
          // A damaged snapshot (same size, zeroed) is found by its hash and taken again.
          const mem = (await readdir(dir)).filter((n) => n.endsWith('.mem'));
          for (const n of mem) {
            const size = (await stat(join(dir, n))).size;
            await truncate(join(dir, n), 0);
            await truncate(join(dir, n), size);
          }
          const again = await stampOf({ ...opts, snapshotDir: dir });
          expect(again).toMatch(/^hello demo\/hello stamp=\d+ preload=0$/);
          expect(again).not.toBe(first);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    );
  });

  describe('FaasmHost with the WAMR profile', () => {
    hostTest(
      'offers only what WAMR defines: a call to another import fails naming it',
      async () => {
        const wamr = await FaasmHost.load({
          wasmPath: fx.wasm,
          runtimeRoot: fx.root,
          functionsDir: fx.functions,
          vm: 'wamr',
        });
        try {
          const r = await wamr.call({ user: 'demo', func: 'hello' });
          expect(r.returnCode).toBe(ExitCode.trap);
          expect(r.error).toMatch(
            /__faasm_get_py_user is not defined by Faasm's WAMR \(--vm wamr\)/,
          );
        } finally {
          await wamr.close();
        }
      },
    );
  });

  describe('FaasmHost with a state directory', () => {
    hostTest(
      'a value written in one host is read by the next, as from Faasm’s state store',
      async () => {
        const dir = await mkdtemp(join(tmpdir(), 'host-state-'));
        const load = () =>
          FaasmHost.load({
            wasmPath: fx.wasm,
            runtimeRoot: fx.root,
            functionsDir: fx.functions,
            stateDir: dir,
          });
        try {
          const first = await load();
          expect((await first.call({ user: 'demo', func: 'state' })).error).toBeUndefined();
          await first.close();
          const second = await load();
          const r = await second.call({ user: 'demo', func: 'readstate' });
          await second.close();
          expect(text(r.output)).toBe('01ab456789');
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    );
  });
});
