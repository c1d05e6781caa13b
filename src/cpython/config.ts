import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceRoute } from '../sources/types.js';

export interface WasmConfig {
  patches: string[];
  configSite: string;
  configure: string[];
  /** Replaces configure's default OPT (which carries -g). */
  opt: string;
  cflags: string[];
  ldflags: string[];
  /** Standard-library modules switched off for WASI (`py_cv_module_<name>=n/a`). */
  disabledModules: string[];
  /** Static archives (build-dir paths) besides libpython that an embedding program links. */
  extraArchives: string[];
  /** System libraries and linker flags an embedding program needs. */
  link: { libs: string[]; ldflags: string[] };
  /** Stdlib paths (relative to lib/python3.11) left out of the runtime root. */
  prune: string[];
}

export interface CPythonConfig {
  version: string;
  sources: SourceRoute[];
  native: { patches: string[]; configure: string[] };
  wasm: WasmConfig;
}

export async function readCPythonConfig(repoRoot: string): Promise<CPythonConfig> {
  const dir = join(repoRoot, 'third-party', 'cpython');
  const base = JSON.parse(await readFile(join(dir, 'cpython.json'), 'utf8'));
  const wasm = JSON.parse(await readFile(join(dir, 'wasm.json'), 'utf8'));
  return { ...base, wasm } as CPythonConfig;
}

/** "3.11.2" -> "3.11", the directory and library suffix. */
export function shortVersion(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}
