// A damaged runtime root is reported by name and rebuilt before the function runs: the user's
// function is never blamed for it.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LayerResult } from '../../src/layers/types.js';
import { REPO_ROOT } from '../../src/paths.js';
import { exec } from '../../src/util/exec.js';
import { PYTHON, buildLayers, integrationOptions } from '../helpers/runtime.js';

const CLI = join(REPO_ROOT, 'bin', 'faasm-python.js');
let layers: Map<string, LayerResult>;
let cache: string;

beforeAll(async () => {
  layers = await buildLayers(['func', 'root']);
  // A private cache holding hard links to the built layers: damage there replaces files (new
  // inodes), so the shared cache is never touched.
  cache = await mkdtemp(join(tmpdir(), 'fp-damaged-'));
  for (const r of layers.values()) {
    const entry = join(integrationOptions().cacheDir, 'layers', r.name, r.key);
    await mkdir(join(cache, 'layers', r.name), { recursive: true });
    await exec('cp', ['-al', entry, join(cache, 'layers', r.name, r.key)]);
  }
}, 3_600_000);
afterAll(async () => {
  if (cache) await rm(cache, { recursive: true, force: true });
});

describe('faasm-python run on a damaged root', () => {
  test('reports the damaged layer and file, rebuilds it, then runs the function', async () => {
    const root = layers.get('root')!;
    const rel = `lib/${PYTHON.libDir}/os.py`;
    const file = join(cache, 'layers', 'root', root.key, 'out', rel);
    const size = (await stat(file)).size;
    const text = await readFile(file, 'utf8');
    await unlink(file);
    await writeFile(file, text.slice(0, 100));

    const r = await exec(process.execPath, [CLI, 'run', join(REPO_ROOT, 'func/python/hello.py')], {
      env: { FAASM_PYTHON_CACHE: cache, FAASM_PYTHON_ACTIONS_CACHE: '0', NODE_OPTIONS: '' },
    });
    expect(r.stderr).toContain(
      `warning: The cached root layer (${root.key.slice(0, 12)}) is damaged: ${rel} is 100 bytes, ${size} expected. Rebuilding it.`,
    );
    expect(r.stderr).not.toMatch(/Traceback|error:/);
    expect((await stat(file)).size).toBe(size);
  }, 600_000);
});
