/**
 * numpy's C headers for a package built against numpy (pandas, and any Cython module that
 * cimports numpy). The build requirement is the build Python's numpy wheel (x86_64), and the
 * package's build takes its headers from it (`numpy.get_include()`), so its `_numpyconfig.h`
 * says what x86_64 says: an 8-byte long and pointer, where wasm32 has 4. Compiled with those,
 * npy_intp, npy_long and every struct holding them disagree with the wasm numpy the runtime
 * links in. This rewrites that header, in the build's own copy of the requirement, with the
 * target's sizes as the wasm compiler defines them (numpy's API and ABI versions, and the rest
 * of its headers, are the same on every platform; pyodide rewrites the same defines).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerContext } from '../layers/types.js';
import type { WasmCompiler } from '../toolchain/flags.js';
import { exists } from '../util/fs.js';

export const NUMPY_CONFIG_H = 'numpy/_core/include/numpy/_numpyconfig.h';

/** Which of the compiler's `__SIZEOF_*__` each of numpy's sizes is, and how many of it. */
const SIZES: Record<string, [string, number]> = {
  SHORT: ['__SIZEOF_SHORT__', 1],
  INT: ['__SIZEOF_INT__', 1],
  LONG: ['__SIZEOF_LONG__', 1],
  FLOAT: ['__SIZEOF_FLOAT__', 1],
  COMPLEX_FLOAT: ['__SIZEOF_FLOAT__', 2],
  DOUBLE: ['__SIZEOF_DOUBLE__', 1],
  COMPLEX_DOUBLE: ['__SIZEOF_DOUBLE__', 2],
  LONGDOUBLE: ['__SIZEOF_LONG_DOUBLE__', 1],
  COMPLEX_LONGDOUBLE: ['__SIZEOF_LONG_DOUBLE__', 2],
  PY_INTPTR_T: ['__SIZEOF_POINTER__', 1],
  INTP: ['__SIZEOF_POINTER__', 1],
  UINTP: ['__SIZEOF_POINTER__', 1],
  WCHAR_T: ['__SIZEOF_WCHAR_T__', 1],
  // wasi-libc's off_t is int64_t (no compiler macro names it).
  OFF_T: ['__SIZEOF_LONG_LONG__', 1],
  PY_LONG_LONG: ['__SIZEOF_LONG_LONG__', 1],
  LONGLONG: ['__SIZEOF_LONG_LONG__', 1],
};

/** The header with the target's sizes, given the compiler's predefined macros (`-dM -E`). */
export function targetNumpyConfig(header: string, predefined: string): string {
  const macros = new Map<string, number>();
  for (const m of predefined.matchAll(/^#define (__SIZEOF_\w+__) (\d+)$/gm))
    macros.set(m[1]!, Number(m[2]));
  const unknown: string[] = [];
  const out = header
    .replace(/^#define NPY_SIZEOF_(\w+) \d+$/gm, (line, what: string) => {
      const [macro, times] = SIZES[what] ?? [];
      const size = macro && macros.get(macro);
      if (!size) {
        unknown.push(what);
        return line;
      }
      return `#define NPY_SIZEOF_${what} ${size * times!}`;
    })
    // No threads on WASI: the wasm numpy is built without them (disable-threading).
    .replace(/^#define NPY_NO_SMP \d$/m, '#define NPY_NO_SMP 1');
  if (unknown.length)
    throw new Error(
      `numpy's ${NUMPY_CONFIG_H} has sizes this build does not know: ${unknown.join(', ')}`,
    );
  return out;
}

/** Rewrites `_numpyconfig.h` of a numpy among the build requirements in `requires`, if any. */
export async function useTargetNumpyConfig(
  ctx: LayerContext,
  cc: WasmCompiler,
  requires: string,
): Promise<boolean> {
  const file = join(requires, NUMPY_CONFIG_H);
  if (!(await exists(file))) return false;
  const { stdout } = await ctx.exec(cc.cc, [...cc.cflags, '-dM', '-E', '-x', 'c', '/dev/null']);
  await writeFile(file, targetNumpyConfig(await readFile(file, 'utf8'), stdout));
  return true;
}
