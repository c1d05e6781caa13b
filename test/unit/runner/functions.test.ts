import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkFunctionName,
  isFunctionName,
  stageFunction,
  stageFunctionDir,
} from '../../../src/runner/functions.js';
import { UserError } from '../../../src/util/errors.js';

/** Names that climb out of, or do not make, one path segment. */
const BAD_NAMES = ['..', 'a..b', 'a..', '..a', '.', '.hidden', 'a/b', '', '-x', 'a b'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'functions-'));
  await writeFile(join(dir, 'f.py'), 'def faasm_main():\n    return 0\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("Faasm's name rule for users and functions", () => {
  test('a path segment of letters, digits, _, - and ., with no ..', () => {
    for (const ok of ['python', 'my_func', 'v1.2', 'a-b', '_x', '0', 'a.b.c']) {
      expect([ok, isFunctionName(ok)]).toEqual([ok, true]);
    }
    for (const bad of BAD_NAMES) expect([bad, isFunctionName(bad)]).toEqual([bad, false]);
  });

  test('checkFunctionName says which name and what to use, in one sentence', () => {
    expect(checkFunctionName('user', 'python')).toBe('python');
    expect(() => checkFunctionName('function', 'a..b')).toThrow(
      new UserError("'a..b' is not a valid function name; use letters, digits, '_', '-' and '.'."),
    );
  });

  test('staging refuses a ..-style user or function name, and writes nothing', async () => {
    const out = join(dir, 'pyfuncs');
    for (const bad of ['..', 'a..b']) {
      await expect(stageFunction(join(dir, 'f.py'), out, bad, 'f')).rejects.toThrow(UserError);
      await expect(stageFunction(join(dir, 'f.py'), out, 'u', bad)).rejects.toThrow(UserError);
    }
    expect(existsSync(out)).toBe(false);
    await writeFile(join(dir, 'a..b.py'), '');
    await expect(stageFunctionDir(dir, out, 'u')).rejects.toThrow("'a..b' is not a valid function name"); // prettier-ignore
  });
});
