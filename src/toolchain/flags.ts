import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ToolchainInfo } from './layer.js';

export interface WasmCompiler {
  cc: string;
  ar: string;
  ranlib: string;
  strip: string;
  sysroot: string;
  /** Flags every wasm32-wasi compile and link uses. */
  cflags: string[];
  ldflags: string[];
  /** Environment for autoconf/make cross builds (CC, AR, CFLAGS, …, no host pkg-config). */
  env: Record<string, string>;
}

/**
 * The compiler and flags for a cross build against the toolchain layer's isolated sysroot.
 * `prefixes` are other layers' install trees (include/, lib/) to compile and link against.
 */
export async function wasmCompiler(
  toolchainDir: string,
  prefixes: readonly string[] = [],
): Promise<WasmCompiler> {
  const info = JSON.parse(
    await readFile(join(toolchainDir, 'toolchain.json'), 'utf8'),
  ) as ToolchainInfo;
  const sysroot = join(toolchainDir, 'sysroot');
  const base = [`--target=${info.target}`, `--sysroot=${sysroot}`];
  const cflags = [...base, ...prefixes.map((p) => `-I${join(p, 'include')}`)];
  const ldflags = [...base, ...prefixes.map((p) => `-L${join(p, 'lib')}`)];
  const cc = [info.clang, ...base].join(' ');
  return {
    cc: info.clang,
    ar: info.ar,
    ranlib: info.ranlib,
    strip: info.strip,
    sysroot,
    cflags,
    ldflags,
    env: {
      CC: cc,
      CPP: `${cc} -E`,
      CXX: cc.replace(/clang-(\d+)/, 'clang++-$1'),
      AR: info.ar,
      RANLIB: info.ranlib,
      // No host .pc files: a cross build must not find the machine's libraries.
      PKG_CONFIG_LIBDIR: join(toolchainDir, 'no-pkg-config'),
      PKG_CONFIG_PATH: '',
    },
  };
}
