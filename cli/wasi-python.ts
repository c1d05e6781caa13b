// The python.wasm runner (src/cpython/wasi-python.ts), bundled beside bundle.js: the modules
// layer starts it as a child process from new URL('./wasi-python.js', import.meta.url).
import '../src/cpython/wasi-python.js';
