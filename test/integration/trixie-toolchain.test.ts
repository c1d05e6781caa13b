// The pinned trixie toolchain (the 3.13 line's `toolchain` layer): clang 19 compiles and links C
// and C++ for wasm32-wasi against its isolated sysroot, and rustc 1.98 from the pinned Rust root
// builds a staticlib from Rust's wasm32 standard library that clang links; the programs run in
// the project's host.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPythonWasm } from '../../src/cpython/python-wasm.js';
import type { ToolchainInfo } from '../../src/toolchain/layer.js';
import { type WasmCompiler, wasmCompiler } from '../../src/toolchain/flags.js';
import { exec } from '../../src/util/exec.js';
import { unpackDebianRoot } from '../../src/toolchain/debian-root.js';
import { buildLayers, integrationOptions, testLayerContext } from '../helpers/runtime.js';

let toolchain: string;
let cc: WasmCompiler;
let info: ToolchainInfo;
let work: string;
const opts = integrationOptions({ python: '3.13' });

beforeAll(async () => {
  toolchain = (await buildLayers(['toolchain'], { python: '3.13' })).get('toolchain')!.dir;
  cc = await wasmCompiler(toolchain, [], opts);
  info = JSON.parse(await readFile(join(toolchain, 'toolchain.json'), 'utf8')) as ToolchainInfo;
  work = await mkdtemp(join(tmpdir(), 'trixie-toolchain-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Runs a wasm32-wasi command module in the host and returns its stdout. */
async function run(wasm: string): Promise<string> {
  const r = await runPythonWasm(wasm, work, []);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

describe("trixie's toolchain from the pinned root", () => {
  test('is clang 19, from inside the layer', () => {
    expect(info.clangVersion).toBe('Debian clang version 19.1.7 (3+b1)');
    expect(cc.cc.startsWith(toolchain)).toBe(true);
  });

  test('compiles and links C for wasm32-wasi (wasm-ld through the root loader)', async () => {
    const src = join(work, 'hello.c');
    await writeFile(
      src,
      '#include <stdio.h>\nint main(void) { printf("hello from C %d\\n", __clang_major__); return 0; }\n',
    );
    await exec(cc.cc, [...cc.cflags, '-O2', src, '-o', join(work, 'hello.wasm')]);
    expect(await run(join(work, 'hello.wasm'))).toBe('hello from C 19\n');
  });

  test('compiles and links C++ against the wasm32 libc++', async () => {
    const src = join(work, 'hello.cc');
    await writeFile(
      src,
      '#include <iostream>\n#include <string>\n#include <vector>\nint main() { std::vector<std::string> w{"hello", "from", "C++"}; for (auto &s : w) std::cout << s << (&s == &w.back() ? "\\n" : " "); }\n',
    );
    const cxx = cc.env.CXX!.split(' ');
    await exec(cxx[0]!, [
      ...cxx.slice(1),
      '-O2',
      '-fno-exceptions',
      src,
      '-o',
      join(work, 'hello-cc.wasm'),
    ]);
    expect(await run(join(work, 'hello-cc.wasm'))).toBe('hello from C++\n');
  });

  test('rustc 1.98 from the Rust root builds a wasm32-wasip1 staticlib that C links and calls', async () => {
    const rust = join(work, 'rust-root');
    await unpackDebianRoot(testLayerContext(opts, work), 'trixie', 'rust', rust);
    const rustc = join(rust, 'usr', 'bin', 'rustc');
    expect((await exec(rustc, ['--version'])).stdout).toMatch(/^rustc 1\.98\.1 /);
    const lib = join(work, 'add.rs');
    await writeFile(
      lib,
      '#[no_mangle]\npub extern "C" fn rust_add(a: i32, b: i32) -> i32 { a + b }\n',
    );
    const archive = join(work, 'libadd.a');
    await exec(rustc, [
      '--target',
      'wasm32-wasip1',
      '--crate-type',
      'staticlib',
      '-O',
      lib,
      '-o',
      archive,
    ]);
    const main = join(work, 'main.c');
    await writeFile(
      main,
      '#include <stdio.h>\nint rust_add(int, int);\nint main(void) { printf("rust_add(2, 3) = %d\\n", rust_add(2, 3)); return 0; }\n',
    );
    await exec(cc.cc, [...cc.cflags, main, archive, '-o', join(work, 'rust.wasm')]);
    expect(await run(join(work, 'rust.wasm'))).toBe('rust_add(2, 3) = 5\n');
  });
});
