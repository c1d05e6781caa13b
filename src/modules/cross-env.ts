// The cross environment a module build runs in: the wasm compiler wrapper, sysconfig, meson cross
// file.
import { chmod, mkdir, readdir, realpath, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LayerContext } from '../layers/types.js';
import type { WasmCompiler } from '../toolchain/flags.js';
import { SOURCE_DATE_EPOCH } from '../layers/reproducible.js';
import { exists } from '../util/fs.js';
import type { BuiltLibraries } from './libraries.js';

const PY_DIR = fileURLToPath(new URL('./python/', import.meta.url));
export const WASM_CC = join(PY_DIR, 'wasm_cc.py');
/** POSIX functions wasi-libc lacks, failing cleanly: force-included in every package compile. */
// Named on its own: the bundler carries the directory's Python files, not a header, by itself.
export const WASI_COMPAT_H = fileURLToPath(new URL('./python/wasi_compat.h', import.meta.url));

/** The wasm CPython's platform, as its own sysconfig names it. */
export const HOST_PLATFORM = 'wasi-wasm32';

/**
 * A cross environment for wasm32-wasi: the native build Python (exactly the wasm CPython's
 * version) whose sysconfig is the wasm CPython's, and whose CC, CXX, LDSHARED and AR are the
 * wasm_cc.py wrapper. CPython's own cross build works this way (`_PYTHON_SYSCONFIGDATA_NAME`,
 * `_PYTHON_HOST_PLATFORM`); crossenv builds the same thing as a venv with patched modules, which
 * buys nothing here (no pip runs inside it: build requirements are pinned and installed for the
 * build Python beforehand) and has no WASI support to rely on.
 */
export interface CrossEnv {
  /** The build Python. */
  python: string;
  /** Environment for the backend: PATH, PYTHONPATH, the sysconfig override, the wrappers. */
  env: Record<string, string>;
  /** A meson cross file for meson-python projects. */
  mesonCrossFile: string;
  /** Where the wrapper records each extension it archived. */
  log: string;
}

export interface CrossEnvInputs {
  python: string;
  /** The native layer's directory (its headers must never reach a wasm compile). */
  nativeDir: string;
  wasmDir: string;
  pythonDir: string;
  cc: WasmCompiler;
  cflags: readonly string[];
  /** Import roots of the build requirements (their `bin/` goes on PATH). */
  buildPath: readonly string[];
  /** Libraries built for the package (recipe `libraries`): headers and `lib<name>.a`. */
  libraries?: BuiltLibraries;
}

const shim = (python: string, mode: string) =>
  `#!/bin/sh\nexec '${python}' '${WASM_CC}' ${mode} "$@"\n`;

export async function createCrossEnv(
  ctx: LayerContext,
  dir: string,
  i: CrossEnvInputs,
): Promise<CrossEnv> {
  const bin = join(dir, 'bin');
  const sysconfigDir = join(dir, 'sysconfig');
  await mkdir(bin, { recursive: true });
  await mkdir(sysconfigDir, { recursive: true });
  const tools: Record<string, string> = {};
  for (const mode of ['cc', 'c++', 'ar']) {
    tools[mode] = join(bin, mode === 'c++' ? 'cxx' : mode);
    await writeFile(tools[mode]!, shim(i.python, mode));
    await chmod(tools[mode]!, 0o755);
  }
  const target = i.cc.cflags.find((f) => f.startsWith('--target='))!.slice('--target='.length);
  const include = join(i.wasmDir, 'include', i.pythonDir);
  const log = join(dir, 'extensions.log');
  const config = {
    clang: i.cc.cc,
    clangxx: i.cc.cc.replace(/clang(-\d+)?$/, (_m, v: string | undefined) => `clang++${v ?? ''}`),
    ar: i.cc.ar,
    target,
    sysroot: i.cc.sysroot,
    // The wasm layer's include/ holds the C library layers' headers (zlib.h, ffi.h, ...).
    includes: [include, join(i.wasmDir, 'include'), ...(i.libraries?.includes ?? [])],
    // Searched for a `-l<name>` an extension links, besides the -L it gives.
    libdirs: i.libraries?.libdirs ?? [],
    cflags: [...i.cflags, ...i.cc.pathFlags, '-include', WASI_COMPAT_H],
    // Where the toolchain layer puts libc++: clang 16 looks for it only beside a generic
    // include/c++/v1, which an isolated wasm32-wasi sysroot does not have.
    // CPython 3.11's pthread_stubs.h (included by Python.h on WASI) says `restrict`, which C++
    // spells __restrict.
    cxxflags: [
      '-isystem',
      join(i.cc.sysroot, 'include', 'wasm32-wasi', 'c++', 'v1'),
      '-Drestrict=__restrict',
    ],
    ldflags: [],
    // Host headers (the build Python's, the machine's) must never reach a wasm compile.
    // The build Python from Debian's package has no include/ of its own (its headers are
    // under /usr/include); one built from source does.
    hostIncludes: [
      ...((await exists(join(i.nativeDir, 'include')))
        ? [await realpath(join(i.nativeDir, 'include'))]
        : []),
      '/usr/include',
      '/usr/local/include',
    ],
    log,
  };
  const configFile = join(dir, 'wasm-cc.json');
  await writeFile(configFile, JSON.stringify(config, null, 2));

  const stdlib = join(i.wasmDir, 'lib', i.pythonDir);
  const dataFile = (await readdir(stdlib)).find((f) => /^_sysconfigdata_.*\.py$/.test(f));
  if (!dataFile) throw new Error(`the wasm layer has no _sysconfigdata_*.py in ${stdlib}`);
  const overrides = {
    CC: tools.cc, CXX: tools['c++'], AR: tools.ar, ARFLAGS: 'rcs',
    LDSHARED: `${tools.cc} -shared`, LDCXXSHARED: `${tools['c++']} -shared`,
    BLDSHARED: `${tools.cc} -shared`, CCSHARED: '', LDFLAGS: '', CPPFLAGS: '',
    INCLUDEPY: include, CONFINCLUDEPY: include,
  }; // prettier-ignore
  await ctx.exec(i.python, [
    join(PY_DIR, 'make_sysconfigdata.py'),
    join(stdlib, dataFile),
    join(sysconfigDir, dataFile),
    JSON.stringify(overrides),
  ]);

  const mesonCrossFile = join(dir, 'wasm32-wasi.ini');
  await writeFile(mesonCrossFile, mesonCrossFileText(tools, i.cc));

  const path = [bin, ...i.buildPath.map((p) => join(p, 'bin')), dirname(i.python)];
  return {
    python: i.python,
    mesonCrossFile,
    log,
    env: {
      PATH: [...path, process.env.PATH ?? '/usr/bin:/bin'].join(':'),
      PYTHONPATH: [sysconfigDir, ...i.buildPath].join(':'),
      _PYTHON_SYSCONFIGDATA_NAME: dataFile.replace(/\.py$/, ''),
      _PYTHON_HOST_PLATFORM: HOST_PLATFORM,
      FAASM_WASM_CC: configFile,
      CC: tools.cc!,
      CXX: tools['c++']!,
      AR: tools.ar!,
      LDSHARED: `${tools.cc} -shared`,
      CFLAGS: '',
      CXXFLAGS: '',
      // The recipe's libraries, where a backend that looks for a library's header and archive
      // itself (Pillow's setup.py: zlib, jpeg) finds them; the wrapper adds them to every
      // compile and link anyway.
      CPPFLAGS: (i.libraries?.includes ?? []).map((d) => `-I${d}`).join(' '),
      LDFLAGS: (i.libraries?.libdirs ?? []).map((d) => `-L${d}`).join(' '),
      // No host .pc files (the toolchain's empty directory): Pillow's setup.py asks pkg-config
      // for freetype2 and xcb, and the machine's answers name /usr/include and host libraries.
      PKG_CONFIG_LIBDIR: i.cc.env.PKG_CONFIG_LIBDIR!,
      PKG_CONFIG_PATH: '',
      PYTHONNOUSERSITE: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      PIP_CONFIG_FILE: '/dev/null',
      // Timestamps in generated metadata: the same every build.
      SOURCE_DATE_EPOCH,
    },
  };
}

/**
 * Meson's view of the target. wasm32's long double is IEEE binary128; no program built for
 * the host can run during the build, so meson must not try.
 */
export function mesonCrossFileText(tools: Record<string, string>, cc: WasmCompiler): string {
  const q = (s: string) => `'${s}'`;
  return [
    '[binaries]',
    `c = ${q(tools.cc!)}`,
    `cpp = ${q(tools['c++']!)}`,
    `ar = ${q(tools.ar!)}`,
    `strip = ${q(cc.strip)}`,
    '',
    '[host_machine]',
    "system = 'wasi'",
    "cpu_family = 'wasm32'",
    "cpu = 'wasm32'",
    "endian = 'little'",
    '',
    '[properties]',
    'needs_exe_wrapper = true',
    "longdouble_format = 'IEEE_QUAD_LE'",
    '',
  ].join('\n');
}
