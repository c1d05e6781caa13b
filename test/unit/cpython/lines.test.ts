import { describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpythonLines, readCPythonConfig } from '../../../src/cpython/config.js';
import { readCLibraryRecipe } from '../../../src/toolchain/c-library.js';
import { buildOptions } from '../../../src/commands/common.js';
import { REPO_ROOT } from '../../../src/paths.js';
import { UserError } from '../../../src/util/errors.js';

describe('CPython lines', () => {
  test('the default line is 3.13, trixie-built; 3.11 is on the machine toolchain, both patched', async () => {
    const lines = await cpythonLines(REPO_ROOT);
    expect(lines.default).toBe('3.13');
    const saved = process.env.FAASM_PYTHON_LINE;
    delete process.env.FAASM_PYTHON_LINE;
    try {
      const def = await readCPythonConfig(REPO_ROOT);
      expect(def).toMatchObject({ line: '3.13', version: '3.13.5', toolchain: 'toolchain-trixie' });
      expect(def.native.debianRoot).toEqual({ suite: 'trixie', root: 'python' });
      expect(def.sourcePatches?.apply).toContain('CVE-2026-6019.patch');
    } finally {
      if (saved !== undefined) process.env.FAASM_PYTHON_LINE = saved;
    }
    const old = await readCPythonConfig(REPO_ROOT, '3.11');
    expect(old).toMatchObject({ line: '3.11', version: '3.11.2', toolchain: 'toolchain' });
    expect(old.sourcePatches?.apply).toContain('CVE-2026-6100.patch');
  });

  test('FAASM_PYTHON_LINE picks the line when none is named, and is checked like --python', async () => {
    const saved = process.env.FAASM_PYTHON_LINE;
    try {
      process.env.FAASM_PYTHON_LINE = '3.11';
      expect((await readCPythonConfig(REPO_ROOT)).version).toBe('3.11.2');
      expect((await readCPythonConfig(REPO_ROOT, '3.13')).version).toBe('3.13.5');
      process.env.FAASM_PYTHON_LINE = '2.7';
      await expect(readCPythonConfig(REPO_ROOT)).rejects.toThrow(
        "FAASM_PYTHON_LINE names no CPython line '2.7'; choose one of 3.11, 3.13 (third-party/cpython/lines.json).",
      );
    } finally {
      if (saved === undefined) delete process.env.FAASM_PYTHON_LINE;
      else process.env.FAASM_PYTHON_LINE = saved;
    }
  });

  test('an unknown line is one sentence naming the lines', async () => {
    const err = await readCPythonConfig(REPO_ROOT, '3.12').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      "There is no CPython line '3.12'; choose one of 3.11, 3.13 (third-party/cpython/lines.json).",
    );
  });
});

describe('docs/security.md', () => {
  /** The patch rows of the doc's section headed `heading` ('## 3.13 line' up to the next one). */
  const rowsOf = (doc: string, heading: string) => {
    const section = doc.split(/^## /m).find((s) => s.startsWith(heading)) ?? '';
    return section.split('\n').filter((l) => /^\| `[^`]+\.(patch|diff)`/.test(l));
  };

  /** The rows name `apply` in order, each with its CVE or why it has none. */
  const expectRows = (rows: string[], apply: readonly string[]) => {
    expect(rows.map((r) => /^\| `([^`]+)`/.exec(r)![1])).toEqual(apply);
    for (const row of rows) {
      const [, patch, cve] = row.split('|').map((c) => c.trim());
      const named = /(CVE-\d{4}-\d+)/.exec(patch!)?.[1];
      if (named) expect(cve!.startsWith(named)).toBe(true);
      else expect(cve).toMatch(/^(CVE-\d{4}-\d+|no CVE: .+)/);
    }
  };

  test.each(['3.13', '3.11'])(
    'lists every Debian patch the %s line applies, in order, with its CVE or why it has none',
    async (line) => {
      const doc = await readFile(join(REPO_ROOT, 'docs', 'security.md'), 'utf8');
      const cfg = await readCPythonConfig(REPO_ROOT, line);
      expectRows(rowsOf(doc, `${line} line`), cfg.sourcePatches!.apply);
    },
  );

  test('lists every Debian patch the OpenSSL recipe applies, in order, with its CVE or why it has none', async () => {
    const doc = await readFile(join(REPO_ROOT, 'docs', 'security.md'), 'utf8');
    const recipe = await readCLibraryRecipe(REPO_ROOT, 'openssl');
    expect(doc).toContain(`link OpenSSL ${recipe.version}`);
    expectRows(rowsOf(doc, 'OpenSSL'), recipe.sourcePatches!.apply);
  });
});

describe('--python', () => {
  test('selects a line by name; anything else is refused before a build starts', () => {
    const cacheDir = process.env.TMPDIR ?? '/tmp';
    expect(buildOptions({ python: '3.13', 'cache-dir': cacheDir }).python).toBe('3.13');
    expect(buildOptions({ 'cache-dir': cacheDir }).python).toBeUndefined();
    expect(() => buildOptions({ python: 'latest', 'cache-dir': cacheDir })).toThrow(
      "--python takes a CPython line such as 3.13, not 'latest'.",
    );
  });
});
