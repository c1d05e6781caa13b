import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerContext } from '../layers/types.js';
import type { WasmCompiler } from '../toolchain/flags.js';

/** `lib/link.json` in the wasm layer: how to link a program against its libpython. */
export interface LinkInfo {
  /** Archives relative to the wasm layer's directory, in link order. */
  archives: string[];
  libs: string[];
  ldflags: string[];
}

/** The toolchain sysroot's libc++ for wasm32 (Debian's libc++-16-dev-wasm32). */
const CXX_LIBS = ['-lc++', '-lc++abi'];

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
  await ctx.exec(cc.cc, [
    ...cc.ldflags,
    ...link.ldflags,
    ...extraLdflags,
    '-o',
    output,
    ...inputs,
    ...link.archives.map((a) => join(wasmDir, a)),
    ...link.libs,
    // C++ extensions (numpy's) need libc++; an archive only adds what is used.
    ...CXX_LIBS,
  ]);
}
