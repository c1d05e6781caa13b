import { describe, expect, test } from '@jest/globals';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { REPO_ROOT } from '../../../src/paths.js';
import {
  RECIPE_SCHEMA_FILE,
  recipeJsonSchema,
  recipeSchemaErrors,
} from '../../../src/modules/recipe-schema.js';
import { recipeRule } from '../../../src/modules/recipe.js';
import { check } from '../../../src/modules/schema.js';

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

  test('ajv against the JSON Schema and the rule name the same first field for bad recipes', () => {
    const base = {
      name: 'x',
      version: '1',
      kind: 'pure',
      sources: [
        { kind: 'url', url: 'https://e.org/x.tar.gz', file: 'x.tar.gz', sha256: 'a'.repeat(64) },
      ],
      test: 'import x',
    };
    const bad: Record<string, unknown>[] = [
      { ...base, version: 1 },
      { ...base, kind: 'binary' },
      { ...base, pathces: [] },
      { ...base, test: 3 },
      { ...base, sources: [] },
      { ...base, sources: [{ kind: 'git' }] },
      { ...base, sources: [{ ...base.sources[0], sha256: 'abc' }] },
      { ...base, pipEnv: { 'no-way': '1' } },
      { ...base, buildRequires: [{ name: 'w', version: '1', sources: [] }] },
    ];
    for (const json of bad) {
      const [byAjv] = recipeSchemaErrors(json);
      const [byRule] = check(json, recipeRule);
      expect(byAjv).toEqual(byRule);
    }
    expect(recipeSchemaErrors(base)).toEqual([]);
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
