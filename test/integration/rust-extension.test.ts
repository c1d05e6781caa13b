// Rust for the 3.13 line: a PyO3 extension (test/fixtures/rust-ext, crates pinned by its
// Cargo.lock) built as a wasm32-wasip1 staticlib by the cargo and rustc of the pinned Rust
// root (trixie-backports), linked into an interpreter as a built-in module as the C extensions are, and imported
// in the host. The modules layer does not build Rust packages yet (issue 20, item 4): this shows
// the toolchain can.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkWithPython } from '../../src/cpython/link.js';
import { runPythonWasm } from '../../src/cpython/python-wasm.js';
import { cachePaths } from '../../src/paths.js';
import { unpackDebianRoot } from '../../src/toolchain/debian-root.js';
import { wasmCompiler } from '../../src/toolchain/flags.js';
import { exec } from '../../src/util/exec.js';
import { buildLayers, integrationOptions, testLayerContext } from '../helpers/runtime.js';

const opts = integrationOptions({ python: '3.13' });
let work: string;
let wasmDir: string;
let interpreter: string;

beforeAll(async () => {
  const layers = await buildLayers(['toolchain', 'wasm'], { python: '3.13' });
  const toolchain = layers.get('toolchain')!.dir;
  wasmDir = layers.get('wasm')!.dir;
  work = await mkdtemp(join(tmpdir(), 'rust-ext-'));
  const ctx = testLayerContext(opts, work);
  const log = ctx.log;
  const rust = join(work, 'rust-root');
  await unpackDebianRoot(ctx, 'trixie', 'rust', rust);
  const crate = join(work, 'crate');
  await cp(join(process.cwd(), 'test', 'fixtures', 'rust-ext'), crate, { recursive: true });
  await exec(
    join(rust, 'usr', 'bin', 'cargo'),
    ['build', '--locked', '--release', '--target', 'wasm32-wasip1'],
    {
      cwd: crate,
      log,
      env: {
        RUSTC: join(rust, 'usr', 'bin', 'rustc'),
        CARGO_HOME: join(cachePaths(opts.cacheDir).tools, 'cargo-home'),
        // PyO3 reads the target interpreter's configuration from its _sysconfigdata.
        PYO3_CROSS_LIB_DIR: join(wasmDir, 'lib', 'python3.13'),
        PYO3_CROSS_PYTHON_VERSION: '3.13',
      },
    },
  );
  const cc = await wasmCompiler(toolchain, [], opts);
  const main = join(work, 'main.o');
  await exec(cc.cc, [
    ...cc.cflags,
    '-O2',
    `-I${join(wasmDir, 'include', 'python3.13')}`,
    '-c',
    join(crate, 'main.c'),
    '-o',
    main,
  ]);
  interpreter = join(work, 'python-rusty.wasm');
  const archive = join(crate, 'target', 'wasm32-wasip1', 'release', 'librusty.a');
  await linkWithPython(ctx, cc, wasmDir, [main, archive], interpreter);
}, 900_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a PyO3 extension for wasm32-wasip1', () => {
  test('is imported and called as a built-in module of CPython 3.13 in the host', async () => {
    const r = await runPythonWasm(interpreter, wasmDir, [
      '-c',
      'import rusty, sys; print(sys.version.split()[0], rusty.greeting, rusty.fib(90), "rusty" in sys.builtin_module_names)',
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('3.13.5 hello from Rust 2880067194370816120 True\n');
    expect(r.code).toBe(0);
  });
});
