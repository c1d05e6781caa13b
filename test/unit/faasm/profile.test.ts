import { describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  TABLE_END,
  TABLE_START,
  checkAbi,
  declaredImports,
  entrypointExports,
  faasmCalls,
  hostFunction,
  linkError,
  parseVm,
  profileTable,
} from '../../../src/faasm/profile.js';
import { readModuleAbi } from '../../../src/wasm/module-abi.js';
import { FaasmHost } from '../../../src/runner/host.js';
import { REPO_ROOT } from '../../../src/paths.js';
import { exec } from '../../../src/util/exec.js';
import { testUnless } from '../../helpers/needs.js';

/** A hand-assembled module: imports env.<imp> (i32,i32)->(), exports memory, _start and `extra`. */
function module(imp: string, extra: string[] = []): Uint8Array {
  const str = (s: string) => [s.length, ...Buffer.from(s)];
  const section = (id: number, body: number[]) => [id, body.length, ...body];
  const exportsBody = [
    2 + extra.length,
    ...str('memory'),
    2,
    0,
    ...str('_start'),
    0,
    1,
    ...extra.flatMap((e) => [...str(e), 0, 1]),
  ];
  return Uint8Array.from([
    0,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...section(1, [2, 0x60, 2, 0x7f, 0x7f, 0, 0x60, 0, 0]),
    ...section(2, [1, ...str('env'), ...str(imp), 0, 0]),
    ...section(3, [1, 1]),
    ...section(5, [1, 0, 1]),
    ...section(7, exportsBody),
    ...section(10, [1, 2, 0, 0x0b]),
  ]);
}

describe('the Faasm profile (data from faasm/faasm @ 53281098)', () => {
  test("records Faasm's own facts: types, files, what each VM lacks", () => {
    expect(hostFunction('wavm', 'env', '__faasm_get_py_user')).toMatchObject({
      params: ['i32', 'i32'],
      results: [],
      file: 'src/wavm/faasm.cpp',
    });
    expect(hostFunction('wavm', 'env', '__faasm_await_call_output')).toMatchObject({
      params: ['i32', 'i32', 'i32'],
      results: ['i32'],
      file: 'src/wavm/chaining.cpp',
    });
    // Removed from Faasm (faasm#624); WAMR registers 11 of py_func's calls.
    expect(hostFunction('wavm', 'env', '__faasm_lock_state_global')).toBeUndefined();
    expect(hostFunction('wamr', 'env', '__faasm_get_py_user')).toBeUndefined();
    expect(hostFunction('wamr', 'env', '__faasm_read_input')).toMatchObject({
      file: 'src/wamr/faasm.cpp',
    });
    expect(hostFunction('wavm', 'wasi_snapshot_preview1', 'fd_write')?.params).toHaveLength(4);
    expect(Object.keys(faasmCalls('wavm')).length).toBeGreaterThan(30);
    expect(entrypointExports()).toEqual(
      expect.arrayContaining([
        '__wasm_call_ctors',
        '__heap_base',
        '__data_end',
        '__stack_pointer',
        'malloc',
        'free',
        '_start',
        '_faasm_zygote',
      ]),
    );
    expect(parseVm('WAMR')).toBe('wamr');
    expect(() => parseVm('v8')).toThrow("--vm takes wavm or wamr, not 'v8'.");
  });

  test('reads a binary and holds it against a VM: missing imports, types and exports', () => {
    const ok = readModuleAbi(module('__faasm_get_py_user', ['__wasm_call_ctors']));
    expect(ok.imports).toEqual([
      {
        module: 'env',
        name: '__faasm_get_py_user',
        kind: 'function',
        type: { params: ['i32', 'i32'], results: [] },
      },
    ]);
    expect(checkAbi(ok, 'wavm')).toEqual([]);
    // WAMR lacks the getter: a difference, but not fatal (WAMR links lazily).
    expect(checkAbi(ok, 'wamr').map((d) => [d.name, d.fatal])).toEqual([
      ['env.__faasm_get_py_user', false],
    ]);

    const gone = checkAbi(readModuleAbi(module('__faasm_lock_state_global')), 'wavm');
    expect(linkError('m.wasm', gone)).toBe(
      "m.wasm imports env.__faasm_lock_state_global, which Faasm's WAVM (Faasm default) does not define (and 1 more).",
    );
    expect(gone.map((d) => d.kind)).toEqual(['import-missing', 'export-missing']);
    const typed = checkAbi(
      readModuleAbi(module('__faasm_read_input', ['__wasm_call_ctors'])),
      'wavm',
    );
    expect(typed[0]!.message).toMatch(
      /imports env.__faasm_read_input as \(i32, i32\) -> \(\), but Faasm's WAVM \(Faasm default\) defines it as \(i32, i32\) -> \(i32\) \(faasm\/faasm src\/wavm\/faasm.cpp:\d+ @ 53281098\)/,
    );
  });

  test('the local host refuses what WAVM refuses, in one sentence', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'profile-'));
    try {
      const wasm = join(dir, 'm.wasm');
      await writeFile(wasm, module('__faasm_get_py_user'));
      await expect(
        FaasmHost.load({ wasmPath: wasm, runtimeRoot: dir, functionsDir: dir }),
      ).rejects.toThrow(
        `${wasm} cannot run on Faasm's WAVM (Faasm default): it does not export __wasm_call_ctors, which Faasm's WAVM (Faasm default) requires.`,
      );
      await writeFile(wasm, module('__faasm_get_py_user', ['__wasm_call_ctors']));
      await expect(
        FaasmHost.load({
          wasmPath: wasm,
          runtimeRoot: dir,
          functionsDir: dir,
          confFlags: { ALWAYS_ON: 0 },
        }),
      ).rejects.toThrow(/Faasm has no configurable conf flag ALWAYS_ON/);
      const host = await FaasmHost.load({
        wasmPath: wasm,
        runtimeRoot: dir,
        functionsDir: dir,
        vm: 'wamr',
      });
      await host.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // The JSON is regenerated from Faasm's source by a maintainer; where the source is at hand
  // (the mirror these sessions fetch), check the committed file is what the script makes.
  const mirror =
    existsSync('/work/.mirror/faasm+faasm/repo') && existsSync('/work/.mirror/faasm+cpp/repo');
  testUnless(mirror ? undefined : "no mirror of Faasm's source (faasm/faasm and faasm/cpp)")(
    'profile.json is what scripts/faasm-profile.ts makes from Faasm',
    async () => {
      const r = await exec('node', [
        '--import',
        'tsx',
        join(REPO_ROOT, 'scripts', 'faasm-profile.ts'),
        '--check',
      ]);
      expect(r.stdout).toMatch(/profile.json is current/);
    },
    60_000,
  );

  test("README's table is generated from the profile and is current", async () => {
    const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
    const header = await readFile(join(REPO_ROOT, 'pyfaasm', 'cmodule', 'faasm_host.h'), 'utf8');
    const imports = declaredImports(header);
    expect(imports).toContain('__faasm_chain_py');
    expect(imports).not.toContain('__faasm_lock_state_global');
    const start = readme.indexOf(TABLE_START);
    const end = readme.indexOf(TABLE_END) + TABLE_END.length;
    expect(readme.slice(start, end)).toBe(profileTable(imports));
  });
});
