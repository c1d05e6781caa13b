// Adversarial: `cache list` and `cache verify` on damaged entries, through the CLI.
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli.js';
import { LocalStore } from '../../../src/layers/local-store.js';
import { filesSize, recordFiles } from '../../../src/layers/manifest.js';
import { planLayers, runLayers } from '../../../src/layers/runner.js';
import { REPO_ROOT } from '../../../src/paths.js';
import { pipeline } from '../../../src/pipeline.js';
import { fileLayer, silentReporter, testOptions } from '../../helpers/fake-layers.js';

let out: string[];
let err: string[];
let cache: string;
beforeEach(async () => {
  out = [];
  err = [];
  jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  cache = await mkdtemp(join(tmpdir(), 'fp-cache-cli-'));
});
afterEach(async () => {
  jest.restoreAllMocks();
  await rm(cache, { recursive: true, force: true });
});

/** Two good layers in the cache; returns their results by name. */
async function twoLayers() {
  const layers = [fileLayer('zlib', 'zz'), fileLayer('xz', 'xxx')];
  return runLayers(layers, testOptions(cache), { reporter: silentReporter() });
}

describe('cache list', () => {
  test('a meta.json with a bad size is listed as damaged, never as NaN', async () => {
    const r = await twoLayers();
    const meta = join(cache, 'layers', 'zlib', r.get('zlib')!.key, 'meta.json');
    await writeFile(
      meta,
      JSON.stringify({ ...JSON.parse(await readFile(meta, 'utf8')), size: 'big' }),
    );
    expect(await main(['cache', 'list', '--cache-dir', cache])).toBe(0);
    const text = out.join('\n');
    expect(text).not.toMatch(/NaN/);
    expect(text).toMatch(
      /^zlib\s+[0-9a-f]{12}\s+damaged: meta\.json gives size big, its files add up to 6$/m,
    );
    expect(text).toMatch(/^xz\s+[0-9a-f]{12}\s+7 B/m);
    expect(out.at(-1)).toMatch(/^2 layers \(1 damaged: the next build rebuilds them\), 7 B in /);
  });
});

describe('cache verify', () => {
  test('hashes every file: a same-size, same-time change is found, named and removed', async () => {
    const r = await twoLayers();
    const file = join(r.get('xz')!.dir, 'value.txt');
    const { mtime } = await stat(file);
    await writeFile(file, 'evl');
    await utimes(file, mtime, mtime);
    // The cheap check every use makes cannot see this one; verify can.
    expect(await main(['cache', 'list', '--cache-dir', cache])).toBe(0);
    expect(out.join('\n')).not.toMatch(/damaged/);
    out.length = 0;

    expect(await main(['cache', 'verify', '--cache-dir', cache])).toBe(1);
    expect(out).toContain(`ok       zlib       ${r.get('zlib')!.key.slice(0, 12)}`);
    expect(out.join('\n')).toMatch(
      /^damaged {2}The cached xz layer \([0-9a-f]{12}\) is damaged: value\.txt does not have the sha256 it was built with\. Removed; the next build rebuilds it\.$/m,
    );
    expect(out.at(-1)).toBe('2 layers verified, 1 damaged');
    expect(await readdir(join(cache, 'layers', 'xz'))).toEqual([]);

    const again = await runLayers([fileLayer('xz', 'xxx')], testOptions(cache), {
      reporter: silentReporter(),
    });
    expect(again.get('xz')!.status).toBe('built');
  });

  test('checks only the named layers, and refuses an unknown name with the list of layers', async () => {
    await twoLayers();
    expect(await main(['cache', 'verify', 'zlib', '--cache-dir', cache])).toBe(0);
    expect(out.at(-1)).toBe('1 layers verified, 0 damaged');
    expect(await main(['cache', 'verify', 'zlibb', '--cache-dir', cache])).toBe(2);
    expect(err).toEqual([
      expect.stringMatching(/^error: Unknown layer 'zlibb'; the layers are: toolchain, zlib, /),
    ]);
  });
});

describe("each module's layer", () => {
  const store = () => new LocalStore(join(cache, 'layers'));
  /** A committed entry of layer `name` under `key`. */
  async function put(name: string, key: string) {
    const staging = await store().stage(name, key);
    await writeFile(join(staging, 'out', 'module.json'), '{}');
    const files = await recordFiles(join(staging, 'out'));
    await store().commit(staging, {
      name, key, deps: {}, inputs: null, size: filesSize(files), buildMs: 1,
      createdAt: new Date().toISOString(), files,
    }); // prettier-ignore
  }

  test('is listed and verified by name like any layer', async () => {
    await twoLayers();
    await put('module-markupsafe', 'a'.repeat(64));
    expect(await main(['cache', 'list', '--cache-dir', cache])).toBe(0);
    expect(out.join('\n')).toMatch(/^module-markupsafe aaaaaaaaaaaa\s+2 B/m);
    out.length = 0;
    expect(await main(['cache', 'verify', 'module-markupsafe', '--cache-dir', cache])).toBe(0);
    expect(out).toEqual([
      'ok       module-markupsafe aaaaaaaaaaaa',
      '1 layers verified, 0 damaged',
    ]);
  });

  test("prune keeps the current recipes' module layers and removes the others", async () => {
    const opts = { ...testOptions(cache), repoRoot: REPO_ROOT };
    const plan = await planLayers(pipeline, opts);
    const current = plan.find((p) => p.layer.name === 'module-pyaes')!.key;
    await put('module-pyaes', current);
    await put('module-pyaes', 'b'.repeat(64));
    await put('module-gone', 'c'.repeat(64));
    // Where modules were kept before they were layers: gone with the leftovers.
    await mkdir(join(cache, 'module-builds', 'numpy-0123'), { recursive: true });
    expect(await main(['cache', 'prune', '--cache-dir', cache])).toBe(0);
    expect(out.at(-1)).toMatch(/^removed 2 layers.* and 1 leftovers/);
    await expect(stat(join(cache, 'module-builds'))).rejects.toThrow();
    const left = (await store().list()).map((e) => `${e.name} ${e.key}`);
    expect(left).toEqual([`module-pyaes ${current}`]);
  }, 30_000);
});
