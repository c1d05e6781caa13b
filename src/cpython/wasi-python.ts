/**
 * Runs a CPython wasm (python.wasm, or the modules layer's test interpreter) on the host's own
 * WASI (src/runner/wasi), the one Faasm calls run on, in its own process.
 * argv: <wasm> <mounts JSON: MountSpec[]> [python args...]. PYTHONHOME=/; extra environment in
 * WASI_PYTHON_ENV (JSON object). Prints "wasi-timing compile=<ms> run=<ms>" to stderr when
 * WASI_TIMING=1. Started by python-wasm.ts.
 */
import { readFile } from 'node:fs/promises';
import { writeSync } from 'node:fs';
import type { MountSpec } from '../runner/wasi/mounts.js';
import { Wasi } from '../runner/wasi/wasi.js';

const [wasmPath, mounts, ...args] = process.argv.slice(2);
const t0 = performance.now();
const module = await WebAssembly.compile(await readFile(wasmPath!));
const t1 = performance.now();
/** For a 1 ms wait between writes: Atomics.wait sleeps the thread without spinning. */
const pause = new Int32Array(new SharedArrayBuffer(4));
/**
 * The guest's stdout and stderr block, as a process's do: a pipe this process inherited may be
 * non-blocking (its other end's owner sets that on the shared file description; seen when CI
 * started the test runner with stdin closed), and a full one answers EAGAIN, which the guest
 * would see as BlockingIOError on a print. So wait for the reader instead.
 */
const out = (fd: number) => (data: Uint8Array) => {
  for (let at = 0; at < data.length;) {
    try {
      at += writeSync(fd, data, at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
};
const wasi = new Wasi({
  args: ['python', ...args],
  env: {
    PYTHONHOME: '/',
    PYTHONDONTWRITEBYTECODE: '1',
    LANG: 'C.UTF-8',
    ...(JSON.parse(process.env.WASI_PYTHON_ENV ?? '{}') as Record<string, string>),
  },
  mounts: JSON.parse(mounts!) as MountSpec[],
  stdout: out(1),
  stderr: out(2),
});
// Imports outside WASI (pyfaasm's `env` host calls) trap when called: importing modules needs
// no host, and a Faasm host is what serves the calls.
const imports: Record<string, Record<string, unknown>> = { wasi_snapshot_preview1: wasi.imports };
for (const imp of WebAssembly.Module.imports(module)) {
  if (imp.kind !== 'function' || imports[imp.module]?.[imp.name]) continue;
  imports[imp.module] ??= {};
  imports[imp.module]![imp.name] = () => {
    throw new Error(`host call ${imp.module}.${imp.name} is not available outside a Faasm host`);
  };
}
const instance = await WebAssembly.instantiate(module, imports as WebAssembly.Imports);
const exports = instance.exports as { memory: WebAssembly.Memory; _start: () => void };
wasi.bind(exports.memory);
const code = wasi.run(exports._start);
wasi.close();
const t2 = performance.now();
if (process.env.WASI_TIMING === '1') {
  process.stderr.write(`wasi-timing compile=${(t1 - t0).toFixed(1)} run=${(t2 - t1).toFixed(1)}\n`);
}
process.exitCode = code;
