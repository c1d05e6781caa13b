import { afterEach, describe, expect, test } from '@jest/globals';
import { FROM_SOURCE_ENV, findSystemPython } from '../../../src/cpython/system-python.js';

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
});
