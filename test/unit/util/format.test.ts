import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../src/paths.js';
import { asRepoFormats } from '../../../src/util/format.js';

describe('generated files', () => {
  test("are written as the repository's prettier writes them, so lint passes on them", async () => {
    const table = '| run | passed |\n| --- | --- |\n| 45730 | 43783 |\n';
    expect(await asRepoFormats(join(REPO_ROOT, 'docs', 'x-tests.md'), table, 'markdown')).toBe(
      '| run   | passed |\n| ----- | ------ |\n| 45730 | 43783  |\n',
    );
    const json = '{\n  "extensions": [\n    "a"\n  ]\n}\n';
    expect(await asRepoFormats(join(REPO_ROOT, 'recipe.json'), json, 'json')).toBe(
      '{\n  "extensions": ["a"]\n}\n',
    );
  });
});
