import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { validatorOf } from '../../../src/modules/validators.js';

const dirs: string[] = [];
const cache = async () => {
  const d = await mkdtemp(join(tmpdir(), 'fp-validators-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const schema = () => ({
  type: 'object',
  properties: { n: { type: 'string', pattern: '^a' }, list: { type: 'array', default: [] } },
  required: ['n'],
  additionalProperties: false,
});

describe('validators kept in the cache', () => {
  test('the second process loads the code the first compiled, and it checks the same', async () => {
    const dir = await cache();
    const compiled = validatorOf(schema(), dir);
    const files = await readdir(join(dir, 'tools', 'validators'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{32}\.cjs$/);
    // A new schema object stands for a new process: nothing in memory, the file on disk.
    const loaded = validatorOf(schema(), dir);
    expect(loaded).not.toBe(compiled);
    for (const json of [{ n: 'ab' }, { n: 'b' }, { n: 1, x: 2 }, []]) {
      const a = structuredClone(json);
      const b = structuredClone(json);
      expect([compiled(a), a, compiled.errors]).toEqual([loaded(b), b, loaded.errors]);
    }
    const filled: Record<string, unknown> = { n: 'a' };
    expect(loaded(filled)).toBe(true);
    expect(filled).toEqual({ n: 'a', list: [] });
  });

  test('a changed schema gets its own validator, never the old one', async () => {
    const dir = await cache();
    validatorOf(schema(), dir);
    const changed = { ...schema(), required: [] };
    expect(validatorOf(changed, dir)({})).toBe(true);
    expect(await readdir(join(dir, 'tools', 'validators'))).toHaveLength(2);
  });

  test('a cache it cannot write still gets a working validator', async () => {
    const dir = await cache();
    // A file where the tools directory should be: no write can succeed, even as root.
    await writeFile(join(dir, 'tools'), '');
    const v = validatorOf(schema(), dir);
    expect(v({ n: 'b' })).toBe(false);
    expect(v({ n: 'a' })).toBe(true);
  });
});
