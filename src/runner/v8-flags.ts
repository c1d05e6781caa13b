/** V8 settings the host changes for the whole process, set once before the first compile. */
import { setFlagsFromString } from 'node:v8';

let set = false;

/**
 * Validates each wasm function when it is first compiled rather than the whole module up
 * front: compiling py_func.wasm then takes ~35 ms instead of ~150 ms, all of it on the first
 * call's path. The module is the project's own build; a malformed function would still fail,
 * at its first call. Process-wide, so set once, before the first compile.
 */
export function lazyWasmValidation(): void {
  if (set) return;
  set = true;
  setFlagsFromString('--wasm-lazy-validation');
}
