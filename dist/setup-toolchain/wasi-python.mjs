// Runs a CPython wasm (python.wasm, or the modules layer's test interpreter) under node:wasi.
// argv: <wasm> <preopens JSON {guest path: host path}> [python args...]. PYTHONHOME=/.
// Prints "wasi-timing compile=<ms> run=<ms>" to stderr when WASI_TIMING=1.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

const [wasmPath, preopens, ...args] = process.argv.slice(2);
const t0 = performance.now();
const module = await WebAssembly.compile(await readFile(wasmPath));
const t1 = performance.now();
const wasi = new WASI({
  version: 'preview1',
  args: ['python', ...args],
  env: { PYTHONHOME: '/', PYTHONDONTWRITEBYTECODE: '1', LANG: 'C.UTF-8' },
  preopens: JSON.parse(preopens),
  returnOnExit: true,
});
// Node 20's WASI functions crash (segfault, or "0 is not a function") through V8's fast-call
// path once linear memory has grown and Python imports more modules (nodejs/node#46777,
// #53087). Calling them through plain JS functions takes the regular path.
const imports = wasi.getImportObject();
for (const ns of Object.values(imports)) {
  for (const [name, fn] of Object.entries(ns)) {
    if (typeof fn === 'function') ns[name] = (...a) => fn(...a);
  }
}
// Imports outside WASI (pyfaasm's `env` host calls) trap when called: importing modules needs
// no host, and a Faasm host is what serves the calls.
for (const imp of WebAssembly.Module.imports(module)) {
  if (imp.kind !== 'function' || imports[imp.module]?.[imp.name]) continue;
  imports[imp.module] ??= {};
  imports[imp.module][imp.name] = () => {
    throw new Error(`host call ${imp.module}.${imp.name} is not available outside a Faasm host`);
  };
}
const instance = await WebAssembly.instantiate(module, imports);
const code = wasi.start(instance);
const t2 = performance.now();
if (process.env.WASI_TIMING === '1') {
  process.stderr.write(`wasi-timing compile=${(t1 - t0).toFixed(1)} run=${(t2 - t1).toFixed(1)}\n`);
}
process.exitCode = code;
