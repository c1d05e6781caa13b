/**
 * Hand-assembled wasm modules for tests that need a binary without a toolchain: an entrypoint
 * with Faasm's exports (see src/faasm/profile.ts entrypointExports), optionally missing some
 * and importing some `env` functions of type (i32, i32) -> ().
 */
import {
  encodeLeb as leb,
  encodeName as str,
  encodeSection as section,
} from '../../src/wasm/binary.js';

export function entrypointModule(opts: { imports?: string[]; omit?: string[] } = {}): Uint8Array {
  const imports = opts.imports ?? [];
  const omit = new Set(opts.omit ?? []);
  // types: 0 ()->(), 1 ()->(i32), 2 (i32)->(i32), 3 (i32)->(), 4 (i32,i32)->()
  const types = [5, 0x60, 0, 0, 0x60, 0, 1, 0x7f, 0x60, 1, 0x7f, 1, 0x7f, 0x60, 1, 0x7f, 0];
  types.push(0x60, 2, 0x7f, 0x7f, 0);
  const importBody = [imports.length, ...imports.flatMap((n) => [...str('env'), ...str(n), 0, 4])];
  const n = imports.length; // defined functions start after the imports
  const funcs = [
    ['_start', 0, [0x0b]],
    ['__wasm_call_ctors', 0, [0x0b]],
    ['_faasm_zygote', 1, [0x41, 0, 0x0b]],
    ['malloc', 2, [0x41, 0, 0x0b]],
    ['free', 3, [0x0b]],
  ] as const;
  const globals = ['__stack_pointer', '__heap_base', '__data_end'];
  const exps: number[][] = [[...str('memory'), 2, 0]];
  funcs.forEach(([name], i) => !omit.has(name) && exps.push([...str(name), 0, ...leb(n + i)]));
  globals.forEach((name, i) => !omit.has(name) && exps.push([...str(name), 3, i]));
  return Uint8Array.from([
    0,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...section(1, types),
    ...(n ? section(2, importBody) : []),
    ...section(3, [funcs.length, ...funcs.map(([, t]) => t)]),
    ...section(5, [1, 0, 1]),
    ...section(6, [3, 0x7f, 1, 0x41, 0, 0x0b, 0x7f, 0, 0x41, 0, 0x0b, 0x7f, 0, 0x41, 0, 0x0b]),
    ...section(7, [exps.length, ...exps.flat()]),
    ...section(10, [funcs.length, ...funcs.flatMap(([, , body]) => [body.length + 1, 0, ...body])]),
  ]);
}
