import { describe, expect, test } from '@jest/globals';
import { readModuleAbi, sameType, formatType } from '../../../src/wasm/module-abi.js';
import { entrypointModule } from '../../helpers/wasm-module.js';

describe('readModuleAbi', () => {
  test('imports and exports with their types, as WebAssembly itself lists them', () => {
    const wasm = entrypointModule({ imports: ['__faasm_read_input'] });
    const abi = readModuleAbi(wasm);
    const module = new WebAssembly.Module(Uint8Array.from(wasm));
    expect(abi.imports.map((i) => [i.module, i.name, i.kind])).toEqual(
      WebAssembly.Module.imports(module).map((i) => [i.module, i.name, i.kind]),
    );
    expect(abi.exports.map((e) => [e.name, e.kind])).toEqual(
      WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]),
    );
    expect(formatType(abi.imports[0]!.type!)).toBe('(i32, i32) -> ()');
    const malloc = abi.exports.find((e) => e.name === 'malloc')!;
    expect(formatType(malloc.type!)).toBe('(i32) -> (i32)');
    expect(sameType(malloc.type!, { params: ['i32'], results: ['i32'] })).toBe(true);
    expect(abi.exports.find((e) => e.name === '__stack_pointer')?.global).toEqual({
      type: 'i32',
      mutable: true,
    });
    expect(abi.hiddenMutableGlobals).toBe(0);
  });

  test('refuses what is not wasm', () => {
    expect(() => readModuleAbi(Uint8Array.from([1, 2, 3, 4]))).toThrow(/bad magic/);
  });
});
