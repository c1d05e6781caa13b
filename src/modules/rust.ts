/**
 * Rust extensions (recipe kind `rust-extension`): a PyO3 package from its maturin sdist, built
 * for wasm32-wasip1 with the cargo and rustc of the toolchain's pinned Debian Rust root, as a static
 * archive linked into py_func.wasm as a built-in module like the C extensions.
 *
 * maturin is not run: it builds the crate as a cdylib (for wasm, a .wasm module of its own, which
 * a runtime without dlopen cannot load), and no option of it makes a staticlib it would then
 * package. So cargo builds the library with `cargo rustc --crate-type staticlib` (overriding the
 * crate's `crate-type = ["cdylib"]` for this build only, with maturin's `features` settings), and
 * rust_project.py lays out the rest of the wheel as maturin would (the `python-source` package, or
 * the package maturin generates around a pure-Rust module with a .pyi; the .dist-info). The tree
 * then goes through installWheelTree, which takes the archive out as `ext/<module>.a` and renames
 * its PyInit_ after the full dotted name, as for a C extension built by its backend.
 *
 * PyO3 reads the target's configuration from the wasm CPython's own _sysconfigdata
 * (PYO3_CROSS_LIB_DIR): version, no Py_GIL_DISABLED, pointer width 32. A staticlib never links
 * libpython, so `abi3` or not makes no difference here.
 *
 * Crates: the sdist's Cargo.lock pins every crate by version and checksum; `cargo fetch --locked`
 * downloads them into the shared CARGO_HOME (cargo checks each against the lock and locks the
 * cache itself), and the build then runs `--offline --locked`. A project whose sdist has no
 * Cargo.lock is refused: its crates would not be pinned.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCPythonConfig } from '../cpython/config.js';
import type { Json, LayerContext } from '../layers/types.js';
import { cachePaths } from '../paths.js';
import { readToolchainConfig } from '../toolchain/config.js';
import { debianRootInputs, unpackDebianRoot } from '../toolchain/debian-root.js';
import type { WasmCompiler } from '../toolchain/flags.js';
import { SOURCE_DATE_EPOCH } from '../layers/reproducible.js';
import { ExecError, UserError } from '../util/errors.js';
import { exists } from '../util/fs.js';
import { type ExtensionEntry, nmFor } from './extensions.js';
import { buildFailure, installWheelTree } from './pep517.js';
import type { ModuleRecipe } from './recipe.js';
import { renameWasmSymbols } from '../wasm/symbols.js';

const RUST_PROJECT = fileURLToPath(new URL('./python/rust_project.py', import.meta.url));

/** Rust's name for the target (clang's wasm32-wasi). */
export const RUST_TARGET = 'wasm32-wasip1';

/** What rust_project.py reports of a maturin project. */
export interface RustProject {
  /** Cargo.toml, relative to the source. */
  manifest: string;
  /** The Rust library's name: cargo writes `lib<lib>.a`. */
  lib: string;
  /** The extension's dotted module name (maturin's module-name). */
  module: string;
  /** Where its archive goes in the wheel tree (`pkg/_ext.so`). */
  extension: string;
  features: string[];
  noDefaultFeatures: boolean;
  allFeatures: boolean;
}

/**
 * The Debian suite and root of the line's Rust (only a Debian toolchain has one), or the
 * sentence saying it has none.
 */
async function rustRoot(
  repoRoot: string,
  line: string | undefined,
): Promise<{ suite: string; root: string } | { lacks: string }> {
  const cpython = await readCPythonConfig(repoRoot, line);
  const toolchain = await readToolchainConfig(repoRoot, cpython.toolchain);
  if (!toolchain.rustRoot || !toolchain.debianRoot) {
    return {
      lacks: `Rust extensions need a toolchain with Rust for wasm, which the ${cpython.line} line's (${cpython.toolchain}) has not; build with --python 3.13.`,
    };
  }
  return { suite: toolchain.debianRoot.suite, root: toolchain.rustRoot };
}

/**
 * What a Rust extension's build adds to its module layer's key: the Rust root. On a line without
 * Rust the key is still computed (an experimental recipe then fails its build, not the run).
 */
export async function rustInputs(repoRoot: string, line: string | undefined): Promise<Json> {
  const t = await rustRoot(repoRoot, line);
  return { rust: 'suite' in t ? await debianRootInputs(repoRoot, t.suite, t.root) : t.lacks };
}

/** cargo's command line for the staticlib build (the fetch takes the same manifest and target). */
export function cargoBuildArgs(p: RustProject, srcDir: string): string[] {
  return [
    'rustc', '--lib', '--crate-type', 'staticlib', '--release', '--locked', '--offline',
    '--target', RUST_TARGET, '--manifest-path', join(srcDir, p.manifest),
    ...(p.features.length ? ['--features', p.features.join(',')] : []),
    ...(p.noDefaultFeatures ? ['--no-default-features'] : []),
    ...(p.allFeatures ? ['--all-features'] : []),
  ]; // prettier-ignore
}

/**
 * Builds the maturin project in `srcDir` into the module layer: its Python files into `site`,
 * its extension as `ext/<module>.a` under `outDir`.
 */
export async function buildRustModule(
  ctx: LayerContext,
  r: ModuleRecipe,
  cc: WasmCompiler,
  python: string,
  srcDir: string,
  pythonLib: string,
  site: string,
  outDir: string,
): Promise<(ExtensionEntry & { bytes: number })[]> {
  const t = await rustRoot(ctx.opts.repoRoot, ctx.opts.python);
  if (!('suite' in t)) throw new UserError(t.lacks);

  const tree = join(ctx.work, 'rust-wheel', r.name);
  await mkdir(tree, { recursive: true });
  let project: RustProject;
  try {
    const { stdout } = await ctx.exec(python, [RUST_PROJECT, srcDir, tree], {
      env: { PYTHONDONTWRITEBYTECODE: '1' },
    });
    project = JSON.parse(stdout) as RustProject;
  } catch (err) {
    const said = err instanceof ExecError && err.tail.find((l) => l.startsWith('faasm-error: '));
    if (said) {
      throw new UserError(
        `${r.file}: ${r.name} ${r.version} cannot be built as a Rust extension: ${said.slice('faasm-error: '.length)}.`,
      );
    }
    throw err;
  }
  const manifestDir = dirname(join(srcDir, project.manifest));
  if (
    !(await exists(join(manifestDir, 'Cargo.lock'))) &&
    !(await exists(join(srcDir, 'Cargo.lock')))
  ) {
    throw new UserError(
      `${r.name} ${r.version} has no Cargo.lock in its sdist, so its crates are not pinned; add one with a patch.`,
    );
  }

  const rust = join(ctx.work, 'rust-root');
  if (!(await exists(join(rust, 'usr', 'bin', 'cargo')))) {
    await unpackDebianRoot(ctx, t.suite, t.root, rust);
  }
  const cargo = join(rust, 'usr', 'bin', 'cargo');
  const cargoHome = join(cachePaths(ctx.opts.cacheDir).tools, 'cargo-home');
  const target = join(ctx.work, 'cargo-target', r.name);
  // Paths that would reach panic messages and debug info: the same every build.
  const remap = [
    `--remap-path-prefix=${cargoHome}=/cargo`,
    `--remap-path-prefix=${srcDir}=/src`,
    `--remap-path-prefix=${target}=/target`,
  ];
  const env = {
    RUSTC: join(rust, 'usr', 'bin', 'rustc'),
    CARGO_HOME: cargoHome,
    CARGO_TARGET_DIR: target,
    CARGO_BUILD_JOBS: String(ctx.opts.jobs),
    CARGO_ENCODED_RUSTFLAGS: remap.join('\x1f'),
    CARGO_TERM_COLOR: 'never',
    // Without LTO, std stays the toolchain's objects in every Rust extension, which the linker
    // shares between them; a crate's fat LTO would fold its own copy of std into one object.
    CARGO_PROFILE_RELEASE_LTO: 'false',
    // What maturin sets: PyO3 (0.26 on) then links no libpython (else it looks for a
    // libpython3.X.a to bundle); older PyO3 takes the `extension-module` feature instead.
    PYO3_BUILD_EXTENSION_MODULE: '1',
    PYO3_CROSS_LIB_DIR: pythonLib,
    PYO3_CROSS_PYTHON_VERSION: /python(\d+\.\d+)$/.exec(pythonLib)![1]!,
    // C a crate's build script compiles for the target through the cc crate (orjson's yyjson):
    // the wasm clang with the toolchain's sysroot, not a host compiler named `clang`.
    CC_wasm32_wasip1: cc.cc,
    CFLAGS_wasm32_wasip1: cc.cflags.join(' '),
    AR_wasm32_wasip1: cc.ar,
    SOURCE_DATE_EPOCH,
    ...r.pipEnv,
  };
  try {
    // The one step that reaches the network: crates.io, checked against Cargo.lock.
    await ctx.exec(
      cargo,
      [
        'fetch',
        '--locked',
        '--target',
        RUST_TARGET,
        '--manifest-path',
        join(srcDir, project.manifest),
      ],
      { env, tailLines: 40 },
    );
    await ctx.exec(cargo, cargoBuildArgs(project, srcDir), { env, tailLines: 60 });
  } catch (err) {
    if (err instanceof ExecError) throw new UserError(buildFailure(r, err));
    throw err;
  }
  const archive = join(tree, project.extension);
  await cp(join(target, RUST_TARGET, 'release', `lib${project.lib}.a`), archive);
  await weakenAllocatorShim(ctx, cc, archive);
  return installWheelTree(ctx, cc, tree, site, outDir);
}

/**
 * The allocator shim's name for a symbol (`__rust_alloc`, `__rust_dealloc` ...), or undefined:
 * up to Rust 1.87 the symbol itself, from 1.88 on mangled (v0) as an item of the pseudo-crate
 * `__rustc`, e.g. `_RNvCshfJ12k0ydlO_7___rustc12___rust_alloc` (the same in every crate one
 * rustc builds).
 */
export function allocatorShimName(sym: string): string | undefined {
  if (sym.startsWith('__rust_')) return sym;
  return /^_RNvCs[0-9A-Za-z]*_7___rustc\d+_(__rust_\w+)$/.exec(sym)?.[1];
}

/**
 * Every Rust staticlib carries std (the same objects, byte for byte, from the Rust root's
 * rlibs: the linker takes one copy) and an allocator shim of its own (`__rust_alloc` ... in a
 * member generated for that library), which would clash between two Rust extensions in one
 * py_func.wasm. Each shim forwards to the default allocator in std, so the shim's definitions
 * are made weak: the linker keeps one, and every Rust extension allocates through it.
 */
async function weakenAllocatorShim(ctx: LayerContext, cc: WasmCompiler, archive: string) {
  const { stdout } = await ctx.exec(nmFor(cc), ['-A', '--defined-only', '--extern-only', archive]);
  const defs = stdout
    .split('\n')
    .map((l) => /^[^:]+:([^:]+):\s.*\s(\S+)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null);
  const member = defs.find((m) => allocatorShimName(m[2]!) === '__rust_alloc')?.[1];
  if (!member) return;
  const shim = new Set(
    defs.filter((m) => m[1] === member && allocatorShimName(m[2]!)).map((m) => m[2]!),
  );
  const dir = join(ctx.work, 'rust-shim');
  await mkdir(dir, { recursive: true });
  await ctx.exec(cc.ar, ['x', archive, member], { cwd: dir });
  const obj = join(dir, member);
  const { bytes } = renameWasmSymbols(await readFile(obj), new Map(), shim);
  await writeFile(obj, bytes);
  await ctx.exec(cc.ar, ['r', archive, member], { cwd: dir });
}
