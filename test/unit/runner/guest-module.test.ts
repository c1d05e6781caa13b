import { describe, expect, test } from '@jest/globals';
import { readModuleAbi } from '../../../src/wasm/module-abi.js';
import { reusableInstances } from '../../../src/runner/guest-module.js';

const str = (s: string) => [s.length, ...Buffer.from(s)];
const section = (id: number, body: number[]) => [id, body.length, ...body];
const MUTABLE_I32 = [0x7f, 1, 0x41, 0, 0x0b];
const CONST_I32 = [0x7f, 0, 0x41, 0, 0x0b];

/** A module of globals (and maybe a table), exporting those named in `exports` by index. */
function module(globals: number[][], exports: [string, number, number][], table = false) {
  return Uint8Array.from([
    ...[0, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...(table ? section(4, [1, 0x70, 0, 0]) : []),
    ...section(6, [globals.length, ...globals.flat()]),
    ...section(7, [exports.length, ...exports.flatMap(([n, kind, i]) => [...str(n), kind, i])]),
  ]);
}

describe('which modules a host may reset in place', () => {
  test('one whose every mutable global is exported: those globals are put back', () => {
    const abi = readModuleAbi(
      module(
        [MUTABLE_I32, CONST_I32],
        [
          ['sp', 3, 0],
          ['base', 3, 1],
        ],
      ),
    );
    expect(abi.hiddenMutableGlobals).toBe(0);
    expect(reusableInstances(abi)).toEqual({ mutableGlobals: ['sp'] });
  });

  test('not one with a mutable global the host cannot reach', () => {
    const abi = readModuleAbi(module([MUTABLE_I32, MUTABLE_I32], [['sp', 3, 0]]));
    expect(abi.hiddenMutableGlobals).toBe(1);
    expect(reusableInstances(abi)).toBeUndefined();
  });

  test('not one sharing its table with the host', () => {
    const abi = readModuleAbi(
      module(
        [MUTABLE_I32],
        [
          ['sp', 3, 0],
          ['t', 1, 0],
        ],
        true,
      ),
    );
    expect(reusableInstances(abi)).toBeUndefined();
  });
});
