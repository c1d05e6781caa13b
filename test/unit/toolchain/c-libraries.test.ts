// The C library layers are named in four places (C_LIBRARIES, the pipeline, a recipe, the
// licences): a library added to one and not the others would build without being linked, or
// ship without a licence.
import { describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { C_LIBRARIES } from '../../../src/cpython/wasm-layer.js';
import { REPO_ROOT } from '../../../src/paths.js';
import { pipeline } from '../../../src/pipeline.js';
import { readCLibraryRecipe } from '../../../src/toolchain/c-library.js';

describe('the C library layers', () => {
  test('each is a pipeline layer before wasm, with a recipe of its own name and a licence', async () => {
    const names = pipeline.map((l) => l.name);
    const licences = JSON.parse(
      await readFile(join(REPO_ROOT, 'third-party', 'licenses.json'), 'utf8'),
    ) as { libs: Record<string, string> };
    for (const lib of C_LIBRARIES) {
      expect([lib, names.indexOf(lib) >= 0]).toEqual([lib, true]);
      expect(names.indexOf(lib)).toBeLessThan(names.indexOf('wasm'));
      const recipe = await readCLibraryRecipe(REPO_ROOT, lib);
      expect(recipe.name).toBe(lib);
      expect(recipe.provides.some((f) => f.startsWith('include/'))).toBe(true);
      expect([lib, licences.libs[lib]]).toEqual([lib, expect.any(String)]);
    }
    expect(Object.keys(licences.libs).sort()).toEqual([...C_LIBRARIES].sort());
  });

  test('libffi is pinned to Debian trixie by sha256 and built by the WASI target in the repository', async () => {
    const r = await readCLibraryRecipe(REPO_ROOT, 'libffi');
    expect(r.sources).toEqual([
      expect.objectContaining({
        kind: 'debian-source',
        suite: 'trixie',
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      }),
    ]);
    const makefile = join(REPO_ROOT, 'third-party', 'libs', 'libffi', 'wasi', 'Makefile');
    expect(await readFile(makefile, 'utf8')).toMatch(/gen-calls/);
    expect(r.provides).toEqual(['lib/libffi.a', 'include/ffi.h', 'include/ffitarget.h']);
  });
});
