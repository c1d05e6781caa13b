import { describe, expect, test } from '@jest/globals';
import { cpythonLines, readCPythonConfig } from '../../../src/cpython/config.js';
import { REPO_ROOT } from '../../../src/paths.js';
import { UserError } from '../../../src/util/errors.js';

describe('CPython lines', () => {
  test('the default line is 3.11 on the machine toolchain; 3.13 is trixie-built', async () => {
    const lines = await cpythonLines(REPO_ROOT);
    expect(lines.default).toBe('3.11');
    const def = await readCPythonConfig(REPO_ROOT);
    expect(def).toMatchObject({ line: '3.11', version: '3.11.2', toolchain: 'toolchain' });
    const next = await readCPythonConfig(REPO_ROOT, '3.13');
    expect(next).toMatchObject({ line: '3.13', version: '3.13.5', toolchain: 'toolchain-trixie' });
    expect(next.native.debianRoot).toEqual({ suite: 'trixie', root: 'python' });
    expect(next.sourcePatches?.apply).toContain('CVE-2026-6019.patch');
  });

  test('an unknown line is one sentence naming the lines', async () => {
    const err = await readCPythonConfig(REPO_ROOT, '3.12').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      "There is no CPython line '3.12'; choose one of 3.11, 3.13 (third-party/cpython/lines.json).",
    );
  });
});
