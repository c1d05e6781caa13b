// Runs python.wasm under node:wasi with a runtime root preopened as "/" and PYTHONHOME=/.
// argv: <python.wasm> <runtime root> [python args...]. Prints compile/run times to stderr
// as a last line "wasi-timing compile=<ms> run=<ms>" when WASI_TIMING=1.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

const [wasmPath, root, ...args] = process.argv.slice(2);
const t0 = performance.now();
const module = await WebAssembly.compile(await readFile(wasmPath));
const t1 = performance.now();
const wasi = new WASI({
  version: 'preview1',
  args: ['python', ...args],
  env: { PYTHONHOME: '/', PYTHONDONTWRITEBYTECODE: '1', LANG: 'C.UTF-8' },
  preopens: { '/': root },
  returnOnExit: true,
});
// Node 20's WASI functions crash (segfault, or "0 is not a function") through V8's fast-call
// path once linear memory has grown and Python imports more modules (nodejs/node#46777,
// #53087). Calling them through plain JS functions takes the regular path.
const imports = wasi.getImportObject();
for (const ns of Object.values(imports)) {
  for (const [name, fn] of Object.entries(ns)) {
    if (typeof fn === 'function') ns[name] = (...args) => fn(...args);
  }
}
const instance = await WebAssembly.instantiate(module, imports);
const code = wasi.start(instance);
const t2 = performance.now();
if (process.env.WASI_TIMING === '1') {
  process.stderr.write(`wasi-timing compile=${(t1 - t0).toFixed(1)} run=${(t2 - t1).toFixed(1)}\n`);
}
process.exitCode = code;
