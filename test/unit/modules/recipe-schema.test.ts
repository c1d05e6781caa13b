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

const published = async () =>
  JSON.parse(await readFile(join(REPO_ROOT, RECIPE_SCHEMA_FILE), 'utf8')) as object;

describe('the published recipe JSON Schema', () => {
  test('is what the Recipe declaration generates (run npm run recipe-schema after changing it)', async () => {
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

  test('a stock ajv with the published file and recipeSchemaErrors refuse the same recipes, at the same field', async () => {
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(await published());
    const base = {
      name: 'x',
      version: '1',
      kind: 'pure',
      sources: [
        { kind: 'url', url: 'https://e.org/x.tar.gz', file: 'x.tar.gz', sha256: 'a'.repeat(64) },
      ],
      test: 'import x',
    };
    const bad: [Record<string, unknown>, string, RegExp][] = [
      [{ ...base, version: 1 }, 'version', /must be a string, not a number/],
      [
        { ...base, kind: 'binary' },
        'kind',
        /one of 'pure', 'c-extension', 'rust-extension', not 'binary'/,
      ],
      [{ ...base, pathces: [] }, 'pathces', /is not a known field/],
      [{ ...base, test: 3 }, 'test', /string or a list of strings, not a number/],
      [{ ...base, sources: [] }, 'sources', /at least 1 item/],
      [{ ...base, sources: [{ kind: 'git' }] }, 'sources[0].kind', /one of 'url'/],
      [
        { ...base, sources: [{ ...base.sources[0], sha256: 'abc' }] },
        'sources[0].sha256',
        /64 hex/,
      ],
      [{ ...base, pipEnv: { 'no-way': '1' } }, 'pipEnv.no-way', /environment variable name/],
      [
        { ...base, buildRequires: [{ name: 'w', version: '1', sources: [] }] },
        'buildRequires[0].sources',
        /at least 1 item/,
      ],
    ];
    for (const [json, field, message] of bad) {
      const [first, ...rest] = recipeSchemaErrors(json);
      expect([field, first?.field, rest]).toEqual([field, field, []]);
      expect(first?.message).toMatch(message);
      expect([field, validate(json)]).toEqual([field, false]);
      const pointer = `/${field
        .replace(/\[(\d+)\]/g, '.$1')
        .split('.')
        .join('/')}`;
      // Where ajv puts a missing or unknown field, or a bad key, beside the others.
      const at = (validate.errors ?? []).map((e) =>
        e.keyword === 'required' || e.keyword === 'additionalProperties'
          ? `${e.instancePath}/${String(Object.values(e.params)[0])}`
          : e.propertyName !== undefined
            ? `${e.instancePath}/${e.propertyName}`
            : e.instancePath,
      );
      expect([field, at]).toEqual([field, expect.arrayContaining([pointer])]);
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
