import { describe, expect, test } from '@jest/globals';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { REPO_ROOT } from '../../../src/paths.js';
import { RECIPE_SCHEMA_FILE, recipeJsonSchema } from '../../../src/modules/recipe-schema.js';

const published = async () =>
  JSON.parse(await readFile(join(REPO_ROOT, RECIPE_SCHEMA_FILE), 'utf8')) as object;

describe('the published recipe JSON Schema', () => {
  test('is what the recipe rule generates (run npm run recipe-schema after changing it)', async () => {
    expect(await published()).toEqual(recipeJsonSchema());
  });

  test('every recipe names it and passes it in a stock ajv, as an editor would check it', async () => {
    const validate = new Ajv2020({ strict: false }).compile(await published());
    const dir = join(REPO_ROOT, 'third-party', 'modules');
    const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory());
    expect(names.length).toBeGreaterThan(5);
    for (const e of names) {
      const recipe = JSON.parse(await readFile(join(dir, e.name, 'recipe.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      expect([e.name, validate(recipe), validate.errors ?? []]).toEqual([e.name, true, []]);
      expect([e.name, recipe.$schema]).toEqual([e.name, '../recipe.schema.json']);
    }
  });

  test('refuses what the recipe parser refuses: a bad sha256', async () => {
    const validate = new Ajv2020({ strict: false }).compile(await published());
    const bad = {
      name: 'x',
      version: '1',
      kind: 'pure',
      sources: [{ kind: 'url', url: 'https://e.org/x.tar.gz', file: 'x.tar.gz', sha256: 'abc' }],
      test: 'import x',
    };
    expect(validate(bad)).toBe(false);
    expect(validate.errors?.[0]?.instancePath).toBe('/sources/0/sha256');
  });
});
