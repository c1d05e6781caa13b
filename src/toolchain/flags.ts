// The wasm cross compiler and its flags, with build paths mapped to fixed names.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ToolchainInfo } from './layer.js';
import { type BuildPaths, prefixMapFlags } from '../layers/reproducible.js';

export interface WasmCompiler {
  cc: string;
  ar: string;
  ranlib: string;
  strip: string;
  sysroot: string;
  /** Flags every wasm32-wasi compile and link uses (the build's paths mapped to fixed names). */
  cflags: string[];
  /** The -ffile-prefix-map flags alone, for builds that take their flags elsewhere. */
  pathFlags: string[];
  ldflags: string[];
  /** Environment for autoconf/make cross builds (CC, AR, CFLAGS, …, no host pkg-config). */
  env: Record<string, string>;
}

/**
 * The compiler and flags for a cross build against the toolchain layer's isolated sysroot.
 * `prefixes` are other layers' install trees (include/, lib/) to compile and link against;
 * `paths` are the build's cache and checkout, which no output may name.
 */
export async function wasmCompiler(
  toolchainDir: string,
  prefixes: readonly string[],
  paths: BuildPaths,
): Promise<WasmCompiler> {
  const info = JSON.parse(
    await readFile(join(toolchainDir, 'toolchain.json'), 'utf8'),
  ) as ToolchainInfo;
  // A Debian root's tools are recorded relative to the toolchain layer.
  const clang = resolve(toolchainDir, info.clang);
  const tool = (p: string) => resolve(toolchainDir, p);
  const sysroot = join(toolchainDir, 'sysroot');
  const base = [`--target=${info.target}`, `--sysroot=${sysroot}`];
  const pathFlags = prefixMapFlags(paths);
  const cflags = [...base, ...pathFlags, ...prefixes.map((p) => `-I${join(p, 'include')}`)];
  const ldflags = [...base, ...prefixes.map((p) => `-L${join(p, 'lib')}`)];
  const cc = [clang, ...base].join(' ');
  const cxx = info.clangxx ? tool(info.clangxx) : clang.replace(/clang-(\d+)$/, 'clang++-$1');
  return {
    cc: clang,
    ar: tool(info.ar),
    ranlib: tool(info.ranlib),
    strip: tool(info.strip),
    sysroot,
    cflags,
    pathFlags,
    ldflags,
    env: {
      CC: cc,
      CPP: `${cc} -E`,
      CXX: [cxx, ...base].join(' '),
      AR: tool(info.ar),
      RANLIB: tool(info.ranlib),
      // No host .pc files: a cross build must not find the machine's libraries.
      PKG_CONFIG_LIBDIR: join(toolchainDir, 'no-pkg-config'),
      PKG_CONFIG_PATH: '',
    },
  };
}
