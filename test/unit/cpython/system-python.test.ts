import { afterEach, describe, expect, test } from '@jest/globals';
import { access } from 'node:fs/promises';
import { FROM_SOURCE_ENV, findSystemPython } from '../../../src/cpython/system-python.js';
import { probe } from '../../../src/util/exec.js';

afterEach(() => {
  delete process.env[FROM_SOURCE_ENV];
});

describe('findSystemPython', () => {
  test('never offers a Python whose version differs from the pin', async () => {
    expect(await findSystemPython('3.11.99')).toBeUndefined();
  });

  test('is switched off by the from-source variable', async () => {
    process.env[FROM_SOURCE_ENV] = '1';
    expect(await findSystemPython('3.11.2')).toBeUndefined();
  });

  test("offers the distribution's python3.11 exactly when it reports the pinned version", async () => {
    const installed = await access('/usr/bin/python3.11').then(
      () => true,
      () => false,
    );
    const version = installed
      ? await probe('/usr/bin/python3.11', ['-c', 'import sys; print(sys.version.split()[0])'])
      : undefined;
    // Without one, the lookup may install python3.11 with apt: not from a unit test.
    if (!installed) return;
    const found = await findSystemPython('3.11.2');
    if (version !== '3.11.2') {
      expect(found).toBeUndefined();
      return;
    }
    expect(found?.path).toBe('/usr/bin/python3.11');
    expect(found?.sysVersion.startsWith('3.11.2 ')).toBe(true);
    expect(found?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
