import { expect } from '@jest/globals';
import { existsSync } from 'node:fs';
import { findSystemPython } from '../../src/cpython/system-python.js';
import { probe } from '../../src/util/exec.js';
import { testUnless } from '../helpers/needs.js';

// The distribution's python3.11 as the build Python: offered exactly when it reports the pinned
// version. Without one the lookup may install it with apt, which this test does not do.
const PYTHON = '/usr/bin/python3.11';
const version = existsSync(PYTHON)
  ? await probe(PYTHON, ['-c', 'import sys; print(sys.version.split()[0])'])
  : undefined;

testUnless(version === undefined ? `${PYTHON} is not installed` : undefined)(
  "findSystemPython offers the distribution's python3.11 exactly when it reports the pinned version",
  async () => {
    const found = await findSystemPython('3.11.2');
    if (version !== '3.11.2') {
      expect(found).toBeUndefined();
    } else {
      expect(found?.path).toBe(PYTHON);
      expect(found?.sysVersion.startsWith('3.11.2 ')).toBe(true);
      expect(found?.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  },
);
