// The func layer: links py_func.wasm against libpython and the static extensions and checks it
// against Faasm's ABI.
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { linkWithPython } from '../cpython/link.js';
import type { Layer, LayerContext } from '../layers/types.js';
import { checkAbi, entrypointExports, faasmExportFlags, linkError } from '../faasm/profile.js';
import { readModuleAbi } from '../wasm/module-abi.js';
import { wasmCompiler } from '../toolchain/flags.js';
import { UserError } from '../util/errors.js';
import { exists } from '../util/fs.js';
import { hashTree, sha256 } from '../util/hash.js';
import { type BuiltinExtension, inittabSource, orderedExtensions } from './inittab.js';
import { linkedBytesByInput } from './link-map.js';

/** What the func layer records beside py_func.wasm. */
export interface FuncInfo {
  size: number;
  sha256: string;
  exports: string[];
  /** Every import as `module.name`. */
  imports: string[];
  /** Built-in modules, `_faasm` first. */
  builtins: string[];
  /** Bytes each archive (and loose object) contributes to the linked module, before strip. */
  linkedBytes: Record<string, number>;
  strip: 'debug';
}

const CFLAGS = ['-O2', '-Wall', '-Werror=implicit-function-declaration'];
/**
 * C sources compiled into the entrypoint, relative to the repository. Extensions, `_faasm`
 * included, come from the modules layer's archives.
 */
const SOURCES = ['func/py_func.c'];

async function pythonInclude(wasmDir: string): Promise<string> {
  const dirs = (await readdir(join(wasmDir, 'include'))).filter((d) => /^python3\.\d+$/.test(d));
  if (dirs.length !== 1)
    throw new Error(
      `expected one include/python3.X in ${wasmDir}, found ${dirs.join(', ') || 'none'}`,
    );
  return join(wasmDir, 'include', dirs[0]!);
}

async function readExtensions(modulesDir: string): Promise<BuiltinExtension[]> {
  const file = join(modulesDir, 'extensions.json');
  if (!(await exists(file))) return [];
  return JSON.parse(await readFile(file, 'utf8')) as BuiltinExtension[];
}

/**
 * Checks the linked module against Faasm's WAVM profile (imports WAVM defines, with the same
 * types; the exports WAVM and faasm/cpp bind): a difference means Faasm would refuse it.
 */
async function inspect(
  wasmPath: string,
  builtins: string[],
  linkedBytes: Record<string, number>,
): Promise<FuncInfo> {
  const bytes = await readFile(wasmPath);
  const abi = readModuleAbi(bytes);
  const diffs = checkAbi(abi, 'wavm', entrypointExports());
  const refused = linkError(
    "py_func.wasm would not load on Faasm's WAVM: it",
    diffs.map((d) => ({ ...d, fatal: true })),
  );
  if (refused) {
    throw new UserError(
      `${refused} A C extension calls something Faasm does not provide, or the link lost an export.`,
    );
  }
  return {
    size: bytes.length,
    sha256: sha256(bytes),
    exports: abi.exports.map((e) => e.name),
    imports: abi.imports.map((i) => `${i.module}.${i.name}`),
    builtins,
    linkedBytes,
    strip: 'debug',
  };
}

async function build(ctx: LayerContext): Promise<void> {
  const repo = ctx.opts.repoRoot;
  const wasmDir = ctx.dep('wasm');
  const modulesDir = ctx.dep('modules');
  const cc = await wasmCompiler(ctx.dep('toolchain'), [], ctx.opts);
  const extensions = orderedExtensions(await readExtensions(modulesDir));

  const objDir = join(ctx.work, 'obj');
  await mkdir(objDir, { recursive: true });
  const inittab = join(ctx.work, 'faasm_inittab.c');
  await writeFile(inittab, inittabSource(extensions));
  const includes = [
    await pythonInclude(wasmDir),
    join(repo, 'func'),
    join(repo, 'pyfaasm', 'cmodule'),
  ];
  const objects: string[] = [];
  for (const src of [...SOURCES.map((s) => join(repo, s)), inittab]) {
    const obj = join(objDir, src.split('/').pop()!.replace(/\.c$/, '.o'));
    await ctx.exec(cc.cc, [
      ...cc.cflags,
      ...CFLAGS,
      ...includes.map((i) => `-I${i}`),
      '-c',
      src,
      '-o',
      obj,
    ]);
    objects.push(obj);
  }

  const wasm = join(ctx.out, 'py_func.wasm');
  const map = join(ctx.work, 'py_func.map');
  const archives = extensions.map((e) => join(modulesDir, e.archive));
  await linkWithPython(ctx, cc, wasmDir, [...objects, ...archives], wasm, [
    ...faasmExportFlags(),
    `-Wl,--Map=${map}`,
  ]);
  const unstripped = (await stat(wasm)).size;
  // Keep the name section (+2% of the size) so traps show function names.
  await ctx.exec(cc.strip, ['--strip-debug', wasm]);

  const linkedBytes = linkedBytesByInput(await readFile(map, 'utf8'));
  const info = await inspect(
    wasm,
    extensions.map((e) => e.name),
    linkedBytes,
  );
  await writeFile(join(ctx.out, 'func.json'), `${JSON.stringify(info, null, 2)}\n`);
  ctx.info(
    `py_func.wasm: ${(info.size / 1e6).toFixed(2)} MB (${(unstripped / 1e6).toFixed(1)} MB before strip), ${info.builtins.length} built-in modules`,
  );
}

/**
 * The entrypoint: func/py_func.c, pyfaasm's _faasm module and the modules layer's C extensions,
 * linked against the wasm layer's libpython into py_func.wasm (see func/LINKING.md).
 */
export const funcLayer: Layer = {
  name: 'func',
  description: 'py_func.wasm: the Faasm entrypoint, libpython and the C extensions as built-ins',
  deps: ['toolchain', 'wasm', 'modules'],
  source: 'src/func/layer.ts',
  data: ['src/cpython/cxa_throw.c', 'third-party/faasm/profile.json'],
  async inputs({ opts }) {
    // The example functions and the notes do not change the binary.
    const ignore = (rel: string) => rel.startsWith('python') || rel.endsWith('.md');
    return {
      func: await hashTree(join(opts.repoRoot, 'func'), ignore),
      cmodule: await hashTree(join(opts.repoRoot, 'pyfaasm', 'cmodule')),
      cflags: CFLAGS,
      sources: SOURCES,
      strip: 'debug',
    };
  },
  build,
};
