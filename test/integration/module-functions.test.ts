import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectedRecipes } from '../../src/modules/layer.js';
import type { ModuleRecipe } from '../../src/modules/recipe.js';
import { REPO_ROOT } from '../../src/paths.js';
import { FaasmHost } from '../../src/runner/host.js';
import { removeTree } from '../../src/util/fs.js';
import { DEFAULT_MODULES, buildLayers } from '../helpers/runtime.js';

// Every default module's recipe test, run as a Faasm function through the real entrypoint:
// C extensions must come from py_func.wasm's built-ins, pure modules from the runtime root.
let host: FaasmHost;
let functions: string;
let recipes: ModuleRecipe[] = [];
let builtins: string[] = [];

/** A function whose faasm_main runs the recipe's test code and returns 0 when it passes. */
function asFunction(r: ModuleRecipe): string {
  return `def faasm_main():\n    exec(compile(${JSON.stringify(r.test)}, "${r.name} recipe test", "exec"), {})\n    return 0\n`;
}

beforeAll(async () => {
  const layers = await buildLayers(['func', 'root']);
  recipes = (await selectedRecipes(REPO_ROOT, false)).filter((r) => r.test.trim());
  const funcInfo = JSON.parse(await readFile(join(layers.get('func')!.dir, 'func.json'), 'utf8'));
  builtins = funcInfo.builtins;
  functions = await mkdtemp(join(tmpdir(), 'fp-module-functions-'));
  for (const r of recipes) {
    await mkdir(join(functions, 'modules', r.name), { recursive: true });
    await writeFile(join(functions, 'modules', r.name, 'function.py'), asFunction(r));
  }
  host = await FaasmHost.load({
    wasmPath: join(layers.get('func')!.dir, 'py_func.wasm'),
    runtimeRoot: layers.get('root')!.dir,
    functionsDir: functions,
  });
});

afterAll(async () => {
  await host?.close();
  if (functions) await removeTree(functions);
});

describe('module recipe tests inside py_func.wasm', () => {
  test('the default set is there, and each C extension is a built-in of py_func.wasm', () => {
    expect(recipes.map((r) => r.name).sort()).toEqual(DEFAULT_MODULES);
    const extensions = recipes.flatMap((r) => r.extensions.map((e) => e.name));
    expect(extensions).toEqual(
      expect.arrayContaining([
        'genshi._speedups',
        'markupsafe._speedups',
        'msgpack._cmsgpack',
        'yaml._yaml',
        '_faasm',
      ]),
    );
    for (const e of extensions) expect(builtins).toContain(e);
  });

  test.each(DEFAULT_MODULES)('%s passes its recipe test through the Faasm host', async (name) => {
    const r = await host.call({ user: 'modules', func: name });
    if (r.returnCode !== 0) console.error(r.error, r.stdout, r.stderr);
    expect(r.error).toBeUndefined();
    expect(r.returnCode).toBe(0);
  });
});
