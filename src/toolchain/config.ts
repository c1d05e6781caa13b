import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SystemPackage } from './system-packages.js';

export interface ToolchainConfig {
  target: string;
  clang: string;
  ar: string;
  ranlib: string;
  strip: string;
  wasmLd: string;
  wasiInclude: string;
  wasiLib: string;
  builtins: string;
  /** libc++ headers for wasm32-wasi (the directory holding `<vector>`). */
  cxxInclude: string;
  /** libc++ and libc++abi archives for wasm32-wasi. */
  cxxLibs: string[];
  packages: SystemPackage[];
  /** Only the tests need these (the image tools come from src/image/registry.ts). */
  testPackages: SystemPackage[];
}

export async function readToolchainConfig(repoRoot: string): Promise<ToolchainConfig> {
  return JSON.parse(await readFile(join(repoRoot, 'third-party', 'toolchain.json'), 'utf8'));
}
