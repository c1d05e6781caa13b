// The pins of a CPython line (third-party/cpython/<line>/cpython.json): version, sources, patches,
// flags, toolchain.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourcePatches, SourceRoute } from '../sources/types.js';

export type { SourcePatches };
import { UserError } from '../util/errors.js';

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
  link: {
    libs: string[];
    ldflags: string[];
    /** The patched libpython has a WASI call trampoline: links write its table (call-params.ts). */
    callParams?: boolean;
  };
  /** Stdlib paths (relative to lib/python3.X) left out of the runtime root. */
  prune: string[];
}

/** A pinned Debian root whose python3.X is the build Python (src/toolchain/debian-root.ts). */
export interface DebianBuildPython {
  suite: string;
  root: string;
}

export interface CPythonConfig {
  /** The line, `3.11`: third-party/cpython/<line>/. */
  line: string;
  version: string;
  sources: SourceRoute[];
  /** The wasm toolchain: third-party/<toolchain>.json. */
  toolchain: string;
  /** Patches from the source's distribution (Debian's security fixes), before `patches`. */
  sourcePatches?: SourcePatches;
  native: { patches: string[]; configure: string[]; debianRoot?: DebianBuildPython };
  wasm: WasmConfig;
}

interface Lines {
  default: string;
  lines: string[];
}

async function readLines(repoRoot: string): Promise<Lines> {
  const file = join(repoRoot, 'third-party', 'cpython', 'lines.json');
  return JSON.parse(await readFile(file, 'utf8')) as Lines;
}

/** The CPython lines the repository builds, and the default one. */
export async function cpythonLines(repoRoot: string): Promise<Lines> {
  return readLines(repoRoot);
}

/**
 * `line`, else $FAASM_PYTHON_LINE (how a whole test run or workflow picks another line), else
 * third-party/cpython/lines.json's default; or one sentence naming the lines.
 */
export async function resolveLine(repoRoot: string, line?: string): Promise<string> {
  const lines = await readLines(repoRoot);
  const fromEnv = line === undefined ? process.env.FAASM_PYTHON_LINE || undefined : undefined;
  const chosen = line ?? fromEnv ?? lines.default;
  if (!lines.lines.includes(chosen)) {
    const where = fromEnv ? 'FAASM_PYTHON_LINE names' : 'There is';
    throw new UserError(
      `${where} no CPython line '${chosen}'; choose one of ${lines.lines.join(', ')} (third-party/cpython/lines.json).`,
    );
  }
  return chosen;
}

export async function readCPythonConfig(repoRoot: string, line?: string): Promise<CPythonConfig> {
  const chosen = await resolveLine(repoRoot, line);
  const dir = join(repoRoot, 'third-party', 'cpython', chosen);
  const base = JSON.parse(await readFile(join(dir, 'cpython.json'), 'utf8'));
  const wasm = JSON.parse(await readFile(join(dir, 'wasm.json'), 'utf8'));
  return { toolchain: 'toolchain', ...base, line: chosen, wasm } as CPythonConfig;
}

/** "3.11.2" -> "3.11", the directory and library suffix. */
export function shortVersion(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}
