// Runs a python-modules.wasm under node:wasi. argv: <wasm> <preopens JSON {guest: host}> [python args...].
// Imports outside WASI (pyfaasm's `env` host calls) are stubs that trap when called: the
// recipe tests import modules, a Faasm host is what serves the calls.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

const [wasmPath, preopens, ...args] = process.argv.slice(2);
const module = await WebAssembly.compile(await readFile(wasmPath));
const wasi = new WASI({
  version: 'preview1',
  args: ['python', ...args],
  env: { PYTHONHOME: '/', PYTHONDONTWRITEBYTECODE: '1', LANG: 'C.UTF-8' },
  preopens: JSON.parse(preopens),
  returnOnExit: true,
});
const imports = wasi.getImportObject();
for (const imp of WebAssembly.Module.imports(module)) {
  if (imp.kind !== 'function' || imports[imp.module]?.[imp.name]) continue;
  imports[imp.module] ??= {};
  imports[imp.module][imp.name] = () => {
    throw new Error(`host call ${imp.module}.${imp.name} is not available outside a Faasm host`);
  };
}
const instance = await WebAssembly.instantiate(module, imports);
process.exitCode = wasi.start(instance);
