// Linking a wasm program against the wasm layer's libpython, as its link.json says.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LayerContext } from '../layers/types.js';
import type { WasmCompiler } from '../toolchain/flags.js';
import { readFunctionTable } from '../wasm/func-table.js';
import { callParams, callParamsSource, changedSlots } from './call-params.js';

/** `lib/link.json` in the wasm layer: how to link a program against its libpython. */
export interface LinkInfo {
  /** Archives relative to the wasm layer's directory, in link order. */
  archives: string[];
  libs: string[];
  ldflags: string[];
  /**
   * The libpython reads the function table's parameter counts (its WASI call trampoline):
   * every program linked against it gets them (src/cpython/call-params.ts).
   */
  callParams?: boolean;
}

/** The toolchain sysroot's libc++ for wasm32 (Debian's libc++-16-dev-wasm32). */
const CXX_LIBS = ['-lc++', '-lc++abi'];

/**
 * wasi-libc's printf/scanf/strtold with long double (a 128-bit float on wasm32): the default
 * ones abort on it, and numpy's longdouble is formatted and parsed through them from the moment
 * it is imported. They replace libc's for every program (a few KB).
 */
const LONG_DOUBLE_PRINTSCAN = '-lc-printscan-long-double';

/** __cxa_throw for C++ code that throws: that libc++abi is built without exceptions. */
const CXA_THROW = fileURLToPath(new URL('./cxa_throw.c', import.meta.url));

/** Compiles cxa_throw.c into an archive in the layer's work dir: pulled in only if used. */
async function cxaThrowArchive(ctx: LayerContext, cc: WasmCompiler): Promise<string> {
  const dir = join(ctx.work, 'cxa-throw');
  await mkdir(dir, { recursive: true });
  const obj = join(dir, 'cxa_throw.o');
  const archive = join(dir, 'libcxa_throw.a');
  await ctx.exec(cc.cc, [...cc.cflags, '-O2', '-Wall', '-c', CXA_THROW, '-o', obj]);
  await ctx.exec(cc.ar, ['rcs', archive, obj]);
  return archive;
}

/**
 * Links `inputs` (objects, then extension archives) against the wasm layer's libpython into
 * `output`: the one place that knows the link order and CPython's link flags. Extension
 * archives come first because they need libpython's symbols, which the archives after them give.
 */
export async function linkWithPython(
  ctx: LayerContext,
  cc: WasmCompiler,
  wasmDir: string,
  inputs: readonly string[],
  output: string,
  extraLdflags: readonly string[] = [],
): Promise<void> {
  const link = JSON.parse(await readFile(join(wasmDir, 'lib', 'link.json'), 'utf8')) as LinkInfo;
  const tail = [
    ...link.archives.map((a) => join(wasmDir, a)),
    ...link.libs,
    LONG_DOUBLE_PRINTSCAN,
    // C++ extensions (numpy's) need libc++; an archive only adds what is used.
    await cxaThrowArchive(ctx, cc),
    ...CXX_LIBS,
  ];
  const run = (objects: readonly string[]) =>
    ctx.exec(cc.cc, [
      ...cc.ldflags,
      ...link.ldflags,
      ...extraLdflags,
      '-o',
      output,
      ...objects,
      ...tail,
    ]);
  await run(inputs);
  if (!link.callParams) return;
  // The second pass adds only data, so the function table must come out as the first made it.
  const params = callParams(readFunctionTable(await readFile(output)));
  await run([...inputs, await callParamsObject(ctx, cc, params)]);
  const again = callParams(readFunctionTable(await readFile(output)));
  const moved = changedSlots(params, again);
  if (moved.length) {
    throw new Error(
      `linking the call-parameter table moved the function table (slots ${moved.join(', ')} differ): the table describes another link`,
    );
  }
}

/** Compiles the parameter-count table into an object in the layer's work dir. */
async function callParamsObject(
  ctx: LayerContext,
  cc: WasmCompiler,
  params: Uint8Array,
): Promise<string> {
  const dir = join(ctx.work, 'call-params');
  await mkdir(dir, { recursive: true });
  const src = join(dir, 'call_params.c');
  const obj = join(dir, 'call_params.o');
  await writeFile(src, callParamsSource(params));
  await ctx.exec(cc.cc, [...cc.cflags, '-O2', '-Wall', '-c', src, '-o', obj]);
  return obj;
}
