// The toolchain configs (third-party/toolchain*.json): compilers, tools, sysroot, packages.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import type { SystemPackage } from './system-packages.js';

export interface ToolchainConfig {
  target: string;
  /**
   * A pinned Debian root (src/toolchain/debian-root.ts) the toolchain layer unpacks; the paths
   * below are then inside that root. Without it they are the machine's (apt-installed) files.
   */
  debianRoot?: { suite: string; root: string };
  clang: string;
  /** clang's C++ driver (default: clang's path with clang++ for clang). */
  clangxx?: string;
  ar: string;
  ranlib: string;
  strip: string;
  wasmLd: string;
  /**
   * The root of debianRoot's suite with cargo and rustc (usr/bin) and Rust's standard library
   * for wasm32-wasip1 (only a Debian toolchain has one). A root of its own, unpacked by Rust
   * extension builds only, so that a new Rust rebuilds them and not CPython.
   */
  rustRoot?: string;
  wasiInclude: string;
  wasiLib: string;
  builtins: string;
  /** libc++ headers for wasm32-wasi (the directory holding `<vector>`). */
  cxxInclude: string;
  /** libc++ and libc++abi archives for wasm32-wasi. */
  cxxLibs: string[];
  /** Fixes in third-party/wasi-libc/ swapped into libc.a (default: all of them). */
  libcPatches?: string[];
  packages: SystemPackage[];
  /** Only the tests need these (the image tools come from src/image/registry.ts). */
  testPackages: SystemPackage[];
}

/** third-party/<name>.json: `toolchain` (the machine's clang 16) or `toolchain-trixie`. */
export async function readToolchainConfig(
  repoRoot: string,
  name = 'toolchain',
): Promise<ToolchainConfig> {
  const file = join(repoRoot, 'third-party', `${name}.json`);
  const text = await readFile(file, 'utf8').catch(() => {
    throw new UserError(
      `The toolchain ${file} does not exist; fix 'toolchain' in the line's cpython.json.`,
    );
  });
  return JSON.parse(text) as ToolchainConfig;
}
