import { describe, expect, test } from '@jest/globals';
import { C_LIBRARIES } from '../../../src/cpython/wasm-layer.js';
import { REPO_ROOT } from '../../../src/paths.js';
import { pipeline } from '../../../src/pipeline.js';
import { cLibraryLayer, readCLibraryRecipe } from '../../../src/toolchain/c-library.js';

const opts = {
  repoRoot: REPO_ROOT,
  cacheDir: '/nonexistent',
  noCache: false,
  jobs: 1,
  experimental: false,
  verbose: false,
};

describe('C library layers', () => {
  test('every C library the wasm build links is a layer of the pipeline', () => {
    const names = pipeline.map((l) => l.name);
    for (const lib of C_LIBRARIES) expect(names).toContain(lib);
  });

  test("a recipe's distribution patches are part of its key: archive, directory and order", async () => {
    const inputs = (await cLibraryLayer('openssl', '').inputs({ opts })) as Record<string, unknown>;
    const recipe = await readCLibraryRecipe(REPO_ROOT, 'openssl');
    expect(inputs.sourcePatches).toEqual({
      sources: [
        'openssl_3.5.7-1~deb13u2.debian.tar.xz:' + recipe.sourcePatches!.sources[0]!.sha256,
      ],
      dir: 'patches',
      apply: recipe.sourcePatches!.apply,
    });
    // A recipe without them keys as before.
    const zlib = (await cLibraryLayer('zlib', '').inputs({ opts })) as Record<string, unknown>;
    expect(zlib).not.toHaveProperty('sourcePatches');
  });

  test('OpenSSL is pinned to one source by sha256 on every route, configured for WASI without sockets', async () => {
    const r = await readCLibraryRecipe(REPO_ROOT, 'openssl');
    expect(new Set(r.sources.map((s) => s.sha256)).size).toBe(1);
    const configure = r.steps.find((s) => 'run' in s && s.run[1] === 'Configure');
    expect(configure && 'run' in configure ? configure.run : []).toEqual(
      expect.arrayContaining(['no-shared', 'no-asm', 'no-threads', 'no-sock', 'no-dso']),
    );
  });
});
