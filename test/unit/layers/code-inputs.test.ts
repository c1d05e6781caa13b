// A layer's key covers all the code that builds it: found from the import graph, not listed.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { codeInputs, codeRoot, layerCodeFiles } from '../../../src/layers/code-inputs.js';
import type { Layer } from '../../../src/layers/types.js';
import { modulesLayer } from '../../../src/modules/layer.js';
import { pipeline } from '../../../src/pipeline.js';
import { REPO_ROOT } from '../../../src/paths.js';
import { hashJson } from '../../../src/util/hash.js';
import { testOptions } from '../../helpers/fake-layers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-code-inputs-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Every layer the engine can plan: the pipeline's and each default module's. */
async function allLayers(): Promise<Layer[]> {
  const opts = { ...testOptions(dir), repoRoot: REPO_ROOT };
  return [...pipeline, ...(await modulesLayer.expand!({ opts }))];
}

const write = async (root: string, rel: string, text: string) => {
  await mkdir(dirname(join(root, rel)), { recursive: true });
  await writeFile(join(root, rel), text);
};

/** A checkout of its own: a layer module importing a helper that imports another. */
async function fixture(name: string) {
  const root = join(dir, name);
  await write(
    root,
    'src/layer.ts',
    "import { helper } from './helper.js';\nexport const l = helper;\n",
  );
  await write(root, 'src/helper.ts', "import semver from 'semver';\nimport { deep } from './deep/deep.js';\nexport const helper = () => deep + semver.major('1.0.0');\n"); // prettier-ignore
  await write(root, 'src/deep/deep.ts', 'export const deep = 1;\n');
  await write(root, 'src/types.ts', 'export interface T { a: number }\n');
  await write(root, 'src/unrelated.ts', 'export const x = 1;\n');
  await write(root, 'src/shim.c', 'int shim(void) { return 0; }\n');
  const lock = {
    packages: {
      'node_modules/semver': {
        version: '7.0.0',
        integrity: 'sha512-a',
        dependencies: { lru: '1' },
      },
      'node_modules/lru': { version: '1.0.0', integrity: 'sha512-b' },
    },
  };
  await write(root, 'package-lock.json', JSON.stringify(lock));
  const layer: Layer = {
    name: 'x',
    description: 'a layer of the fixture',
    deps: [],
    source: 'src/layer.ts',
    data: ['src/shim.c'],
    inputs: async () => ({}),
    build: async () => undefined,
  };
  const key = async () => hashJson(await codeInputs(layer, new Map(), root));
  return { root, layer, key };
}

describe("a layer's code inputs", () => {
  test('change when a file its module imports, however deep, or a data file changes', async () => {
    const { root, key } = await fixture('edits');
    const base = await key();
    expect(await key()).toBe(base);

    await write(root, 'src/unrelated.ts', 'export const x = 2;\n');
    expect(await key()).toBe(base);

    await write(root, 'src/deep/deep.ts', 'export const deep = 2;\n');
    const deep = await key();
    expect(deep).not.toBe(base);

    await write(root, 'src/shim.c', 'int shim(void) { return 1; }\n');
    expect(await key()).not.toBe(deep);
  });

  test('cover the locked version of each package the code imports, and of its dependencies', async () => {
    const { root, layer } = await fixture('lock');
    expect(layerCodeFiles(root, layer).packages).toEqual(['semver']);
    const code = (await codeInputs(layer, new Map(), root)) as { packages: unknown };
    expect(code.packages).toEqual({
      'node_modules/semver': '7.0.0 sha512-a',
      'node_modules/lru': '1.0.0 sha512-b',
    });
  });

  test('name a declared data file that does not exist', async () => {
    const { root, layer } = await fixture('missing');
    const broken = { ...layer, data: ['src/gone.c'] };
    await expect(codeInputs(broken, new Map(), root)).rejects.toThrow(
      "Layer 'x' declares the data file src/gone.c, which does not exist.",
    );
  });
});

/**
 * The relative modules a TypeScript file imports for their values (static, re-exported and
 * dynamic), read from its text: an independent check of the graph esbuild finds.
 */
function valueImports(file: string): string[] {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  const specs = [
    ...text.matchAll(/^\s*import\s+(?!type\s)(?:[^'";]*?\sfrom\s*)?['"](\.[^'"]+)['"]/gm),
    ...text.matchAll(/^\s*export\s+(?!type\s)(?:\*|\{[^}]*\})\s*from\s*['"](\.[^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  return specs.map((s) => {
    const target = posix.normalize(posix.join(posix.dirname(file), s));
    const ts = target.replace(/\.js$/, '.ts');
    return existsSync(join(REPO_ROOT, ts)) ? ts : target;
  });
}

function transitiveImports(entry: string): Set<string> {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
    for (const i of valueImports(f)) {
      if (!seen.has(i)) {
        seen.add(i);
        queue.push(i);
      }
    }
  }
  return seen;
}

describe('every layer of the engine', () => {
  test('covers every file its module transitively imports', async () => {
    const layers = await allLayers();
    expect(layers.length).toBeGreaterThan(pipeline.length);
    for (const layer of layers) {
      const derived = new Set(layerCodeFiles(codeRoot(), layer).files);
      const left = [...transitiveImports(layer.source)].filter((f) => !derived.has(f));
      expect({ layer: layer.name, left }).toEqual({ layer: layer.name, left: [] });
      // The modules layer reads src/sources/unpack.ts, which no hand-kept list had.
      if (layer.name === 'modules') expect(derived).toContain('src/sources/unpack.ts');
    }
  }, 30_000);

  test('declares as data every file its code finds by URL rather than by import', async () => {
    for (const layer of await allLayers()) {
      const { files } = layerCodeFiles(codeRoot(), layer);
      const data = layer.data ?? [];
      for (const d of data) expect({ layer: layer.name, exists: existsSync(join(REPO_ROOT, d)), d }).toEqual({ layer: layer.name, exists: true, d }); // prettier-ignore
      // new URL('./x.c', import.meta.url): a file the code reads. A '.js' one is a worker or
      // runner module (declared where a layer runs it: the modules layer's wasi-python.ts).
      const urls = files.flatMap((f) =>
        [...readFileSync(join(REPO_ROOT, f), 'utf8').matchAll(/new URL\(\s*'(\.[^']+)',\s*import\.meta\.url/g)]
          .map((m) => posix.normalize(posix.join(posix.dirname(f), m[1]!)))
          .filter((u) => !u.endsWith('.js')),
      ); // prettier-ignore
      for (const u of urls) {
        const covered = u.endsWith('/') ? data.some((d) => d.startsWith(u)) : data.includes(u);
        expect({ layer: layer.name, reads: u, covered }).toEqual({
          layer: layer.name,
          reads: u,
          covered: true,
        });
      }
    }
  });
});
